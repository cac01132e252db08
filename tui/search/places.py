"""Where an index's articles are in their library, so that an index file can be searched
without the library loaded: each hit's article is read from its page when it is shown.

    places = Places.of(entries)                   # kept in the index file
    entries = StoredEntries(places, pages.articles)
    entries[doc_id]                               # an Entry, its page read on demand
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import overload

from tui.core.model import Article
from tui.search.build import Entry

PageArticles = Callable[[str], Sequence[Article]]


class Misplaced(Exception):
    """A page does not hold the article the index says it does (it changed since), or
    cannot be read again."""


@dataclass(frozen=True, slots=True)
class Places:
    """Per article: its page (a number into the per-page lists) and its place there."""

    pages: array
    positions: array
    # Per page: its path (a section's source), the section's and the issue's title, and the
    # issue's date (ISO, or "" for none).
    sources: list[str]
    sections: list[str]
    issues: list[str]
    dates: list[str]

    @classmethod
    def of(cls, entries: Sequence[Entry]) -> Places:
        if isinstance(entries, StoredEntries):
            return entries.places  # known: reading every page again would take seconds
        numbers: dict[tuple[object, ...], int] = {}
        for entry in entries:
            numbers.setdefault(_page(entry), len(numbers))
        pages = array("I", (numbers[_page(entry)] for entry in entries))
        positions = array("I", (entry.position for entry in entries))
        columns = [list(column) for column in zip(*numbers, strict=True)] or [[]] * 4
        sources, sections, issues, dates = columns
        iso = [date.isoformat() if date else "" for date in dates]
        return cls(pages, positions, sources, sections, issues, iso)

    def check(self, size: int) -> None:
        """ValueError unless this holds `size` articles, each on a page it lists."""
        if len(self.pages) != size or len(self.positions) != size:
            raise ValueError("places of another number of articles")
        counts = {len(self.sources), len(self.sections), len(self.issues), len(self.dates)}
        if len(counts) != 1 or (self.pages and max(self.pages) >= len(self.sources)):
            raise ValueError("articles on unknown pages")
        for date in self.dates:
            if date:
                dt.date.fromisoformat(date)


class StoredEntries(Sequence[Entry]):
    """The entries of an index file's articles: each read from its page (`page_articles`)
    when asked for, and checked to be the article the index holds (else Misplaced)."""

    def __init__(self, places: Places, ids: Sequence[str], page_articles: PageArticles) -> None:
        self._places = places
        self._ids = ids
        self._page_articles = page_articles

    @property
    def places(self) -> Places:
        return self._places

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, index: int) -> Entry: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Entry]: ...
    def __getitem__(self, index: int | slice) -> Entry | Sequence[Entry]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        places = self._places
        page, position = places.pages[index], places.positions[index]
        source = places.sources[page]
        try:
            articles = self._page_articles(source)
        except Exception as e:  # gone, unreadable: not the page the index was made of
            raise Misplaced(f"{source} could not be read again ({e})") from e
        article_id = self._ids[index]
        if position >= len(articles) or not _same(articles[position].id, article_id):
            raise Misplaced(f"{source} changed since the search index was made")
        article = articles[position]
        date = places.dates[page]
        return Entry(
            article if article.id == article_id else replace(article, id=article_id),
            places.sections[page],
            places.issues[page],
            dt.date.fromisoformat(date) if date else None,
            source,
            position,
        )


def _page(entry: Entry) -> tuple[object, ...]:
    """What an article has in common with the others on its page."""
    return (entry.source, entry.section, entry.issue, entry.date)


def _same(page_id: str, library_id: str) -> bool:
    """Whether the library's id is the page's, or it made unique (`-2`, `-3`…)."""
    if page_id == library_id:
        return True
    head, dash, number = library_id.rpartition("-")
    return bool(dash) and head == page_id and number.isdigit()
