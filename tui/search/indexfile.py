"""The search index's file: `IndexData` written and read back, checked, fast.

The layout holds numbers, machine integers and text, nothing that can run code:

    header    HEADER: MAGIC, FORMAT, the writer's byte order and array item sizes, the
              code version, the library's fingerprint (`fingerprint`), the CRC-32 of all
              that follows, the number of sections and the length of all that follows.
    table     per section: its name, offset (from the end of the table) and length.
    sections  "meta", JSON: counts and text encodings. Arrays as their machine bytes.
              Lists of strings as their encodings end to end (UTF-16, or UTF-32 where a
              string holds a lone surrogate) and an array of their lengths in bytes.
              Bitmaps as blocks of (articles + 7) // 8 little-endian bytes.

The articles are not stored, only their ids and where they are (`places`): the caller
gives the entries, from the library or read on demand. Reading reads the file whole and
decodes each section with C-level calls (`array.frombytes`, the codecs, `int.from_bytes`),
mapped over the strings; no Python loop runs per character or per posting. A file that
is not whole and this code's, for this library, is `Unusable`; so is one whose numbers
do not all fit together (ids of articles it does not hold, offsets past its arrays), CRC
or not: the file is not trusted to have been written by this code.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import json
import os
import re
import stat
import struct
import tempfile
import zlib
from array import array
from collections.abc import Callable, Sequence
from itertools import accumulate, repeat
from operator import itemgetter
from pathlib import Path

from tui.search.build import Entry, IndexData
from tui.search.fingerprint import code_version
from tui.search.places import Places
from tui.search.postings import Postings, id_typecode
from tui.search.ranges import all_below

# The entries of the articles with these places and ids (the library's, or read on demand).
EntriesFor = Callable[[Places, list[str]], Sequence[Entry]]

FORMAT = 3  # 3: a doc's fields before its blocks end with the column (`segments`)
MAGIC = b"DUBAOIX\x00"
TEMP_SUFFIX = ".tmp"
# The largest index file read or written. The benchmark archive's 33,917 articles take
# 74.5 MB (~2.2 KB an article): this is ~480,000 articles, whose index alone would take
# dubao's processes gigabytes. A larger file is not read (a file cannot make dubao read
# all the disk); a larger index is built each time, not saved.
MAX_SIZE = 1 << 30
# magic, format, byte order, 'H' and 'I' item sizes, code version, fingerprint, CRC-32,
# sections, length of the rest
HEADER = struct.Struct("<8sI4sBB2x8s32sIIQ")
TABLE_ENTRY = struct.Struct("<16sQQ")
_BYTE_ORDER = struct.pack("=I", 0x01020304)
_ITEM_SIZES = (array("H").itemsize, array("I").itemsize)
_UTF16, _UTF32 = "utf-16-le", "utf-32-le"
_ERRORS = {_UTF16: "strict", _UTF32: "surrogatepass"}
# The codecs' own functions: `str(data, encoding)` goes through a Python wrapper.
_DECODERS = {_UTF16: codecs.utf_16_le_decode, _UTF32: codecs.utf_32_le_decode}
_INTEGERS = ("B", "H", "I", "L", "Q")
_PAGE_STRINGS = ("pages", "sections", "issues", "dates")
_SURROGATE = re.compile("[\ud800-\udfff]")


# What decoding a file that is not what it should be can raise.
_MALFORMED = (ValueError, TypeError, LookupError, AttributeError, OverflowError, RecursionError)


class Unusable(Exception):
    """An index file that cannot be used; the message says why, for a note."""


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def save(path: Path, data: IndexData, fingerprint: bytes) -> None:
    """Write `data` to `path` atomically: a temporary file in the same folder, renamed."""
    sections = _sections(data)
    names = list(sections)
    table = bytearray()
    offset = 0
    for name in names:
        table += TABLE_ENTRY.pack(name.encode("ascii"), offset, len(sections[name]))
        offset += len(sections[name])
    crc = zlib.crc32(table)
    for name in names:
        crc = zlib.crc32(sections[name], crc)
    header = HEADER.pack(
        MAGIC,
        FORMAT,
        _BYTE_ORDER,
        *_ITEM_SIZES,
        code_version(),
        fingerprint,
        crc,
        len(names),
        len(table) + offset,
    )
    if HEADER.size + len(table) + offset > MAX_SIZE:
        raise OSError(errno.EFBIG, f"the index would be larger than {MAX_SIZE:,} bytes")
    handle, temp = tempfile.mkstemp(prefix=f"{path.stem}-", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(header)
            out.write(table)
            for name in names:
                out.write(sections[name])
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _sections(data: IndexData) -> dict[str, bytes | memoryview]:
    size, codes, starts, ids, dense = data.postings.parts()
    width = _bitmap_bytes(size)
    sections: dict[str, bytes | memoryview] = {}
    encodings = {}
    places = Places.of(data.entries)
    strings = {
        "articles": data.ids,
        "pages": places.sources,
        "sections": places.sections,
        "issues": places.issues,
        "dates": places.dates,
        "docs": data.docs,
        "titles": [data.titles],
        "heads": list(data.heads.values()),
        "bounds": data.title_bounds,
        "hot": list(data.hot),
    }
    for name, items in strings.items():
        encodings[name], sections[name], sections[name + ".lens"] = _encode_strings(items)
    arrays = {
        "page_of": places.pages,
        "positions": places.positions,
        "title_ends": data.title_ends,
        "title_starts": data.title_starts,
        "heads.ids": array("I", data.heads),
        "codes": codes,
        "starts": starts,
        "ids": ids,
        "dense.codes": array("I", dense),
    }
    for name, values in arrays.items():
        sections[name] = memoryview(values).cast("B")
    types = {name: [values.typecode, values.itemsize] for name, values in arrays.items()}
    sections["dense.bits"] = b"".join(bits.to_bytes(width, "little") for bits in dense.values())
    sections["hot.bits"] = b"".join(bits.to_bytes(width, "little") for bits in data.hot.values())
    meta = {
        "articles": size,
        "arrays": types,
        "heads": len(data.heads),
        "pages": len(places.sources),
        "dense": len(dense),
        "hot": len(data.hot),
        "encodings": encodings,
    }
    return {"meta": json.dumps(meta).encode(), **sections}


def _encode_strings(items: Sequence[str]) -> tuple[str, bytes, memoryview]:
    """(encoding, the strings encoded end to end, each one's length in bytes)."""
    # UTF-16 would read a lone high surrogate followed by a lone low one as one character.
    encoding = _UTF32 if any(map(_SURROGATE.search, items)) else _UTF16
    parts = [item.encode(encoding, _ERRORS[encoding]) for item in items]
    lengths = array("Q", map(len, parts))
    return encoding, b"".join(parts), memoryview(lengths).cast("B")


def _bitmap_bytes(size: int) -> int:
    return (size + 7) // 8


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def load(path: Path, fingerprint: bytes, entries: EntriesFor) -> IndexData:
    """The index kept in `path` for the library with this fingerprint, its entries given
    by `entries`; Unusable if it is not one this code wrote for this library, whole."""
    try:
        head, body = _read(path, fingerprint)
    except OSError as e:
        raise Unusable(f"could not be read ({e.strerror or e})") from e
    crc, count = HEADER.unpack(head)[7:9]
    if zlib.crc32(body) != crc:
        raise Unusable("is damaged")
    try:
        return _decode(_Sections(body, count), entries)
    except _MALFORMED as e:
        raise Unusable(f"is damaged ({e})") from e


def _read(path: Path, fingerprint: bytes) -> tuple[bytes, bytes]:
    """The file's header and the rest, if it is a regular file of at most MAX_SIZE whose
    header is this code's for this library.

    Read, not mapped: a mapped file that someone truncates kills the process (SIGBUS)
    when it touches a page past the new end. Reading the benchmark archive's 74.5 MB
    costs ~40 ms more than mapping it; the peak and lasting memory are the same (the
    mapping's pages counted as much, and the decoded index copies all it keeps)."""
    # Without O_NONBLOCK, opening a FIFO waits for a writer.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Unusable("is not a regular file")
        if info.st_size > MAX_SIZE:
            raise Unusable(f"is larger than {MAX_SIZE:,} bytes")
        head = _read_up_to(fd, HEADER.size)
        length = _check_header(head, fingerprint)
        if info.st_size != HEADER.size + length:
            raise Unusable("is truncated" if info.st_size < HEADER.size + length else "is damaged")
        body = _read_up_to(fd, length)
    finally:
        os.close(fd)
    if len(body) != length:  # shorter than it says, or cut while it was read
        raise Unusable("is truncated")
    return head, body


def _read_up_to(fd: int, size: int) -> bytes:
    """`size` bytes from `fd`, or fewer at the end of the file."""
    parts = []
    while size > 0:
        part = os.read(fd, size)
        if not part:
            break
        parts.append(part)
        size -= len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _check_header(head: bytes, fingerprint: bytes) -> int:
    """The length of the rest of the file, if the header is this code's for this library."""
    if len(head) < HEADER.size or not head.startswith(MAGIC):
        raise Unusable("is not an index file")
    _, version, order, h_size, i_size, code, found, _, _, length = HEADER.unpack(head)
    if version != FORMAT or code != code_version():
        raise Unusable("is from another version of dubao")
    if order != _BYTE_ORDER or (h_size, i_size) != _ITEM_SIZES:
        raise Unusable("is from another kind of machine")
    if found != fingerprint:
        raise Unusable("is of another library or an older one")
    return int(length)


class _Sections:
    """The named sections of a file's body, and decoders for each kind."""

    def __init__(self, body: bytes, count: int) -> None:
        table_size = count * TABLE_ENTRY.size
        if table_size > len(body):
            raise ValueError("section table past the end")
        self._body, self._start = body, table_size
        self._data = memoryview(body)[table_size:]
        self._table: dict[str, tuple[int, int]] = {}
        end = 0
        # End to end, as written: a header with another count (it is outside the CRC)
        # misreads the table, and a misread table never adds up.
        for name, offset, length in TABLE_ENTRY.iter_unpack(body[:table_size]):
            key = name.rstrip(b"\x00").decode("ascii")
            if offset != end or key in self._table:
                raise ValueError("sections not end to end")
            self._table[key] = (offset, length)
            end = offset + length
        if end != len(self._data):
            raise ValueError("sections and the file's length disagree")

    def raw(self, name: str) -> memoryview:
        offset, length = self._table[name]
        return self._data[offset : offset + length]

    def below(self, name: str, itemsize: int, limit: int) -> bool:
        """Whether every item of the array `name` (of `itemsize` bytes) is below `limit`."""
        offset, length = self._table[name]
        start = self._start + offset
        return all_below(self._body, start, start + length, itemsize, limit)

    def array(self, name: str, typecode: str, count: int | None = None) -> array:
        if typecode not in _INTEGERS:
            raise ValueError(f"{name}: not an array of integers")
        values = array(typecode)
        values.frombytes(self.raw(name))  # ValueError unless whole items
        if count is not None and len(values) != count:
            raise ValueError(f"{name}: {len(values)} items, not {count}")
        return values

    def strings(self, name: str, count: int, encoding: str) -> list[str]:
        """Each string decoded from its own bytes: no copy of them all as one string."""
        if encoding not in _ERRORS:
            raise ValueError(f"{name}: unknown encoding")
        raw = self.raw(name)
        ends = list(accumulate(self.array(name + ".lens", "Q", count)))
        if (ends[-1] if ends else 0) != len(raw):
            raise ValueError(f"{name}: lengths do not add up")
        parts = map(raw.__getitem__, map(slice, [0, *ends], ends))
        decoded = map(_DECODERS[encoding], parts, repeat(_ERRORS[encoding]), repeat(True))
        return list(map(itemgetter(0), decoded))

    def bitmaps(self, name: str, count: int, size: int) -> list[int]:
        """`count` sets of articles, each a bitmap of `size` bits (in whole bytes)."""
        raw, width = self.raw(name), _bitmap_bytes(size)
        if len(raw) != count * width:
            raise ValueError(f"{name}: {len(raw)} bytes, not {count} × {width}")
        steps = range(0, len(raw), width or 1)
        bitmaps = [int.from_bytes(raw[i : i + width], "little") for i in steps]
        if any(bits.bit_length() > size for bits in bitmaps):
            raise ValueError(f"{name}: unknown articles")
        return bitmaps


def _decode(sections: _Sections, entries_for: EntriesFor) -> IndexData:
    """The index the sections hold: ValueError (or TypeError, KeyError…) unless every
    count, id and offset in it fits the others, so that no search can index past a list."""
    meta = json.loads(bytes(sections.raw("meta")))
    counts = [meta[key] for key in ("articles", "heads", "pages", "dense", "hot")]
    if any(type(n) is not int or n < 0 for n in counts):
        raise ValueError("bad counts")
    size, heads, pages, dense, hot = counts
    encodings = meta["encodings"]
    types = meta["arrays"]
    for typecode, itemsize in types.values():
        if typecode not in _INTEGERS or array(typecode).itemsize != itemsize:
            raise ValueError("arrays of another kind of machine")

    def numbers(name: str, count: int | None = None) -> array:
        return sections.array(name, types[name][0], count)

    ids = sections.strings("articles", size, encodings["articles"])
    places = Places(
        numbers("page_of", size),
        numbers("positions", size),
        *(sections.strings(name, pages, encodings[name]) for name in _PAGE_STRINGS),
    )
    places.check(size)
    entries = entries_for(places, ids)
    if len(entries) != size:
        raise ValueError("not this library's article count")
    docs = sections.strings("docs", size, encodings["docs"])
    (titles,) = sections.strings("titles", 1, encodings["titles"])
    title_ends = numbers("title_ends", size)
    if any(map(int.__gt__, title_ends, map(len, docs))):
        raise ValueError("titles longer than their articles")
    title_starts = numbers("title_starts", size + 1)
    # Each title starts one past the end of the one before (the separator).
    if title_starts.tolist() != list(accumulate(map((1).__add__, title_ends), initial=0)) or (
        title_starts[-1] != len(titles) + min(size, 1)
    ):
        raise ValueError("titles and their starts disagree")
    head_ids = numbers("heads.ids", heads)
    if head_ids and (max(head_ids) >= size or any(map(int.__ge__, head_ids, head_ids[1:]))):
        raise ValueError("heads of unknown articles")
    codes = numbers("codes")
    starts = numbers("starts", len(codes) + 1)
    posted = numbers("ids")
    if posted.typecode != id_typecode(size) or starts[0] != 0 or starts[-1] != len(posted):
        raise ValueError("posting starts and ids disagree")
    if not sections.below("starts", starts.itemsize, len(posted) + 1):
        raise ValueError("posting starts past the ids")
    if not sections.below("ids", posted.itemsize, size):
        raise ValueError("postings of unknown articles")
    dense_bits = sections.bitmaps("dense.bits", dense, size)
    dense_map = dict(zip(numbers("dense.codes", dense), dense_bits, strict=True))
    postings = Postings(size, codes, starts, posted, dense_map)
    return IndexData(
        entries=entries,
        ids=ids,
        docs=docs,
        title_ends=title_ends,
        titles=titles,
        title_starts=title_starts,
        heads=dict(
            zip(head_ids, sections.strings("heads", heads, encodings["heads"]), strict=True)
        ),
        title_bounds=sections.strings("bounds", size, encodings["bounds"]),
        postings=postings,
        hot=dict(
            zip(
                sections.strings("hot", hot, encodings["hot"]),
                sections.bitmaps("hot.bits", hot, size),
                strict=True,
            )
        ),
    )
