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

import tui.cache
import tui.library
from tui.cache import (
    _UNCLEAN,
    CACHE_FILE,
    NONE,
    SEP,
    CacheError,
    decode_page,
    decode_pages,
    encode_page,
)
from tui.library import load_library, read_page
from tui.model import Library
from tui.parse import parse_page
from tui.text import clean

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
    return {path for (path,) in sql("SELECT path FROM pages")}


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
    monkeypatch.setattr(tui.library, "parse_page", fail)


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
    sql("UPDATE pages SET version = '0.0.1+0000000000000000'")
    assert len(check_rebuilt(papers, monkeypatch, "another version of dubao: 6 page(s)")) == 6


def shape_edit(edit: Callable[[str, list[str]], object]) -> Callable[[Any], object]:
    def apply(shape: Any) -> object:
        return json.dumps(edit(*json.loads(shape)))

    return apply


# Each damage changes one thing, so that the check for that one thing is what catches it.
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
    "body bytes": ("body", lambda b: b.encode()),
    "size text": ("size", lambda _: "abc"),
}


@pytest.mark.parametrize("name", DAMAGE)
def test_a_damaged_row_is_read_again(
    papers: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    load(papers)
    column, damage = DAMAGE[name]
    page = str((papers / "2025-12-09" / "02_综合.md").resolve())
    [(value,)] = sql(f"SELECT {column} FROM pages WHERE path = ?", page)
    damaged = damage(value)
    assert damaged != value
    sql(f"UPDATE pages SET {column} = ? WHERE path = ?", damaged, page)
    read = check_rebuilt(papers, monkeypatch, "1 damaged entry")
    assert read == ["2025-12-09/02_综合.md"]


@pytest.mark.parametrize("where", ["cache home a file", "cache folder a file", "cache a folder"])
def test_a_cache_that_cannot_be_written_is_no_cache(
    papers: Path, private_dirs: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    if where == "cache home a file":
        blocker = write(private_dirs / "cache-file", "not a folder")
        monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    elif where == "cache folder a file":
        write(cache_file().parent, "not a folder")
    else:
        cache_file().mkdir(parents=True)
    for _ in range(2):
        library, notes = load(papers)
        assert notes == []
        assert_same(library, load_library([papers], cache=False))


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
    monkeypatch.setattr(tui.cache, "BUSY_TIMEOUT", 0.2)
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
        m.setattr(tui.cache.PageCache, "_write", fail)
        library, notes = load(papers)
    assert notes == []
    assert_same(library, load_library([papers], cache=False))
    read = reads(monkeypatch)
    load(papers)
    assert len(read) == 6


def test_an_interrupted_load_keeps_the_pages_it_read(
    papers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tui.cache, "_CHUNK", 2)

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
