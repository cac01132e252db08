"""The search index's file: written once, then mapped and searched where it lies.

    save(path, data, fingerprint)             # atomically: a temporary file, renamed
    view = load(path, fingerprint, entries)   # mapped; SearchIndex(view) searches it
    view = loads(content, fingerprint, entries)   # the same from the file's bytes
    verify(path or view or SearchIndex)       # the full CRC, read with pread: Unusable

The file holds numbers, machine integers and text, nothing that can run code. The header
and table are little-endian; arrays are in the writer's byte order and item sizes, which
the header names (another machine's file is refused):

    header    HEADER (96 bytes): MAGIC, FORMAT, the writer's byte order and 'H' and 'I'
              item sizes, the code version, the library's fingerprint (`fingerprint`),
              the CRC-32 of the body, the CRC-32 of the body's first `opened` bytes, the
              number of sections, `opened`, and the body's length.
    body      The section table (per section: its name, its offset in the file and its
              length), then the sections, each at a multiple of 8 bytes from the start
              of the file (zeros between), so that an array is viewed in place
              (`memoryview.cast`). First the small sections read at opening (OPENED),
              then the large ones, read as searches need them.
    sections  "meta", JSON: counts, array types, string encodings. Arrays as their
              machine bytes. Lists of strings as their encodings end to end (UTF-16, or
              UTF-32 where a string holds a lone surrogate) and "<name>.offsets", where
              each starts, one more than the strings ('I'). The articles' texts ("docs")
              always in UTF-16 (searched as bytes, see `views`); those holding any
              surrogate also in UTF-32 ("wide", with "wide.ids"). Bitmaps as blocks of
              (articles + 7) // 8 little-endian bytes. Two sets of postings: of the
              texts ("codes", "starts", "ids", "dense.codes", "dense.bits") and of the
              titles alone (the same names after "t.").

The articles are not stored, only their ids and where they are (`places`): the caller
gives the entries, from the library or read on demand.

What an `IndexView` (what `load` returns; `SearchIndex` searches it) holds, on the
benchmark archive's 91 MB file:

- views of the map, never copied: the texts ("docs", 35 MB: a term is looked for in
  their bytes, `views.Texts`), the postings' codes, starts and ids (27 MB; the titles'
  own, 3 MB), the title ends and starts; read by the pages a search touches, shared
  with every process that maps the file;
- decoded at opening (~4 MB of Python objects): the articles' ids, the places, the names
  of the hot terms and the codes of the dense postings;
- decoded when first needed, and kept: a dense posting's or a hot term's bitmap (an int),
  the joined titles (a str, 1.4 MB, on the first search that tests a title); decoded
  each time, the most recent kept: a text (to score it, make its snippet), a title's
  word boundaries, an article's heads;
- `decoded()`: all of it as `IndexData`, for tests.

Opening maps the file read-only (`mmap`: every process that opens it shares one copy, in
the page cache) and checks, before the first answer (~20 ms on the benchmark archive,
where reading and decoding the whole file took ~330 ms):

- that it is a regular file of at most MAX_SIZE bytes (a FIFO is not waited on), whose
  header holds this format, this code's version, this machine's byte order and sizes
  and this library's fingerprint, and whose length is the header's (else "is truncated");
- the CRC-32 of the section table and the OPENED sections (~2 MB of 75);
- that the sections lie end to end, aligned, as the table says, and the small sections'
  numbers fit together: counts, array types, the places (`Places.check`), the entries
  (`entries`), the texts' offsets (even, from 0 to the end of the texts), each title no
  longer than its text (so no text's length is negative), the titles' starts, the
  heads' ids, the postings' first and last start, the bitmaps' lengths.

Not at opening: the large sections are not read, nor their CRC computed: `verify` does
that, reading the file with `os.pread` in CHUNK bytes (not through the map, where the
pages read would count in the process's memory), for the caller to run in a thread
after opening; a mismatch is Unusable("is damaged"). Meanwhile a crafted or damaged file
can give wrong answers but nothing worse: every id and offset read lazily is kept in
range where it is used (`views`, `postings`).

A file is never written in place: a mapped file truncated under its reader kills it
(SIGBUS) when it touches a page past the new end. dubao never truncates an index file;
`save` writes a temporary file in the same folder and renames it over the old one, whose
readers keep the old one mapped.
"""

from __future__ import annotations

import contextlib
import errno
import mmap
import os
import stat
import tempfile
import weakref
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

from tui.search.build import Entry, IndexData
from tui.search.fingerprint import code_version
from tui.search.indexlayout import HEADER, MACHINE, MAGIC, TABLE_ENTRY, IndexView, Unusable, encoded
from tui.search.indexread import opened_view
from tui.search.places import Places

__all__ = [
    "FORMAT",
    "HEADER",
    "MAGIC",
    "MAX_SIZE",
    "TABLE_ENTRY",
    "EntriesFor",
    "IndexView",
    "Unusable",
    "encode",
    "load",
    "loads",
    "save",
    "verify",
    "view_of",
]

# The entries of the articles with these places and ids (the library's, or read on demand).
EntriesFor = Callable[[Places, Sequence[str]], Sequence[Entry]]

# 4: mapped; sections aligned, offsets not lengths, wide texts, two CRCs; 5: pinyin; 6: the
# titles' postings
FORMAT = 6
TEMP_SUFFIX = ".tmp"
# The largest index file read or written. The benchmark archive's 33,917 articles take
# 91 MB (~2.7 KB an article): this is ~400,000 articles. A larger file is not opened;
# a larger index is built each time, not saved.
MAX_SIZE = 1 << 30
CHUNK = 4 << 20  # bytes `verify` reads at a time
_NO_LIBRARY = bytes(32)  # the fingerprint of an index built here, never saved


class _HasView(Protocol):
    @property
    def index_file(self) -> IndexView: ...


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def save(path: Path, data: IndexData, fingerprint: bytes) -> None:
    """Write `data` to `path` atomically: a temporary file in the same folder, renamed
    over `path` (never written in place: see the module's docstring)."""
    parts = encoded(data, fingerprint, FORMAT, code_version())
    if sum(map(len, parts)) > MAX_SIZE:
        raise OSError(errno.EFBIG, f"the index would be larger than {MAX_SIZE:,} bytes")
    handle, temp = tempfile.mkstemp(prefix=f"{path.stem}-", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            for part in parts:
                out.write(part)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def encode(data: IndexData, fingerprint: bytes) -> bytes:
    """The content of the file `save` writes (for `loads`, in another process)."""
    return b"".join(encoded(data, fingerprint, FORMAT, code_version()))


def view_of(data: IndexData) -> IndexView:
    """A built index as its file would be read: the one way an index is searched."""
    content = encode(data, _NO_LIBRARY)
    return loads(content, _NO_LIBRARY, lambda places, ids: data.entries)


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def load(path: Path, fingerprint: bytes, entries: EntriesFor) -> IndexView:
    """The index kept in `path` for the library with this fingerprint, its entries given
    by `entries`, mapped; Unusable if it is not one this code wrote for this library, or
    its numbers do not fit together (what is checked when: see the module's docstring)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO would wait for a writer
    except OSError as e:
        raise Unusable(f"could not be read ({e.strerror or e})") from e
    try:
        buffer = _mapped(fd, fingerprint)
        view = opened_view(buffer, fingerprint, entries, _header_check(fingerprint))
    except OSError as e:
        os.close(fd)
        raise Unusable(f"could not be read ({e.strerror or e})") from e
    except BaseException:
        os.close(fd)
        raise
    view.file.fd = fd
    view.file.name = path.name
    weakref.finalize(buffer, os.close, fd)  # with the map: `verify` reads through it
    return view


def loads(content: bytes, fingerprint: bytes, entries: EntriesFor) -> IndexView:
    """`load` of a file's content in memory (`encode`'s)."""
    return opened_view(content, fingerprint, entries, _header_check(fingerprint))


def _mapped(fd: int, fingerprint: bytes) -> mmap.mmap:
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise Unusable("is not a regular file")
    if info.st_size > MAX_SIZE:
        raise Unusable(f"is larger than {MAX_SIZE:,} bytes")
    length = _header_check(fingerprint)(_read_up_to(fd, HEADER.size))
    if info.st_size != HEADER.size + length:
        raise Unusable("is truncated" if info.st_size < HEADER.size + length else "is damaged")
    buffer = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
    if len(buffer) != HEADER.size + length:  # cut since it was looked at
        buffer.close()
        raise Unusable("is truncated")
    return buffer


def _read_up_to(fd: int, size: int) -> bytes:
    """`size` bytes from `fd`, or fewer at the end of the file."""
    parts = []
    while size > 0:
        part = os.read(fd, size)
        if not part:
            break
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def _header_check(fingerprint: bytes | None) -> Callable[[bytes], int]:
    def check(head: bytes) -> int:
        """The length of the rest of the file, if the header is this code's (for this
        library, unless `fingerprint` is None)."""
        if len(head) < HEADER.size or not head.startswith(MAGIC):
            raise Unusable("is not an index file")
        fields = HEADER.unpack_from(head)
        version, order, h_size, i_size, code, found = fields[1:7]
        if version != FORMAT or code != code_version():
            raise Unusable("is from another version of dubao")
        if (order, h_size, i_size) != MACHINE:
            raise Unusable("is from another kind of machine")
        if fingerprint is not None and found != fingerprint:
            raise Unusable("is of another library or an older one")
        return int(fields[-1])

    return check


# ---------------------------------------------------------------------------
# Checking the rest
# ---------------------------------------------------------------------------


def verify(source: Path | str | IndexView | _HasView) -> None:
    """Unusable("is damaged") unless the CRC-32 of the whole body is the header's: the
    file at a path, or the one an index (`SearchIndex`, `IndexView`) was opened from,
    read with `os.pread` (a file renamed over it since is not the one read), CHUNK bytes
    at a time; or the bytes in memory an index was opened from (`loads`)."""
    view = getattr(source, "index_file", source)
    if isinstance(view, IndexView) and view.file.fd is None:
        content = view.file.buffer
        head = bytes(content[: HEADER.size])
        _header_check(None)(head)
        _check_crc(head, [memoryview(content)[HEADER.size :]])
    elif isinstance(view, IndexView) and view.file.fd is not None:
        _verify_file(view.file.fd)
    else:
        try:
            fd = os.open(Path(str(view)), os.O_RDONLY | os.O_NONBLOCK)
        except OSError as e:
            raise Unusable(f"could not be read ({e.strerror or e})") from e
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise Unusable("is not a regular file")
            _verify_file(fd)
        finally:
            os.close(fd)


def _verify_file(fd: int) -> None:
    try:
        head = os.pread(fd, HEADER.size, 0)
        length = _header_check(None)(head)
        _check_crc(head, _body(fd, length))
    except OSError as e:
        raise Unusable(f"could not be read ({e.strerror or e})") from e


def _body(fd: int, length: int) -> Iterator[bytes]:
    """The file's body, CHUNK bytes at a time."""
    end = HEADER.size + length
    for start in range(HEADER.size, end, CHUNK):
        size = min(CHUNK, end - start)
        part = os.pread(fd, size, start)
        if len(part) != size:
            raise Unusable("is truncated")
        yield part


def _check_crc(head: bytes, body: Iterable[bytes | memoryview]) -> None:
    crc = 0
    for part in body:
        crc = zlib.crc32(part, crc)
    if crc != HEADER.unpack_from(head)[7]:
        raise Unusable("is damaged")
