"""Dates as readers type them, to go to an issue: `2019-05-01`, `2019/5/1`, `20190501`,
`2019年5月1日`, `5月1日` (in the year being read), `2019-05` or `2019年5月` (the month),
`2019` (the year), and `今天`, `昨天`, `前天`, `today`, `yesterday`. Full-width digits count.

A date with no issue goes to the nearest issue (`nearest`); a month or a year to its first.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

_RELATIVE = {"今天": 0, "今日": 0, "today": 0, "昨天": 1, "昨日": 1, "yesterday": 1, "前天": 2}

_DAY = re.compile(r"(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*[日号]?")
_COMPACT_DAY = re.compile(r"(\d{4})(\d{2})(\d{2})")
_MONTH_DAY = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?")
_MONTH = re.compile(r"(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*月?")
_YEAR = re.compile(r"(\d{4})\s*年?")


@dataclass(frozen=True, slots=True)
class DateRange:
    """What a typed date names: one day, or every day of a month or a year."""

    first: dt.date
    last: dt.date

    @property
    def is_day(self) -> bool:
        return self.first == self.last


def chinese_date(date: dt.date) -> str:
    """A date as a Chinese paper prints it: 2019年2月4日."""
    return f"{date.year}年{date.month}月{date.day}日"


def parse_date(text: str, *, today: dt.date, year: int | None = None) -> DateRange | None:
    """The days `text` names, or None if it is not a date. `year`: of a date typed without
    one (`5月1日`), the year being read; else today's."""
    text = unicodedata.normalize("NFKC", text).strip().lower()
    if text in _RELATIVE:
        day = today - dt.timedelta(days=_RELATIVE[text])
        return DateRange(day, day)
    try:
        if match := _DAY.fullmatch(text) or _COMPACT_DAY.fullmatch(text):
            day = dt.date(*map(int, match.groups()))
            return DateRange(day, day)
        if match := _MONTH_DAY.fullmatch(text):
            day = dt.date(year or today.year, *map(int, match.groups()))
            return DateRange(day, day)
        if match := _MONTH.fullmatch(text):
            first = dt.date(int(match[1]), int(match[2]), 1)
            following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
            return DateRange(first, following - dt.timedelta(days=1))
        if match := _YEAR.fullmatch(text):
            return DateRange(dt.date(int(match[1]), 1, 1), dt.date(int(match[1]), 12, 31))
    except ValueError:  # no such day (2019-02-30), month or year
        return None
    return None


def nearest(dates: Sequence[dt.date], wanted: DateRange) -> dt.date | None:
    """The first of `dates` in `wanted`; else the one nearest to it (the earlier of two as
    near). None if there are no dates."""
    inside = [day for day in dates if wanted.first <= day <= wanted.last]
    if inside:
        return min(inside)
    return min(dates, key=lambda day: (_days_from(day, wanted), day), default=None)


def _days_from(day: dt.date, wanted: DateRange) -> int:
    if day < wanted.first:
        return (wanted.first - day).days
    return (day - wanted.last).days
