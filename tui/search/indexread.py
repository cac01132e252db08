"""An index file's bytes (see `indexfile`) read as the index they hold: views over them
(`views`), the small sections checked."""

from __future__ import annotations

import json
import zlib
from array import array
from collections.abc import Callable, Sequence
from itertools import accumulate, repeat
from operator import add, and_, ge, gt, itemgetter
from typing import Any

from tui.search.build import Entry
from tui.search.indexlayout import (
    ALIGN,
    ENCODINGS,
    HEADER,
    INTEGERS,
    MALFORMED,
    OPENED,
    PAGE_STRINGS,
    TABLE_ENTRY,
    FileSource,
    IndexView,
    Unusable,
)
from tui.search.places import Places
from tui.search.postings import Postings, id_typecode
from tui.search.views import (
    DECODED_KEPT,
    DECODERS,
    UTF16,
    UTF32,
    Bitmaps,
    Buffer,
    Heads,
    JoinedText,
    Strings,
    Texts,
)


class Sections:
    """The named sections of a file's bytes, and views of each kind."""

    def __init__(self, buffer: Buffer, count: int, opened: int) -> None:
        self.buffer, self._view = buffer, memoryview(buffer)
        table_end = HEADER.size + count * TABLE_ENTRY.size
        if table_end > HEADER.size + opened:
            raise ValueError("section table past the opened sections")
        self._table: dict[str, tuple[int, int]] = {}
        end = table_end
        # End to end, as written: a header with another count misreads the table, and a
        # misread table never adds up.
        for name, offset, length in TABLE_ENTRY.iter_unpack(self._view[HEADER.size : table_end]):
            key = name.rstrip(b"\x00").decode("ascii")
            if offset != end + (-end % ALIGN) or key in self._table:
                raise ValueError("sections not end to end")
            self._table[key] = (offset, length)
            end = offset + length
        if end != len(buffer):
            raise ValueError("sections and the file's length disagree")
        if any(sum(self._table[name]) > HEADER.size + opened for name in OPENED):
            raise ValueError("a section read at opening is past the opening CRC")

    def span(self, name: str) -> tuple[int, int]:
        offset, length = self._table[name]
        return offset, offset + length

    def raw(self, name: str) -> memoryview:
        start, end = self.span(name)
        return self._view[start:end]

    def array(self, name: str, typecode: str, count: int | None = None) -> memoryview:
        if typecode not in INTEGERS:
            raise ValueError(f"{name}: not an array of integers")
        values = self.raw(name).cast(typecode)  # TypeError unless whole items
        if count is not None and len(values) != count:
            raise ValueError(f"{name}: {len(values)} items, not {count}")
        return values

    def strings(self, name: str, count: int, encoding: str, kept: int = 0) -> Strings:
        """The strings of `name`, decoded when asked for (`kept`: see `Strings`)."""
        if encoding not in ENCODINGS:
            raise ValueError(f"{name}: unknown encoding")
        return Strings(self.raw(name), self._offsets(name, count), encoding, kept)

    def decoded(self, name: str, count: int, encoding: str) -> list[str]:
        """The strings of `name`, each decoded now (ValueError if one does not decode),
        in C calls mapped over them."""
        raw, offsets = self.raw(name), self._offsets(name, count)
        if encoding not in ENCODINGS:
            raise ValueError(f"{name}: unknown encoding")
        parts = map(raw.__getitem__, map(slice, offsets[:-1], offsets[1:]))
        decoded = map(DECODERS[encoding], parts, repeat(ENCODINGS[encoding]), repeat(True))
        return list(map(itemgetter(0), decoded))

    def _offsets(self, name: str, count: int) -> memoryview:
        offsets = self.array(name + ".offsets", "I", count + 1)
        if offsets[0] != 0 or offsets[-1] != len(self.raw(name)):
            raise ValueError(f"{name}: offsets and length disagree")
        return offsets

    def bitmaps(self, name: str, keys: Sequence[Any], size: int) -> Bitmaps[Any]:
        raw, width = self.raw(name), (size + 7) // 8
        if len(raw) != len(keys) * width:
            raise ValueError(f"{name}: {len(raw)} bytes, not {len(keys)} × {width}")
        return Bitmaps(keys, raw, size)


def opened_view(
    buffer: Buffer,
    fingerprint: bytes,
    entries_for: Callable[[Places, Sequence[str]], Sequence[Entry]],
    header_length: Callable[[bytes], int],
) -> IndexView:
    """The index in `buffer` (a file's bytes, mapped or not), its header checked by
    `header_length` (which gives the body's length), its small sections checked."""
    length = header_length(bytes(buffer[: HEADER.size]))
    if len(buffer) != HEADER.size + length:
        raise Unusable("is truncated" if len(buffer) < HEADER.size + length else "is damaged")
    fields = HEADER.unpack_from(buffer)
    opened_crc, count, opened = fields[8:11]
    if opened > length or zlib.crc32(memoryview(buffer)[HEADER.size : HEADER.size + opened]) != (
        opened_crc
    ):
        raise Unusable("is damaged")
    try:
        return _view(Sections(buffer, count, opened), entries_for)
    except MALFORMED as e:
        raise Unusable(f"is damaged ({e})") from e


def _view(
    sections: Sections, entries_for: Callable[[Places, Sequence[str]], Sequence[Entry]]
) -> IndexView:
    """The index the sections hold: ValueError (or TypeError, KeyError…) unless every
    count, id and offset read now fits the others (those read later are kept in range
    where they are used)."""
    meta = json.loads(bytes(sections.raw("meta")))
    names = ("articles", "heads", "pages", "dense", "title_dense", "hot", "wide", "pinyin")
    counts = [meta[key] for key in names]
    if any(type(n) is not int or n < 0 for n in counts):
        raise ValueError("bad counts")
    size, heads, pages, dense, title_dense, hot, wide, pinyin_keys = counts
    encodings, types = meta["encodings"], meta["arrays"]
    for typecode, itemsize in types.values():
        if typecode not in INTEGERS or array(typecode).itemsize != itemsize:
            raise ValueError("arrays of another kind of machine")

    def numbers(name: str, count: int | None = None) -> memoryview:
        return sections.array(name, types[name][0], count)

    # Decoded one by one as results show them: decoding all 33,917 at opening took ~25 ms
    # of the first search's wait (the benchmark archive).
    ids = sections.strings("articles", size, encodings["articles"], DECODED_KEPT)
    places = Places(
        numbers("page_of", size),  # type: ignore[arg-type]
        numbers("positions", size),  # type: ignore[arg-type]
        *(sections.decoded(name, pages, encodings[name]) for name in PAGE_STRINGS),
    )
    places.check(size)
    entries = entries_for(places, ids)
    if len(entries) != size:
        raise ValueError("not this library's article count")
    docs = _texts(sections, size, numbers("wide.ids", wide))
    titles = _titles(sections, encodings["titles"])
    title_ends = numbers("title_ends", size)
    if any(map(gt, title_ends, docs.lengths())):
        raise ValueError("titles longer than their articles")
    title_starts = numbers("title_starts", size + 1)
    # Each title starts one past the end of the one before (the separator).
    if title_starts.tolist() != list(accumulate(map(add, title_ends, repeat(1)), initial=0)) or (
        title_starts[-1] != len(titles) + min(size, 1)
    ):
        raise ValueError("titles and their starts disagree")
    head_ids = _ascending_ids(numbers("heads.ids", heads), size, "heads")
    return IndexView(
        entries=entries,
        ids=ids,
        docs=docs,
        title_ends=title_ends,
        titles=titles,
        title_starts=title_starts,
        heads=Heads(head_ids, sections.strings("heads", heads, encodings["heads"])),
        title_bounds=sections.strings("bounds", size, encodings["bounds"], DECODED_KEPT),
        postings=_postings(sections, numbers, size, dense),
        title_postings=_postings(sections, numbers, size, title_dense, "t."),
        hot=sections.bitmaps("hot.bits", sections.decoded("hot", hot, encodings["hot"]), size),
        pinyin=sections.strings("py.docs", size, encodings["py.docs"], DECODED_KEPT),
        pinyin_initials=sections.strings("py.init", size, encodings["py.init"]),
        pinyin_bits=sections.bitmaps(
            "py.bits",
            sections.decoded("py.keys", pinyin_keys, encodings["py.keys"]),
            size,
        ),
        file=FileSource(sections.buffer),
    )


def _ascending_ids(ids: memoryview, size: int, name: str) -> memoryview:
    if ids and (max(ids) >= size or any(map(ge, ids, ids[1:]))):
        raise ValueError(f"{name} of unknown articles")
    return ids


def _texts(sections: Sections, size: int, wide_ids: memoryview) -> Texts:
    offsets = sections.array("docs.offsets", "I", size + 1)
    start, end = sections.span("docs")
    if offsets[0] != 0 or offsets[-1] != end - start or any(map(and_, offsets, repeat(1))):
        raise ValueError("texts and their offsets disagree")
    wide = sections.strings("wide", len(wide_ids), UTF32)
    wide_ids = _ascending_ids(wide_ids, size, "wide")
    return Texts(sections.buffer, start, offsets, Heads(wide_ids, wide))


def _titles(sections: Sections, encoding: str) -> JoinedText:
    if encoding not in ENCODINGS or len(sections.raw("titles.offsets")) != 8:
        raise ValueError("titles: not one string")
    start, end = sections.span("titles")
    if (end - start) % (2 if encoding == UTF16 else 4):
        raise ValueError("titles: not whole characters")
    return JoinedText(sections.buffer, start, end, encoding)


def _postings(
    sections: Sections, numbers: Callable[..., memoryview], size: int, dense: int, of: str = ""
) -> Postings:
    """The postings of the sections named with the prefix `of`."""
    codes = numbers(of + "codes")
    starts = numbers(of + "starts", len(codes) + 1)
    posted = numbers(of + "ids")
    if posted.format != id_typecode(size) or starts[0] != 0 or starts[-1] != len(posted):
        raise ValueError("posting starts and ids disagree")
    dense_codes = numbers(of + "dense.codes", dense).tolist()
    bitmaps = sections.bitmaps(of + "dense.bits", dense_codes, size)
    return Postings(size, codes, starts, posted, bitmaps, checked=False)
