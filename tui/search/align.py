"""Where each character of a normalised text came from in the original.

Matching is defined on `normalise(text)`, but snippets and highlights are shown on the
text as printed, and normalising can change lengths: "ß" → "ss", "ﬁ" → "fi", "李 静" →
"李静". An `Alignment` maps a span of the normalised text back to the original span that
produced it. It is computed on demand, for the few blocks a result shows; for most
blocks it is the identity and costs one comparison.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

from tui.text import is_cjk, normalise

_SPACES = re.compile(r"\s+")


class _Folds(dict[str, str]):
    """NFKC + casefold of one character, computed once per character."""

    def __missing__(self, ch: str) -> str:
        folded = self[ch] = unicodedata.normalize("NFKC", ch).casefold()
        return folded


_FOLDS = _Folds()


@dataclass(frozen=True, slots=True)
class Alignment:
    """`normalised[j]` came from `original[starts[j]:ends[j]]` (None: the identity)."""

    original: str
    normalised: str
    starts: Sequence[int] | None = None
    ends: Sequence[int] | None = None

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the normalised span [start, end) (end > start)."""
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]


@cache
def _one_to_one() -> re.Pattern[str]:
    """Text made only of characters that normalise to one character each, alone, and never
    combine with a neighbour: ASCII, CJK punctuation and ideographs, full-width ASCII, and
    the one-character general punctuation. Normalising such text can only drop or merge
    spaces; if its length did not change, every character stayed where it was."""
    ranges = (
        (0x20, 0x7E),
        (0x2010, 0x205E),
        (0x3001, 0x303F),
        (0x3400, 0x4DBF),
        (0x4E00, 0x9FFF),
        (0xFF01, 0xFF5E),
    )
    runs: list[tuple[int, int]] = []
    for low, high in ranges:
        for code in range(low, high + 1):
            if code == 0x20 or _folds_alone(chr(code)):
                if runs and runs[-1][1] == code - 1:
                    runs[-1] = (runs[-1][0], code)
                else:
                    runs.append((code, code))
    members = "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in runs)
    return re.compile(f"[{members}]*")


def warm_up() -> None:
    """Do the one-off work of the first alignment now (~0.1 s)."""
    _one_to_one()


def _folds_alone(ch: str) -> bool:
    folded = _FOLDS[ch]
    return len(folded) == 1 and not folded.isspace() and not unicodedata.combining(ch)


def align(original: str, normalised: str | None = None) -> Alignment:
    """The alignment of `original` with `normalised` (which must be `normalise(original)`)."""
    if normalised is None:
        normalised = normalise(original)
    if normalised == original or (
        len(normalised) == len(original) and _one_to_one().fullmatch(original)
    ):
        return Alignment(original, normalised)
    folded = _fold(original)
    if folded is not None:
        text, starts, ends = folded
        text, starts, ends = _collapse_spaces(text, starts, ends)
        if text == normalised:
            if isinstance(starts, range):  # nothing moved
                return Alignment(original, normalised)
            return Alignment(original, normalised, starts, ends)
    # Something the character-by-character model does not cover: map everything to the
    # whole text, which is coarse but never wrong.
    n = len(normalised)
    return Alignment(original, normalised, [0] * n, [len(original)] * n)


def _fold(text: str) -> tuple[str, Sequence[int], Sequence[int]] | None:
    """NFKC + casefold of `text` with each folded character's original span, if it folds
    cluster by cluster (a base character and its combining marks)."""
    whole = unicodedata.normalize("NFKC", text).casefold()
    parts = list(map(_FOLDS.__getitem__, text))
    if "".join(parts) == whole:
        if len(whole) == len(text):
            return whole, range(len(text)), range(1, len(text) + 1)
        return whole, *_spans(parts, range(len(text)), range(1, len(text) + 1))
    bounds = _cluster_bounds(text)
    clusters = [text[a:b] for a, b in pairwise(bounds)]
    parts = [unicodedata.normalize("NFKC", c).casefold() for c in clusters]
    if "".join(parts) != whole:
        return None
    return whole, *_spans(parts, bounds, bounds[1:])


def _spans(
    parts: Sequence[str], part_starts: Sequence[int], part_ends: Sequence[int]
) -> tuple[list[int], list[int]]:
    starts: list[int] = []
    ends: list[int] = []
    for part, start, end in zip(parts, part_starts, part_ends, strict=False):
        starts.extend([start] * len(part))
        ends.extend([end] * len(part))
    return starts, ends


def _cluster_bounds(text: str) -> list[int]:
    """Offsets where a new cluster starts (a character that is not a combining mark)."""
    bounds = [i for i, ch in enumerate(text) if i == 0 or not unicodedata.combining(ch)]
    return [*bounds, len(text)]


def _collapse_spaces(
    text: str, starts: Sequence[int], ends: Sequence[int]
) -> tuple[str, Sequence[int], Sequence[int]]:
    """`normalise`'s whitespace rule applied to folded `text`, carrying the spans along."""
    matches = list(_SPACES.finditer(text))
    if not matches:
        return text, starts, ends
    pieces: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    kept_from = 0
    for m in matches:
        a, b = m.span()
        pieces.append(text[kept_from:a])
        new_starts.extend(starts[kept_from:a])
        new_ends.extend(ends[kept_from:a])
        if a > 0 and b < len(text) and not is_cjk(text[a - 1]) and not is_cjk(text[b]):
            pieces.append(" ")
            new_starts.append(starts[a])
            new_ends.append(ends[b - 1])
        kept_from = b
    pieces.append(text[kept_from:])
    new_starts.extend(starts[kept_from:])
    new_ends.extend(ends[kept_from:])
    return "".join(pieces), new_starts, new_ends
