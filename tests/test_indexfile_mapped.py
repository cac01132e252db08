"""The index searched where its file lies: mapped, not copied; its bytes checked whole by
`verify`, apart from opening; the same answers as the index built, and as a scan."""

from __future__ import annotations

import datetime as dt
import mmap
import os
import random
from pathlib import Path

import pytest

from tui.core.model import Article, Block, Issue, Library, Section
from tui.search import SearchIndex, indexfile
from tui.search.build import IndexData, build_data
from tui.search.indexfile import HEADER, IndexView, Unusable

from .test_search_oracle import oracle
from .test_search_store import (
    HAN,
    QUERIES,
    assert_same_data,
    given,
    make_library,
    with_odd_strings,
)

FINGERPRINT = b"m" * 32
# Outside the BMP (two UTF-16 units each); and characters whose UTF-16-LE bytes hold
# others' across their middle: 一 is 00 4E, 乎 4E 4E, 低 4E 4F, so 一乎乎低 holds 乎乎乎 at
# byte 1 (and 一乎 holds 乎 there).
ASTRAL = "\U00020000\U0002a6a5\U0001f600"
ACROSS = "一乎低"
ALPHABET = HAN[:6] + ASTRAL + ACROSS


@pytest.fixture
def library() -> Library:
    return make_library(40)


def saved(data: IndexData, path: Path) -> IndexView:
    indexfile.save(path, data, FINGERPRINT)
    return indexfile.load(path, FINGERPRINT, given(data.entries))


def test_the_texts_and_postings_are_views_of_the_mapped_file(
    library: Library, tmp_path: Path
) -> None:
    data = build_data(library)
    view = saved(data, tmp_path / "index.bin")
    buffer = view.file.buffer
    assert isinstance(buffer, mmap.mmap) and view.file.fd is not None
    _, codes, starts, ids, _ = view.postings.parts()
    for array in (codes, starts, ids, view.title_ends, view.title_starts):
        assert isinstance(array, memoryview) and array.obj is buffer
    assert view.docs._buffer is buffer and view.titles._buffer is buffer
    assert list(view.docs) == data.docs


def test_a_mapped_file_reads_back_as_built_with_any_code_point(
    library: Library, tmp_path: Path
) -> None:
    built = build_data(library)
    for data in (built, with_odd_strings(built)):
        assert_same_data(saved(data, tmp_path / "index.bin").decoded(), data)
        content = indexfile.encode(data, FINGERPRINT)
        assert_same_data(indexfile.loads(content, FINGERPRINT, given(data.entries)).decoded(), data)


def test_verify_reads_the_whole_file_apart_from_the_map(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "index.bin"
    view = saved(build_data(library), path)
    read: list[int] = []
    real_pread = os.pread

    def pread(fd: int, size: int, offset: int) -> bytes:
        read.append(size)
        return real_pread(fd, size, offset)

    monkeypatch.setattr(os, "pread", pread)
    monkeypatch.setattr(indexfile, "CHUNK", 4096)
    for source in (view, SearchIndex(view), path, str(path)):
        read.clear()
        indexfile.verify(source)
        assert sum(read) == path.stat().st_size and max(read) <= 4096


def test_a_flipped_byte_past_the_opened_sections_is_found_by_verify(
    library: Library, tmp_path: Path
) -> None:
    data = build_data(library)
    path = tmp_path / "index.bin"
    indexfile.save(path, data, FINGERPRINT)
    content = bytearray(path.read_bytes())
    opened = HEADER.size + HEADER.unpack_from(content)[10]
    for at in (opened + 1, (opened + len(content)) // 2, len(content) - 1):
        copy = bytearray(content)
        copy[at] ^= 0x20
        path.write_bytes(copy)
        view = indexfile.load(path, FINGERPRINT, given(data.entries))  # opens all the same
        SearchIndex(view).search("中国 新闻", limit=0)  # and searches
        for source in (view, SearchIndex(view), path):
            with pytest.raises(Unusable, match="is damaged"):
                indexfile.verify(source)
        with pytest.raises(Unusable, match="is damaged"):
            indexfile.verify(indexfile.loads(bytes(copy), FINGERPRINT, given(data.entries)))
    path.write_bytes(content)
    indexfile.verify(path)


def test_verify_refuses_what_is_not_an_index_file(tmp_path: Path) -> None:
    path = tmp_path / "index.bin"
    path.write_bytes(b"not an index file at all" * 10)
    with pytest.raises(Unusable, match="not an index file"):
        indexfile.verify(path)
    with pytest.raises(Unusable, match="could not be read"):
        indexfile.verify(tmp_path / "missing.bin")


def test_built_and_mapped_indexes_answer_alike(library: Library, tmp_path: Path) -> None:
    data = build_data(library)
    mapped = SearchIndex(saved(data, tmp_path / "index.bin"))
    built = SearchIndex(data)
    in_memory = SearchIndex(
        indexfile.loads(indexfile.encode(data, b"x" * 32), b"x" * 32, given(data.entries))
    )
    for query in QUERIES:
        expected = built.search(query, limit=0)
        assert mapped.search(query, limit=0) == expected == in_memory.search(query, limit=0)
        for article in library.articles()[::5]:
            assert mapped.matches_in(article.id, query) == built.matches_in(article.id, query)


def astral_library(count: int, seed: int) -> Library:
    """Articles of a few Han characters, characters outside the BMP and characters whose
    UTF-16 bytes match others' across their middle."""
    rng = random.Random(seed)

    def text(length: int) -> str:
        return "".join(rng.choice(ALPHABET) for _ in range(length))

    bodies = [text(rng.randint(0, 30)) for _ in range(count)]
    bodies[:3] = ["一乎乎低", "一乎乎乎低", f"{ASTRAL[0]}一乎乎低乎乎乎"]
    articles = [
        Article(f"a{n}", "article", text(4), (Block("paragraph", body),))
        for n, body in enumerate(bodies)
    ]
    day = dt.date(2020, 1, 1)
    section = Section("s", "第一版", "/papers/01.md", tuple(articles))
    return Library((Issue("i", "i", day, (section,)),))


@pytest.mark.parametrize("seed", range(4))
def test_the_mapped_index_finds_what_a_scan_finds_with_astral_characters(
    seed: int, tmp_path: Path
) -> None:
    library = astral_library(60, seed)
    data = build_data(library)
    index = SearchIndex(saved(data, tmp_path / "index.bin"))
    rng = random.Random(seed)
    queries = ["乎乎乎", "一乎乎", "乎乎乎乎", *ASTRAL, ASTRAL[0] + HAN[0], HAN[1] + ASTRAL[1]]
    queries += ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 4))) for _ in range(60)]
    for query in queries:
        expected = oracle(library, query)
        index.clear_cache()
        for end in range(1, len(query) + 1):  # typed: each keystroke reuses the one before
            prefix = query[:end]
            result = index.search(prefix, limit=0)
            assert {hit.article_id for hit in result.hits} == oracle(library, prefix), prefix
            assert result.total == len(result.hits)
        assert set(index.matching_ids(query)) == expected


def test_texts_answer_as_the_strings_they_hold() -> None:
    """Every search of `views.Texts` against the same on the decoded texts: offsets in
    characters, a match at an odd byte skipped, wide texts searched as strings."""
    data = build_data(astral_library(40, 9))
    docs = indexfile.view_of(data).docs
    assert list(docs) == data.docs
    assert docs.lengths() == list(map(len, data.docs))
    assert docs.characters() == sum(map(len, data.docs))
    assert any(len(doc.encode("utf-16-le")) != 2 * len(doc) for doc in data.docs)  # wide ones
    rng = random.Random(9)
    ids = list(range(len(data.docs)))
    terms = ["乎乎乎", "乎", "一乎", *ASTRAL, ASTRAL[0] + "一", "低乎", "乎乎乎乎"]
    terms += ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 3))) for _ in range(40)]
    for term in terms:
        firsts, tails = docs.first(ids, term, 8)
        ends = [rng.randint(0, len(doc)) for doc in data.docs]
        for i, doc in enumerate(data.docs):
            at = doc.find(term)
            assert firsts[i] == at if at >= 0 else firsts[i] < 0, (term, doc)
            if at >= 0:
                after = doc[at + len(term) : at + len(term) + 8]
                assert tails[i] == after.encode("utf-16-le", "surrogatepass")
                assert docs.tail(i, at + len(term), 8) == tails[i]
            start = rng.randint(0, len(doc))
            assert docs.find(i, term, start) == doc.find(term, start), (term, doc, start)
            assert docs.find(i, term, 0, ends[i]) == doc.find(term, 0, ends[i])
            assert docs.startswith(i, term, start) == doc.startswith(term, start)
        some = sorted(rng.sample(ids, len(ids) // 3))  # ascending, with gaps
        assert docs.first(some, term, 8)[0] == [firsts[i] for i in some]


def test_writing_an_index_copies_no_array_and_encodes_the_texts_into_one_buffer(
    library: Library,
) -> None:
    """What a build's worker peaks at is the save: the postings are written from where
    they are, and the texts made once at their size (not ~34,000 pieces beside the whole:
    ~60 MB less at the peak of a build of the benchmark archive)."""
    from tui.search import indexlayout

    for data in (build_data(library), with_odd_strings(build_data(library))):
        sections = indexlayout._sections(data)
        _, codes, starts, ids, _ = data.postings.parts()
        for name, values in (("codes", codes), ("starts", starts), ("ids", ids)):
            section = sections[name]
            assert isinstance(section, memoryview) and section.obj is values
        units = [doc.encode("utf-16-le", "surrogatepass") for doc in data.docs]
        assert sections["docs"] == b"".join(units)
        assert sections["docs.offsets"] == indexlayout._offsets(units)


@pytest.mark.parametrize("odd", [False, True])
def test_strings_are_found_in_their_bytes_and_listed_as_they_decode(odd: bool) -> None:
    """`Strings.position` looks for a string's bytes, and takes a match only where a
    string starts and ends: not inside one (乎 in 乎乎), nor across two (乎 across 一乎乎低's
    bytes), nor at the bytes of a longer one's start (a in ab). A lone surrogate has the
    strings kept in UTF-32."""
    from array import array

    from tui.search.indexlayout import _encode_strings
    from tui.search.views import Strings

    items = ["乎乎", "一乎乎低", "ab", "", "乎", ASTRAL[0], "x" + ASTRAL[1], "乎", "b"]
    if odd:
        items.append("\ud800z")
    encoding, raw, offsets = _encode_strings(items)
    assert (encoding == "utf-32-le") is odd
    strings = Strings(memoryview(raw), memoryview(array("I", offsets)), encoding)
    assert list(strings) == items
    for value in items:
        assert strings.position(value) == items.index(value), value
    for absent in ["乎乎乎", "a", "一", "x", ASTRAL[1], "乎b"]:
        assert strings.position(absent) is None, absent
