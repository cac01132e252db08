"""Text from files: cleaning for display, normalising for search, CJK line breaking.

Everything read from a file is untrusted. `clean` removes what could drive a terminal
(C0 controls but newline and tab, DEL, C1 controls) and the bidirectional overrides
that reorder what a reader sees. Display text is otherwise kept as printed: NFKC
would turn full-width punctuation into ASCII, so it is only applied for search.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from bisect import bisect_right
from itertools import accumulate
from pathlib import Path

_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 (but \t \n), DEL, C1
    "\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidi marks, embeddings, overrides, isolates
    "\ufeff]"  # a stray byte-order mark
)


def clean(text: str) -> str:
    """Text safe to show: no control, C1 or bidi-override characters."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _UNSAFE.sub("", text)


_LINE_BREAKS = re.compile("[\t\n\u2028\u2029]")  # those `clean` leaves
# Lone surrogates: the bytes of a file name that is not UTF-8, as Python decodes it.
_SURROGATES = re.compile("[\ud800-\udfff]")


def one_line(text: str) -> str:
    """Text for a one-line label (a title in a list, a file's path in a message): `clean`,
    with line breaks and tabs as spaces, and the undecodable bytes of a file name as U+FFFD,
    one cell each, so that a label keeps its width."""
    return _LINE_BREAKS.sub(" ", _SURROGATES.sub("\ufffd", clean(text)))


def is_cjk(ch: str) -> bool:
    """True for Han ideographs, kana, hangul, bopomofo and CJK/full-width punctuation."""
    o = ord(ch)
    return (
        0x2E80 <= o <= 0x9FFF  # radicals, CJK symbols & punctuation, kana, bopomofo, Han
        or 0xAC00 <= o <= 0xD7AF  # hangul syllables
        or 0xF900 <= o <= 0xFAFF  # compatibility ideographs
        or 0xFE30 <= o <= 0xFE4F  # CJK compatibility forms
        or 0xFF00 <= o <= 0xFFEF  # half- and full-width forms
        or 0x20000 <= o <= 0x3FFFF  # extension planes
    )


_SPACES = re.compile(r"\s+")


def _space_or_nothing(m: re.Match[str]) -> str:
    """A run of whitespace: gone where it touches CJK, one space between other words."""
    text, start, end = m.string, m.start(), m.end()
    if start == 0 or end == len(text):
        return ""
    return "" if is_cjk(text[start - 1]) or is_cjk(text[end]) else " "


def normalise(text: str) -> str:
    """The form search compares: NFKC, casefolded, Traditional characters folded to
    Simplified, whitespace touching CJK removed.

    So `李静` matches the byline `李 静`, `ＦＭＧ` matches `FMG`, and `臺灣` matches `台湾`.
    Other runs of whitespace become one space; none is left at either end. The fold is
    one character to one (`t2s.txt`, from OpenCC), so offsets stay where they were.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    if len(text) <= FOLD_WHOLE or _fold_pattern().search(text):
        text = text.translate(_fold_table())
    return _SPACES.sub(_space_or_nothing, text)


# Text this short is folded whole, as quickly as it is searched for characters to fold
# (longer, ~10 times slower): a query never needs the pattern, ~7 ms to make.
FOLD_WHOLE = 64


@functools.cache
def _fold_table() -> dict[int, int]:
    """The Traditional → Simplified fold, for `str.translate`."""
    table: dict[int, int] = {}
    lines = Path(__file__).with_name("t2s.txt").read_text(encoding="utf-8").splitlines()
    for line in lines:
        if line and not line.startswith("#"):
            traditional, simplified = line.split(" ")
            table[ord(traditional)] = ord(simplified)
    return table


@functools.cache
def _fold_pattern() -> re.Pattern[str]:
    """A pattern finding text that the fold changes."""
    table = _fold_table()
    # Characters beyond the BMP in a class make the regex engine test them one by one
    # (60 times slower over Chinese text): those are one range, wider than needed, instead.
    bmp = "".join(chr(code) for code in table if code < 0x10000)
    astral = [code for code in table if code >= 0x10000]
    wide = f"{chr(min(astral))}-{chr(max(astral))}" if astral else ""
    return re.compile(f"[{bmp}{wide}]")


# --- Line breaking -------------------------------------------------------------------
#
# Rich wraps only at spaces, which leaves Chinese paragraphs unbroken. `wrap_spans` is a
# greedy breaker: for each line it finds the furthest end that fits (bisecting prefix
# sums of cell widths), then walks back to the nearest allowed break. Walking back is
# what pulls a character down with a closing mark that would otherwise start a line.
#
# Every gap between two characters has a rank: 0 a free break (CJK text, spaces),
# 1 a split inside a Latin word or number, 2 a kinsoku violation, 3 a break inside the
# spaces that open a paragraph. A line breaks at the last gap of the lowest rank that
# fits, so rules are broken only when nothing better is on the line.

_CLOSING_ASCII = frozenset(",.;:!?)]}%")
_CLOSING = frozenset("，。、；：！？）》」』”’…—〉】〕％．］｝〗〙〛｠〞")
_OPENING_ASCII = frozenset("([{")
_OPENING = frozenset("（《「『“‘〈【〔［｛〖〘〚｟〝")
_BREAK_SPACES = frozenset(" \t\n")

# Character classes.
_ID, _AL, _CL, _CLA, _OP, _OPA, _SP = range(7)
_CLOSERS = (_CL, _CLA)
_OPENERS = (_OP, _OPA)

_FREE, _IN_WORD, _KINSOKU, _INDENT = range(4)


def _is_fullwidth_alnum(o: int) -> bool:
    return 0xFF10 <= o <= 0xFF19 or 0xFF21 <= o <= 0xFF3A or 0xFF41 <= o <= 0xFF5A


def _classify(ch: str) -> int:
    if ch in _BREAK_SPACES:
        return _SP
    if ch in _CLOSING_ASCII:
        return _CLA
    if ch in _CLOSING:
        return _CL
    if ch in _OPENING_ASCII:
        return _OPA
    if ch in _OPENING:
        return _OP
    if _is_fullwidth_alnum(ord(ch)):
        return _AL
    if is_cjk(ch):
        return _ID
    # Letters, digits, marks and ASCII symbols join into words; other symbols
    # (emoji, ★, box drawing) break like ideographs.
    if ch.isascii() or unicodedata.category(ch)[0] in "LNM":
        return _AL
    return _ID


def _char_width(ch: str) -> int:
    if ch in _BREAK_SPACES:
        return 1
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf", "Cc"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


class _Widths(dict[str, int]):
    """Cell width per character, computed once; `map(_WIDTHS.__getitem__, s)` is C-fast."""

    def __missing__(self, ch: str) -> int:
        width = self[ch] = _char_width(ch)
        return width


class _Classes(dict[str, int]):
    def __missing__(self, ch: str) -> int:
        cls = self[ch] = _classify(ch)
        return cls


_WIDTHS = _Widths()
_CLASSES = _Classes()


def cell_width(text: str) -> int:
    """Terminal cells `text` takes: 2 for wide and full-width characters, 0 for marks."""
    return sum(map(_WIDTHS.__getitem__, text))


def _pair_rank(before: int, after: int) -> int:
    if after in _CLOSERS or before in _OPENERS:
        return _KINSOKU
    if after == _AL and before in (_AL, _CLA):  # `FMG`, `14.5`, `3,000`
        return _IN_WORD
    if before == _AL and after == _OPA:  # `f(x)`
        return _IN_WORD
    return _FREE


_PAIR_RANK = tuple(tuple(_pair_rank(b, a) for a in range(7)) for b in range(7))


def _space_gap(text: str, g: int) -> tuple[int, int]:
    """The run of break spaces around gap `g` (which touches one), as (start, end)."""
    s = g if text[g - 1] not in _BREAK_SPACES else g - 1
    while s > 0 and text[s - 1] in _BREAK_SPACES:
        s -= 1
    e = g
    n = len(text)
    while e < n and text[e] in _BREAK_SPACES:
        e += 1
    return s, e


def _space_rank(text: str, s: int, e: int) -> int:
    classes = _CLASSES
    if classes[text[s - 1]] in _OPENERS or (e < len(text) and classes[text[e]] in _CLOSERS):
        return _KINSOKU
    return _FREE


def _choose_break(text: str, widths: list[int], start: int, j: int) -> tuple[int, int]:
    """Where the line from `start` ends and the next begins; `[start, j)` fits, j < len."""
    if j == start:  # one character wider than the line: it goes alone, with its marks
        end = start + 1
        while end < len(text) and widths[end] == 0:
            end += 1
        return end, _skip_spaces(text, end)
    best: list[tuple[int, int] | None] = [None, None, None, None]
    classes = _CLASSES
    g = j
    while g > start:
        if text[g] in _BREAK_SPACES or text[g - 1] in _BREAK_SPACES:
            s, e = _space_gap(text, g)
            if s <= start:  # only indentation spaces before this gap
                best[_INDENT] = best[_INDENT] or (g, e)
                break
            rank = _space_rank(text, s, e)
            best[rank] = best[rank] or (s, e)
            g = s - 1
        else:
            if widths[g]:  # a zero-width mark is never split from its base
                rank = _PAIR_RANK[classes[text[g - 1]]][classes[text[g]]]
                best[rank] = best[rank] or (g, g)
            g -= 1
        if best[_FREE]:
            break
    return next(b for b in best if b)


def _skip_spaces(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i] in _BREAK_SPACES:
        i += 1
    return i


def wrap_spans(text: str, width: int) -> list[tuple[int, int]]:
    """Break one paragraph into lines of at most `width` cells, as (start, end) offsets.

    Breaks fall between CJK characters and at spaces, not inside Latin words or
    numbers unless they are longer than the line, and not before closing or after
    opening punctuation unless nothing else fits. Spaces at a break are left out of
    both lines; they are the only characters no span covers. A newline or tab counts
    as a space. A character wider than `width` gets a line of its own. Empty text
    gives no lines.
    """
    if width < 1:
        raise ValueError(f"width must be at least 1, not {width}")
    n = len(text)
    widths = list(map(_WIDTHS.__getitem__, text))
    prefix = list(accumulate(widths, initial=0))
    spans: list[tuple[int, int]] = []
    start = 0
    while start < n:
        limit = prefix[start] + width
        if prefix[n] <= limit:
            spans.append((start, n))
            break
        j = bisect_right(prefix, limit, start) - 1
        end, start_next = _choose_break(text, widths, start, j)
        spans.append((start, end))
        start = start_next
    return spans


def wrap(text: str, width: int) -> list[str]:
    """`text` (one paragraph) broken into lines of at most `width` cells; see `wrap_spans`."""
    if "\n" in text or "\t" in text:
        text = text.replace("\n", " ").replace("\t", " ")
    return [text[s:e] for s, e in wrap_spans(text, width)]


def truncate(text: str, width: int, ellipsis: str = "…") -> str:
    """`text` cut to at most `width` cells, ending in "…" when cut; never mid-character."""
    if cell_width(text) <= width:
        return text
    room = width - cell_width(ellipsis)
    if room < 0:
        return ""
    used = 0
    for i, ch in enumerate(text):
        w = cell_width(ch)
        if used + w > room:
            return text[:i] + ellipsis
        used += w
    return text
