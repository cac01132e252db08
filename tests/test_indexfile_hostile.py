"""Index files that someone else made or changed: each is used or refused (Unusable, then
rebuilt), never a crash, a hang or a wrong answer."""

from __future__ import annotations

import dataclasses
import os
import random
import signal
import sys
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import FrameType, SimpleNamespace

import pytest

from tui.model import Library
from tui.search import SearchIndex, indexfile, open_index, store
from tui.search.build import IndexData, build_data, hot_terms
from tui.search.indexfile import HEADER, TABLE_ENTRY, Unusable

from .test_search_store import QUERIES, given, make_library

FINGERPRINT = b"f" * 32
# Header fields: magic, format, byte order, item sizes, code version, fingerprint, CRC,
# sections, length.
CRC_FIELD, COUNT_FIELD = 7, 8


@pytest.fixture(scope="module")
def library() -> Library:
    # Subtitles, kickers and subheads (heads), dense and sparse postings.
    return make_library(125)  # not a multiple of 8: a bitmap's last byte has room to spare


@pytest.fixture(scope="module")
def data(library: Library) -> IndexData:
    """The library's index, with exact hot terms (a small library has none of its own)."""
    built = build_data(library)
    threes = Counter(doc[i : i + 3] for doc in built.docs for i in range(len(doc) - 2))
    terms = [term for term, _ in threes.most_common(3)]
    hot = hot_terms(built.docs, built.postings, terms)
    assert all(bits.bit_count() > 1 for bits in hot.values())
    return dataclasses.replace(built, hot=hot)


@pytest.fixture(scope="module")
def saved(data: IndexData, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("saved") / "index.bin"
    indexfile.save(path, data, FINGERPRINT)
    return path.read_bytes()


def answers(
    data: IndexData, queries: list[str] = QUERIES
) -> list[tuple[int, list[tuple[str, float]]]]:
    index = SearchIndex(data)
    results = (index.search(query, limit=0) for query in queries)
    return [(r.total, [(hit.article_id, hit.score) for hit in r.hits]) for r in results]


def loaded(content: bytes, data: IndexData, path: Path) -> IndexData | None:
    """The index read back from a file with `content`; None if Unusable."""
    path.write_bytes(content)
    try:
        return indexfile.load(path, FINGERPRINT, given(data.entries))
    except Unusable:
        return None


def sections(content: bytes) -> dict[str, tuple[int, int]]:
    """Each section's (start, end) in the file."""
    count = HEADER.unpack_from(content)[COUNT_FIELD]
    table = content[HEADER.size : HEADER.size + count * TABLE_ENTRY.size]
    body = HEADER.size + len(table)
    return {
        name.rstrip(b"\x00").decode(): (body + offset, body + offset + length)
        for name, offset, length in TABLE_ENTRY.iter_unpack(table)
    }


def with_crc(content: bytearray) -> bytes:
    """`content` with the CRC its header holds made right again."""
    fields = list(HEADER.unpack_from(content))
    fields[CRC_FIELD] = zlib.crc32(content[HEADER.size :])
    content[: HEADER.size] = HEADER.pack(*fields)
    return bytes(content)


def flipped(content: bytes, rng: random.Random, within: list[range] | None = None) -> bytearray:
    """`content` with one to eight bytes changed, in the `within` ranges if given; else in
    the header and section table half the time (the header is outside the CRC), anywhere
    the other half."""
    copy = bytearray(content)
    if within is None:
        count = HEADER.unpack_from(content)[COUNT_FIELD]
        end = HEADER.size + count * TABLE_ENTRY.size if rng.random() < 0.5 else len(copy)
        within = [range(end)]
    for _ in range(rng.randint(1, 8)):
        copy[rng.choice(rng.choice(within))] ^= rng.randint(1, 255)
    return copy


# ---------------------------------------------------------------------------
# What is at the index's path
# ---------------------------------------------------------------------------


@pytest.fixture
def deadline() -> Iterator[None]:
    """A test that would wait forever fails after ten seconds instead."""

    def expired(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError("still waiting after 10 s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(10)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_at_the_index_path_is_not_waited_on_and_is_replaced(
    library: Library, deadline: None
) -> None:
    path = store.index_path(library)
    os.mkfifo(path)
    notes: list[str] = []
    index = open_index(library, on_note=notes.append)
    assert len(notes) == 1 and "not a regular file" in notes[0] and "rebuilding" in notes[0]
    assert index.search("中国").total == SearchIndex.build(library).search("中国").total
    assert path.is_file()  # the index saved in its place, by rename
    notes.clear()
    open_index(library, on_note=notes.append)
    assert notes == []


def test_a_file_too_large_is_not_read(
    data: IndexData, saved: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file whose header says it is this library's, of MAX_SIZE + 1 bytes (sparse)."""
    path = tmp_path / "index.bin"
    fields = list(HEADER.unpack_from(saved))
    fields[-1] = indexfile.MAX_SIZE + 1 - HEADER.size
    path.write_bytes(HEADER.pack(*fields))
    os.truncate(path, indexfile.MAX_SIZE + 1)
    asked: list[int] = []
    real_read = os.read

    def read(fd: int, size: int) -> bytes:
        asked.append(size)
        return real_read(fd, size)

    monkeypatch.setattr(os, "read", read)
    with pytest.raises(Unusable, match=f"larger than {indexfile.MAX_SIZE:,} bytes"):
        indexfile.load(path, FINGERPRINT, given(data.entries))
    assert sum(asked) <= 4096


def test_an_index_too_large_to_keep_is_built_and_not_saved(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(indexfile, "MAX_SIZE", 10_000)
    notes: list[str] = []
    index = open_index(library, on_note=notes.append)
    assert index.search("中国").total > 0
    assert notes == ["could not save the search index: the index would be larger than 10,000 bytes"]
    assert not store.index_path(library).exists()
    assert not list(store.index_path(library).parent.glob("*.tmp"))


def test_a_file_truncated_while_it_is_read_does_not_kill_the_reader(
    data: IndexData, saved: bytes, tmp_path: Path
) -> None:
    """Someone cuts the file short after dubao opened it: a mapped file's missing pages
    would be SIGBUS, in a child here so that the test run survives it."""
    path = tmp_path / "index.bin"
    path.write_bytes(saved)
    pid = os.fork()
    if pid == 0:  # the child: load, with the file cut to a page as the CRC is checked
        status = 1
        try:

            def crc32(body: bytes, *start: int) -> int:
                os.truncate(path, 4096)
                return zlib.crc32(body, *start)

            indexfile.zlib = SimpleNamespace(crc32=crc32)  # type: ignore[assignment]
            read = indexfile.load(path, FINGERPRINT, given(data.entries))
            status = 0 if answers(read) == answers(data) else 2
        finally:
            sys.stdout.flush()
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status), f"killed by signal {os.WTERMSIG(status)}"
    assert os.WEXITSTATUS(status) == 0
    assert path.stat().st_size == 4096  # it was cut: what was read was used whole


def test_a_file_cut_short_before_it_is_read_is_refused(
    data: IndexData, saved: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "index.bin"
    path.write_bytes(saved)
    real_read = os.read

    def read_after_a_cut(fd: int, size: int) -> bytes:
        if size > HEADER.size:  # the body: cut after its length was checked
            os.truncate(path, len(saved) // 2)
        return real_read(fd, size)

    monkeypatch.setattr(os, "read", read_after_a_cut)
    with pytest.raises(Unusable, match="truncated"):
        indexfile.load(path, FINGERPRINT, given(data.entries))
