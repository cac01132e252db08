"""The reading order: every article of a library in the order a reader meets them (issues
newest first, pages in order, articles as printed), and the moves between them.

The reader asks where a key goes (`next_section(i)`, `next_unread(i, …)`) and opens the
position it is told; None means there is nowhere to go, and the reader says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from tui.core.layout import Anchor
from tui.core.model import Article, Issue, Library, Section


class Place(NamedTuple):
    """An article and where it sits in the library (a tuple: a library has 10⁵)."""

    issue: Issue
    section: Section
    article: Article
    position: int  # 1-based, within the section


_last_made: tuple[Library, ReadingOrder] | None = None  # `ReadingOrder.of`'s last


@dataclass(frozen=True, slots=True)
class ReadingOrder:
    """Every article of a library in reading order, and each one's place in it."""

    places: list[Place]
    index_of: dict[str, int]  # article id → position in `places`

    @classmethod
    def of(cls, library: Library) -> ReadingOrder:
        """The library's order; the last one made is kept (a library never changes), so
        that a reader `dubao serve`'s zygote forks finds its library's made already."""
        global _last_made
        if _last_made is not None and _last_made[0] is library:
            return _last_made[1]
        places = [
            Place(issue, section, article, n)
            for issue in library.issues
            for section in issue.sections
            for n, article in enumerate(section.articles, start=1)
        ]
        order = cls(places, {p.article.id: i for i, p in enumerate(places)})
        _last_made = (library, order)
        return order

    def place(self, article_id: str) -> Place | None:
        """Where the article is; None for one not in the library."""
        position = self.index_of.get(article_id)
        return None if position is None else self.places[position]

    def next_article(self, index: int) -> int | None:
        return index + 1 if index + 1 < len(self.places) else None

    def previous_article(self, index: int) -> int | None:
        return index - 1 if index > 0 else None

    def section_start(self, index: int) -> int:
        """The first article of the section (page) that `index` is in."""
        places = self.places
        section = places[index].section
        while index > 0 and places[index - 1].section is section:
            index -= 1
        return index

    def next_section(self, index: int) -> int | None:
        """The first article of the next page (of this issue, or the next issue's first)."""
        places = self.places
        section = places[index].section
        while index < len(places) and places[index].section is section:
            index += 1
        return index if index < len(places) else None

    def previous_section(self, index: int) -> int | None:
        """The first article of the page before."""
        start = self.section_start(index)
        return self.section_start(start - 1) if start > 0 else None

    def next_unread(self, index: int, is_read: Callable[[str], bool]) -> int | None:
        """The first article after `index` not read, going round to the first; None when
        every article is read."""
        count = len(self.places)
        for step in range(1, count + 1):
            candidate = (index + step) % count
            if not is_read(self.places[candidate].article.id):
                return candidate
        return None

    def issue_starts(self) -> list[int]:
        """The position of each issue's first article, in reading order."""
        first_of: dict[str, int] = {}
        for index, place in enumerate(self.places):
            first_of.setdefault(place.issue.id, index)
        return list(first_of.values())


class History:
    """The places the reader left, to go back to and forward again, as a browser keeps
    them: an article's id (positions shift while a library loads) and where in it the
    reader was. At most DEPTH back."""

    DEPTH = 100

    def __init__(self) -> None:
        self._back: list[tuple[str, Anchor]] = []
        self._forward: list[tuple[str, Anchor]] = []

    def left(self, article_id: str, anchor: Anchor) -> None:
        """The reader went elsewhere from here: a new way forward starts."""
        if self._back and self._back[-1][0] == article_id:
            self._back.pop()  # the same article again: only where it was left last
        self._back.append((article_id, anchor))
        del self._back[: -self.DEPTH]
        self._forward.clear()

    def back(
        self, article_id: str, anchor: Anchor, known: Callable[[str], bool]
    ) -> tuple[str, Anchor] | None:
        """Where to go back to from here (which is kept for `forward`), passing over the
        articles not `known` (gone since: a page changed); None: nowhere."""
        return _step(self._back, self._forward, (article_id, anchor), known)

    def forward(
        self, article_id: str, anchor: Anchor, known: Callable[[str], bool]
    ) -> tuple[str, Anchor] | None:
        return _step(self._forward, self._back, (article_id, anchor), known)


def _step(
    source: list[tuple[str, Anchor]],
    other: list[tuple[str, Anchor]],
    here: tuple[str, Anchor],
    known: Callable[[str], bool],
) -> tuple[str, Anchor] | None:
    while source and not known(source[-1][0]):
        source.pop()
    if not source:
        return None
    other.append(here)
    return source.pop()
