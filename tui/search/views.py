"""The index as it lies in its file's bytes (`indexfile`), mapped or in memory: searched
there, decoding only what a search needs.

    docs = Texts(buffer, start, offsets, wide)   # the articles' normalised texts
    docs.first(ids, term, tail)                  # where term first occurs in each, in C
    docs[i]                                      # one text, decoded (a str)

A text is UTF-16-LE: one unit per character of the BMP, so a unit offset is a str
offset. A term is searched as its UTF-16 bytes (`bytes.find`, `mmap.find`: C speed, no
decoding); a match at an odd byte, across two characters, is skipped. A text holding a
surrogate (a character outside the BMP, or a lone surrogate) is "wide": its unit offsets
are not its str offsets, so the file also holds it in UTF-32 and it is searched as a str.

Nothing here trusts the bytes: a crafted file may give wrong answers, never an exception.
Strings that do not decode are decoded with replacement characters; a posting list's ids
past the last article are dropped (`postings`), a bitmap's bits past it masked; slices
past the bytes are cut short, as slices are.
"""

from __future__ import annotations

import codecs
import mmap
import sys
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import lru_cache
from itertools import compress, repeat
from operator import add, and_, gt, rshift, sub
from typing import TypeVar, overload

UTF16, UTF32 = "utf-16-le", "utf-32-le"
# The codecs' own functions: `str(data, encoding)` goes through a Python wrapper.
DECODERS = {UTF16: codecs.utf_16_le_decode, UTF32: codecs.utf_32_le_decode}
DECODED_KEPT = 1024  # texts kept decoded (snippets and scores of recent hits)

# What the bytes are searched in: a file mapped, or its bytes in memory.
Buffer = bytes | mmap.mmap
K = TypeVar("K")


def decode(raw: bytes | memoryview, encoding: str) -> str:
    """The strings' bytes decoded (lone surrogates kept); replacement characters where
    they are not text."""
    decoder = DECODERS[encoding]
    try:
        return decoder(raw, "surrogatepass", True)[0]
    except UnicodeDecodeError:
        return decoder(raw, "replace", True)[0]


def find_units(buffer: Buffer, needle: bytes, low: int, high: int) -> int:
    """The first match of `needle` in buffer[low:high] at an even distance from `low`,
    in units from `low`; -1 if none."""
    at = buffer.find(needle, low, high)
    while at >= 0 and (at - low) & 1:
        at = buffer.find(needle, at + 1, high)
    return (at - low) >> 1 if at >= 0 else -1


class _Decoded(Sequence[str]):
    """A sequence of strings decoded one at a time, as `_item(i)` gives string i."""

    _item: Callable[[int], str]

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self._item(i) for i in range(*index.indices(len(self)))]
        return self._item(index if index >= 0 else index + len(self))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


class Strings(_Decoded):
    """Strings end to end in `data` (in `encoding`); string i is
    data[offsets[i]:offsets[i + 1]], decoded when asked for."""

    def __init__(self, data: memoryview, offsets: memoryview, encoding: str, kept: int = 0) -> None:
        """`kept`: how many strings to keep decoded, the most recently asked for."""
        self._data, self._offsets, self._encoding = data, offsets, encoding
        self._item = lru_cache(kept)(self._decode) if kept else self._decode

    def __len__(self) -> int:
        return max(len(self._offsets) - 1, 0)

    def __iter__(self) -> Iterator[str]:
        # All of them in C calls, none kept: listing 33,917 ids one by one through the
        # kept ones took twice as long.
        data, offsets = self._data, self._offsets
        parts = map(data.__getitem__, map(slice, offsets[:-1], offsets[1:]))
        return map(decode, parts, repeat(self._encoding))

    def position(self, value: str) -> int | None:
        """The index of `value` (the first, if it is there twice), looked for in the bytes,
        none of the others decoded; None if it is not there."""
        needle = value.encode(self._encoding, "surrogatepass")
        offsets = self._offsets
        if not needle:
            return next((i for i in range(len(self)) if offsets[i] == offsets[i + 1]), None)
        data = bytes(self._data)
        at = data.find(needle)
        while at >= 0:
            # The last string starting there: any before it are empty.
            index, end = bisect_right(offsets, at) - 1, at + len(needle)
            if index < len(self) and offsets[index] == at and offsets[index + 1] == end:
                return index
            at = data.find(needle, at + 1)
        return None

    def _decode(self, index: int) -> str:
        offsets = self._offsets
        if not 0 <= index < len(offsets) - 1:
            raise IndexError(index)
        return decode(self._data[offsets[index] : offsets[index + 1]], self._encoding)

    def joined(self) -> tuple[str, list[int]]:
        """Every string end to end, decoded in one call, and where each starts (in
        characters, and the end): to search them all at once."""
        unit = 2 if self._encoding == UTF16 else 4
        return decode(self._data, self._encoding), [offset // unit for offset in self._offsets]


class Texts(_Decoded):
    """The articles' normalised texts: text i is UTF-16-LE at
    buffer[start + offsets[i]:start + offsets[i + 1]] (even offsets), and, if i is a key
    of `wide`, exactly `wide[i]`'s string."""

    def __init__(
        self, buffer: Buffer, start: int, offsets: memoryview, wide: Mapping[int, str]
    ) -> None:
        self._buffer, self._view = buffer, memoryview(buffer)
        self._starts, self._ends = offsets[:-1], offsets[1:]
        self._start = start
        self._wide = wide
        self._wide_ids = frozenset(wide)
        self._wide_ascending = sorted(wide)
        # Text i, decoded (i from 0): what `texts[i]` gives, with fewer steps.
        self.text: Callable[[int], str] = lru_cache(DECODED_KEPT)(self._decode)
        self._item = self.text

    def __len__(self) -> int:
        return len(self._starts)

    __hash__ = None  # type: ignore[assignment]

    def _decode(self, i: int) -> str:
        if i in self._wide_ids:
            return self._wide[i]
        start = self._start
        return decode(self._view[start + self._starts[i] : start + self._ends[i]], UTF16)

    def _bounds(self, i: int) -> tuple[int, int]:
        return self._start + self._starts[i], self._start + self._ends[i]

    def lengths(self) -> list[int]:
        """Each text's length in characters."""
        lengths = list(map(rshift, map(sub, self._ends, self._starts), repeat(1)))
        for i in self._wide_ids:
            lengths[i] = len(self._wide[i])
        return lengths

    def characters(self) -> int:
        """The texts' lengths added up, without going through them."""
        units = (self._ends[-1] - self._starts[0]) >> 1 if len(self._starts) else 0
        for i in self._wide_ids:
            units += len(self._wide[i]) - ((self._ends[i] - self._starts[i]) >> 1)
        return units

    def find(self, i: int, term: str, start: int = 0, end: int | None = None) -> int:
        """`texts[i].find(term, start, end)`, for start and end from 0 to the length."""
        if i in self._wide_ids:
            return self[i].find(term, start, end)
        low, high = self._bounds(i)
        if end is not None:
            high = min(high, low + 2 * end)
        at = find_units(self._buffer, _units(term), low + 2 * start, high)
        return at + start if at >= 0 else -1

    def startswith(self, i: int, term: str, at: int) -> bool:
        if i in self._wide_ids:
            return self[i].startswith(term, at)
        low, high = self._bounds(i)
        needle = _units(term)
        first = low + 2 * at
        return first + len(needle) <= high and self._buffer[first : first + len(needle)] == needle

    def tail(self, i: int, at: int, count: int) -> bytes:
        """Text i's `count` characters from `at` (fewer at its end), in UTF-16-LE."""
        if i in self._wide_ids:
            return _units(self[i][at : at + count])
        low, high = self._bounds(i)
        return bytes(self._buffer[low + 2 * at : min(low + 2 * (at + count), high)])

    def first(self, ids: Sequence[int], term: str, tail: int) -> tuple[list[int], list[bytes]]:
        """Where `term` first occurs in each text of `ids` (negative where it does not), and the
        `tail` characters after it in UTF-16-LE (anything where it does not occur): in
        C, text by text, but for the matches at an odd byte and the wide texts."""
        buffer, start, needle = self._buffer, self._start, _units(term)
        lows = list(map(add, map(self._starts.__getitem__, ids), repeat(start)))
        highs = list(map(add, map(self._ends.__getitem__, ids), repeat(start)))
        found = list(map(buffer.find, repeat(needle), lows, highs))
        # -1 is odd too: more odd than missing means a match at an odd byte (the texts
        # start at even bytes), across two characters.
        if sum(map(and_, found, repeat(1))) > found.count(-1):
            found = list(map(_even, repeat(buffer), repeat(needle), found, highs))
        after = list(map(add, found, repeat(len(needle))))
        cuts = list(map(add, after, repeat(2 * tail)))
        for k in compress(range(len(cuts)), map(gt, cuts, highs)):  # the text ends first
            cuts[k] = highs[k]
        tails = list(map(buffer.__getitem__, map(slice, after, cuts)))
        firsts = list(map(rshift, map(sub, found, lows), repeat(1)))  # -1 - low: negative
        for k, i in self._wide_among(ids):
            text = self[i]
            firsts[k] = at = text.find(term)
            tails[k] = _units(text[at + len(term) : at + len(term) + tail])
        return firsts, tails

    def _wide_among(self, ids: Sequence[int]) -> list[tuple[int, int]]:
        """(k, ids[k]) of the wide texts among `ids` (ascending)."""
        among = ((bisect_left(ids, i), i) for i in self._wide_ascending)
        return [(k, i) for k, i in among if k < len(ids) and ids[k] == i]


def _even(buffer: Buffer, needle: bytes, at: int, high: int) -> int:
    """The first match from `at` (one, or -1) at an even byte."""
    while at >= 0 and at & 1:
        at = buffer.find(needle, at + 1, high)
    return at


def _units(text: str) -> bytes:
    return text.encode(UTF16, "surrogatepass")


class JoinedText:
    """One string (the titles joined), decoded when first searched: searching its 1.4 MB
    (on the benchmark archive) in UTF-16 bytes, a match at an odd byte skipped, took
    three times as long as in a str."""

    def __init__(self, buffer: Buffer, start: int, end: int, encoding: str) -> None:
        self._buffer, self._start, self._end = buffer, start, end
        self._encoding = encoding
        self._text: str | None = None

    def __len__(self) -> int:
        width = 2 if self._encoding == UTF16 else 4
        return (self._end - self._start) // width

    def __str__(self) -> str:
        if self._text is None:
            self._text = decode(memoryview(self._buffer)[self._start : self._end], self._encoding)
        return self._text

    def __eq__(self, other: object) -> bool:
        return str(self) == (str(other) if isinstance(other, str | JoinedText) else other)

    __hash__ = None  # type: ignore[assignment]

    def find(self, term: str, start: int = 0, end: int | None = None) -> int:
        return str(self).find(term, start, end)

    def decoded_bytes(self) -> int:
        return sys.getsizeof(self._text) if self._text is not None else 0


class Bitmaps(Mapping[K, int]):
    """Sets of articles by key, each (articles + 7) // 8 little-endian bytes of `data`,
    made an int when first asked for (bits past the last article cleared)."""

    def __init__(self, keys: Sequence[K], data: memoryview, size: int) -> None:
        self._index = {key: k for k, key in enumerate(keys)}
        self._data, self._size, self._width = data, size, (size + 7) // 8
        self._made: dict[K, int] = {}

    def __getitem__(self, key: K) -> int:
        bits = self._made.get(key)
        if bits is None:
            k = self._index[key]
            bits = int.from_bytes(self._data[k * self._width : (k + 1) * self._width], "little")
            if bits.bit_length() > self._size:
                bits &= (1 << self._size) - 1
            self._made[key] = bits
        return bits

    def get(self, key: K, default: int | None = None) -> int | None:  # type: ignore[override]
        return self[key] if key in self._index else default

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __iter__(self) -> Iterator[K]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def made_bytes(self) -> int:
        """Memory the bitmaps made so far take."""
        return len(self._made) * (self._width + 28)


class Heads(Mapping[int, str]):
    """The heads of the articles `ids` (ascending), decoded when asked for."""

    def __init__(self, ids: memoryview, strings: Strings) -> None:
        self._ids, self._strings = ids, strings

    def _position(self, doc_id: object) -> int:
        if not isinstance(doc_id, int):
            return -1
        k = bisect_left(self._ids, doc_id)
        return k if k < len(self._ids) and self._ids[k] == doc_id else -1

    def __getitem__(self, doc_id: int) -> str:
        k = self._position(doc_id)
        if k < 0 or k >= len(self._strings):
            raise KeyError(doc_id)
        return self._strings[k]

    def get(self, doc_id: int, default: str | None = None) -> str | None:  # type: ignore[override]
        if not self._ids:
            return default
        k = self._position(doc_id)
        return self._strings[k] if 0 <= k < len(self._strings) else default

    def __contains__(self, doc_id: object) -> bool:
        return 0 <= self._position(doc_id) < len(self._strings)

    def __iter__(self) -> Iterator[int]:
        return iter(self._ids.tolist()[: len(self._strings)])

    def __len__(self) -> int:
        return min(len(self._ids), len(self._strings))
