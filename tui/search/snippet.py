"""A short window of one block's original text around a match, with every term marked."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from tui.search.align import Alignment
from tui.text import cell_width

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


@dataclass(frozen=True, slots=True)
class Snippet:
    """Part of one block's original text around a match.

    `text` may start and end with "…" where the block was cut. `marks` are the (start,
    end) offsets in `text` of every occurrence of every query term that lies inside the
    window. `block` names the block (see `tui.search.segments`: an index into
    `article.blocks`, or TITLE -1, KICKER -2, SUBTITLE -3, BYLINE -4) and `field` says
    what it is ("title", ..., "paragraph", "subhead", "caption"). `offset` is where the
    first match starts in the block's original text.
    """

    text: str
    marks: list[tuple[int, int]]
    block: int
    offset: int
    field: str


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
    marks = sorted(
        {
            (s + shift, e + shift)
            for s, e in (alignment.to_original(*span) for span in occurrences)
            if window_start <= s and e <= window_end
        }
    )
    body = original[window_start:window_end].translate(_CONTROLS)
    return Snippet(prefix + body + suffix, marks, block, start, field)


def _window(text: str, start: int, end: int, width: int) -> tuple[int, int]:
    """[start, end) widened to about `width` cells (two kept for the "…" marks), a third
    of the room before the match and the rest after it, more before if the text ends."""
    room = max(width - 2 * cell_width(ELLIPSIS) - cell_width(text[start:end]), 0)
    left = room // 3
    right = room - left
    window_start, left = _extend_left(text, start, left)
    window_end, right = _extend_right(text, end, right)
    window_start, _ = _extend_left(text, window_start, right + left)
    # A combining mark stays with its base character.
    while window_start < start and unicodedata.combining(text[window_start]):
        window_start += 1
    while window_end < len(text) and unicodedata.combining(text[window_end]):
        window_end += 1
    return window_start, window_end


class _Cells(dict[str, int]):
    """Cells one character takes, computed once per character."""

    def __missing__(self, ch: str) -> int:
        cells = self[ch] = cell_width(ch)
        return cells


_CELLS = _Cells()


def _extend_left(text: str, start: int, budget: int) -> tuple[int, int]:
    cells = _CELLS
    while start > 0 and cells[text[start - 1]] <= budget:
        budget -= cells[text[start - 1]]
        start -= 1
    return start, budget


def _extend_right(text: str, end: int, budget: int) -> tuple[int, int]:
    cells = _CELLS
    while end < len(text) and cells[text[end]] <= budget:
        budget -= cells[text[end]]
        end += 1
    return end, budget
