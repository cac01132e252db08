"""A short window of one block's original text around a match, with every term marked."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tui.core.model import Article
from tui.core.text import cell_width
from tui.search.align import Alignment, align
from tui.search.segments import (
    FIRST_BLOCK,
    block_number,
    field_name,
    segment_text,
    segment_texts,
)
from tui.search.tokenize import SEPARATOR

ELLIPSIS = "…"
DEFAULT_WIDTH = 60  # cells: about 30 Chinese characters

# Characters that could drive a terminal become spaces, so offsets stay put.
_CONTROLS = {
    code: " "
    for code in (
        *range(0x00, 0x20),
        *range(0x7F, 0xA0),
        0x200E,
        0x200F,
        0x2028,
        0x2029,
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
        0xFEFF,
    )
}
_HAS_CONTROLS = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_CONTROLS)) + "]")


@dataclass(frozen=True, slots=True)
class Snippet:
    """Part of one block's original text around a match.

    `text` may start and end with "…" where the block was cut. `marks` are the (start,
    end) offsets in `text` of every occurrence of every query term that lies inside the
    window. `block` names the block (see `tui.search.segments`: an index into
    `article.blocks`, or TITLE -1, KICKER -2, SUBTITLE -3, BYLINE -4, COLUMN -5) and `field`
    says what it is ("title", ..., "column", "paragraph", "subhead", "caption"). `offset` is
    where the first match starts in the block's original text.
    """

    text: str
    marks: list[tuple[int, int]]
    block: int
    offset: int
    field: str


def article_snippet(article: Article, doc: str, terms: list[str], width: int) -> Snippet:
    """The snippet of the article whose normalised segments, joined, are `doc`: from the
    segment holding the most terms (see `_best_segment`), around its first match.

    A crafted index file can say an article holds a term that `doc` does not, or hold a
    `doc` with more segments than the article: then the article's opening, unmarked."""
    if len(terms) == 1:
        best, text = _first_segment_with(doc, terms[0])
        spans = list(occurrences(text, terms))  # in order, none twice
        anchor = spans[0] if spans else None
    else:
        segments = doc.split(SEPARATOR)
        best = _best_segment(segments, terms)
        text = segments[best]
        spans = sorted(set(occurrences(text, terms)))
        anchor = min(spans, key=lambda span: (span[0], -span[1])) if spans else None
    if anchor is None or best >= FIRST_BLOCK + len(article.blocks):
        return opening_snippet(article, width)
    alignment = align(segment_text(article, best), text)
    return make_snippet(
        alignment, anchor, spans, block_number(best), field_name(article, best), width
    )


def opening_snippet(article: Article, width: int = DEFAULT_WIDTH) -> Snippet:
    """The start of the article's first block that has text (else of its first field
    that has), without marks."""
    texts = segment_texts(article)
    order = [*range(FIRST_BLOCK, len(texts)), *range(FIRST_BLOCK)]
    segment = next((segment for segment in order if texts[segment]), order[0])
    original = texts[segment]
    end, _ = _extend_right(original, 0, max(width - _ELLIPSIS_CELLS, 0))
    body = original[:end]
    if _HAS_CONTROLS.search(body):
        body = body.translate(_CONTROLS)
    suffix = ELLIPSIS if end < len(original) else ""
    return Snippet(body + suffix, [], block_number(segment), 0, field_name(article, segment))


def _first_segment_with(doc: str, term: str) -> tuple[int, str]:
    """`_best_segment` for one term, without splitting the article: the first block that
    holds it, else the first field above the blocks that does; and that segment's text
    ("" if none does)."""
    blocks_start = 0
    for _ in range(FIRST_BLOCK):
        blocks_start = doc.find(SEPARATOR, blocks_start) + 1
        if not blocks_start:  # an article without blocks
            blocks_start = len(doc)
            break
    position = doc.find(term, blocks_start)
    if position < 0:
        position = doc.find(term)
        if position < 0:
            return 0, ""
    segment = doc.count(SEPARATOR, 0, position)
    start = doc.rfind(SEPARATOR, 0, position) + 1
    end = doc.find(SEPARATOR, position)
    return segment, doc[start : end if end >= 0 else len(doc)]


def _best_segment(segments: list[str], terms: list[str]) -> int:
    """The segment holding the most distinct terms; blocks before the title and fields
    above it (a result line shows the title anyway), earlier before later."""
    order = [*range(FIRST_BLOCK, len(segments)), *range(min(FIRST_BLOCK, len(segments)))]
    best, best_found = order[0], 0
    for segment in order:
        text = segments[segment]
        found = sum(term in text for term in terms) if text else 0
        if found > best_found:
            best, best_found = segment, found
            if found == len(terms):
                break
    return best


def occurrences(text: str, terms: Iterable[str]) -> Iterator[tuple[int, int]]:
    """Each term's non-overlapping occurrences in `text`, as (start, end)."""
    for term in terms:
        start = text.find(term)
        while start >= 0:
            end = start + len(term)
            yield start, end
            start = text.find(term, end)


def make_snippet(
    alignment: Alignment,
    anchor: tuple[int, int],
    occurrences: Iterable[tuple[int, int]],
    block: int,
    field: str,
    width: int = DEFAULT_WIDTH,
) -> Snippet:
    """The snippet around `anchor`, a span of the normalised text, marking `occurrences`."""
    original = alignment.original
    start, end = alignment.to_original(*anchor)
    window_start, window_end = _window(original, start, end, width)
    prefix = ELLIPSIS if window_start > 0 else ""
    suffix = ELLIPSIS if window_end < len(original) else ""
    shift = len(prefix) - window_start
    if alignment.moves:
        occurrences = [alignment.to_original(*span) for span in occurrences]
    marks = sorted(
        {(s + shift, e + shift) for s, e in occurrences if window_start <= s and e <= window_end}
    )
    body = original[window_start:window_end]
    if _HAS_CONTROLS.search(body):
        body = body.translate(_CONTROLS)
    return Snippet(prefix + body + suffix, marks, block, start, field)


def _window(text: str, start: int, end: int, width: int) -> tuple[int, int]:
    """[start, end) widened to about `width` cells (two kept for the "…" marks), a third
    of the room before the match and the rest after it; the room one side cannot use
    (the text begins or ends) goes to the other."""
    room = max(width - 2 * _ELLIPSIS_CELLS - cell_width(text[start:end]), 0)
    left = room // 3
    right = room - left
    window_start, left = _extend_left(text, start, left)
    window_end, right = _extend_right(text, end, right + left)
    window_start, _ = _extend_left(text, window_start, right)
    # A combining mark stays with its base character: forward while the match is ahead,
    # back to the base where the match itself starts with the mark.
    while window_start < start and unicodedata.combining(text[window_start]):
        window_start += 1
    while 0 < window_start < len(text) and unicodedata.combining(text[window_start]):
        window_start -= 1
    while window_end < len(text) and unicodedata.combining(text[window_end]):
        window_end += 1
    return window_start, window_end


class _Cells(dict[str, int]):
    """Cells one character takes, computed once per character."""

    def __missing__(self, ch: str) -> int:
        cells = self[ch] = cell_width(ch)
        return cells


_CELLS = _Cells()
_ELLIPSIS_CELLS = cell_width(ELLIPSIS)


# Runs of characters that take two cells (ideographs, kana, CJK and full-width punctuation)
# and of ones that take one (ASCII, Latin letters, general punctuation such as “”—…), so
# that a window grows over a run in one step. A test checks every member's width.
WIDE_RUN = re.compile(
    "[\u2e80-\u3029\u3030-\u303e\u3040-\u3098\u309b-\u3247\u3250-\u4dbf\u4e00-\u9fff\uff01-\uff60]*"
)
NARROW_RUN = re.compile("[ -~\u00a0-\u00ac\u00ae-\u024f\u2010-\u2029\u202f-\u205e]*")


def _take(text: str, position: int, budget: int) -> tuple[int, int]:
    """Characters of `text` from `position` on, taken while they fit in `budget` cells:
    where they stop, and the cells left."""
    while position < len(text):
        cells = _CELLS[text[position]]
        if cells > budget:
            break
        run = WIDE_RUN if cells == 2 else NARROW_RUN if cells == 1 else None
        match = run.match(text, position, position + budget // cells) if run else None
        taken = match.end() - position if match else 0
        taken = taken or 1
        position += taken
        budget -= cells * taken
    return position, budget


def _extend_left(text: str, start: int, budget: int) -> tuple[int, int]:
    # budget + 1 characters hold the first that does not fit, unless some take no cells.
    while start > 0 and _CELLS[text[start - 1]] <= budget:
        low = start - budget - 1 if start > budget else 0
        taken, budget = _take(text[low:start][::-1], 0, budget)
        start -= taken
        if start > low:
            break
    return start, budget


def _extend_right(text: str, end: int, budget: int) -> tuple[int, int]:
    return _take(text, end, budget)
