"""Headlines found by pinyin, for readers without a Chinese input method: `jingji`,
`jing ji` and `jj` find 经济, `xjp` a headline with 习近平.

At build, each article's header (headline, kicker, subtitle, joined by "\\n") gets one
token per character: its syllable without tone (`ü` as `v`) for a Chinese character, ""
for anything else; stored as `'tok'tok'…` (`header_pinyin`). Readings come from pypinyin's
data: a run of Chinese characters is cut into its longest phrases from the start
(pypinyin's phrase dictionary, so 银行 is yin hang and 行长 hang zhang), a character in no
phrase takes its first reading; on the benchmark archive this gives exactly what
`pypinyin.lazy_pinyin` gives, four times faster. Every syllable (`s:jing`) and every pair of
neighbouring initials (`i:jj`) gets a bitmap of the articles that hold it.

A query of Latin letters only (and spaces, which are dropped), two letters or more, is read
two ways: as syllables one after the other, the last one begun (`jingj`), starting at a
syllable; and as the initials of consecutive syllables (`jj`). An article matches if its
header does either way (`PinyinMatcher`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from itertools import pairwise

SEP = "'"
_LETTERS = re.compile(r"[A-Za-z ]+")


@cache
def _data() -> tuple[Mapping[int, str], Mapping[str, list[list[str]]], frozenset[str]]:
    from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

    prefixes = frozenset(phrase[:n] for phrase in PHRASES_DICT for n in range(1, len(phrase) + 1))
    return PINYIN_DICT, PHRASES_DICT, prefixes


@cache
def _toneless(reading: str) -> str:
    text = unicodedata.normalize("NFD", reading).replace("u\u0308", "v")
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def syllables(text: str) -> list[str]:
    """One token per character of `text`: its syllable, or "" where it is not Chinese."""
    readings, phrases, prefixes = _data()
    out: list[str] = []
    n = len(text)
    i = 0
    while i < n:
        if ord(text[i]) not in readings:
            out.append("")
            i += 1
            continue
        end = i  # the end of this run of Chinese characters
        while end < n and ord(text[end]) in readings:
            end += 1
        while i < end:
            longest, j = 0, i + 1
            while j <= end and text[i:j] in prefixes:
                if j - i > 1 and text[i:j] in phrases:
                    longest = j - i
                j += 1
            if longest:
                out.extend(_toneless(reading[0]) for reading in phrases[text[i : i + longest]])
                i += longest
            else:
                out.append(_toneless(readings[ord(text[i])].split(",")[0]))
                i += 1
    return out


def header_text(title: str | None, kicker: str | None, subtitle: str | None) -> str:
    return "\n".join((title or "", kicker or "", subtitle or ""))


def header_pinyin(title: str | None, kicker: str | None, subtitle: str | None) -> str:
    return SEP + SEP.join(syllables(header_text(title, kicker, subtitle)))


def keys_of(pinyin: str) -> set[str]:
    """What an article's pinyin is filed under: its syllables and its initials' pairs."""
    tokens = pinyin.split(SEP)[1:]
    keys = {f"s:{token}" for token in tokens if token}
    keys.update(f"i:{a[0]}{b[0]}" for a, b in pairwise(tokens) if a and b)
    return keys


def pinyin_query(terms: str) -> str | None:
    """The letters a query of Latin letters only gives, lower case; None for another query
    or one of fewer than two letters."""
    if not _LETTERS.fullmatch(terms):
        return None
    letters = terms.replace(" ", "").lower()
    return letters if len(letters) >= 2 else None


class PinyinMatcher:
    """The articles whose header reads as a query, from the index's pinyin and bitmaps."""

    def __init__(self, pinyin: Sequence[str], bits: Mapping[str, int], size: int) -> None:
        self._pinyin = pinyin
        self._bits = bits
        self._size = size
        self._syllables = sorted(key[2:] for key in bits if key.startswith("s:"))

    def matches(self, letters: str, among: int = -1) -> int:
        """The articles (a bitmap) whose header reads as `letters`, of those in `among`."""
        found = 0
        for split in self._splits(letters):
            candidates = among
            for syllable in split[:-1]:
                candidates &= self._bits.get(f"s:{syllable}", 0)
            candidates &= self._begun(split[-1])
            if len(split) > 1:
                candidates = self._verified(candidates, SEP + SEP.join(split))
            found |= candidates
        initials = among
        for a, b in pairwise(letters):
            initials &= self._bits.get(f"i:{a}{b}", 0)
        if len(letters) > 2:
            initials = self._verified(initials, letters, by_initials=True)
        return found | initials

    def span(self, doc_id: int, letters: str) -> tuple[int, int] | None:
        """Where in the header (characters) the first reading of `letters` is."""
        tokens = self._pinyin[doc_id].split(SEP)[1:]
        for split in self._splits(letters):
            for start in range(len(tokens) - len(split) + 1):
                if all(tokens[start + k] == s for k, s in enumerate(split[:-1])) and tokens[
                    start + len(split) - 1
                ].startswith(split[-1]):
                    return start, start + len(split)
        initials = "".join(token[:1] or " " for token in tokens)
        at = initials.find(letters)
        return (at, at + len(letters)) if at >= 0 else None

    def _begun(self, prefix: str) -> int:
        """Every article with a syllable that begins with `prefix`."""
        bits = 0
        start = _bisect(self._syllables, prefix)
        for syllable in self._syllables[start:]:
            if not syllable.startswith(prefix):
                break
            bits |= self._bits[f"s:{syllable}"]
        return bits

    def _splits(self, letters: str) -> list[list[str]]:
        """`letters` as whole syllables, then one begun: every way there is."""
        known = set(self._syllables)
        out: list[list[str]] = []

        def walk(rest: str, taken: list[str]) -> None:
            if len(out) >= 16:  # a pathological query: enough readings
                return
            if _bisect_begins(self._syllables, rest):
                out.append([*taken, rest])
            for n in range(1, min(6, len(rest) - 1) + 1):
                if rest[:n] in known:
                    walk(rest[n:], [*taken, rest[:n]])

        walk(letters, [])
        return out

    def _verified(self, candidates: int, needle: str, *, by_initials: bool = False) -> int:
        from tui.search import bitset

        kept = []
        for doc_id in bitset.ids(candidates, self._size):
            pinyin = self._pinyin[doc_id]
            if by_initials:
                text = "".join(token[:1] or " " for token in pinyin.split(SEP)[1:])
            else:
                text = pinyin
            if needle in text:
                kept.append(doc_id)
        return bitset.from_ids(kept, self._size) if kept else 0


def _bisect(items: Sequence[str], prefix: str) -> int:
    from bisect import bisect_left

    return bisect_left(items, prefix)


def _bisect_begins(items: Sequence[str], prefix: str) -> bool:
    at = _bisect(items, prefix)
    return at < len(items) and items[at].startswith(prefix)


def pinyin_bits(pinyins: Iterable[str], size: int) -> dict[str, int]:
    """The bitmap of each key (`keys_of`) over articles numbered as `pinyins`."""
    from tui.search import bitset

    ids: dict[str, list[int]] = {}
    for doc_id, pinyin in enumerate(pinyins):
        for key in keys_of(pinyin):
            ids.setdefault(key, []).append(doc_id)
    return {key: bitset.from_ids(found, size) for key, found in sorted(ids.items())}
