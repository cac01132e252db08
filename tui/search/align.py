"""Where each character of a normalised text came from in the original.

Matching is defined on `normalise(text)`, but snippets and highlights are shown on the
text as printed, and normalising can change lengths: "ß" → "ss", "ﬁ" → "fi", "李 静" →
"李静". An `Alignment` maps a span of the normalised text back to the original span that
produced it. It is computed on demand, for the few blocks a result shows. Most blocks
are made only of characters that fold in place, which one regular expression tells: then
only their runs of spaces are walked, in Python. Others are folded in C (`str.translate`).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from functools import cache
from itertools import accumulate, pairwise

from tui.core.text import is_cjk, normalise

_SPACES = re.compile(r"\s+")


class _Folds(dict[str, str]):
    """NFKC + casefold of one character, computed once per character."""

    def __missing__(self, ch: str) -> str:
        folded = self[ch] = unicodedata.normalize("NFKC", ch).casefold()
        return folded


class _FoldCodes(dict[int, str]):
    """The same by code point, for `str.translate`."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _FOLDS[chr(code)]
        return folded


class _FoldLengths(dict[int, str]):
    """`chr(len(fold))` of one character, by code point, for `str.translate`."""

    def __missing__(self, code: int) -> str:
        length = self[code] = chr(len(_FOLDS[chr(code)]))
        return length


_FOLDS = _Folds()
_FOLD_CODES = _FoldCodes()
_FOLD_LENGTHS = _FoldLengths()


class Alignment:
    """`normalised` (= `normalise(original)`) mapped back onto `original`.

    Folding (NFKC + casefold) works unit by unit: a unit is a character, or where
    combining marks compose, a base character and its marks (`_bounds`). Spaces are then
    dropped or runs merged into one: `normalised` is made of pieces of the folded text.
    A span is mapped through the pieces, then through the folded length of each unit, by
    bisection; or, where nothing fits that model, through explicit spans.
    """

    # Class-level defaults: an alignment that moves nothing sets none of them.
    moves = False  # whether some span maps elsewhere than onto itself
    # Explicit spans: normalised[j] came from original[starts[j]:ends[j]].
    _starts: Sequence[int] | None = None
    _ends: Sequence[int] | None = None
    # normalised[pieces[k]:] is folded[sources[k]:], but a kept space is one character
    # standing for the extra[k] + 1 of its run.
    _pieces: list[int] | None = None
    _sources: list[int]
    _extra: list[int]
    # Unit u folded into folded[cumulative[u - 1]:cumulative[u]] (None: one each).
    _cumulative: list[int] | None = None
    # Unit u is original[bounds[u]:bounds[u + 1]] (None: one character each).
    _bounds: list[int] | None = None

    def __init__(
        self,
        original: str,
        normalised: str,
        starts: Sequence[int] | None = None,
        ends: Sequence[int] | None = None,
    ) -> None:
        self.original = original
        self.normalised = normalised
        if starts is not None and ends is not None:
            self._starts, self._ends, self.moves = starts, ends, True

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the normalised span [start, end) (end > start)."""
        if self._starts is not None and self._ends is not None:
            return self._starts[start], self._ends[end - 1]
        first, last = start, end - 1
        pieces = self._pieces
        if pieces is not None:
            k = bisect_right(pieces, first) - 1
            first += self._sources[k] - pieces[k]
            k = bisect_right(pieces, last) - 1
            last += self._sources[k] - pieces[k] + self._extra[k]
        cumulative = self._cumulative
        if cumulative is not None:
            first, last = bisect_right(cumulative, first), bisect_right(cumulative, last)
        if self._bounds is not None:
            return self._bounds[first], self._bounds[last + 1]
        return first, last + 1


# Characters that may fold in place, and only these: ASCII, Latin letters, general
# punctuation and symbols, CJK punctuation, kana and ideographs, full-width forms. (Hangul
# and the half-width forms are left out: their jamo compose with one another.)
_IN_PLACE_RANGES = (
    (0x20, 0x7E),
    (0xA1, 0x24F),
    (0x2010, 0x2BFF),
    (0x3001, 0x30FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFF01, 0xFF60),
    (0xFFE0, 0xFFE6),
)
# `_in_place_runs()` as it is under these versions of Unicode (Python 3.11 to 3.13), which
# a test checks for the one running: it looks at 32,000 characters (~30 ms of a start).
_KNOWN_RUNS_UNICODE = frozenset({"14.0.0", "15.0.0", "15.1.0"})
_KNOWN_RUNS = (
    (0x20, 0x7E),
    (0xA1, 0xA7),
    (0xA9, 0xAE),
    (0xB0, 0xB3),
    (0xB5, 0xB7),
    (0xB9, 0xBB),
    (0xBF, 0xDE),
    (0xE0, 0x12F),
    (0x131, 0x131),
    (0x134, 0x13E),
    (0x141, 0x148),
    (0x14A, 0x1C3),
    (0x1CD, 0x1EF),
    (0x1F4, 0x24F),
    (0x2010, 0x2016),
    (0x2018, 0x2024),
    (0x2027, 0x2027),
    (0x202A, 0x202E),
    (0x2030, 0x2032),
    (0x2035, 0x2035),
    (0x2038, 0x203B),
    (0x203D, 0x203D),
    (0x203F, 0x2046),
    (0x204A, 0x2056),
    (0x2058, 0x205E),
    (0x2060, 0x20A7),
    (0x20A9, 0x20CF),
    (0x20DD, 0x20E0),
    (0x20E2, 0x20E4),
    (0x20F1, 0x20FF),
    (0x2102, 0x2102),
    (0x2104, 0x2104),
    (0x2107, 0x2108),
    (0x210A, 0x2115),
    (0x2117, 0x211F),
    (0x2123, 0x213A),
    (0x213C, 0x214F),
    (0x2160, 0x2160),
    (0x2164, 0x2164),
    (0x2169, 0x2169),
    (0x216C, 0x2170),
    (0x2174, 0x2174),
    (0x2179, 0x2179),
    (0x217C, 0x2188),
    (0x218A, 0x222B),
    (0x222E, 0x222E),
    (0x2231, 0x2468),
    (0x24B6, 0x2A0B),
    (0x2A0D, 0x2A73),
    (0x2A77, 0x2ADB),
    (0x2ADD, 0x2BFF),
    (0x3001, 0x3029),
    (0x3030, 0x3098),
    (0x309D, 0x309E),
    (0x30A0, 0x30FE),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFF01, 0xFF60),
    (0xFFE0, 0xFFE2),
    (0xFFE4, 0xFFE6),
)


def _in_place_runs() -> list[tuple[int, int]]:
    """The runs of characters of `_IN_PLACE_RANGES` that fold to one character each,
    alone, and never combine with a neighbour (and the space): folding text made only of
    them moves no character; only its spaces can be dropped or merged."""
    runs: list[tuple[int, int]] = []
    for low, high in _IN_PLACE_RANGES:
        for code in range(low, high + 1):
            if code == 0x20 or _folds_alone(chr(code)):
                if runs and runs[-1][1] == code - 1:
                    runs[-1] = (runs[-1][0], code)
                else:
                    runs.append((code, code))
    return runs


@cache
def _one_to_one() -> re.Pattern[str]:
    """Text made only of characters that fold in place (`_in_place_runs`)."""
    known = unicodedata.unidata_version in _KNOWN_RUNS_UNICODE
    runs = _KNOWN_RUNS if known else _in_place_runs()
    members = "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in runs)
    return re.compile(f"[{members}]*")


def _folds_alone(ch: str) -> bool:
    folded = unicodedata.normalize("NFKC", ch).casefold()
    return (
        len(folded) == 1
        and not folded.isspace()
        and not unicodedata.combining(ch)
        and not unicodedata.combining(folded)
    )


def warm_up() -> None:
    """Do the one-off work of the first search's normalising and alignment now (~15 ms)."""
    normalise("")  # its Traditional → Simplified table (and not the pattern long text needs)
    _one_to_one()


def align(original: str, normalised: str | None = None) -> Alignment:
    """The alignment of `original` with `normalised` (which must be `normalise(original)`)."""
    if normalised is None:
        normalised = normalise(original)
    alignment = Alignment(original, normalised)
    if normalised == original:
        return alignment
    if _one_to_one().fullmatch(original):
        if len(normalised) == len(original):  # no space was dropped: nothing moved
            return alignment
        if _collapse_spaces(alignment, original, folded=False) == len(normalised):
            return alignment
    else:
        whole = unicodedata.normalize("NFKC", original).casefold()
        if original.translate(_FOLD_CODES) == whole or _fold_clusters(alignment, whole):
            if len(whole) != len(original) and alignment._bounds is None:
                lengths = original.translate(_FOLD_LENGTHS).encode("latin-1")
                alignment._cumulative = list(accumulate(lengths))
                alignment.moves = True
            if _collapse_spaces(alignment, whole) == len(normalised):
                return alignment
    # Something the unit-by-unit model does not cover: map everything to the whole text,
    # which is coarse but never wrong.
    n = len(normalised)
    return Alignment(original, normalised, [0] * n, [len(original)] * n)


def _fold_clusters(alignment: Alignment, whole: str) -> bool:
    """Make each base character and its combining marks one unit, if the text then folds
    unit by unit into `whole`."""
    text = alignment.original
    bounds = [i for i, ch in enumerate(text) if i == 0 or not unicodedata.combining(ch)]
    bounds.append(len(text))
    parts = [unicodedata.normalize("NFKC", text[a:b]).casefold() for a, b in pairwise(bounds)]
    if "".join(parts) != whole:
        return False
    alignment._bounds = bounds
    alignment._cumulative = list(accumulate(map(len, parts)))
    alignment.moves = True
    return True


def _collapse_spaces(alignment: Alignment, text: str, *, folded: bool = True) -> int:
    """`normalise`'s whitespace rule applied to `text` (folded, or made of characters that
    fold in place), noting the pieces kept; the length of the result."""
    matches = list(_SPACES.finditer(text))
    if not matches:
        return len(text)
    pieces: list[int] = []
    sources: list[int] = []
    extra: list[int] = []
    length = kept_from = 0
    for m in matches:
        a, b = m.span()
        if a > kept_from:
            pieces.append(length)
            sources.append(kept_from)
            extra.append(0)
            length += a - kept_from
        if a > 0 and b < len(text):
            before, after = (
                (text[a - 1], text[b]) if folded else (_FOLDS[text[a - 1]], _FOLDS[text[b]])
            )
            if not is_cjk(before) and not is_cjk(after):
                pieces.append(length)
                sources.append(a)
                extra.append(b - 1 - a)
                length += 1
        kept_from = b
    if kept_from < len(text):
        pieces.append(length)
        sources.append(kept_from)
        extra.append(0)
        length += len(text) - kept_from
    alignment._pieces, alignment._sources, alignment._extra = pieces, sources, extra
    alignment.moves = True
    return length
