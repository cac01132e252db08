"""The index file's layout (see `indexfile`): an index's sections encoded, and the index
a file's bytes hold, as views over them (`views`), its small sections checked."""

from __future__ import annotations

import json
import re
import struct
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from tui.search.build import Entry, IndexData
from tui.search.places import Places
from tui.search.postings import Postings
from tui.search.views import (
    UTF16,
    UTF32,
    Bitmaps,
    Buffer,
    Heads,
    JoinedText,
    Strings,
    Texts,
)

MAGIC = b"DUBAOIX\x00"
# magic, format, byte order, 'H' and 'I' item sizes, code version, fingerprint, CRC-32 of
# the body, CRC-32 of its first `opened` bytes, sections, `opened`, length of the body
HEADER = struct.Struct("<8sI4sBB2x8s32sIII4xQQ")
TABLE_ENTRY = struct.Struct("<16sQQ")
ALIGN = 8
_BYTE_ORDER = struct.pack("=I", 0x01020304)
ENCODINGS = {UTF16: "strict", UTF32: "surrogatepass"}
INTEGERS = ("B", "H", "I", "L", "Q")
PAGE_STRINGS = ("pages", "sections", "issues", "dates")
MACHINE = (_BYTE_ORDER, array("H").itemsize, array("I").itemsize)
_SURROGATE = re.compile("[\ud800-\udfff]")
# The sections read at opening, first in the file, under the opening CRC.
OPENED = (
    "meta",
    *(f"{name}{part}" for name in ("articles", *PAGE_STRINGS) for part in ("", ".offsets")),
    *("page_of", "positions", "docs.offsets", "wide.ids", "wide.offsets"),
    *("title_ends", "title_starts", "heads.ids", "heads.offsets", "bounds.offsets"),
    *("hot", "hot.offsets", "dense.codes", "py.docs.offsets", "py.keys", "py.keys.offsets"),
    "t.dense.codes",
)
# What decoding a file that is not what it should be can raise.
MALFORMED = (ValueError, TypeError, LookupError, AttributeError, OverflowError, RecursionError)


class Unusable(Exception):
    """An index file that cannot be used; the message says why, for a note."""


@dataclass(slots=True)
class FileSource:
    """What an index was opened from: the file mapped (and its descriptor, kept open for
    `verify`), or its bytes in memory (fd None)."""

    buffer: Buffer
    fd: int | None = None
    name: str = ""  # the file's, for notes


@dataclass(slots=True)
class IndexView:
    """`IndexData`'s fields (the same names, the same answers), viewed in the file."""

    entries: Sequence[Entry]
    ids: Strings
    docs: Texts
    title_ends: memoryview
    titles: JoinedText
    title_starts: memoryview
    heads: Heads
    title_bounds: Strings
    postings: Postings
    title_postings: Postings
    hot: Bitmaps[str]
    pinyin: Strings
    pinyin_initials: Strings
    pinyin_bits: Bitmaps[str]
    file: FileSource

    def decoded(self) -> IndexData:
        """Everything decoded into Python objects, as built (tests compare them)."""
        return IndexData(
            self.entries,
            list(self.ids),
            list(self.docs),
            _array(self.title_ends),
            str(self.titles),
            _array(self.title_starts),
            dict(self.heads),
            list(self.title_bounds),
            _decoded(self.postings),
            _decoded(self.title_postings),
            dict(self.hot),
            list(self.pinyin),
            list(self.pinyin_initials),
            dict(self.pinyin_bits),
        )


def _array(values: memoryview) -> array:
    return array(values.format, values.cast("B").tobytes())


def _decoded(postings: Postings) -> Postings:
    size, codes, starts, ids, dense = postings.parts()
    return Postings(size, _array(codes), _array(starts), _array(ids), dict(dense))


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


# A section as it is written: built whole, or a view over an array's memory (not copied).
Part = bytes | bytearray | memoryview


def encoded(data: IndexData, fingerprint: bytes, version: int, code: bytes) -> list[Part]:
    """The file's content, in parts: the header, the table, each section and padding."""
    sections = _sections(data)
    names = [*OPENED, *(name for name in sections if name not in OPENED)]
    table = bytearray()
    offset = HEADER.size + len(names) * TABLE_ENTRY.size
    parts: list[Part] = []
    opened = 0
    for name in names:
        padding = -offset % ALIGN
        parts.append(bytes(padding))
        parts.append(sections[name])
        offset += padding
        table += TABLE_ENTRY.pack(name.encode("ascii"), offset, len(sections[name]))
        offset += len(sections[name])
        if name in OPENED:
            opened = offset - HEADER.size
    body = [bytes(table), *parts]
    header = HEADER.pack(
        MAGIC,
        version,
        _BYTE_ORDER,
        *MACHINE[1:],
        code,
        fingerprint,
        _crc(body),
        _crc(_first(body, opened)),
        len(names),
        opened,
        offset - HEADER.size,
    )
    return [header, *body]


def _crc(parts: Sequence[Part]) -> int:
    crc = 0
    for part in parts:
        crc = zlib.crc32(part, crc)
    return crc


def _first(parts: list[Part], length: int) -> list[memoryview]:
    """The first `length` bytes of `parts`, as parts."""
    taken: list[memoryview] = []
    for part in parts:
        if length <= 0:
            break
        taken.append(memoryview(part)[:length])
        length -= len(part)
    return taken


def _sections(data: IndexData) -> dict[str, Part]:
    """Every section of the file. What the largest take at once is what a build's worker
    peaks at: the texts are encoded into one buffer, the arrays viewed where they are."""
    size, codes, starts, ids, dense = data.postings.parts()
    _, t_codes, t_starts, t_ids, t_dense = data.title_postings.parts()
    places = Places.of(data.entries)
    docs = list(data.docs)
    sections: dict[str, Part] = {}
    sections["docs"], sections["docs.offsets"], wide = _encode_docs(docs)
    encodings = {}
    strings = {
        "articles": data.ids,
        "pages": places.sources,
        "sections": places.sections,
        "issues": places.issues,
        "dates": places.dates,
        "titles": [str(data.titles)],
        "heads": list(data.heads.values()),
        "bounds": list(data.title_bounds),
        "hot": list(data.hot),
        "py.docs": data.pinyin,
        "py.init": data.pinyin_initials,
        "py.keys": list(data.pinyin_bits),
    }
    for name, items in strings.items():
        encodings[name], sections[name], sections[name + ".offsets"] = _encode_strings(items)
    if _is_wide(str(data.titles), sections["titles"]):  # searched in UTF-16 only if narrow
        titles = _encode_strings([str(data.titles)], UTF32)
        encodings["titles"], sections["titles"], sections["titles.offsets"] = titles
    wide_texts = [docs[i].encode(UTF32, "surrogatepass") for i in wide]
    sections["wide"], sections["wide.offsets"] = b"".join(wide_texts), _offsets(wide_texts)
    arrays: dict[str, Any] = {
        "page_of": places.pages,
        "positions": places.positions,
        "title_ends": data.title_ends,
        "title_starts": data.title_starts,
        "heads.ids": array("I", data.heads),
        "wide.ids": array("I", wide),
        "codes": codes,
        "starts": starts,
        "ids": ids,
        "dense.codes": array("I", dense),
        "t.codes": t_codes,
        "t.starts": t_starts,
        "t.ids": t_ids,
        "t.dense.codes": array("I", t_dense),
    }
    for name, values in arrays.items():
        sections[name] = memoryview(values).cast("B")
    types = {name: [_typecode(values), values.itemsize] for name, values in arrays.items()}
    width = (size + 7) // 8
    sections["dense.bits"] = b"".join(bits.to_bytes(width, "little") for bits in dense.values())
    sections["t.dense.bits"] = b"".join(bits.to_bytes(width, "little") for bits in t_dense.values())
    sections["hot.bits"] = b"".join(bits.to_bytes(width, "little") for bits in data.hot.values())
    sections["py.bits"] = b"".join(
        bits.to_bytes(width, "little") for bits in data.pinyin_bits.values()
    )
    meta = {
        "articles": size,
        "arrays": types,
        "heads": len(data.heads),
        "pages": len(places.sources),
        "dense": len(dense),
        "title_dense": len(t_dense),
        "hot": len(data.hot),
        "wide": len(wide),
        "pinyin": len(data.pinyin_bits),
        "encodings": encodings,
    }
    return {"meta": json.dumps(meta).encode(), **sections}


def _encode_docs(docs: Sequence[str]) -> tuple[bytearray, bytes, list[int]]:
    """The texts in UTF-16 end to end, where each starts, and which are wide (`_is_wide`).

    Encoded twice, one text at a time: the first time for the length of the whole, so
    that it is made at its size once, never as 34,000 pieces beside it (~35 MB more at
    the peak of a build of the benchmark archive) nor grown and copied."""
    ends = list(accumulate((len(doc.encode(UTF16, "surrogatepass")) for doc in docs), initial=0))
    joined = bytearray(ends[-1])
    wide = []
    for i, doc in enumerate(docs):
        raw = doc.encode(UTF16, "surrogatepass")
        joined[ends[i] : ends[i + 1]] = raw
        if _is_wide(doc, raw):
            wide.append(i)
    return joined, array("I", ends).tobytes(), wide


def _typecode(values: Any) -> str:
    return str(getattr(values, "typecode", None) or values.format)


def _is_wide(doc: str, units: bytes) -> bool:
    """Whether a text holds a surrogate: a character outside the BMP, or a lone one."""
    return len(units) != 2 * len(doc) or _SURROGATE.search(doc) is not None


def _offsets(parts: Sequence[bytes]) -> bytes:
    return array("I", accumulate(map(len, parts), initial=0)).tobytes()


def _encode_strings(items: Sequence[str], encoding: str = UTF16) -> tuple[str, bytes, bytes]:
    """(encoding, the strings encoded end to end, where each starts)."""
    # UTF-16 would read a lone high surrogate followed by a lone low one as one character.
    if any(map(_SURROGATE.search, items)):
        encoding = UTF32
    parts = [item.encode(encoding, ENCODINGS[encoding]) for item in items]
    return encoding, b"".join(parts), _offsets(parts)
