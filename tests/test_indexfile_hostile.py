"""Index files that someone else made or changed: each is refused (Unusable, then rebuilt)
at opening or by `verify`, or used; never a crash, a hang or an exception out of a search.
A file changed by someone who made its CRCs right again may give wrong answers."""

from __future__ import annotations

import dataclasses
import mmap
import os
import random
import signal
import zlib
from array import array
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

from tui.core.model import Article, Block, Library
from tui.search import SearchIndex, indexfile, open_index, rank, store, words
from tui.search.build import IndexData, build_data, hot_terms
from tui.search.fingerprint import library_fingerprint
from tui.search.index import Hit
from tui.search.indexfile import HEADER, TABLE_ENTRY, IndexView, Unusable
from tui.search.pinyin import pinyin_query
from tui.search.segments import TITLE
from tui.search.snippet import Snippet, opening_snippet
from tui.search.tokenize import SEPARATOR, term_codes

from .test_search_store import QUERIES, builds, given, make_library

FINGERPRINT = b"f" * 32
# Header fields: magic, format, byte order, item sizes, code version, fingerprint, CRC,
# opening CRC, sections, opened, length.
CRC_FIELD, OPENED_CRC_FIELD, COUNT_FIELD, OPENED_FIELD = 7, 8, 9, 10


@pytest.fixture(scope="module")
def library() -> Library:
    # Subtitles, kickers and subheads (heads), dense and sparse postings.
    return make_library(125)  # not a multiple of 8: a bitmap's last byte has room to spare


@pytest.fixture(scope="module")
def data(library: Library) -> IndexData:
    """The library's index, with exact hot terms (a small library has none of its own)."""
    built = build_data(library)
    threes = Counter(doc[i : i + 3] for doc in built.docs for i in range(len(doc) - 2))
    terms = [term for term, _ in threes.most_common() if not set(term) & set(SEPARATOR + " ")]
    terms = terms[:3]  # searchable: whitespace splits a query
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


def loaded(content: bytes, data: IndexData, path: Path) -> IndexView | None:
    """The index read back from a file with `content`; None if Unusable."""
    path.write_bytes(content)
    try:
        return indexfile.load(path, FINGERPRINT, given(data.entries))
    except Unusable:
        return None


def verified(view: IndexView) -> bool:
    try:
        indexfile.verify(view)
    except Unusable as e:
        assert str(e) == "is damaged"
        return False
    return True


def sections(content: bytes) -> dict[str, tuple[int, int]]:
    """Each section's (start, end) in the file."""
    count = HEADER.unpack_from(content)[COUNT_FIELD]
    table = content[HEADER.size : HEADER.size + count * TABLE_ENTRY.size]
    return {
        name.rstrip(b"\x00").decode(): (offset, offset + length)
        for name, offset, length in TABLE_ENTRY.iter_unpack(table)
    }


def with_crc(content: bytearray) -> bytes:
    """`content` with the CRCs its header holds made right again."""
    fields = list(HEADER.unpack_from(content))
    fields[CRC_FIELD] = zlib.crc32(content[HEADER.size :])
    opened = content[HEADER.size : HEADER.size + fields[OPENED_FIELD]]
    fields[OPENED_CRC_FIELD] = zlib.crc32(opened)
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
# Damaged copies
# ---------------------------------------------------------------------------


def test_flipped_copies_are_refused_or_answer_as_the_index_they_were_made_from(
    data: IndexData, saved: bytes, tmp_path: Path
) -> None:
    """Refused at opening (the header's checks, the opening CRC), or by `verify` (the
    CRC of the whole); meanwhile searched without an exception."""
    queries = [*QUERIES, *data.hot]
    expected = answers(data, queries)
    opened = used = 0
    for seed in range(200):
        read = loaded(bytes(flipped(saved, random.Random(seed))), data, tmp_path / "index.bin")
        if read is not None:
            opened += 1
            got = answers(read, queries)
            if verified(read):
                used += 1
                assert got == expected, seed
    assert used < opened < 200  # the opening checks refuse some, `verify` others


# What a search does not take on trust from postings: which articles hold a term are the
# postings (with the titles, the hot terms' bitmaps), and a snippet expects the term in the
# text. Postings that disagree with the texts cannot be told from sound ones without
# building the index again: the CRC keeps accidents out of them.
CHECKED = [
    "meta",
    *(f"{name}.offsets" for name in ("articles", "pages", "sections", "issues", "dates")),
    *("docs.offsets", "titles.offsets", "heads.offsets", "bounds.offsets", "hot.offsets"),
    *("articles", "pages", "sections", "issues", "dates", "bounds", "heads"),
    *("page_of", "positions", "title_ends", "title_starts", "heads.ids", "wide.ids"),
]


def test_checked_parts_flipped_with_a_right_crc_are_refused_or_searched_safely(
    data: IndexData, saved: bytes, tmp_path: Path
) -> None:
    """As someone who knows the format would make them, in the parts whose every number
    the reading checks or keeps in range: the header, the section table, counts and
    offsets, places, heads and title words."""
    count = HEADER.unpack_from(saved)[COUNT_FIELD]
    regions = [range(HEADER.size + count * TABLE_ENTRY.size)]
    regions += [
        range(*sections(saved)[name]) for name in CHECKED if len(range(*sections(saved)[name]))
    ]
    refused = 0
    for seed in range(200):
        copy = with_crc(flipped(saved, random.Random(seed), regions))
        read = loaded(copy, data, tmp_path / "index.bin")
        if read is None:
            refused += 1
            continue
        index = SearchIndex(read)
        for query in QUERIES:
            result = index.search(query, limit=0)
            assert result.total >= len(result.hits)
    assert 0 < refused < 200


def patched(content: bytes, section: str, at: int, value: bytes) -> bytes:
    """`content` with `value` written at `at` in `section` (from its end if negative), and
    the CRC made right."""
    start, end = sections(content)[section]
    offset = (end if at < 0 else start) + at
    copy = bytearray(content)
    copy[offset : offset + len(value)] = value
    return with_crc(copy)


def native(typecode: str, value: int) -> bytes:
    return array(typecode, [value]).tobytes()


def code_term(code: int) -> str:
    """The term of one or two characters filed under `code` (`tokenize.term_codes`)."""
    return chr(code) if code < 1 << 16 else chr(code & 0xFFFF) + chr(code >> 16)


def crafted_patch(data: IndexData, saved: bytes, patch: str) -> bytes:
    size = len(data.docs)
    postings = data.postings.parts()
    ids_type = postings[3].typecode
    title_starts_type = data.title_postings.parts()[2].typecode
    counts = HEADER.unpack_from(saved)
    width = (size + 7) // 8
    content = {
        "a posted id past the last article": lambda: patched(
            saved, "ids", 0, native(ids_type, size)
        ),
        "the largest id the id type holds": lambda: patched(
            saved, "ids", -len(native(ids_type, 0)), native(ids_type, 0xFFFF)
        ),
        "a dense bitmap with an article past the last": lambda: patched(  # 记's: searchable
            saved, "dense.bits", (list(postings[4]).index(ord("记")) + 1) * width - 1, b"\xff"
        ),
        "a hot bitmap with an article past the last": lambda: patched(
            saved, "hot.bits", (size + 7) // 8 - 1, b"\xff"
        ),
        "a title's posted id past the last article": lambda: patched(
            saved, "t.ids", 0, native(ids_type, size)
        ),
        "a title's dense bitmap with an article past the last": lambda: patched(
            saved, "t.dense.bits", width - 1, b"\xff"
        ),
        "a title's posting starts in reverse": lambda: patched(
            saved, "t.starts", 4, native(title_starts_type, 0)
        ),
        "the start of a title moved": lambda: patched(
            saved, "title_starts", 4, native(data.title_starts.typecode, 3)
        ),
        "a title longer than its article": lambda: patched(
            saved, "title_ends", 0, native(data.title_ends.typecode, len(data.docs[0]) + 1)
        ),
        "an article on a page that is not listed": lambda: patched(
            saved, "page_of", 0, native("I", 10**6)
        ),
        "posting starts past the ids": lambda: patched(
            saved, "starts", 4, native(postings[2].typecode, len(postings[3]) + 1)
        ),
        "posting starts in reverse": lambda: patched(
            saved, "starts", 4, native(postings[2].typecode, 0)
        ),
        "the last posting start short of the ids": lambda: patched(
            saved, "starts", -4, native(postings[2].typecode, len(postings[3]) - 1)
        ),
        "heads of an article past the last": lambda: patched(
            saved, "heads.ids", 0, native("I", size)
        ),
        "a text's offset odd": lambda: patched(saved, "docs.offsets", 4, native("I", 3)),
        "the section table out of order": lambda: with_crc(
            bytearray(saved[: HEADER.size])
            + saved[HEADER.size + TABLE_ENTRY.size : HEADER.size + 2 * TABLE_ENTRY.size]
            + saved[HEADER.size : HEADER.size + TABLE_ENTRY.size]
            + saved[HEADER.size + 2 * TABLE_ENTRY.size :]
        ),
        "a section count the table does not have": lambda: (
            bytes(HEADER.pack(*counts[:COUNT_FIELD], counts[COUNT_FIELD] - 1, *counts[-2:]))
            + saved[HEADER.size :]
        ),
    }[patch]()
    assert content != saved
    return content


@pytest.mark.parametrize(
    "patch",
    [
        "the start of a title moved",
        "a title longer than its article",
        "an article on a page that is not listed",
        "the last posting start short of the ids",
        "heads of an article past the last",
        "a text's offset odd",
        "the section table out of order",
        "a section count the table does not have",
    ],
)
def test_a_file_with_a_right_crc_and_numbers_out_of_range_is_refused(
    data: IndexData, saved: bytes, tmp_path: Path, patch: str
) -> None:
    """The numbers read at opening."""
    path = tmp_path / "index.bin"
    path.write_bytes(crafted_patch(data, saved, patch))
    with pytest.raises(Unusable, match="damaged"):
        indexfile.load(path, FINGERPRINT, given(data.entries))


@pytest.mark.parametrize(
    "patch",
    [
        "a posted id past the last article",
        "the largest id the id type holds",
        "a dense bitmap with an article past the last",
        "a hot bitmap with an article past the last",
        "posting starts past the ids",
        "posting starts in reverse",
        "a title's posted id past the last article",
        "a title's dense bitmap with an article past the last",
        "a title's posting starts in reverse",
    ],
)
def test_numbers_out_of_range_read_while_searching_name_no_article_past_the_last(
    data: IndexData, saved: bytes, tmp_path: Path, patch: str
) -> None:
    """The large sections, not read at opening (nor their CRC checked: it is right here):
    what they hold past the articles is never used."""
    path = tmp_path / "index.bin"
    path.write_bytes(crafted_patch(data, saved, patch))
    read = indexfile.load(path, FINGERPRINT, given(data.entries))
    indexfile.verify(read)
    index = SearchIndex(read)
    known = set(read.ids)
    _, codes, _, _, dense = data.postings.parts()
    patched_terms = [code_term(code) for code in (codes[0], codes[1], codes[-1], *dense)]
    for query in [*QUERIES, *data.hot, *patched_terms]:
        result = index.search(query, limit=0)
        assert result.total == len(result.hits) <= len(data.docs)
        assert {hit.article_id for hit in result.hits} <= known
        assert set(index.matching_ids(query)) <= known
    size = len(data.docs)
    _, codes, _, _, dense = data.title_postings.parts()
    assert all(i < size for code in codes for i in read.title_postings.sparse(code))
    assert all(read.title_postings.bits(code) >> size == 0 for code in dense)
    for code in (codes[0], codes[1], codes[-1], *dense):
        assert all(0 <= i < size for i in rank._titles_with(read, code_term(code), size))


def test_a_crafted_file_is_noted_and_rebuilt_and_the_answers_are_right(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = open_index(library, cache=False)
    built = build_data(library)
    path = store.index_path(library)
    indexfile.save(path, built, library_fingerprint(library, built.entries))
    content = patched(path.read_bytes(), "heads.ids", 0, native("I", 4000))
    path.write_bytes(content)
    seen = builds(monkeypatch)
    notes: list[str] = []
    index = open_index(library, on_note=notes.append)
    assert len(seen) == 1 and "damaged" in notes[0] and "rebuilding" in notes[0], notes
    for query in QUERIES:
        assert index.search(query, limit=0) == expected.search(query, limit=0)
    assert path.read_bytes() != content  # replaced


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


def test_a_file_replaced_while_it_is_mapped_is_still_searched(
    data: IndexData, saved: bytes, tmp_path: Path
) -> None:
    """dubao never writes an index file in place (a mapped file cut short would kill its
    reader with SIGBUS): saving again renames a new file over it, and the reader keeps the
    old one, whole, till it lets go of it."""
    path = tmp_path / "index.bin"
    path.write_bytes(saved)
    read = indexfile.load(path, FINGERPRINT, given(data.entries))
    indexfile.save(
        path, dataclasses.replace(data, docs=["〇" * len(doc) for doc in data.docs]), FINGERPRINT
    )
    assert path.read_bytes() != saved
    assert answers(read) == answers(data)
    indexfile.verify(read)  # the file it mapped, not the one at the path now


def test_a_file_cut_short_before_it_is_mapped_is_refused(
    data: IndexData, saved: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "index.bin"
    path.write_bytes(saved)
    real_mmap = mmap.mmap

    def map_after_a_cut(fd: int, length: int, **kwargs: int) -> mmap.mmap:
        os.truncate(path, len(saved) // 2)  # after its length was checked
        return real_mmap(fd, length, **kwargs)

    monkeypatch.setattr(mmap, "mmap", map_after_a_cut)
    with pytest.raises(Unusable, match="truncated"):
        indexfile.load(path, FINGERPRINT, given(data.entries))


# ---------------------------------------------------------------------------
# The range check itself
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# Parts that disagree with one another, with a right CRC
# ---------------------------------------------------------------------------


def crafted(data: IndexData, tmp_path: Path, **changes: object) -> IndexData:
    """`data` with `changes`, saved (its CRC right) and read back as the reader would."""
    path = tmp_path / "index.bin"
    indexfile.save(path, dataclasses.replace(data, **changes), FINGERPRINT)
    return indexfile.load(path, FINGERPRINT, given(data.entries))


def searched(read: IndexData, queries: list[str]) -> list[Hit]:
    """Every hit of each query, asked for all, a few, and all but one (which scans titles);
    none of them an article outside the query's matches."""
    index = SearchIndex(read)
    hits = []
    for query in queries:
        total = index.search(query, limit=0).total
        matching = set(index.matching_ids(query))
        for limit in sorted({0, 10, max(total - 1, 0)}):
            result = index.search(query, limit=limit)
            assert result.total == len(matching) == total, query
            assert {hit.article_id for hit in result.hits} <= matching, (query, limit)
            for hit in result.hits:
                text, marks = hit.snippet.text, hit.snippet.marks
                assert all(0 <= start < end <= len(text) for start, end in marks)
            hits.extend(result.hits)
    return hits


def test_postings_that_name_articles_whose_texts_lack_the_terms_give_unmarked_snippets(
    data: IndexData, tmp_path: Path
) -> None:
    """Postings say an article holds 中国, its text does not: the article's opening. (A
    query of Latin letters finds headlines by their pinyin too, marked: not these.)"""
    read = crafted(data, tmp_path, docs=["〇" * len(doc) for doc in data.docs])
    articles = {entry.article.id: entry.article for entry in data.entries}
    hits = searched(read, [q for q in [*QUERIES, *data.hot] if pinyin_query(q) is None])
    assert hits  # the postings' matches are still found
    for hit in hits:
        assert hit.snippet == opening_snippet(articles[hit.article_id])
        assert hit.snippet.marks == [] and hit.snippet.offset == 0


def test_texts_with_more_segments_than_their_articles_give_unmarked_snippets(
    data: IndexData, tmp_path: Path
) -> None:
    read = crafted(data, tmp_path, docs=[SEPARATOR * 20 + doc for doc in data.docs])
    articles = {entry.article.id: entry.article for entry in data.entries}
    hits = searched(read, [q for q in [*QUERIES, *data.hot] if pinyin_query(q) is None])
    assert hits
    for hit in hits:
        assert hit.snippet == opening_snippet(articles[hit.article_id])
    index = SearchIndex(read)  # and the article opened at a match: no IndexError
    for hit in hits[:40]:
        for query in QUERIES:
            for _block, start, end in index.matches_in(hit.article_id, query):
                assert 0 <= start <= end


def test_titles_that_hold_a_term_their_articles_do_not_bring_no_other_articles(
    data: IndexData, tmp_path: Path
) -> None:
    """Every title made of 中 (kept lengths): the titles of articles that postings say
    lack 中 hold it, and a search that looks through titles must not take them."""
    term = "中"
    assert data.postings.is_dense(term_codes(term)[0])  # its matches are found in the titles
    assert 60 < SearchIndex(data).search(term, limit=0).total < len(data.docs)
    titles = "".join(ch if ch == SEPARATOR else term for ch in data.titles)
    read = crafted(data, tmp_path, titles=titles)
    assert searched(read, [term, *QUERIES])


def test_opening_snippet_is_the_first_text_cut_to_the_width_without_controls() -> None:
    article = Article(
        id="x",
        kind="article",
        title="标题",
        blocks=(Block("paragraph", ""), Block("paragraph", "\x1b[31m" + "长" * 100)),
    )
    snippet = opening_snippet(article, width=20)
    assert snippet == Snippet(" [31m" + "长" * 7 + "…", [], 1, 0, "paragraph")  # 19 cells
    no_blocks = Article(id="y", kind="article", title="标题", blocks=())
    assert opening_snippet(no_blocks) == Snippet("标题", [], TITLE, 0, "title")


# ---------------------------------------------------------------------------
# A huge title
# ---------------------------------------------------------------------------


def old_word_in_title(doc: str, title_end: int, bounds: str, term: str) -> bool:
    """Every match in the title tested: the answer `rank._word_in_title` must give."""
    start = doc.find(term, 0, title_end)
    while start >= 0:
        if words.is_word_aligned(bounds, start, start + len(term)):
            return True
        start = doc.find(term, start + 1, title_end)
    return False


def test_word_in_title_answers_as_when_it_tested_every_match() -> None:
    within = words.WORDS_WITHIN
    every = "".join(map(chr, range(within + 1)))
    for length in (within - 1, within, within + 1):  # the only match ends at `length`
        title = "江" * (length - 1) + "长"
        expected = old_word_in_title(title, length, every, "长")
        assert rank._word_in_title(title, length, every, "长") == expected == (length <= within)
    rng = random.Random(14)
    for _ in range(3000):
        length = rng.choice([5, 40, within - 3, within, within + 3, 3 * within])
        title = "".join(rng.choice("长江大") for _ in range(length))
        doc = title + SEPARATOR + "长江"
        cuts = sorted(rng.sample(range(1, min(length, within)), min(length, within) // 3))
        bounds = "".join(map(chr, [0, *cuts, *([length] if length <= within else [])]))
        term = rng.choice(["长", "长江", "江大长", "大长江大"])
        expected = old_word_in_title(doc, length, bounds, term)
        assert rank._word_in_title(doc, length, bounds, term) == expected, (length, term)


def test_a_search_in_a_huge_title_tests_no_match_past_the_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """长 in a title of 长江 a million characters long: no whole word anywhere (长江 is one
    word), and only the matches within the words are tested."""
    library = make_library(20)
    huge = "长江" * 500_000
    issues = []
    for issue in library.issues:
        sections = []
        for section in issue.sections:
            articles = tuple(
                dataclasses.replace(a, title=huge) if a.id == "a3" else a for a in section.articles
            )
            sections.append(dataclasses.replace(section, articles=articles))
        issues.append(dataclasses.replace(issue, sections=tuple(sections)))
    index = SearchIndex.build(Library(tuple(issues)))
    tested: list[int] = []

    def is_word_aligned(bounds: str, start: int, end: int) -> bool:
        tested.append(start)
        return words.is_word_aligned(bounds, start, end)

    monkeypatch.setattr(rank, "is_word_aligned", is_word_aligned)
    result = index.search("长", limit=0)
    assert [hit.article_id for hit in result.hits] == ["a3"]
    assert 0 < len(tested) <= words.WORDS_WITHIN
    assert max(tested) < words.WORDS_WITHIN
