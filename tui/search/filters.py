"""Filters in a search query: `date:2019-02`, `date:2019-02-01..2019-02-10`, `page:1`,
`is:unread`, `is:read`, `is:saved`, `paper:人民日报`.

A word `name:value` whose name is a filter's narrows the search to the articles it names,
and is not a term; every other word is. An unknown name (`foo:bar`) is said, and its word
searched as text; a value a filter cannot take (`date:2019-13`) is said, and the filter left
out. Filters read what the index file holds of each article's page (`Places`): its date,
its section's title (the page number: `第3版`, `03_要闻` → 3), its file (the paper a file
name names) and its issue's title; `is:` reads the reader's marks, given by the caller.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import PurePath
from typing import TYPE_CHECKING

from tui.core.text import normalise
from tui.library.filenames import paper_in
from tui.search import bitset

if TYPE_CHECKING:
    from tui.search.places import Places

NAMES = ("date", "page", "is", "paper")
MARKS = ("read", "unread", "saved")
HINT = "date:2019-02  page:1  is:unread  paper:人民日报"
_WORD = re.compile(r"([A-Za-z]+):(.+)")
_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?|(\d{4})(\d{2})(\d{2})")
_PAGE = re.compile(r"第\s*0*(\d+)\s*版|^\D{0,3}?0*(\d+)")

# The marks `is:` reads: "read" or "saved" → the ids of those articles.
Marks = Callable[[str], set[str]]


@dataclass(frozen=True, slots=True)
class Filter:
    name: str
    value: str  # as typed (a date filter's: its first and last day, ISO)


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    terms: str  # the query without its filters
    filters: tuple[Filter, ...] = ()
    problems: tuple[str, ...] = field(default=())


def is_filter(word: str) -> bool:
    """Whether a query word is a filter (of a known name), not a term."""
    match = _WORD.fullmatch(word)
    return match is not None and match[1].lower() in NAMES


def parse_query(query: str) -> ParsedQuery:
    words: list[str] = []
    filters: list[Filter] = []
    problems: list[str] = []
    for word in query.split():
        match = _WORD.fullmatch(word)
        if match is None:
            words.append(word)
            continue
        name, value = match[1].lower(), match[2]
        if name not in NAMES:
            words.append(word)
            problems.append(f"unknown filter {name}: (the filters are {', '.join(NAMES)})")
            continue
        checked = _checked(name, value)
        if checked is None:
            problems.append(f"{name}:{value} cannot be read ({_EXAMPLES[name]})")
        else:
            filters.append(Filter(name, checked))
    return ParsedQuery(" ".join(words), tuple(filters), tuple(problems))


_EXAMPLES = {
    "date": "date:2019, date:2019-02, date:2019-02-01..2019-02-10",
    "page": "page:1",
    "is": "is:read, is:unread, is:saved",
    "paper": "paper:人民日报",
}


def _checked(name: str, value: str) -> str | None:
    """The filter's value as it is applied, or None if it cannot be read."""
    if name == "date":
        first, _, last = value.partition("..")
        start, end = _days(first), _days(last or first)
        if start is None or end is None or start[0] > end[1]:
            return None
        return f"{start[0].isoformat()}..{end[1].isoformat()}"
    if name == "page":
        return str(int(value)) if value.isdigit() and int(value) > 0 else None
    if name == "is":
        return value.lower() if value.lower() in MARKS else None
    return normalise(value) or None


def _days(text: str) -> tuple[dt.date, dt.date] | None:
    """The first and last day a date names: a year, a month or a day."""
    match = _DATE.fullmatch(text)
    if match is None:
        return None
    try:
        if match[4]:
            day = dt.date(int(match[4]), int(match[5]), int(match[6]))
            return day, day
        year = int(match[1])
        if match[3]:
            day = dt.date(year, int(match[2]), int(match[3]))
            return day, day
        if match[2]:
            first = dt.date(year, int(match[2]), 1)
            following = dt.date(year + first.month // 12, first.month % 12 + 1, 1)
            return first, following - dt.timedelta(days=1)
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    except ValueError:  # month 13, 30 February
        return None


class FilterColumns:
    """What filters read of an index's articles, by page; each answer a bitmap of articles."""

    def __init__(self, places: Places, ids: Sequence[str]) -> None:
        self._size = len(ids)
        self._ids = ids
        docs_of: list[list[int]] = [[] for _ in places.sources]
        for doc_id, page in enumerate(places.pages):
            docs_of[page].append(doc_id)
        self._docs_of = docs_of
        self._dates = places.dates
        self._numbers = [page_number(title) for title in places.sections]
        self._papers = [
            normalise(f"{paper_in(PurePath(source).stem) or ''} {issue}")
            for source, issue in zip(places.sources, places.issues, strict=True)
        ]
        self._positions: dict[str, int] | None = None
        self._cache: dict[Filter, int] = {}
        self._marked_bits: dict[str, tuple[set[str], int]] = {}  # the marks last given, as bits

    def bits(self, filters: Iterable[Filter], marks: Marks | None) -> int:
        """The articles every filter lets through (-1: all, when there are none)."""
        allowed = -1
        for one in filters:
            if one.name == "is":
                allowed &= self._marked(one.value, marks)
            else:
                if one not in self._cache:
                    self._cache[one] = self._of_pages(self._pages(one))
                allowed &= self._cache[one]
        return allowed

    def _pages(self, one: Filter) -> list[int]:
        if one.name == "date":
            first, last = one.value.split("..")
            return [p for p, date in enumerate(self._dates) if date and first <= date <= last]
        if one.name == "page":
            number = int(one.value)
            return [p for p, n in enumerate(self._numbers) if n == number]
        return [p for p, paper in enumerate(self._papers) if one.value in paper]

    def _of_pages(self, pages: list[int]) -> int:
        ids = sorted(chain.from_iterable(self._docs_of[p] for p in pages))
        return bitset.from_ids(ids, self._size) if ids else 0

    def _marked(self, mark: str, marks: Marks | None) -> int:
        if marks is None:
            return 0
        if self._positions is None:
            self._positions = {article_id: n for n, article_id in enumerate(self._ids)}
        kind = "saved" if mark == "saved" else "read"
        wanted = marks(kind)
        known = self._marked_bits.get(kind)
        if known is not None and known[0] is wanted:  # the same marks as the keystroke before
            bits = known[1]
        else:
            ids = [n for i in wanted if (n := self._positions.get(i)) is not None]
            bits = bitset.from_ids(ids, self._size) if ids else 0
            self._marked_bits[kind] = (wanted, bits)
        if mark == "unread":
            return ((1 << self._size) - 1) & ~bits
        return bits


def page_number(title: str) -> int | None:
    """The page a section's title names: `第3版 要闻`, `03_要闻`, `3`."""
    match = _PAGE.search(title)
    if match is None:
        return None
    return int(match[1] or match[2])
