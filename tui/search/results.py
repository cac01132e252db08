"""What a search answers: `SearchResult` and its `Hit`s, made from an index's entries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.search.pinyin import header_text
from tui.search.segments import KICKER, SUBTITLE, TITLE
from tui.search.snippet import Snippet, article_snippet

if TYPE_CHECKING:
    from tui.search.build import IndexData
    from tui.search.indexlayout import IndexView


@dataclass(frozen=True, slots=True)
class Hit:
    """One matching article, with what a result line shows."""

    article_id: str
    score: float
    snippet: Snippet
    title: str | None
    label: str  # the title, or the start of the text for an article without one
    section: str
    issue: str
    date: str | None  # the issue's date, YYYY-MM-DD


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str
    terms: list[str]  # the normalised terms the query was split into
    total: int  # how many articles match, however many hits were asked for
    hits: list[Hit]
    problems: tuple[str, ...] = ()  # what in the query could not be read, one line each


def make_hit(
    data: IndexData | IndexView,
    doc_id: int,
    score: float,
    terms: list[str],
    width: int,
    pinyin_span: tuple[int, int] | None = None,
) -> Hit:
    """The hit of article `doc_id`: its snippet around `terms`; or, for an article found
    by pinyin, the header line read so, `pinyin_span` (its characters) marked."""
    entry = data.entries[doc_id]
    article = entry.article
    if pinyin_span is None:
        snippet = article_snippet(article, data.docs[doc_id], terms, width)
    else:
        snippet = _header_snippet(article.title, article.kicker, article.subtitle, pinyin_span)
    return Hit(
        article_id=article.id,
        score=score,
        snippet=snippet,
        title=article.title,
        label=article.label,
        section=entry.section,
        issue=entry.issue,
        date=entry.date.isoformat() if entry.date else None,
    )


def _header_snippet(
    title: str | None, kicker: str | None, subtitle: str | None, span: tuple[int, int]
) -> Snippet:
    start, end = span
    offset = 0
    lines = header_text(title, kicker, subtitle).split("\n")
    for block, field, line in zip((TITLE, KICKER, SUBTITLE), FIELDS, lines, strict=True):
        if offset <= start <= offset + len(line):
            at = start - offset
            return Snippet(line, [(at, min(end - offset, len(line)))], block, at, field)
        offset += len(line) + 1
    return Snippet(title or "", [], TITLE, 0, "title")


FIELDS = ("title", "kicker", "subtitle")
