"""The parsed library: Library → Issue → Section → Article → Block.

Plain frozen dataclasses with stable ids, free of any UI concern.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from tui.core.text import one_line

BlockType = Literal["paragraph", "subhead", "caption"]
ArticleKind = Literal["article", "photo"]
# Enough of a paragraph to name an untitled article in any list.
_LABEL_CHARS = 200


@dataclass(frozen=True, slots=True)
class Block:
    type: BlockType
    text: str


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    kind: ArticleKind
    title: str | None
    blocks: tuple[Block, ...]
    kicker: str | None = None
    subtitle: str | None = None
    byline: str | None = None
    # The dateline ("本报讯", "新华社北京5月26日电") a paragraph of the article opens with:
    # the first, or one after a lead-in quotation.
    dateline: str | None = None
    # The column (栏目) the paper ran it under: `（大使随笔）` after a headline → "大使随笔".
    column: str | None = None

    @property
    def label(self) -> str:
        """What to call the article in a list, on one line: its title; else, for a photo,
        the start of its caption; else a title made from the first words of its text, marked
        as made by the `…` that ends it."""
        if self.title:
            return one_line(self.title[:_LABEL_CHARS])
        for block in self.blocks:
            if block.text:
                text = one_line(block.text[:_LABEL_CHARS])
                return text if self.kind == "photo" else _first_words(text, self.dateline)
        return one_line(self.byline or "")


# A made title ends at the first phrase end after _MADE_TITLE_MIN characters, or is cut at
# _MADE_TITLE_CHARS.
_MADE_TITLE_MIN, _MADE_TITLE_CHARS = 8, 24
_PHRASE_END = re.compile(r"[，。！？；：,!?;:]")
# A dateline's reporter, before the text proper: `（记者杜一菲）`.
_REPORTER = re.compile(r"^\s*[（(][^（）()]{1,30}[)）]\s*")


def _first_words(text: str, dateline: str | None) -> str:
    """A title made from a paragraph: its first phrase (after any dateline), then `…`."""
    if dateline and text.startswith(dateline) and len(text) > len(dateline) + 4:
        text = _REPORTER.sub("", text[len(dateline) :].lstrip(), count=1) or text
    end = _PHRASE_END.search(text, _MADE_TITLE_MIN, _MADE_TITLE_CHARS + 1)
    words = text[: end.start() if end else _MADE_TITLE_CHARS].rstrip()
    return words + "…" if words != text else words


@dataclass(frozen=True, slots=True)
class Section:
    """A page of an issue: the articles of one page file, or of the files of one page's
    articles (one article per file)."""

    id: str
    title: str
    # The file all its articles come from; None when they come from several.
    source: str | None
    articles: tuple[Article, ...]
    # Where they come from several files: each article's file, in order (else empty).
    article_sources: tuple[str, ...] = ()

    def file_positions(self) -> list[tuple[str, int]]:
        """Each article's file and its position among that file's articles."""
        if self.source is not None:
            return [(self.source, i) for i in range(len(self.articles))]
        seen: dict[str, int] = {}
        out = []
        for path in self.article_sources:
            n = seen.get(path, 0)
            seen[path] = n + 1
            out.append((path, n))
        return out


@dataclass(frozen=True, slots=True)
class Issue:
    id: str
    title: str
    date: dt.date | None
    sections: tuple[Section, ...]
    # The paper's name, where the file names carry a known paper code (renmrb → 人民日报).
    paper: str | None = None

    @property
    def label(self) -> str:
        """What to call the issue in a list: its paper where known, its title, and its date
        where the title is not the date."""
        return self.label_with(dt.date.isoformat)

    def paper_name(self, library_name: str) -> str:
        """What to call the paper: its name where known, else the issue's title where it
        is not just its date, else `library_name`."""
        if self.paper:
            return self.paper
        dated_title = self.date is not None and self.title == self.date.isoformat()
        return library_name if dated_title or not self.title else self.title

    def label_with(self, day: Callable[[dt.date], str]) -> str:
        """`label`, with its date written by `day` (a title that is the date, too)."""
        parts = [self.paper] if self.paper else []
        if self.date and self.title == self.date.isoformat():
            parts.append(day(self.date))
        else:
            parts.append(self.title)
            if self.date:
                parts.append(day(self.date))
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Problem:
    source: str
    message: str


@dataclass(frozen=True, slots=True)
class Library:
    issues: tuple[Issue, ...]
    problems: tuple[Problem, ...] = ()
    # What the library was read from, told without reading it (`tui.library.stamps_digest`):
    # a library with the same one holds the same. b"" when unknown.
    files_digest: bytes = field(default=b"", compare=False, repr=False)
    # Its articles are outlines (`tui.library.outline`): each read whole from its page when
    # shown (`tui.library.WholeArticles`).
    outline: bool = field(default=False, compare=False)
    _by_id: dict[str, Article] = field(default_factory=dict, compare=False, repr=False)

    def articles(self) -> list[Article]:
        """Every article in reading order: issues newest first, sections by page."""
        return [a for issue in self.issues for s in issue.sections for a in s.articles]

    def article(self, article_id: str) -> Article | None:
        if not self._by_id:
            self._by_id.update((a.id, a) for a in self.articles())
        return self._by_id.get(article_id)
