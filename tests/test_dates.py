"""Dates as readers type them (`tui.core.dates`), and the nearest issue to one."""

from __future__ import annotations

import datetime as dt

import pytest

from tui.core.dates import DateRange, nearest, parse_date

TODAY = dt.date(2026, 12, 5)
D = dt.date


def day(y: int, m: int, d: int) -> DateRange:
    return DateRange(D(y, m, d), D(y, m, d))


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("2019-05-01", day(2019, 5, 1)),
        ("2019/5/1", day(2019, 5, 1)),
        ("2019.05.01", day(2019, 5, 1)),
        ("20190501", day(2019, 5, 1)),
        ("2012年7月2日", day(2012, 7, 2)),
        ("2012 年 7 月 2 日", day(2012, 7, 2)),
        ("２０１２年７月２日", day(2012, 7, 2)),  # full-width digits, from a Chinese IME
        ("7月2日", day(2018, 7, 2)),  # the year being read
        ("7月2号", day(2018, 7, 2)),
        ("2012-07", DateRange(D(2012, 7, 1), D(2012, 7, 31))),
        ("2012年7月", DateRange(D(2012, 7, 1), D(2012, 7, 31))),
        ("2012-12", DateRange(D(2012, 12, 1), D(2012, 12, 31))),
        ("2016-02", DateRange(D(2016, 2, 1), D(2016, 2, 29))),
        ("2012", DateRange(D(2012, 1, 1), D(2012, 12, 31))),
        ("2012年", DateRange(D(2012, 1, 1), D(2012, 12, 31))),
        ("今天", day(2026, 12, 5)),
        ("Yesterday", day(2026, 12, 4)),
        ("昨天", day(2026, 12, 4)),
        ("前天", day(2026, 12, 3)),
    ],
)
def test_dates_as_readers_type_them(typed: str, meant: DateRange) -> None:
    assert parse_date(typed, today=TODAY, year=2018) == meant


def test_a_month_and_day_without_a_year_being_read_are_this_year() -> None:
    assert parse_date("7月2日", today=TODAY) == day(2026, 7, 2)


@pytest.mark.parametrize(
    "typed", ["", "人民日报", "2019-02-30", "2019-13", "201905", "5/1", "2019-05-01x", "明天"]
)
def test_what_is_not_a_date_is_none(typed: str) -> None:
    assert parse_date(typed, today=TODAY) is None


ISSUES = [D(2019, 5, 6), D(2019, 5, 2), D(2019, 4, 28), D(2019, 3, 31)]


@pytest.mark.parametrize(
    ("wanted", "found"),
    [
        (day(2019, 5, 2), D(2019, 5, 2)),  # that day
        (day(2019, 5, 1), D(2019, 5, 2)),  # a day without an issue: the nearest
        (day(2019, 4, 30), D(2019, 4, 28)),  # two days from each: the earlier
        (day(2020, 1, 1), D(2019, 5, 6)),  # after the last
        (day(2000, 1, 1), D(2019, 3, 31)),  # before the first
        (DateRange(D(2019, 5, 1), D(2019, 5, 31)), D(2019, 5, 2)),  # a month: its first issue
        (DateRange(D(2019, 4, 1), D(2019, 4, 30)), D(2019, 4, 28)),
        (DateRange(D(2019, 1, 1), D(2019, 1, 31)), D(2019, 3, 31)),  # none in it: the nearest
    ],
)
def test_the_nearest_issue(wanted: DateRange, found: dt.date) -> None:
    assert nearest(ISSUES, wanted) == found


def test_no_issues_no_nearest() -> None:
    assert nearest([], day(2019, 5, 1)) is None
