"""The search index's disk cache: a faithful round trip, used only when it is sound."""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import os
import random
import struct
from array import array
from collections.abc import Sequence
from pathlib import Path

import pytest

import tui.search.fingerprint as fingerprint_module
from tui.core.model import Article, Block, Issue, Library, Section
from tui.library import load_library
from tui.search import BuildCancelled, SearchIndex, indexfile, open_index, store
from tui.search.build import (
    Entry,
    Headers,
    IndexData,
    build_data,
    build_entries,
    build_headers,
    header_of,
    ranked_entries,
)
from tui.search.fingerprint import library_fingerprint
from tui.search.indexfile import EntriesFor
from tui.search.postings import Postings
from tui.store.folders import cache_folder

HAN = "中国人民大会北京新闻山西经济发展合作总理会见代表团科技创新"
# Characters that test the text encodings: an astral one, a lone surrogate, the index's
# separator, the fingerprint's, and NUL.
ODD = "\U00020000\ud800\n\x1f\x00"


def text(rng: random.Random, length: int, alphabet: str = HAN) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


def make_article(number: int, body: str, rng: random.Random) -> Article:
    return Article(
        id=f"a{number}",
        kind="article",
        title=text(rng, 6),
        blocks=(
            Block("paragraph", body),
            Block("subhead", text(rng, 4)),
            Block("caption", text(rng, 5)),
        ),
        kicker=text(rng, 3) if number % 3 else None,
        subtitle=text(rng, 5) if number % 4 == 0 else None,
        byline="记者 " + text(rng, 2),
        column="专栏" if number % 5 == 0 else None,  # a word in no other field
    )


def make_library(count: int = 60, folder: str = "/papers", seed: int = 1) -> Library:
    """`count` articles of random Han text, ten to an issue, in files under `folder`:
    enough for both dense and sparse posting lists."""
    rng = random.Random(seed)
    articles = [make_article(n, text(rng, 40), rng) for n in range(count)]
    issues = []
    for start in range(0, count, 10):
        day = dt.date(2020, 1, 1) + dt.timedelta(days=start)
        source = f"{folder}/{day.isoformat()}/01.md"
        section = Section(f"s{start}", "第一版", source, tuple(articles[start : start + 10]))
        issues.append(Issue(day.isoformat(), day.isoformat(), day, (section,)))
    return Library(tuple(reversed(issues)))


def with_article(library: Library, number: int, change: str) -> Library:
    """The library with article `number`'s first paragraph changed, its id kept."""
    issues = []
    for issue in library.issues:
        sections = []
        for section in issue.sections:
            articles = tuple(
                dataclasses.replace(a, blocks=(Block("paragraph", change), *a.blocks[1:]))
                if a.id == f"a{number}"
                else a
                for a in section.articles
            )
            sections.append(dataclasses.replace(section, articles=articles))
        issues.append(dataclasses.replace(issue, sections=tuple(sections)))
    return Library(tuple(issues))


QUERIES = [*HAN[:8], "中国", "北京 新闻", "人民大会", "经济 发展 合作", "记者", "zzz", "科 技"]
QUERIES += ["专栏", "栏 中国"]


def given(entries: Sequence[Entry]) -> EntriesFor:
    """For `indexfile.load`: these entries, whatever the file says."""
    return lambda places, ids: entries


def _plain(values: object) -> object:
    """An array's items and type code, viewed in place (memoryview) or not (array)."""
    if isinstance(values, memoryview):
        return values.tolist(), values.format
    if isinstance(values, array):
        return values.tolist(), values.typecode
    return values


def assert_same_data(got: IndexData, expected: IndexData) -> None:
    for field in dataclasses.fields(IndexData):
        a, b = getattr(got, field.name), getattr(expected, field.name)
        if isinstance(b, Postings):
            assert [_plain(x) for x in a.parts()] == [_plain(x) for x in b.parts()]
        elif isinstance(b, list):  # read back as a view over the file's bytes
            assert list(a) == b, field.name
        elif isinstance(b, dict):
            assert dict(a) == b, field.name
        elif isinstance(b, str):
            assert str(a) == b, field.name
        elif isinstance(a, memoryview):  # an array viewed in place
            assert _plain(a) == _plain(b), field.name
        else:
            assert a == b, field.name
            assert getattr(a, "typecode", None) == getattr(b, "typecode", None), field.name


def assert_same_results(got: SearchIndex, expected: SearchIndex, library: Library) -> None:
    for query in QUERIES:
        a, b = got.search(query, limit=0), expected.search(query, limit=0)
        assert a.total == b.total, query
        assert a.hits == b.hits, query
        for article in library.articles()[::7]:
            assert got.matches_in(article.id, query) == expected.matches_in(article.id, query)


def index_files() -> list[Path]:
    return sorted(cache_folder().glob(f"{store.PREFIX}*{store.SUFFIX}"))


def no_building(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_: object) -> None:
        raise AssertionError("the index was built")

    monkeypatch.setattr(store, "build_data", fail)
    monkeypatch.setattr(store, "build_entries", fail)


def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that grows by one at each build."""
    seen: list[int] = []

    def counting(library: Library, *args: object) -> IndexData:
        seen.append(1)
        return build_data(library, *args)  # type: ignore[arg-type]

    def counting_entries(entries: list[Entry], *args: object, **kwargs: object) -> IndexData:
        seen.append(1)
        return build_entries(entries, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "build_data", counting)
    monkeypatch.setattr(store, "build_entries", counting_entries)
    return seen


@pytest.fixture
def library() -> Library:
    return make_library()


# ---------------------------------------------------------------------------
# Round trips
# ---------------------------------------------------------------------------


def test_the_generated_library_has_dense_and_sparse_postings(library: Library) -> None:
    _, codes, _, _, dense = build_data(library).postings.parts()
    assert len(codes) > 100 and len(dense) > 10


def test_a_saved_index_reads_back_equal_and_searches_the_same(library: Library) -> None:
    built = build_data(library)
    path = cache_folder() / "round-trip.bin"
    fingerprint = library_fingerprint(library, built.entries)
    indexfile.save(path, built, fingerprint)
    loaded = indexfile.load(path, fingerprint, given(ranked_entries(library)))
    assert_same_data(loaded, built)
    assert_same_results(SearchIndex(loaded), SearchIndex(built), library)
    in_columns = SearchIndex(loaded).search("专栏", limit=0)
    assert in_columns.total == len(library.articles()) // 5
    assert {hit.snippet.field for hit in in_columns.hits} == {"column"}


def with_odd_strings(built: IndexData, **more: object) -> IndexData:
    """`built` with strings of any code point: lone surrogates, U+0000, separators."""
    size = len(built.docs)
    return dataclasses.replace(
        built,
        docs=[doc + ODD * (i % 2) for i, doc in enumerate(built.docs)],
        heads={0: ODD, 3: "\udc00\ud800", size - 1: ""},
        title_bounds=["", chr(0xD800) + chr(0xDFFF), chr(0x10FFFF), *built.title_bounds[3:]],
        hot={"中国人": (1 << size) - 1, "\ud83d\ude00": 1, "\U0001f600": 2, "": 0},
        **more,
    )


def test_strings_with_any_code_point_read_back_equal(library: Library) -> None:
    built = build_data(library)
    odd = with_odd_strings(built, title_ends=array("H", built.title_ends))  # arrays stay so
    path = cache_folder() / "odd.bin"
    indexfile.save(path, odd, b"f" * 32)
    assert_same_data(indexfile.load(path, b"f" * 32, given(built.entries)), odd)


def with_wide_titles(library: Library) -> Library:
    """`library` with titles that normalising changes: full-width letters and spaces,
    spaces at either end, Traditional characters, an astral one."""
    odd = ["\u3000ＡＢＣ　經濟 ", " 北京\t新闻 ", "\U00020000中国", "ＰＭ２．５"]
    issues = []
    for issue in library.issues:
        sections = []
        for section in issue.sections:
            articles = tuple(
                dataclasses.replace(a, title=odd[int(a.id[1:]) % len(odd)] + a.title)
                for a in section.articles
            )
            sections.append(dataclasses.replace(section, articles=articles))
        issues.append(dataclasses.replace(issue, sections=tuple(sections)))
    return Library(tuple(issues))


def test_the_headers_part_made_alone_is_the_one_a_build_makes(library: Library) -> None:
    entries = ranked_entries(with_wide_titles(library))
    here = build_entries(entries)
    alone = build_headers([header_of(entry.article) for entry in entries])
    assert alone == Headers(here.title_bounds, here.pinyin, here.pinyin_initials, here.pinyin_bits)
    assert any(len(bounds) > 3 for bounds in here.title_bounds)  # titles cut into words
    assert_same_data(build_entries(entries, headers=lambda: alone), here)
    assert_same_data(build_entries(entries, headers=lambda: None), here)  # failed elsewhere
    given = Headers(["x"] * len(entries), ["'y"] * len(entries), ["y"] * len(entries), {})
    assert build_entries(entries, headers=lambda: given).pinyin is given.pinyin


def test_the_seed_library_round_trips_through_open_index() -> None:
    seed = load_library()
    built = SearchIndex.build(seed)
    notes: list[str] = []
    open_index(seed, on_note=notes.append)
    loaded = open_index(seed, on_note=notes.append)
    assert notes == []
    assert_same_data(loaded._data, built._data)
    assert_same_results(loaded, built, seed)


def test_an_empty_library_round_trips(monkeypatch: pytest.MonkeyPatch) -> None:
    empty = Library(())
    open_index(empty)
    no_building(monkeypatch)
    index = open_index(empty)
    assert index.article_count == 0 and index.search("中").total == 0


# ---------------------------------------------------------------------------
# When the cache is used
# ---------------------------------------------------------------------------


def test_the_second_open_reads_the_file_and_builds_nothing(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    progress: list[tuple[int, int]] = []
    first = open_index(library, on_progress=lambda *p: progress.append(p))
    assert progress and len(index_files()) == 1
    no_building(monkeypatch)
    notes: list[str] = []
    second = open_index(library, on_note=notes.append)
    assert notes == []
    assert_same_results(second, first, library)


def test_a_library_loaded_again_from_its_pages_hits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "01.md").write_text("## 第一条\n\n北京新闻。\n\n## 第二条\n\n山西经济。\n", "utf-8")
    open_index(load_library([papers]))
    no_building(monkeypatch)
    assert open_index(load_library([papers])).search("北京").total == 1


def test_cache_false_builds_and_writes_nothing(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = builds(monkeypatch)
    open_index(library, cache=False)
    open_index(library, cache=False)
    assert len(seen) == 2 and index_files() == []


def test_an_article_changed_past_what_its_id_covers_is_indexed_again(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_index(library)
    changed = with_article(library, 5, "量子纠缠" + HAN)
    assert [a.id for a in changed.articles()] == [a.id for a in library.articles()]
    seen = builds(monkeypatch)
    notes: list[str] = []
    index = open_index(changed, on_note=notes.append)
    assert len(seen) == 1
    assert len(notes) == 1 and "another library" in notes[0]
    assert index.matching_ids("量子纠缠") == ["a5"]
    # The file was replaced: the original library needs a build again, the new one not.
    open_index(changed)
    assert len(seen) == 1 and len(index_files()) == 1


def test_the_fingerprint_tells_apart_what_the_index_would_tell_apart(library: Library) -> None:
    def fingerprint(lib: Library) -> bytes:
        return library_fingerprint(lib, ranked_entries(lib))

    def first_article(lib: Library, **changes: object) -> Library:
        issue = lib.issues[0]
        section = issue.sections[0]
        article = dataclasses.replace(section.articles[0], **changes)  # type: ignore[arg-type]
        section = dataclasses.replace(section, articles=(article, *section.articles[1:]))
        issue = dataclasses.replace(issue, sections=(section,))
        return Library((issue, *lib.issues[1:]))

    base = fingerprint(library)
    section = library.issues[0].sections[0]
    blocks = section.articles[0].blocks
    reversed_section = dataclasses.replace(section, articles=section.articles[::-1])
    reordered = dataclasses.replace(library.issues[0], sections=(reversed_section,))
    variants = [
        first_article(library, title="甲\x1f乙", kicker="丙"),
        first_article(library, title="甲", kicker="乙\x1f丙"),
        first_article(library, blocks=(Block("paragraph", blocks[1].text), *blocks[1:])),
        first_article(library, blocks=blocks[:-1]),
        first_article(library, byline=None),
        first_article(library, column="新语"),
        Library((reordered, *library.issues[1:])),  # the same articles in another order
    ]
    fingerprints = [fingerprint(lib) for lib in variants]
    assert len({base, *fingerprints}) == len(variants) + 1
    assert fingerprint(first_article(library, dateline="本报讯")) == base  # not searched


def test_the_same_folder_grown_replaces_its_file_another_folder_gets_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    open_index(make_library(30, "/home/u/papers"))
    first = index_files()
    open_index(make_library(40, "/home/u/papers"))
    assert index_files() == first
    open_index(make_library(30, "/home/u/other"))
    assert len(index_files()) == 2


def test_a_build_cancelled_saves_nothing(library: Library) -> None:
    with pytest.raises(BuildCancelled):
        open_index(library, should_stop=lambda: True)
    assert index_files() == []
    assert list(cache_folder().glob("*.tmp")) == []


# ---------------------------------------------------------------------------
# Damage (the damaged file replaces the old one, as a copy would: written in place, it
# would kill with SIGBUS a reader that maps the old one, as dubao's own index does here)
# ---------------------------------------------------------------------------


def replace_with(path: Path, content: bytes) -> None:
    temp = path.with_suffix(".damaged")
    temp.write_bytes(content)
    os.replace(temp, path)


def flip_payload_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    replace_with(path, data)


def truncate(path: Path) -> None:
    replace_with(path, path.read_bytes()[:-100])


def garbage_header(path: Path) -> None:
    data = path.read_bytes()
    replace_with(path, os.urandom(indexfile.HEADER.size) + data[indexfile.HEADER.size :])


def other_format(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[8:12] = struct.pack("<I", indexfile.FORMAT + 1)
    replace_with(path, data)


def other_byte_order(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[12:16] = data[12:16][::-1]
    replace_with(path, data)


def empty(path: Path) -> None:
    replace_with(path, b"")


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (flip_payload_byte, "damaged"),
        (truncate, "truncated"),
        (garbage_header, "not an index file"),
        (other_format, "another version"),
        (other_byte_order, "another kind of machine"),
        (empty, "not an index file"),
    ],
)
def test_a_damaged_file_is_noted_rebuilt_and_replaced(
    library: Library, monkeypatch: pytest.MonkeyPatch, damage: object, why: str
) -> None:
    expected = open_index(library)
    (path,) = index_files()
    damage(path)  # type: ignore[operator]
    seen = builds(monkeypatch)
    notes: list[str] = []
    # Checked whole, as `dubao search` and a build do (a reader checks in the background).
    index = open_index(library, verify=True, on_note=notes.append)
    assert len(seen) == 1
    assert len(notes) == 1 and why in notes[0] and "rebuilding" in notes[0], notes
    assert_same_results(index, expected, library)
    no_building(monkeypatch)
    open_index(library, on_note=notes.append)
    assert len(notes) == 1


def test_a_file_from_other_code_is_not_used(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_index(library)
    for module in (fingerprint_module, indexfile):
        monkeypatch.setattr(module, "code_version", lambda: b"12345678")
    notes: list[str] = []
    seen = builds(monkeypatch)
    open_index(library, on_note=notes.append)
    assert len(seen) == 1 and "another version" in notes[0]


@pytest.mark.parametrize("part", ["starts", "ids", "heads", "titles"])
def test_a_sound_file_with_inconsistent_arrays_is_not_used(
    library: Library, monkeypatch: pytest.MonkeyPatch, part: str
) -> None:
    data = build_data(library)
    size, codes, starts, ids, dense = data.postings.parts()
    broken = {
        "starts": lambda: dataclasses.replace(
            data, postings=Postings(size, codes, starts[:-1], ids, dense)
        ),
        "heads": lambda: dataclasses.replace(data, heads={size: "头"}),
        "titles": lambda: dataclasses.replace(data, titles=data.titles + "多"),
        "ids": lambda: dataclasses.replace(
            data, postings=Postings(size, codes, starts, ids[:-1], dense)
        ),
    }[part]()
    indexfile.save(store.index_path(library), broken, library_fingerprint(library, data.entries))
    notes: list[str] = []
    seen = builds(monkeypatch)
    open_index(library, on_note=notes.append)
    assert len(seen) == 1 and "damaged" in notes[0], notes


# ---------------------------------------------------------------------------
# Saving and keeping
# ---------------------------------------------------------------------------


def test_without_a_cache_folder_the_index_works_and_a_note_says_why(
    library: Library, private_dirs: Path
) -> None:
    (private_dirs / "cache").write_text("not a folder")
    notes: list[str] = []
    index = open_index(library, on_note=notes.append)
    assert index.search("中国").total == len(SearchIndex.build(library).matching_ids("中国"))
    assert len(notes) == 1 and "could not save" in notes[0]


def test_a_failed_save_is_a_note_and_leaves_no_temporary_file(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*_: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", full)
    notes: list[str] = []
    index = open_index(library, on_note=notes.append)
    assert index.search("中国").total > 0
    assert notes == [f"could not save the search index: {os.strerror(errno.ENOSPC)}"]
    assert [p for p in cache_folder().iterdir() if p.name.startswith(store.PREFIX)] == []


def test_only_the_most_recently_used_files_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    libraries = [make_library(20, f"/papers/{n}") for n in range(store.KEEP + 2)]
    paths = [store.index_path(lib) for lib in libraries]
    for age, lib in enumerate(libraries[: store.KEEP]):
        open_index(lib)
        os.utime(paths[age], (1000 + age, 1000 + age))
    open_index(libraries[0])  # used again: now the most recent
    stale = cache_folder() / f"{store.PREFIX}crashed{indexfile.TEMP_SUFFIX}"
    stale.write_bytes(b"half a file")
    os.utime(stale, (1000, 1000))
    open_index(libraries[store.KEEP])
    open_index(libraries[store.KEEP + 1])
    assert set(index_files()) == {paths[0], paths[store.KEEP], paths[store.KEEP + 1]}
    assert not stale.exists()
