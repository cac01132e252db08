"""What identifies a library's search index: the code that builds it, and the library.

`code_version()` digests every `tui.search` module and `tui/core/text.py`, and dubao's,
Python's, Unicode's and jieba's versions. `library_fingerprint` digests that and what
the library holds: where its loader could tell that without reading the files (its
`files_digest`, the files' stamps and the parser's version: `files_fingerprint`), that;
else every article in index order, its id and all the text search sees. Article ids
alone would not do: an id hashes only the title and the start of the text, so an edit
further down keeps it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import sys
import unicodedata
import zlib
from array import array
from collections.abc import Sequence
from itertools import chain
from operator import attrgetter
from pathlib import Path

from tui import __version__
from tui.core.model import Library
from tui.library.cache import source_digest
from tui.search.build import Entry

SEP = "\x1f"
_CHUNK = 4096  # texts hashed at a time
_empty_for_none = {None: ""}.get


@functools.cache
def code_version() -> bytes:
    """A digest of everything besides the library that decides what the index holds."""
    package = Path(__file__).parent
    digest = hashlib.blake2b(digest_size=8)
    core = package.parent / "core"
    digest.update(
        source_digest([*sorted(package.glob("*.py")), core / "text.py", core / "t2s.txt"])
    )
    versions = (__version__, sys.version, unicodedata.unidata_version, _jieba_version())
    digest.update(repr(versions).encode())
    return digest.digest()


def _jieba_version() -> str:
    """As `importlib.metadata.version("jieba")` says it, read from the name of the
    metadata folder beside the package where it is there: importing `importlib.metadata`
    costs a reader's start 20-30 ms."""
    spec = importlib.util.find_spec("jieba")  # found, not imported
    if spec is None or spec.origin is None:
        return ""
    folder = Path(spec.origin).parent.parent
    for suffix in (".dist-info", ".egg-info"):
        found = sorted(folder.glob(f"jieba-*{suffix}"))
        if len(found) == 1:
            return found[0].name.removeprefix("jieba-").removesuffix(suffix)
    from importlib import metadata

    try:
        return metadata.version("jieba")
    except metadata.PackageNotFoundError:
        return ""


def files_fingerprint(sources: bytes) -> bytes:
    """The fingerprint of a library with these `Library.files_digest`."""
    return hashlib.blake2b(code_version() + b"sources" + sources, digest_size=32).digest()


def library_fingerprint(library: Library, entries: Sequence[Entry]) -> bytes:
    """The fingerprint of `library`, whose entries in index order are `entries`."""
    if library.files_digest:
        return files_fingerprint(library.files_digest)
    return _content_fingerprint(entries)


def _content_fingerprint(entries: Sequence[Entry]) -> bytes:
    """A digest of the code version and of the articles' ids and texts, in index order.

    The ~18 M characters of text go through CRC-32, five times as fast as BLAKE2: it is
    there to notice edits, not forgeries (whoever can write the library can write the
    cache), and an edit must also keep every id and block count to go unnoticed.
    """
    articles = list(map(attrgetter("article"), entries))
    blocks = list(chain.from_iterable(map(attrgetter("blocks"), articles)))
    ids = list(map(attrgetter("id"), articles))
    heads = map(attrgetter("title", "kicker", "subtitle", "byline", "column"), articles)
    fields = list(chain.from_iterable(heads))
    texts = [*ids, *map(_empty_for_none, fields, fields)]
    texts += map(attrgetter("text"), blocks)
    digest = hashlib.blake2b(digest_size=32)
    digest.update(code_version())
    digest.update(SEP.join(ids).encode("utf-8", "surrogatepass"))
    digest.update(array("Q", map(len, map(attrgetter("blocks"), articles))))
    digest.update(SEP.join(map(attrgetter("type"), blocks)).encode("utf-8", "surrogatepass"))
    crc, separators = 0, 0
    # In chunks: one astral character would make a single string of it all 4 bytes a
    # character, and twice as slow to make and encode.
    for start in range(0, len(texts), _CHUNK):
        chunk = SEP.join(texts[start : start + _CHUNK]) + SEP
        separators += chunk.count(SEP)
        crc = zlib.crc32(chunk.encode("utf-32-le", "surrogatepass"), crc)
    if separators != len(texts):  # a text holds SEP: the lengths say where it is
        digest.update(array("Q", map(len, texts)))
    digest.update(crc.to_bytes(4, "little"))
    return digest.digest()
