"""The page cache: warm loads skip parsing, changes are re-read alone, bad caches are rebuilt."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import platformdirs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tui.library
import tui.library.cache
import tui.store.folders
import tui.store.state
from tui.core.model import Article, Block, Library
from tui.core.text import clean
from tui.library import load_library, outline, read_page
from tui.library.cache import (
    _UNCLEAN,
    CACHE_FILE,
    NONE,
    SEP,
    CacheError,
    decode_page,
    decode_pages,
    encode_page,
)
from tui.library.parse import parse_page

from .conftest import SEED

PHOTO = (
    "## 头条新闻\n\n**本报讯** 今天天气很好,市民纷纷出门。(张三)\n\n游客在公园赏花。\n\n邓寅明 摄\n"
)
BRIEFS = "## 简讯\n\n第一条消息。\n\n### 小标题\n\n第二条消息。\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def papers(tmp_path: Path) -> Path:
    """Three issues of two pages each: headlines, kickers, datelines, photos, bylines."""
    root = tmp_path / "papers"
    for day in ("2025-12-08", "2025-12-09", "2025-12-10"):
        write(root / day / "02_综合.md", f"{PHOTO}\n## {day} 的消息\n\n{BRIEFS}")
        shutil.copy(SEED, root / day / "01_要闻.md")
    return root


def cache_file() -> Path:
    return Path(platformdirs.user_cache_dir("dubao")) / CACHE_FILE


def sql(statement: str, *args: object) -> list[tuple[Any, ...]]:
    """Run one statement on the cache (committed) and return its rows."""
    with closing(sqlite3.connect(cache_file())) as db, db:
        return db.execute(statement, args).fetchall()


def cached_paths() -> set[str]:
    return {os.fsdecode(path) for (path,) in sql("SELECT path FROM pages")}


def rewrite_row(page: Path, **values: object) -> None:
    """Set columns of a page's row, with a checksum that fits them: what a dubao whose code
    wrote these values would have written."""
    key = os.fsencode(page.resolve())
    [row] = sql(f"SELECT {tui.library.cache._COLUMNS} FROM pages WHERE path = ?", key)
    fields = dict(zip(tui.library.cache._COLUMNS.split(", "), row, strict=True)) | values
    checksum = tui.library.cache._checksum(*list(fields.values())[:7])
    fields["checksum"] = -1 if checksum is None else checksum  # -1: none fits
    sql("DELETE FROM pages WHERE path = ?", key)
    sql(f"INSERT INTO pages VALUES ({', '.join('?' * len(fields))})", *fields.values())


def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files `load_library` reads from now on."""
    seen: list[str] = []

    def counting(path: str) -> list[object]:
        seen.append(f"{Path(path).parent.name}/{Path(path).name}")
        return read_page(path)  # type: ignore[return-value]

    monkeypatch.setattr(tui.library, "read_page", counting)
    return seen


def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_: object) -> None:
        raise AssertionError("a page was parsed")

    monkeypatch.setattr(tui.library, "read_page", fail)
    monkeypatch.setattr(tui.library.parse, "parse_page", fail)  # read where it is called


def load(root: Path) -> tuple[Library, list[str]]:
    notes: list[str] = []
    return load_library([root], on_note=notes.append), notes


def touch(path: Path, text: str) -> None:
    """New content and a later mtime."""
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 10**9, before + 10**9))


def assert_same(library: Library, expected: Library) -> None:
    assert library == expected
    assert [a.id for a in library.articles()] == [a.id for a in expected.articles()]
    assert [s.source for i in library.issues for s in i.sections] == [
        s.source for i in expected.issues for s in i.sections
    ]


# ---------------------------------------------------------------------------
# Cold and warm
# ---------------------------------------------------------------------------


def test_a_warm_load_is_the_cold_one_without_parsing(
    papers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uncached = load_library([papers], cache=False)
    assert not cache_file().exists()
    cold, notes = load(papers)
    assert notes == []
    assert cache_file().exists()
    assert len(cached_paths()) == 6
    no_parsing(monkeypatch)
    warm, notes = load(papers)
    assert notes == []
    assert_same(warm, uncached)
    assert_same(cold, uncached)
    kinds = {a.kind for a in warm.articles()}
    assert kinds == {"article", "photo"}
    assert any(a.kicker and a.subtitle and a.dateline for a in warm.articles())


def test_the_cache_is_private(papers: Path) -> None:
    load(papers)
    assert cache_file().parent.stat().st_mode & 0o777 == 0o700


def test_progress_counts_cached_files(papers: Path) -> None:
    load(papers)
    touch(papers / "2025-12-09" / "02_综合.md", BRIEFS)
    seen = []
    load_library([papers], on_progress=seen.append)
    assert [(p.done, p.total) for p in seen] == [(n, 6) for n in range(1, 7)]


def test_the_seeds_and_cache_false_leave_no_cache(papers: Path) -> None:
    load_library()
    load_library([papers], cache=False)
    assert not cache_file().exists()


# ---------------------------------------------------------------------------
# Changes
# ---------------------------------------------------------------------------


def test_a_changed_file_alone_is_read_again(papers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load(papers)
    changed = papers / "2025-12-09" / "02_综合.md"
    touch(changed, "## 改过的头条\n\n新的正文。\n")
    read = reads(monkeypatch)
    library, notes = load(papers)
    assert read == ["2025-12-09/02_综合.md"]
    assert notes == []
    assert "改过的头条" in [a.title for a in library.articles()]
    assert_same(library, load_library([papers], cache=False))
    read.clear()
    load(papers)
    assert read == []


def test_a_removed_file_leaves_library_and_cache(
    papers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(papers)
    gone = papers / "2025-12-10" / "02_综合.md"
    gone.unlink()
    read = reads(monkeypatch)
    library, _ = load(papers)
    assert read == []
    assert str(gone) not in {s.source for i in library.issues for s in i.sections}
    assert str(gone.resolve()) not in cached_paths()
    assert len(cached_paths()) == 5


def test_an_added_file_is_read(papers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load(papers)
    write(papers / "2025-12-10" / "03_体育.md", "## 球赛\n\n比赛结束。\n")
    read = reads(monkeypatch)
    library, _ = load(papers)
    assert read == ["2025-12-10/03_体育.md"]
    assert "球赛" in [a.title for a in library.articles()]
    assert len(cached_paths()) == 7


def test_a_file_that_turns_unreadable_is_a_problem_and_leaves_the_cache(papers: Path) -> None:
    load(papers)
    broken = papers / "2025-12-08" / "02_综合.md"
    before = broken.stat().st_mtime_ns
    broken.write_bytes(b"\x00\x01binary\x00" * 50)
    os.utime(broken, ns=(before + 10**9, before + 10**9))
    library, _ = load(papers)
    assert [Path(p.source).name for p in library.problems] == ["02_综合.md"]
    assert str(broken.resolve()) not in cached_paths()


def test_other_folders_keep_their_rows(papers: Path, tmp_path: Path) -> None:
    other = write(tmp_path / "other" / "20251201.md", BRIEFS).parent
    load(other)
    load(papers)
    assert len(cached_paths()) == 7


# ---------------------------------------------------------------------------
# Caches not to be trusted
# ---------------------------------------------------------------------------


def check_rebuilt(papers: Path, monkeypatch: pytest.MonkeyPatch, note: str) -> list[str]:
    """The load ignores what it cannot trust, with one note, and rebuilds it: the next load
    is warm and quiet again. The files the first load read."""
    expected = load_library([papers], cache=False)
    with monkeypatch.context() as m:
        read = reads(m)
        library, notes = load(papers)
    assert len(notes) == 1, notes
    assert note in notes[0]
    assert "\n" not in notes[0]
    assert_same(library, expected)
    with monkeypatch.context() as m:
        no_parsing(m)
        library, notes = load(papers)
    assert notes == []
    assert_same(library, expected)
    return read


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: b"this is not a database" * 100, id="garbage"),
        pytest.param(lambda data: data[: len(data) // 3 + 100], id="truncated"),
        pytest.param(lambda data: data[:100] + bytes(len(data) - 100), id="zeroed"),
        pytest.param(lambda data: b"", id="empty"),
    ],
)
def test_a_corrupt_cache_file_is_rebuilt(
    papers: Path, monkeypatch: pytest.MonkeyPatch, damage: Callable[[bytes], bytes]
) -> None:
    load(papers)
    data = cache_file().read_bytes()
    assert len(data) > 8192
    cache_file().write_bytes(damage(data))
    if damage(data):
        assert len(check_rebuilt(papers, monkeypatch, "rebuilding")) == 6
    else:  # an empty file is an empty database: a cold cache, nothing to say
        library, notes = load(papers)
        assert notes == []
        assert_same(library, load_library([papers], cache=False))


def test_a_cache_of_another_format_is_rebuilt(
    papers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(papers)
    sql("PRAGMA user_version = 99")
    check_rebuilt(papers, monkeypatch, "another version")


def test_a_cache_with_other_tables_is_rebuilt(
    papers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(papers)
    sql("ALTER TABLE pages DROP COLUMN ctime_ns")
    check_rebuilt(papers, monkeypatch, "rebuilding")


def test_rows_from_another_version_are_read_again(
    papers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(papers)
    for page in papers.rglob("*.md"):
        rewrite_row(page, version=b"0.0.1+0000000000000000")
    note = "another version of dubao: 6 pages read again"
    assert len(check_rebuilt(papers, monkeypatch, note)) == 6


def shape_edit(edit: Callable[[str, list[str]], object]) -> Callable[[Any], object]:
    def apply(shape: Any) -> object:
        return json.dumps(edit(*json.loads(shape)))

    return apply


# Each damage changes one thing, so that the check for that one thing is what catches it:
# the row gets a checksum that fits, as if this code had written it.
DAMAGE: dict[str, tuple[str, Callable[[Any], object]]] = {
    "shape not json": ("shape", lambda _: "[[["),
    "shape deeply nested": ("shape", lambda _: "[" * 100_000),
    "shape a dict": ("shape", shape_edit(lambda k, t: {"kinds": k, "types": t})),
    "kinds a list": ("shape", shape_edit(lambda k, t: [list(k), t])),
    "unknown kind": ("shape", shape_edit(lambda k, t: ["x" + k[1:], t])),
    "unknown block type": (
        "shape",
        shape_edit(lambda k, t: [k, [t[0].replace("p", "q", 1), *t[1:]]]),
    ),
    "block types not strings": ("shape", shape_edit(lambda k, t: [k, [len(x) for x in t]])),
    "a block too many": ("shape", shape_edit(lambda k, t: [k, [t[0] + "p", *t[1:]]])),
    "an article too few": ("shape", shape_edit(lambda k, t: [k[:-1], t[:-1]])),
    "escape character": ("body", lambda b: b.replace("第一条消息", "第一条\x1b]0;PWNED\x07消息")),
    "C1 control": ("body", lambda b: b.replace("第一条消息", "第一条\x9b2J消息")),
    "bidi override": ("body", lambda b: b.replace("第一条消息", "第一条\u202e消息")),
    "a string too few": ("body", lambda b: b[: b.rindex(SEP)]),
    "a string too many": ("body", lambda b: b + SEP + "多"),
    "None as a block": ("body", lambda b: b[: b.rindex(SEP) + 1] + NONE),
    "None as an id": ("body", lambda b: NONE + b[b.index(SEP) :]),
    "body a number": ("body", lambda _: 42),
    "body not UTF-8": ("body", lambda b: b.encode() + b"\xff"),
    "size text": ("size", lambda _: "abc"),
}


@pytest.mark.parametrize("name", DAMAGE)
def test_a_damaged_row_is_read_again(
    papers: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    load(papers)
    column, damage = DAMAGE[name]
    page = papers / "2025-12-09" / "02_综合.md"
    [(value,)] = sql(f"SELECT {column} FROM pages WHERE path = ?", os.fsencode(page.resolve()))
    value = value.decode() if isinstance(value, bytes) else value
    damaged = damage(value)
    assert damaged != value
    rewrite_row(page, **{column: damaged.encode() if isinstance(damaged, str) else damaged})
    read = check_rebuilt(papers, monkeypatch, "1 damaged entry")
    assert read == ["2025-12-09/02_综合.md"]


# A changed byte with the checksum left as it was: what a disk or a copy does.
FLIPS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "a character": ("body", lambda b: b.replace("第一条".encode(), "第丁条".encode())),
    "a byte not UTF-8": ("body", lambda b: b.replace("条".encode(), b"\xff\xfe\xfd")),
    "the shape": ("shape", lambda b: b.replace(b'"p', b'"s', 1)),
    "the version": ("version", lambda b: b[:-1] + bytes([b[-1] ^ 1])),
    "the stamp": ("size", lambda n: n ^ 1),  # and the file as the stamp says: see below
}


@pytest.mark.parametrize("name", FLIPS)
def test_a_row_changed_on_disk_is_read_again(
    papers: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    load(papers)
    page = papers / "2025-12-09" / "02_综合.md"
    key = os.fsencode(page.resolve())
    column, flip = FLIPS[name]
    [(value,)] = sql(f"SELECT {column} FROM pages WHERE path = ?", key)
    damaged = flip(value)
    assert damaged != value
    sql(f"UPDATE pages SET {column} = ? WHERE path = ?", damaged, key)
    if name == "the stamp":
        # The file grows or shrinks by a byte, as the row's size says: only the checksum
        # tells that the row was not written for it.
        text = page.read_text(encoding="utf-8")
        mtime = page.stat().st_mtime_ns
        page.write_text(text + "\n" if damaged > value else text[:-1], encoding="utf-8")
        os.utime(page, ns=(mtime, mtime))
        now = tui.library.cache.stamp(page)
        sql("UPDATE pages SET ctime_ns = ? WHERE path = ?", now.ctime_ns, key)
        [(checksum,)] = sql("SELECT checksum FROM pages WHERE path = ?", key)
        rewrite_row(page, size=value)  # the checksum of the row as written...
        sql("UPDATE pages SET size = ?, checksum = ? WHERE path = ?", damaged, checksum, key)
    read = check_rebuilt(papers, monkeypatch, "1 damaged entry")
    assert read == ["2025-12-09/02_综合.md"]


@pytest.mark.parametrize("body", [42, None, 1.5])
def test_a_row_without_a_checksum_is_read_again(
    papers: Path, monkeypatch: pytest.MonkeyPatch, body: object
) -> None:
    """A flipped bit can make any value NULL, or of another type."""
    load(papers)
    page = papers / "2025-12-09" / "02_综合.md"
    key = os.fsencode(page.resolve())
    # As if the columns were not NOT NULL (which is checked on writes, not reads).
    with closing(sqlite3.connect(cache_file())) as db, db:
        db.execute("PRAGMA writable_schema = ON")
        db.execute("UPDATE sqlite_master SET sql = replace(sql, ' NOT NULL', '')")
    sql("UPDATE pages SET body = ?, checksum = NULL WHERE path = ?", body, key)
    assert check_rebuilt(papers, monkeypatch, "1 damaged entry") == ["2025-12-09/02_综合.md"]


def test_the_damage_reported_is_served_no_more(
    papers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14: one bit flipped in a cached row showed 抗灾 as 抇灾."""
    page = write(papers / "2025-12-09" / "03_抗灾.md", "## 抗灾\n\n抗灾救灾,众志成城。\n")
    load(papers)
    key = os.fsencode(page.resolve())
    [(body,)] = sql("SELECT body FROM pages WHERE path = ?", key)
    flipped = body.replace("抗".encode(), "抇".encode(), 1)
    assert sum(bin(x ^ y).count("1") for x, y in zip(body, flipped, strict=True)) == 1
    sql("UPDATE pages SET body = ? WHERE path = ?", flipped, key)
    library, notes = load(papers)
    assert "抇" not in json.dumps([a.title for a in library.articles()], ensure_ascii=False)
    assert_same(library, load_library([papers], cache=False))
    assert len(notes) == 1 and "1 damaged entry" in notes[0]


def index_pages(data: bytes) -> list[int]:
    """The offsets of the index leaf pages of an SQLite file."""
    size = int.from_bytes(data[16:18], "big")
    return [
        start
        for start in range(0, len(data), size)
        if data[start + (100 if start == 0 else 0)] == 0x0A
    ]


def test_a_damaged_index_is_found_when_rows_are(
    papers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A path changed in the index as well as a row: quick_check, which does not compare
    the index with the rows, passed such files, and SQLite's writes to them lost rows (so
    that pages were read again on every run). The index entry is another library's, which
    this load does not write over."""
    other = write(tmp_path / "other" / "20251201.md", BRIEFS)
    load(other.parent)
    load(papers)
    data = bytearray(cache_file().read_bytes())
    key = str(other.resolve()).encode()
    size = int.from_bytes(data[16:18], "big")
    [at] = [data.index(key, i) for i in index_pages(data) if key in data[i : i + size]]
    data[at + len(key) - 1] ^= 1  # 20251201.md → 20251201.me, in the index alone
    data[data.index("今天天气很好".encode())] ^= 1  # and a row of this library
    cache_file().write_bytes(data)
    assert sql("PRAGMA quick_check") == [("ok",)]
    library, notes = load(papers)
    assert_same(library, load_library([papers], cache=False))
    assert len(notes) == 1 and "rebuilding" in notes[0], notes
    assert sql("PRAGMA integrity_check") == [("ok",)]
    assert load(papers)[1] == []  # filling the new cache
    with monkeypatch.context() as m:
        no_parsing(m)
        library, notes = load(papers)
    assert notes == []


def test_a_row_moved_to_another_path_is_not_served_as_its(
    papers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(papers)
    first, second = papers / "2025-12-09" / "01_要闻.md", papers / "2025-12-09" / "02_综合.md"
    other = tui.library.cache.stamp(second)
    sql("DELETE FROM pages WHERE path = ?", os.fsencode(second.resolve()))
    sql(
        "UPDATE pages SET path = ?, size = ?, mtime_ns = ?, ctime_ns = ? WHERE path = ?",
        os.fsencode(second.resolve()),
        other.size,
        other.mtime_ns,
        other.ctime_ns,
        os.fsencode(first.resolve()),
    )
    read = check_rebuilt(papers, monkeypatch, "1 damaged entry")
    assert sorted(read) == ["2025-12-09/01_要闻.md", "2025-12-09/02_综合.md"]


@pytest.mark.parametrize("where", ["cache home a file", "cache folder a file"])
def test_a_cache_that_cannot_be_written_is_no_cache(
    papers: Path, private_dirs: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    if where == "cache home a file":
        blocker = write(private_dirs / "cache-file", "not a folder")
        monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    else:
        write(cache_file().parent, "not a folder")
    for _ in range(2):
        library, notes = load(papers)
        assert notes == []
        assert_same(library, load_library([papers], cache=False))


def test_a_cache_of_format_1_is_rebuilt(papers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """dubao before issue 14 set no application id: its cache is still known for ours."""
    page = next(papers.rglob("*.md")).resolve()
    tui.store.folders.cache_folder()
    with closing(sqlite3.connect(cache_file())) as db, db:
        db.execute("PRAGMA journal_mode=WAL")
        columns = ", ".join(f"{name} TEXT NOT NULL" for name in tui.library.cache._FORMAT_1_COLUMNS)
        db.execute(f"CREATE TABLE pages ({columns.replace('NOT NULL', 'PRIMARY KEY', 1)})")
        db.execute("INSERT INTO pages VALUES (?, 1, 2, 3, 'v', '[]', '')", (str(page),))
        db.execute("PRAGMA user_version = 1")
    assert len(check_rebuilt(papers, monkeypatch, "another version of dubao")) == 6


def test_a_schema_that_is_not_utf8_is_rebuilt(
    papers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's message quotes the bad name, and Python fails to decode the message: a
    UnicodeDecodeError, not an sqlite3.Error, on every run until the file was deleted."""
    load(papers)
    sql("CREATE TABLE zzqq (x)")
    data = cache_file().read_bytes()
    assert data.count(b"zzqq") == 3
    broken = data.replace(b"CREATE TABLE zzqq (x)", b"CREATE TABLE z\xffq\xfe (((")
    cache_file().write_bytes(broken.replace(b"zzqq", b"z\xffq\xfe"))
    assert len(check_rebuilt(papers, monkeypatch, "rebuilding")) == 6


def test_a_file_name_that_is_not_utf8_is_cached(
    papers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = os.fsdecode(b"04_\xff.md")
    assert "\udcff" in name
    page = write(papers / "2025-12-10" / name, "## 不是UTF-8的文件名\n\n正文。\n")
    expected = load_library([papers], cache=False)
    assert "不是UTF-8的文件名" in [a.title for a in expected.articles()]
    library, notes = load(papers)
    assert notes == []
    assert_same(library, expected)
    assert str(page.resolve()) in cached_paths()
    with monkeypatch.context() as m:
        no_parsing(m)
        assert_same(load(papers)[0], expected)
    touch(page, "## 改过\n\n正文。\n")
    with monkeypatch.context() as m:
        read = reads(m)
        load(papers)
    assert read == [f"2025-12-10/{name}"]
    page.unlink()
    load(papers)
    assert str(page.resolve()) not in cached_paths()
    assert len(cached_paths()) == 6


def test_a_page_cache_keys_names_that_are_not_utf8(papers: Path) -> None:
    """add, save, fresh and load, with a path that only a surrogate escape can hold."""
    page = write(papers / os.fsdecode(b"\xff\xfe.md"), BRIEFS)
    key = str(page.resolve())
    articles = parse_page(BRIEFS)
    cache = tui.library.cache.PageCache.open()
    assert cache is not None
    cache.add(key, tui.library.cache.stamp(key), articles)
    cache.save([str(papers)])
    cache = tui.library.cache.PageCache.open()
    assert cache is not None
    assert cache.fresh({key: tui.library.cache.stamp(key)}) == {key}
    assert cache.load({key: tui.library.cache.stamp(key)}) == {key: articles}
    cache.close()
    assert cached_paths() == {key}


# ---------------------------------------------------------------------------
# What is not ours
# ---------------------------------------------------------------------------


def other_database(path: Path, application_id: int = 0) -> None:
    """Another program's SQLite file."""
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE bookmarks (url TEXT)")
        db.execute("INSERT INTO bookmarks VALUES ('https://example.com')")
        db.execute(f"PRAGMA user_version = {tui.library.cache.FORMAT + 5}")
        if application_id:
            db.execute(f"PRAGMA application_id = {application_id}")


def looks(folder: Path) -> dict[str, object]:
    """What is in a folder, as it is: names, kinds, link targets and contents."""
    found: dict[str, object] = {}
    for path in sorted(folder.iterdir()):
        if path.is_symlink():
            found[path.name] = ("link", os.readlink(path))
        elif path.is_file():
            found[path.name] = ("file", path.read_bytes())
        else:
            found[path.name] = ("other", path.lstat().st_mode)
    return found


NOT_OURS = [
    "a link to another program's database",
    "a link to a cache of ours",
    "a link to nothing",
    "another program's database",
    "another program's database with an application id",
    "state.sqlite3",
    "a folder",
    "a named pipe",
]


@pytest.mark.parametrize("what", NOT_OURS)
def test_what_is_not_ours_is_left_as_it_is(
    papers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, what: str
) -> None:
    """Issue 14: `ln -s other.db …/pages.sqlite3` lost other.db's tables. Nothing at the
    cache's path that is not provably our cache is written, renamed or followed."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = elsewhere / "other.db"
    if what == "a link to a cache of ours":
        load(papers)
        cache_file().rename(target)
    tui.store.folders.cache_folder()
    if what == "a link to another program's database":
        other_database(target)
    if what.startswith("a link"):
        cache_file().symlink_to(target)
    elif what == "another program's database":
        other_database(cache_file())
    elif what == "another program's database with an application id":
        other_database(cache_file(), application_id=0x12345678)
    elif what == "state.sqlite3":
        other_database(cache_file(), application_id=tui.store.state.APPLICATION_ID)
    elif what == "a folder":
        cache_file().mkdir()
    else:
        os.mkfifo(cache_file())
    before = looks(cache_file().parent), looks(elsewhere)
    expected = load_library([papers], cache=False)
    for _ in range(2):
        library, notes = load(papers)
        assert_same(library, expected)
        assert len(notes) == 1, notes
        assert "not dubao's page cache" in notes[0]
        assert (looks(cache_file().parent), looks(elsewhere)) == before
    if what == "a link to a cache of ours":  # not followed, so not used either
        with closing(sqlite3.connect(target)) as db:
            assert db.execute("SELECT count(*) FROM pages").fetchone() == (6,)


# ---------------------------------------------------------------------------
# Two processes at once
# ---------------------------------------------------------------------------


def _load_in_child(paths: list[str], barrier: object, rounds: int) -> None:
    for _ in range(rounds):
        barrier.wait()  # type: ignore[attr-defined]
        load_library(paths)


@pytest.fixture
def many_papers(tmp_path: Path) -> Path:
    root = tmp_path / "many"
    seed = SEED.read_text(encoding="utf-8")
    for n in range(40):
        write(root / f"202501{n % 28 + 1:02}" / f"{n:02}.md", f"## 第{n}号\n\n{seed}")
    return root


def test_processes_writing_at_once_leave_a_sound_cache(
    many_papers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    days = sorted(str(p) for p in many_papers.iterdir())
    shares = [days[0::2], days[1::2], days, days[::3]]
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(shares))
    children = [
        context.Process(target=_load_in_child, args=(share, barrier, 3)) for share in shares
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=120)
    assert [child.exitcode for child in children] == [0] * len(children)
    assert sql("PRAGMA integrity_check") == [("ok",)]
    assert len(cached_paths()) == 40
    expected = load_library([many_papers], cache=False)
    no_parsing(monkeypatch)
    library, notes = load(many_papers)
    assert notes == []
    assert_same(library, expected)


# ---------------------------------------------------------------------------
# The row format
# ---------------------------------------------------------------------------


def test_unclean_is_what_clean_removes_but_the_separators() -> None:
    code_points = [*range(0x10000), *range(0x10000, 0x110000, 97)]
    for c in map(chr, code_points):
        if c in (SEP, NONE):
            assert clean(c) == ""
            assert not _UNCLEAN.match(c)
        else:
            assert (clean(c) != c) == bool(_UNCLEAN.match(c)), hex(ord(c))


page_text = st.lists(
    st.one_of(
        st.sampled_from(["# ", "## ", "### ", "**本报讯** ", "(李 静)", "邓寅明 摄", "", "\n"]),
        st.text(min_size=1, max_size=30),
    ),
    min_size=1,
    max_size=30,
).map("\n".join)


@settings(max_examples=200, deadline=None)
@given(page_text)
def test_rows_round_trip(text: str) -> None:
    articles = parse_page(text)
    if not articles:
        return
    encoded = encode_page(articles)
    assert encoded is not None
    assert decode_page(*encoded) == articles
    assert decode_pages([encoded, ("x", "y"), encoded]) == [articles, None, articles]


@given(page_text)
def test_rows_decode_as_outlines_as_outline_makes_them(text: str) -> None:
    articles = parse_page(text)
    encoded = encode_page(articles) if articles else None
    if encoded is not None:
        assert decode_pages([encoded], outlines=True) == [list(map(outline, articles))]


def test_outlines_keep_no_block_if_titled_else_up_to_the_first_with_text_or_all() -> None:
    def article(title: str | None, *texts: str) -> Article:
        return Article("id", "article", title, tuple(Block("paragraph", t) for t in texts))

    untitled = [article(None, "", "一", "二"), article(None, "", ""), article(None)]
    articles = [*untitled, article(None, "一", "二"), article("题", "一", "二"), article("题")]
    encoded = encode_page(articles)
    assert encoded is not None
    outlined = decode_pages([encoded], outlines=True)[0]
    assert outlined == [
        article(None, "", "一"),
        article(None, "", ""),
        article(None),
        article(None, "一"),
        article("题"),
        article("题"),
    ]
    assert outlined == list(map(outline, articles))


def test_decoded_rows_are_real_dataclasses() -> None:
    articles = parse_page(SEED.read_text(encoding="utf-8"))
    decoded = decode_page(*encode_page(articles))  # type: ignore[misc]
    assert decoded == articles
    for a, b in zip(decoded, articles, strict=True):
        assert type(a) is type(b)
        assert type(a.blocks) is tuple
        assert hash(a.blocks) == hash(b.blocks)
        assert repr(a) == repr(b)


def test_a_row_is_checked_before_anything_is_made() -> None:
    for shape, body in [("[]", ""), ('["a", []]', "x"), ('["a",["p"]]', "\x00")]:
        with pytest.raises(CacheError):
            decode_page(shape, body)


# ---------------------------------------------------------------------------
# Writes that wait, fail or stop
# ---------------------------------------------------------------------------


def test_a_cache_locked_by_another_dubao_is_left_alone(
    papers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(papers)
    touch(papers / "2025-12-09" / "02_综合.md", BRIEFS)
    monkeypatch.setattr(tui.library.cache, "BUSY_TIMEOUT", 0.2)
    other = sqlite3.connect(cache_file(), isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        library, notes = load(papers)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert notes == []
    assert_same(library, load_library([papers], cache=False))
    read = reads(monkeypatch)
    load(papers)
    assert read == ["2025-12-09/02_综合.md"]  # not written while locked: written now


def test_a_failed_write_is_no_error(papers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_: object) -> None:
        raise sqlite3.OperationalError("attempt to write a readonly database")

    with monkeypatch.context() as m:
        m.setattr(tui.library.cache.PageCache, "_write", fail)
        library, notes = load(papers)
    assert notes == []
    assert_same(library, load_library([papers], cache=False))
    read = reads(monkeypatch)
    load(papers)
    assert len(read) == 6


def test_an_interrupted_load_keeps_the_pages_it_read(
    papers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tui.library.cache, "_CHUNK", 2)

    def interrupt(progress: tui.library.Progress) -> None:
        if progress.done == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        load_library([papers], on_progress=interrupt)
    assert len(cached_paths()) == 4
    read = reads(monkeypatch)
    library, notes = load(papers)
    assert notes == []
    assert len(read) == 2
    assert len(cached_paths()) == 6
    assert_same(library, load_library([papers], cache=False))


# ---------------------------------------------------------------------------
# What is kept
# ---------------------------------------------------------------------------


def cached_folders() -> set[str]:
    return {Path(path).parent.name for path in cached_paths()}


def test_the_rows_of_the_library_used_longest_ago_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14: the cache never shrank (1.3 GB after five libraries)."""
    libraries = [write(tmp_path / f"lib{n}" / "20251201.md", BRIEFS).parent for n in range(4)]
    for library in libraries[:3]:
        load(library)
    assert cached_folders() == {"lib0", "lib1", "lib2"}
    load(libraries[0])  # used again: lib1 is now the one used longest ago
    load(libraries[3])
    assert cached_folders() == {"lib0", "lib2", "lib3"}
    read = reads(monkeypatch)
    for library in (libraries[0], libraries[2], libraries[3]):
        load(library)
    assert read == []
    load(libraries[1])
    assert read == ["lib1/20251201.md"]
    assert cached_folders() == {"lib1", "lib2", "lib3"}  # lib0 went in its turn
    assert len(sql("SELECT roots FROM libraries")) == tui.library.cache.KEEP


def test_the_rows_of_a_deleted_folder_go(papers: Path, tmp_path: Path) -> None:
    other = write(tmp_path / "other" / "20251201.md", BRIEFS).parent
    load(other)
    load(papers)
    assert len(cached_paths()) == 7
    shutil.rmtree(other)
    load(papers)
    assert len(cached_paths()) == 6
    assert sql("SELECT roots FROM libraries") == [(os.fsencode(papers.resolve()),)]


def test_a_library_of_files_keeps_its_rows(
    papers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A library is its folders and the files given alone or linked from elsewhere."""
    alone = [write(tmp_path / "alone" / f"2025120{n}.md", BRIEFS) for n in (1, 2)]
    linked = write(tmp_path / "linked" / "20251203.md", BRIEFS)
    (papers / "2025-12-10" / "03_linked.md").symlink_to(linked)
    load_library(alone)
    load(papers)
    read = reads(monkeypatch)
    load_library(alone)
    load(papers)
    assert read == []
    assert {str(path) for path in [*alone, linked]} <= cached_paths()
    assert len(cached_paths()) == 9


def test_no_write_ahead_log_is_left(papers: Path, many_papers: Path) -> None:
    """Issue 14: a 500 MB pages.sqlite3-wal was left after dubao exited. SQLite deletes the
    log when its last connection closes; the search process may still have one open."""
    load(papers)
    wal = Path(f"{cache_file()}-wal")
    with closing(sqlite3.connect(cache_file())) as other:
        assert other.execute("SELECT count(*) FROM pages").fetchone() == (6,)
        load(many_papers)
        assert wal.exists()  # the other connection keeps it...
        assert wal.stat().st_size == 0  # ...but empty
        assert other.execute("SELECT count(*) FROM pages").fetchone() == (46,)


def test_every_parser_source_exists_and_a_missing_one_is_an_error(tmp_path: Path) -> None:
    from tui.library import cache

    package = Path(cache.__file__).parent.parent
    assert all((package / name).is_file() for name in cache._PARSER_FILES)
    (tmp_path / "a.py").write_text("x = 1\n")
    with pytest.raises(OSError):
        cache.source_digest([tmp_path / "a.py", tmp_path / "moved.py"])
    assert cache.source_digest([tmp_path / "a.py"]) != cache.source_digest(
        [tmp_path / "a.py", tmp_path / "a.py"]
    )
