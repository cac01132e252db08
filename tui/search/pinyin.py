"""Headlines found by pinyin, for readers without a Chinese input method: `jingji`,
`jing ji` and `jj` find 经济, `xjp` a headline with 习近平.

At build, each article's header (headline, kicker, subtitle, joined by "\\n") gets one
token per character: its syllable without tone (`ü` as `v`) for a Chinese character, ""
for anything else; stored as `'tok'tok'…` (`header_pinyin`). Readings come from pypinyin's
data files, read without importing pypinyin (which holds them as ~56 MB of lists): a run
of Chinese characters is cut into its longest phrases from the start (pypinyin's phrase
dictionary, so 银行 is yin hang and 行长 hang zhang), a character in no phrase takes its
first reading; on the benchmark archive this gives exactly what
`pypinyin.lazy_pinyin` gives, four times faster. Every syllable (`s:jing`) and every pair of
neighbouring initials (`i:jj`) gets a bitmap of the articles that hold it.

A query of Latin letters only (and spaces, which are dropped), two letters or more, is read
two ways: as syllables one after the other, the last one begun (`jingj`), starting at a
syllable; and as the initials of consecutive syllables (`jj`). An article matches if its
header does either way (`PinyinMatcher`).
"""

from __future__ import annotations

import importlib.util
import json
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping
from functools import cache, cached_property
from itertools import pairwise
from json.decoder import scanstring
from pathlib import Path
from typing import TYPE_CHECKING

from tui.search import bitset

if TYPE_CHECKING:
    from tui.search.indexlayout import IndexView
    from tui.search.views import Strings

SEP = "'"
_LETTERS = re.compile(r"[A-Za-z ]+")
_SPACE = re.compile(r"[ \t\n\r]*")  # JSON's


@cache
def _data() -> tuple[Mapping[int, str], Mapping[str, str], frozenset[str]]:
    """Each character's first reading, each phrase's readings (SEP-joined), both without
    tone; and every prefix of a phrase."""
    readings, phrases = _read_data()
    prefixes = frozenset(phrase[:n] for phrase in phrases for n in range(1, len(phrase) + 1))
    return readings, phrases, prefixes


def forget_readings() -> None:
    """Let `_data` go: a build has read its headers (read again if asked)."""
    _data.cache_clear()


def _read_data() -> tuple[dict[int, str], dict[str, str]]:
    """pypinyin's data files, read as `_data` keeps them: importing pypinyin holds them
    as it does, ~56 MB (every reading of a phrase as a list), where this takes ~15 MB."""
    spec = importlib.util.find_spec("pypinyin")
    folders = spec.submodule_search_locations if spec is not None else None
    try:
        folder = Path(next(iter(folders or [])))
        characters = json.loads((folder / "pinyin_dict.json").read_text("utf-8"))
        phrases = dict(_phrase_readings((folder / "phrases_dict.json").read_text("utf-8")))
    except (StopIteration, OSError, ValueError, IndexError, TypeError, AttributeError):
        from pypinyin.constants import PHRASES_DICT, PINYIN_DICT  # laid out otherwise

        characters = PINYIN_DICT
        phrases = {phrase: _first_readings(each) for phrase, each in PHRASES_DICT.items()}
    return {int(code): _toneless(read.split(",")[0]) for code, read in characters.items()}, phrases


def _first_readings(readings: list[list[str]]) -> str:
    """A phrase's first reading of each character, without tone, SEP-joined."""
    return SEP.join(_toneless(reading[0]) for reading in readings)


def _phrase_readings(text: str) -> Iterator[tuple[str, str]]:
    """Each phrase of pypinyin's phrases_dict.json (a JSON object: phrase → one list of
    readings per character), and its first readings without tone, SEP-joined; read one
    phrase at a time."""
    decoder = json.JSONDecoder()
    at = _SPACE.match(text, text.index("{") + 1).end()
    while text[at] == '"':
        phrase, at = scanstring(text, at + 1)
        at = _SPACE.match(text, at).end()
        if text[at] != ":":
            raise ValueError(f"no ':' after a phrase at {at}")
        readings, at = decoder.raw_decode(text, _SPACE.match(text, at + 1).end())
        yield phrase, _first_readings(readings)
        at = _SPACE.match(text, at).end()
        if text[at] == ",":
            at = _SPACE.match(text, at + 1).end()
    if text[at] != "}":
        raise ValueError(f"no '}}' at the end, at {at}")


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
                out.extend(phrases[text[i : i + longest]].split(SEP))
                i += longest
            else:
                out.append(readings[ord(text[i])])
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
    """The articles whose header reads as a query, from the index's pinyin, initials and
    bitmaps. Both texts are searched whole, decoded once, at the first query."""

    def __init__(self, index: IndexView, size: int) -> None:
        self._pinyin: Strings = index.pinyin
        self._initials: Strings = index.pinyin_initials
        self._bits: Mapping[str, int] = index.pinyin_bits
        self._size = size
        self._syllables = sorted(key[2:] for key in self._bits if key.startswith("s:"))
        self._known = frozenset(self._syllables)
        self._splits_of: dict[str, list[list[str]]] = {}
        # Where each needle looked for is, for the next keystroke's. A needle in the pinyin
        # begins with SEP, one in the initials never holds it: one table holds both.
        self._places: dict[str, list[int]] = {}

    @cached_property
    def _joined_pinyin(self) -> tuple[str, list[int]]:
        return self._pinyin.joined()

    @cached_property
    def _joined_initials(self) -> tuple[str, list[int]]:
        return self._initials.joined()

    def matches(self, letters: str, among: int = -1) -> int:
        """The articles (a bitmap) whose header reads as `letters`, of those in `among`."""
        found = 0
        for split in self.splits(letters):
            if len(split) == 1:
                found |= self._begun(split[0])
            else:
                found |= self._holding(self._joined_pinyin, SEP + SEP.join(split))
        if len(letters) == 2:
            found |= self._bits.get(f"i:{letters}", 0)
        else:
            found |= self._holding(self._joined_initials, letters)
        return found & among

    def span(self, doc_id: int, letters: str) -> tuple[int, int] | None:
        """Where in the header (characters) the first reading of `letters` is."""
        pinyin = self._pinyin[doc_id]
        for split in self.splits(letters):
            at = pinyin.find(SEP + SEP.join(split))
            if at >= 0:
                start = pinyin.count(SEP, 0, at)
                return start, start + len(split)
        at = self._initials[doc_id].find(letters)
        return (at, at + len(letters)) if at >= 0 else None

    def splits(self, letters: str) -> list[list[str]]:
        """`letters` as whole syllables, then one begun: every way there is."""
        found = self._splits_of.get(letters)
        if found is not None:
            return found
        out: list[list[str]] = []

        def walk(rest: str, taken: list[str]) -> None:
            if len(out) >= 16:  # a pathological query: enough readings
                return
            at = bisect_left(self._syllables, rest)
            if at < len(self._syllables) and self._syllables[at].startswith(rest):
                out.append([*taken, rest])
            for n in range(1, min(6, len(rest) - 1) + 1):
                if rest[:n] in self._known:
                    walk(rest[n:], [*taken, rest[:n]])

        walk(letters, [])
        if len(self._splits_of) > 256:
            self._splits_of.clear()
        self._splits_of[letters] = out
        return out

    def _begun(self, prefix: str) -> int:
        """Every article with a syllable that begins with `prefix`."""
        bits = 0
        for syllable in self._syllables[bisect_left(self._syllables, prefix) :]:
            if not syllable.startswith(prefix):
                break
            bits |= self._bits[f"s:{syllable}"]
        return bits

    def _holding(self, joined: tuple[str, list[int]], needle: str) -> int:
        """The articles whose text (of `joined`: all of them end to end) holds `needle`.
        Where a shorter needle that begins this one was looked for (the keystroke before),
        only the places it was found are tested."""
        text, starts = joined
        known = self._places
        shorter = max((n for n in known if needle.startswith(n)), key=len, default=None)
        if shorter is not None:
            places = [at for at in known[shorter] if text.startswith(needle, at)]
        else:
            places = []
            at = text.find(needle)
            while at >= 0:
                places.append(at)
                at = text.find(needle, at + 1)
        if len(known) > 64:
            known.clear()
        known[needle] = places
        length = len(needle)
        ids = {
            doc_id
            for at in places
            if at + length <= starts[(doc_id := bisect_right(starts, at) - 1) + 1]
        }
        return bitset.from_ids(ids, self._size) if ids else 0


def initials(pinyin: str) -> str:
    """An article's pinyin's initials: one character a token (" " where it has none)."""
    return "".join(token[:1] or " " for token in pinyin.split(SEP)[1:])


def pinyin_bits(pinyins: Iterable[str], size: int) -> dict[str, int]:
    """The bitmap of each key (`keys_of`) over articles numbered as `pinyins`."""
    ids: dict[str, list[int]] = {}
    for doc_id, pinyin in enumerate(pinyins):
        for key in keys_of(pinyin):
            ids.setdefault(key, []).append(doc_id)
    return {key: bitset.from_ids(found, size) for key, found in sorted(ids.items())}
