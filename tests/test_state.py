"""The store of reading positions and read marks (tui/state.py)."""

from __future__ import annotations

import contextlib
import math
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import TERMINAL_CONTROLS
from tui.core.layout import Anchor
from tui.store import state
from tui.store.state import ArticleState, SavedArticle, StateStore, install_signal_handlers

from .conftest import mode, umask

CHILD = Path(__file__).with_name("state_child.py")
LIB = "library"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "state.sqlite3"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(db: Path, clock: FakeClock) -> Iterator[StateStore]:
    opened = StateStore.open(db, clock=clock)
    yield opened
    opened.close()


def on_disk(db: Path, article_id: str) -> tuple[int, int, int, int, bool] | None:
    """What another process would read: block, offset, percent, max_percent, read."""
    with contextlib.closing(sqlite3.connect(db)) as connection:
        row = connection.execute(
            "SELECT block, char_offset, percent, max_percent, is_read FROM article WHERE id = ?",
            (article_id,),
        ).fetchone()
    return None if row is None else (*row[:4], bool(row[4]))


def start_child(*args: object, stdin: int | None = subprocess.DEVNULL) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, str(CHILD), *map(str, args)],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    if line != "ready\n":
        child.kill()
        _, err = child.communicate(timeout=30)
        raise AssertionError(f"child did not start: {line!r} {err}")
    return child


def files_beside(db: Path) -> list[str]:
    return sorted(p.name for p in db.parent.iterdir())


# -- what is kept -----------------------------------------------------------------------


def test_a_position_is_kept_across_sessions(db: Path) -> None:
    store = StateStore.open(db)
    assert store.writable and store.take_notice() is None
    assert store.open_article(LIB, "a") is None
    store.update_position("a", Anchor(3, 12), 42, False)
    store.close()

    again = StateStore.open(db)
    saved = again.open_article(LIB, "a")
    assert saved is not None
    assert (saved.anchor, saved.percent, saved.max_percent, saved.read) == (
        Anchor(3, 12),
        42,
        42,
        False,
    )
    assert abs(saved.updated - time.time()) < 3600  # a wall-clock time, not a monotonic one
    assert again.last_article(LIB) == "a"
    again.close()


def test_the_store_lives_in_the_platform_data_directory(private_dirs: Path) -> None:
    store = StateStore.open()
    store.mark_read("a")
    store.close()
    assert store.path == private_dirs / "data" / "dubao" / "state.sqlite3"
    assert on_disk(store.path, "a") == (-1, 0, 0, 0, True)


def test_library_key_ignores_order_duplicates_and_spelling(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b.txt").write_text("x")
    key = StateStore.library_key([tmp_path / "a", tmp_path / "b.txt"])
    same = StateStore.library_key([tmp_path / "b.txt", tmp_path / "a" / ".." / "a", tmp_path / "a"])
    assert key == same
    assert key != StateStore.library_key([tmp_path / "a"])
    assert len(key) == 32


def test_each_library_has_its_own_last_article(store: StateStore) -> None:
    store.open_article("one", "a")
    store.open_article("two", "b")
    store.open_article("one", "c")
    assert (store.last_article("one"), store.last_article("two")) == ("c", "b")
    assert store.last_article("three") is None


def test_states_answers_for_34k_ids_in_one_query(store: StateStore) -> None:
    ids = [f"{n:016x}" for n in range(34_000)]
    for article_id in ids[:300:3]:
        store.mark_read(article_id)
    store.open_article(LIB, ids[1])
    store.update_position(ids[1], Anchor(2, 0), 70, False)
    store.update_position(ids[1], Anchor(3, 0), 80, True)  # pending: shown all the same

    queries: list[str] = []
    assert store._db is not None
    store._db.set_trace_callback(queries.append)
    found = store.states(ids)
    store._db.set_trace_callback(None)

    assert len(queries) == 1
    assert set(found) == {*ids[:300:3], ids[1]}
    assert found[ids[0]].read and found[ids[3]].read
    assert found[ids[1]] == ArticleState(Anchor(3, 0), 80, 80, True, found[ids[1]].updated)


def test_states_among_a_library_read_only_its_stored_rows_and_the_pending_one(
    store: StateStore,
) -> None:
    library = {f"{n:016x}": n for n in range(34_000)}  # a mapping: looked into, never walked
    ids = list(library)
    for article_id in [*ids[:30:3], "another library's"]:
        store.mark_read(article_id)
    store.open_article(LIB, ids[1])
    store.update_position(ids[1], Anchor(3, 0), 80, True)  # pending: shown all the same

    class Unwalkable(dict[str, int]):
        def __iter__(self):  # type: ignore[no-untyped-def]
            raise AssertionError("walked")

    found = store.states_among(Unwalkable(library))
    assert set(found) == {*ids[:30:3], ids[1]}
    assert found[ids[1]] == ArticleState(Anchor(3, 0), 80, 80, True, found[ids[1]].updated)
    assert found == store.states(ids)


def test_state_of_articles_missing_from_todays_library_is_kept(db: Path) -> None:
    store = StateStore.open(db)
    store.open_article(LIB, "yesterday")
    store.update_position("yesterday", Anchor(5, 1), 60, False)
    store.open_article(LIB, "today")
    assert set(store.states(["today"])) <= {"today"}  # asking about today's articles only...
    store.close()
    for _ in range(3):  # ...through sessions that never mention it
        again = StateStore.open(db)
        again.open_article(LIB, "today")
        again.close()
    kept = StateStore.open(db).position("yesterday")
    assert kept is not None and kept.anchor == Anchor(5, 1)


def test_changes_made_through_another_connection_are_seen(db: Path) -> None:
    mine, theirs = StateStore.open(db), StateStore.open(db)
    assert mine.states(["a"]) == {}
    theirs.mark_read("a")
    theirs.open_article(LIB, "b")
    assert mine.states(["a"])["a"].read
    assert mine.last_article(LIB) == "b"
    mine.close()
    theirs.close()


# -- 1. debounced saves -------------------------------------------------------------------


def test_a_hundred_updates_within_a_second_make_one_write(
    store: StateStore, db: Path, clock: FakeClock
) -> None:
    store.open_article(LIB, "a")
    before = store.write_count
    for step in range(100):
        clock.now = 1000.0 + step / 100
        store.update_position("a", Anchor(step, 0), step, False)
    assert store.write_count - before == 1
    assert on_disk(db, "a") == (0, 0, 0, 0, False)  # the first one, at once
    latest = store.position("a")
    assert latest is not None and latest.anchor == Anchor(99, 0)  # the rest waits in memory


def test_scrolling_for_five_seconds_writes_about_once_a_second(
    store: StateStore, db: Path, clock: FakeClock
) -> None:
    store.open_article(LIB, "a")
    before = store.write_count
    for frame in range(5 * 60):  # 60 frames a second, and the app's 1-second timer
        clock.now = 1000.0 + frame / 60
        store.update_position("a", Anchor(frame, 0), frame // 3, False)
        if frame % 60 == 30:
            store.tick()
    assert 4 <= store.write_count - before <= 7
    stored = on_disk(db, "a")
    assert stored is not None and stored[0] >= 5 * 60 - 60  # at most a second behind


def test_a_tick_saves_the_position_the_reader_stopped_at(
    store: StateStore, db: Path, clock: FakeClock
) -> None:
    store.open_article(LIB, "a")
    store.update_position("a", Anchor(1, 0), 10, False)  # saved: the first in a while
    clock.now += 0.2
    store.update_position("a", Anchor(2, 0), 20, False)  # pending: the reader then stops
    store.tick()
    assert on_disk(db, "a") == (1, 0, 10, 10, False)  # too soon after the last write
    clock.now += 1.0
    store.tick()
    assert on_disk(db, "a") == (2, 0, 20, 20, False)  # the next tick: about a second later
    writes = store.write_count
    clock.now += 5
    store.tick()
    assert store.write_count == writes  # nothing pending: an idle tick writes nothing


def test_opening_another_article_saves_the_previous_ones_position_at_once(
    store: StateStore, db: Path, clock: FakeClock
) -> None:
    store.open_article(LIB, "a")
    store.update_position("a", Anchor(1, 0), 10, False)
    clock.now += 0.1
    store.update_position("a", Anchor(4, 7), 30, False)
    assert on_disk(db, "a") == (1, 0, 10, 10, False)
    writes = store.write_count
    store.open_article(LIB, "b")
    assert on_disk(db, "a") == (4, 7, 30, 30, False)
    assert store.write_count == writes + 1  # the position and the last article together
    assert store.last_article(LIB) == "b"


def test_flush_saves_now_and_close_saves_once(
    store: StateStore, db: Path, clock: FakeClock
) -> None:
    store.open_article(LIB, "a")
    store.update_position("a", Anchor(1, 0), 10, False)
    store.update_position("a", Anchor(2, 0), 20, False)
    store.flush()
    assert on_disk(db, "a") == (2, 0, 20, 20, False)
    writes = store.write_count
    store.flush()
    assert store.write_count == writes  # nothing pending, nothing written
    store.update_position("a", Anchor(3, 0), 30, False)
    store.close()
    assert on_disk(db, "a") == (3, 0, 30, 30, False)
    store.close()  # a second close is harmless


def test_the_default_save_interval_is_one_second() -> None:
    assert state.SAVE_INTERVAL == 1.0


# -- 2. signals and kill -9 -----------------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_saves_the_pending_position_then_exits_cleanly(db: Path, signum: int) -> None:
    child = start_child("hold", db)
    assert on_disk(db, "a") == (1, 0, 10, 10, False)  # the later position is only pending
    child.send_signal(signum)
    _, err = child.communicate(timeout=30)
    assert child.returncode == 0, err
    assert on_disk(db, "a") == (7, 3, 40, 40, False)


def test_without_the_handlers_a_signal_loses_the_pending_position(db: Path) -> None:
    child = start_child("hold", db, "--no-handlers")
    child.send_signal(signal.SIGTERM)
    child.communicate(timeout=30)
    assert child.returncode == -signal.SIGTERM
    assert on_disk(db, "a") == (1, 0, 10, 10, False)  # what the test above proves is saved


def test_a_signal_during_a_database_call_is_acted_on_when_the_call_is_over(
    store: StateStore, db: Path
) -> None:
    exits: list[str] = []
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)
    restore = install_signal_handlers(store, on_exit=lambda signum: exits.append("exit"))
    try:
        store.open_article(LIB, "a")
        store.update_position("a", Anchor(1, 0), 10, False)
        store.update_position("a", Anchor(2, 0), 20, False)
        with store._operation():  # as if a transaction were under way
            os.kill(os.getpid(), signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGHUP)  # a second signal while the first waits
            time.sleep(0.01)  # Python runs the handlers here, between bytecodes
            assert exits == []
            assert on_disk(db, "a") == (1, 0, 10, 10, False)
        assert exits == ["exit"]
        assert on_disk(db, "a") == (2, 0, 20, 20, False)
        store.update_position("a", Anchor(9, 0), 90, False)  # after closing: ignored
        assert store.position("a") is None
    finally:
        restore()
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)) == before


def _reports(path: Path) -> tuple[list[tuple[int, float]], list[int]]:
    """What a killed `loop` child said: positions passed to the store (with their clock
    time), and positions it saw committed. A line cut short by the kill is skipped."""
    updates: list[tuple[int, float]] = []
    committed: list[int] = []
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        parts = line.split()
        if len(parts) == 3 and parts[0] == "U":
            updates.append((int(parts[1]), float(parts[2])))
        elif len(parts) == 2 and parts[0] == "C":
            committed.append(int(parts[1]))
    return updates, committed


def _possible_blocks(
    updates: list[tuple[int, float]], interval: float, before: int | None
) -> set[int | None]:
    """The positions the debouncing rule says may be on disk after the last update."""
    saved: list[int | None] = [before]
    last_save = -math.inf
    for block, at in updates:
        if at - last_save >= interval:
            saved.append(block)
            last_save = at
    possible = {saved[-1]}
    if len(saved) > 1 and saved[-1] == updates[-1][0]:
        possible.add(saved[-2])  # killed while saving it
    return possible


def _kill_repeatedly(tmp_path: Path, stream: int, kills: int, interval: float) -> int:
    db = tmp_path / f"stream{stream}" / "state.sqlite3"
    rng = random.Random(stream)
    before: int | None = None
    for round_ in range(kills):
        report = tmp_path / f"stream{stream}-{round_}.txt"
        child = start_child("loop", db, report, interval)
        time.sleep(rng.uniform(0.0, 0.35))
        child.kill()
        child.communicate(timeout=30)
        updates, committed = _reports(report)

        store = StateStore.open(db)  # a killed writer leaves a store that opens, undamaged
        assert store.writable and store.take_notice() is None
        assert not [name for name in files_beside(db) if ".corrupt-" in name]
        saved = store.position("a")
        store.close()

        block = saved.anchor.block if saved else None
        assert block in _possible_blocks(updates, interval, before), (round_, block, updates[-3:])
        if committed:
            assert block is not None and block >= committed[-1]  # nothing committed is lost
        before = block
    return kills


def test_kill_9_at_random_moments_loses_at_most_the_last_interval(tmp_path: Path) -> None:
    streams, kills, interval = 3, 11, 0.1
    with ThreadPoolExecutor(streams) as pool:
        done = pool.map(lambda s: _kill_repeatedly(tmp_path, s, kills, interval), range(streams))
        assert sum(done) >= 30


def test_saved_articles_newest_first_unsaved_kept_out_and_by_library(db: Path) -> None:
    store = StateStore.open(db)
    for article_id, library in (("a", "one"), ("b", "two"), ("c", "one")):
        with_time = SavedArticle(article_id, library, "报", "2019-02-04", "第1版", article_id)
        store.save_article(with_time)
        time.sleep(0.01)  # distinct save times: the order is newest first
    store.unsave_article("b")
    assert [a.id for a in store.saved_articles()] == ["c", "a"]
    assert [a.id for a in store.saved_articles("one")] == ["c", "a"]
    assert store.saved_articles("two") == []
    store.save_article(SavedArticle("a", "one", "报", "2019-02-04", "第1版", "a"))  # again
    assert [a.id for a in store.saved_articles()] == ["a", "c"]
    store.close()


def test_marking_many_read_is_one_write_and_can_be_undone(db: Path) -> None:
    store = StateStore.open(db)
    writes = store.write_count
    store.mark_many_read([f"p{i}" for i in range(50)])
    assert store.write_count == writes + 1
    assert all(state.read for state in store.states([f"p{i}" for i in range(50)]).values())
    store.mark_many_read([f"p{i}" for i in range(10)], read=False)
    states = store.states([f"p{i}" for i in range(50)])
    assert sum(state.read for state in states.values()) == 40
    store.close()


# -- 3. two processes -----------------------------------------------------------------------


def test_two_processes_writing_at_once_lose_no_update(db: Path) -> None:
    n = 100
    marking = start_child("marks", db, n, stdin=subprocess.PIPE)
    moving = start_child("positions", db, n, stdin=subprocess.PIPE)
    for child in (marking, moving):
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    spans = []
    for child in (marking, moving):
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        began, ended, notice = out.split()
        assert notice == "None"  # no notice: every write reached the file
        spans.append((float(began), float(ended)))
    (a_began, a_ended), (b_began, b_ended) = spans
    assert a_began < b_ended and b_began < a_ended  # they really wrote at the same time

    store = StateStore.open(db)
    found = store.states([f"{kind}{i}" for kind in "abs" for i in range(n)])
    for i in range(n):
        assert found[f"a{i}"].read
        assert found[f"b{i}"].anchor == Anchor(i + 1, 2)
        both = found[f"s{i}"]  # a read mark from one process, a position from the other
        assert both.read and both.anchor == Anchor(i + 1, 2) and both.percent == 50
    assert store.last_article("library-a") == f"a{n - 1}"
    assert store.last_article("library-b") == f"s{n - 1}"
    saved = {article.id for article in store.saved_articles()}
    assert saved == {f"v{i}" for i in range(n)} | {f"w{i}" for i in range(0, n, 2)}
    store.close()


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGHUP])
def test_an_article_saved_is_kept_whatever_ends_the_process(db: Path, signum: int) -> None:
    child = start_child("save", db)  # it has said "ready": saved
    child.send_signal(signum)
    child.wait(10)
    store = StateStore.open(db)
    assert [(a.id, a.paper, a.title) for a in store.saved_articles()] == [
        ("k", "人民日报", "标题k")
    ]
    store.close()


# -- 4. damaged files -------------------------------------------------------------------------


def _real_store_bytes(tmp_path: Path) -> bytes:
    path = tmp_path / "good" / "state.sqlite3"
    store = StateStore.open(path)
    for n in range(400):
        store.mark_read(f"article-{n:04d}-{'x' * 40}")
    store.close()
    return path.read_bytes()


def _foreign_sqlite(path: Path, *pragmas: str, tables: tuple[str, ...] = ("t (x)",)) -> None:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        for pragma in pragmas:
            connection.execute(f"PRAGMA {pragma}")
        for table in tables:
            connection.execute(f"CREATE TABLE {table}")
        connection.commit()


DAMAGE = [
    "truncated",
    "cut-to-50-bytes",
    "garbage",
    "text",
    "foreign-sqlite",
    "missing-table",
    "schema-not-utf8",
    "column-name-not-utf8",
    "schema-version-zero",
    "schema-version-negative",
]

# Same-length patches of the schema text on page 1 that leave bytes that are not UTF-8. The
# first makes SQLite's error message quote them, which Python cannot decode (`PRAGMA
# quick_check` raises UnicodeDecodeError); the second parses, giving a column a name that is
# not UTF-8.
NOT_UTF8 = {
    "schema-not-utf8": (b"article (", b"article \xa9"),
    "column-name-not-utf8": (b"block INTEGER", b"bl\xffck INTEGER"),
}


def _patched_store_bytes(tmp_path: Path, damage: str) -> bytes:
    whole = _real_store_bytes(tmp_path)
    old, new = NOT_UTF8[damage]
    assert whole.count(old) == 1
    return whole.replace(old, new)


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_store_is_moved_aside_and_a_fresh_one_started(
    tmp_path: Path, db: Path, damage: str
) -> None:
    db.parent.mkdir(parents=True)
    if damage == "truncated":
        whole = _real_store_bytes(tmp_path)
        db.write_bytes(whole[: len(whole) // 2])
    elif damage == "cut-to-50-bytes":
        db.write_bytes(_real_store_bytes(tmp_path)[:50])
    elif damage == "garbage":
        db.write_bytes(random.Random(1).randbytes(10_000))
        Path(f"{db}-wal").write_bytes(b"an old log that must not reach the fresh store")
    elif damage == "text":
        db.write_text("这不是数据库\n" * 100, encoding="utf-8")
    elif damage == "foreign-sqlite":
        _foreign_sqlite(db)
    elif damage in NOT_UTF8:
        db.write_bytes(_patched_store_bytes(tmp_path, damage))
    elif damage.startswith("schema-version-"):  # user_version: bytes 60-63, big-endian
        whole = bytearray(_real_store_bytes(tmp_path))
        assert whole[60:64] == len(state.MIGRATIONS).to_bytes(4, "big")
        if damage == "schema-version-zero":
            whole[60:64] = bytes(4)
        else:
            whole[60] = 0x80
        db.write_bytes(whole)
    else:
        _foreign_sqlite(
            db,
            f"application_id = {state.APPLICATION_ID}",
            f"user_version = {len(state.MIGRATIONS)}",
            tables=("library (key, article_id, updated)",),
        )
    original = db.read_bytes()

    store = StateStore.open(db)
    notice = store.take_notice()
    asides = [name for name in files_beside(db) if ".corrupt-" in name]
    assert asides and asides[0].startswith("state.sqlite3.corrupt-")
    aside = db.with_name(asides[0])
    assert aside.read_bytes() == original  # kept, never deleted
    assert notice is not None and aside.name in notice and "\n" not in notice
    assert store.take_notice() is None  # said once
    if damage == "garbage":
        assert Path(f"{aside}-wal").exists()  # the old log went with it

    assert store.writable
    store.mark_read("a")
    store.close()
    assert on_disk(db, "a") == (-1, 0, 0, 0, True)
    reopened = StateStore.open(db)
    assert reopened.take_notice() is None
    reopened.close()


def test_a_schema_whose_error_message_is_not_utf8_is_damage(tmp_path: Path, db: Path) -> None:
    db.parent.mkdir(parents=True)
    db.write_bytes(_patched_store_bytes(tmp_path, "schema-not-utf8"))
    with (  # what the fix is about: not an sqlite3.Error
        contextlib.closing(sqlite3.connect(db)) as connection,
        pytest.raises(UnicodeDecodeError),
    ):
        connection.execute("PRAGMA quick_check")

    for launch in range(2):  # every later launch opens the fresh store, silently
        store = StateStore.open(db)
        notice = store.take_notice()
        store.mark_read("a")
        store.close()
        if launch == 0:
            assert notice is not None and "not UTF-8" in notice and "kept as" in notice
        else:
            assert notice is None
    asides = [name for name in files_beside(db) if ".corrupt-" in name]
    assert len([name for name in asides if not name.endswith(("-wal", "-shm"))]) == 1
    assert on_disk(db, "a") == (-1, 0, 0, 0, True)


def test_a_notice_quoting_the_files_text_carries_no_control_characters(
    tmp_path: Path, db: Path
) -> None:
    db.parent.mkdir(parents=True)
    whole = _real_store_bytes(tmp_path)
    db.write_bytes(whole.replace(b"article (", b"article \x1b", 1))  # SQLite quotes the ESC
    store = StateStore.open(db)
    notice = store.take_notice()
    store.close()
    assert notice is not None and "kept as" in notice
    assert not any(ch in notice for ch in TERMINAL_CONTROLS) and "\n" not in notice


def test_rows_whose_text_is_not_utf8_are_read_without_failing(db: Path) -> None:
    first = StateStore.open(db)
    first.mark_read("sound")
    first.close()
    bad_id = "CAST(x'e8afbbff41' AS TEXT)"  # 读, a stray byte, A

    def add_bad_rows() -> None:
        with contextlib.closing(sqlite3.connect(db)) as connection:
            connection.execute(
                f"INSERT OR REPLACE INTO article (id, is_read, updated) VALUES ({bad_id}, 1, 0)"
            )
            connection.execute(
                f"INSERT OR REPLACE INTO library (key, article_id, updated) "
                f"VALUES ('{LIB}', {bad_id}, 0)"
            )
            connection.commit()

    add_bad_rows()  # before the store opens: the file is sound, its rows are damaged
    store = StateStore.open(db)
    assert store.take_notice() is None and store.writable
    assert store.last_article(LIB) == "读\ufffdA"
    assert store.states(["sound", "读\ufffdA"]).keys() == {"sound"}  # the bad row matches nothing
    add_bad_rows()  # and while it is open
    assert store.last_article(LIB) == "读\ufffdA"
    store.mark_read("later")
    assert store.writable and store.take_notice() is None
    store.close()
    assert on_disk(db, "later") == (-1, 0, 0, 0, True)
    assert files_beside(db) == ["state.sqlite3"]


def test_a_directory_where_the_store_should_be_is_moved_aside(db: Path) -> None:
    db.mkdir(parents=True)
    (db / "inside.txt").write_text("kept")
    store = StateStore.open(db)
    notice = store.take_notice()
    (aside,) = [p for p in db.parent.iterdir() if ".corrupt-" in p.name]
    assert (aside / "inside.txt").read_text() == "kept"
    assert notice is not None and aside.name in notice
    store.mark_read("a")
    store.close()
    assert on_disk(db, "a") == (-1, 0, 0, 0, True)


def test_an_empty_file_is_taken_as_a_new_store(db: Path) -> None:
    db.parent.mkdir(parents=True)
    db.write_bytes(b"")
    store = StateStore.open(db)
    assert store.writable and store.take_notice() is None
    store.close()
    assert files_beside(db) == ["state.sqlite3"]


def test_an_older_schema_is_migrated_keeping_its_data(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = StateStore.open(db)
    old.open_article(LIB, "x")
    old.update_position("x", Anchor(4, 2), 30, False)
    old.mark_read("y")
    old.close()
    later = (*state.MIGRATIONS, ("ALTER TABLE article ADD COLUMN note TEXT",))
    monkeypatch.setattr(state, "MIGRATIONS", later)

    store = StateStore.open(db)
    assert store.writable and store.take_notice() is None
    saved = store.position("x")
    assert saved is not None and saved.anchor == Anchor(4, 2) and saved.percent == 30
    assert store.states(["y"])["y"].read
    assert store.last_article(LIB) == "x"
    store.close()
    with contextlib.closing(sqlite3.connect(db)) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == len(later)
        columns = {row[1] for row in connection.execute("PRAGMA table_info(article)")}
    assert "note" in columns
    assert files_beside(db) == ["state.sqlite3"]  # migrated in place, nothing moved aside


# The tables each version of the schema had.
TABLES_OF_VERSION = {1: {"article", "library"}, 2: {"article", "library", "preference"}}


@pytest.mark.parametrize("version", sorted(TABLES_OF_VERSION))
def test_a_store_of_an_older_version_gains_the_new_tables_and_keeps_what_it_had(
    db: Path, monkeypatch: pytest.MonkeyPatch, version: int
) -> None:
    with monkeypatch.context() as patched:  # a store as an older dubao wrote it
        patched.setattr(state, "MIGRATIONS", state.MIGRATIONS[:version])
        tables = TABLES_OF_VERSION[version]
        patched.setattr(
            state,
            "REQUIRED_COLUMNS",
            {k: v for k, v in state.REQUIRED_COLUMNS.items() if k in tables},
        )
        old = StateStore.open(db)
        old.open_article(LIB, "x")
        old.update_position("x", Anchor(4, 2), 30, False)
        if version >= 2:
            old.set_preference("measure", "60")
        old.close()
    store = StateStore.open(db)
    assert store.take_notice() is None
    assert store.position("x") is not None and store.last_article(LIB) == "x"
    assert store.preference("measure") == ("60" if version >= 2 else None)
    assert store.saved_articles() == []
    store.set_preference("theme", "dubao-light")
    store.set_preference("theme", "dubao-16")
    store.save_article(SavedArticle("x", LIB, "人民日报", "2019-02-04", "第1版", "标题"))
    store.close()
    reopened = StateStore.open(db)
    assert reopened.preference("theme") == "dubao-16"
    assert [a.id for a in reopened.saved_articles()] == ["x"]
    reopened.close()


def test_a_store_from_a_newer_dubao_is_left_alone(db: Path) -> None:
    first = StateStore.open(db)
    first.mark_read("a")
    first.close()
    with contextlib.closing(sqlite3.connect(db)) as connection:
        connection.execute(f"PRAGMA user_version = {len(state.MIGRATIONS) + 1}")
        connection.commit()
    original = db.read_bytes()

    store = StateStore.open(db)
    notice = store.take_notice()
    assert notice is not None and "newer dubao" in notice and "will not be saved" in notice
    assert not store.writable
    store.mark_read("b")  # kept in memory for the session
    assert store.states(["b"])["b"].read
    store.close()
    assert db.read_bytes() == original  # the newer dubao finds its file as it left it
    assert not [name for name in files_beside(db) if ".corrupt-" in name]


# -- 5. unwritable -----------------------------------------------------------------------------


def test_a_data_directory_that_cannot_be_made_leaves_the_store_in_memory(
    private_dirs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = private_dirs / "not-a-directory"
    blocker.write_text("a file where the data directory should go")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))  # fails even for root

    store = StateStore.open()
    notice = store.take_notice()
    assert notice is not None and "will not be saved" in notice and "Not a directory" in notice
    assert not store.writable
    assert store.open_article(LIB, "a") is None
    store.update_position("a", Anchor(2, 5), 50, True)
    store.flush()
    store.mark_read("b")
    shown = store.position("a")
    assert shown is not None
    assert (shown.anchor, shown.percent, shown.max_percent, shown.read) == (
        Anchor(2, 5),
        50,
        50,
        True,
    )
    assert store.states(["a", "b"])["b"].read
    assert store.last_article(LIB) == "a"
    assert store.take_notice() is None  # said once
    store.close()
    assert blocker.read_text() == "a file where the data directory should go"


def test_a_full_disk_moves_the_store_into_memory_keeping_what_it_held(store: StateStore) -> None:
    for n in range(10):
        store.mark_read(f"old{n}")
    assert store._db is not None
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count = {pages}")  # the disk is now full

    for n in range(2000):
        store.mark_read(f"new{n}")
    assert not store.writable
    notice = store.take_notice()
    assert notice is not None and "full" in notice and "will not be saved" in notice
    found = store.states([f"old{n}" for n in range(10)] + [f"new{n}" for n in range(2000)])
    assert len(found) == 2010 and all(s.read for s in found.values())
    assert store.take_notice() is None


def test_a_read_only_store_is_still_read_and_changes_stay_in_memory(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = StateStore.open(db)
    first.open_article(LIB, "old")
    first.update_position("old", Anchor(6, 0), 66, False)
    first.close()
    original = db.read_bytes()

    def read_only(path: Path) -> sqlite3.Connection:
        uri = f"{path.absolute().as_uri()}?mode=ro"
        return sqlite3.connect(uri, uri=True, timeout=state.BUSY_TIMEOUT, isolation_level=None)

    monkeypatch.setattr(state, "_connect", read_only)
    store = StateStore.open(db)
    assert store.open_article(LIB, "new") is None  # the first write fails: into memory
    assert not store.writable
    notice = store.take_notice()
    assert notice is not None and "will not be saved" in notice and "readonly" in notice
    old = store.position("old")
    assert old is not None and old.anchor == Anchor(6, 0)
    store.update_position("new", Anchor(1, 1), 5, False)
    store.mark_read("new")
    assert store.states(["new"])["new"].read
    store.close()
    assert db.read_bytes() == original


def test_a_header_that_forbids_writing_leaves_a_session_that_still_keeps_positions(
    db: Path,
) -> None:
    first = StateStore.open(db)
    first.open_article(LIB, "old")
    first.update_position("old", Anchor(6, 0), 66, False)
    first.close()
    damaged = bytearray(db.read_bytes())
    damaged[18] = 130  # the file format's write version: above 2, SQLite opens it read-only
    db.write_bytes(damaged)

    store = StateStore.open(db)
    store.open_article(LIB, "new")  # the first write fails: into memory
    notice = store.take_notice()
    assert notice is not None and "will not be saved" in notice and not store.writable
    store.update_position("new", Anchor(7, 3), 40, False)
    store.flush()
    store.mark_read("other")
    kept = store.position("new")
    assert kept is not None and kept.anchor == Anchor(7, 3)  # memory takes the writes
    assert store.states(["other"])["other"].read
    old = store.position("old")
    assert old is not None and old.anchor == Anchor(6, 0)  # and holds what the file held
    assert store.last_article(LIB) == "new"
    store.close()
    assert db.read_bytes() == damaged


# -- 6. never a worse state over a better one ---------------------------------------------------


@pytest.fixture
def read_halfway(store: StateStore, clock: FakeClock) -> StateStore:
    """An article read to the middle, saved, then opened again."""
    store.open_article(LIB, "a")
    store.update_position("a", Anchor(5, 10), 60, False)
    store.open_article(LIB, "b")
    clock.now += 10
    saved = store.open_article(LIB, "a")
    assert saved is not None and saved.anchor == Anchor(5, 10)
    return store


def test_the_view_settling_after_opening_does_not_replace_the_stored_position(
    read_halfway: StateStore, db: Path, clock: FakeClock
) -> None:
    store = read_halfway
    writes = store.write_count
    store.update_position("a", Anchor(-1, 0), 20, False)  # laid out at the top first
    store.update_position("a", Anchor(5, 10), 60, False)  # then restored
    clock.now += 5
    store.tick()
    store.flush()
    assert store.write_count == writes
    assert on_disk(db, "a") == (5, 10, 60, 60, False)


def test_the_reader_going_back_to_the_top_is_saved(
    read_halfway: StateStore, db: Path, clock: FakeClock
) -> None:
    store = read_halfway
    store.update_position("a", Anchor(4, 0), 50, False)  # the reader scrolls up...
    store.update_position("a", Anchor(-1, 0), 20, False)  # ...to the top
    store.flush()
    assert on_disk(db, "a") == (-1, 0, 20, 60, False)  # furthest point kept


def test_furthest_point_and_read_mark_only_grow_until_the_reader_unmarks(
    store: StateStore, db: Path
) -> None:
    store.open_article(LIB, "a")
    store.update_position("a", Anchor(9, 0), 100, True)  # the end on screen: read
    store.update_position("a", Anchor(2, 0), 30, False)
    store.flush()
    assert on_disk(db, "a") == (2, 0, 30, 100, True)
    store.mark_read("a", False)
    assert on_disk(db, "a") == (2, 0, 30, 100, False)
    store.mark_read("a", True)
    assert on_disk(db, "a") == (2, 0, 30, 100, True)


def test_unmarking_at_the_end_sticks_until_the_end_is_seen_again(
    store: StateStore, db: Path, clock: FakeClock
) -> None:
    store.open_article(LIB, "a")
    store.update_position("a", Anchor(8, 0), 100, True)
    clock.now += 0.1
    store.update_position("a", Anchor(9, 0), 100, True)  # pending, at the end
    store.mark_read("a", False)
    store.flush()
    assert on_disk(db, "a") == (9, 0, 100, 100, False)
    store.update_position("a", Anchor(8, 5), 100, True)  # still at the end: stays unmarked
    store.flush()
    assert on_disk(db, "a") == (8, 5, 100, 100, False)
    store.update_position("a", Anchor(3, 0), 60, False)  # away from the end...
    store.update_position("a", Anchor(9, 0), 100, True)  # ...and back: read again
    store.flush()
    assert on_disk(db, "a") == (9, 0, 100, 100, True)


def test_positions_are_saved_only_for_the_article_shown_and_not_after_close(
    store: StateStore, db: Path
) -> None:
    store.update_position("a", Anchor(3, 0), 30, False)  # never opened
    store.flush()
    assert on_disk(db, "a") is None
    store.open_article(LIB, "b")
    store.update_position("a", Anchor(3, 0), 30, False)  # a late report about another one
    store.flush()
    assert on_disk(db, "a") is None
    store.update_position("b", Anchor(2, 0), 20, False)
    store.close()
    # What an `on_unmount` after the widgets are gone would report: ignored.
    store.update_position("b", Anchor(-1, 0), 0, False)
    store.mark_read("b", True)
    store.flush()
    store.close()
    assert on_disk(db, "b") == (2, 0, 20, 20, False)
    assert store.open_article(LIB, "c") is None and store.last_article(LIB) is None


# -- 7. private ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mask", [0o000, 0o022, 0o277], ids=oct)
def test_the_data_folder_and_the_store_are_private_whatever_the_umask(
    private_dirs: Path, mask: int
) -> None:
    (private_dirs / "data").mkdir()  # the platform's folder exists; dubao's does not
    with umask(mask):
        store = StateStore.open()
        store.mark_read("a")
        folder = store.path.parent
        assert mode(folder) == 0o700
        assert mode(store.path) == 0o600
        for journal in ("-wal", "-shm"):  # SQLite makes them while the store is open
            assert mode(Path(f"{store.path}{journal}")) == 0o600
        store.close()
    assert on_disk(store.path, "a") == (-1, 0, 0, 0, True)


def test_an_older_more_open_data_folder_and_store_of_dubaos_are_made_private(
    private_dirs: Path,
) -> None:
    first = StateStore.open()
    first.mark_read("a")
    first.close()
    folder = first.path.parent
    os.chmod(folder, 0o755)  # as an earlier dubao made them
    os.chmod(first.path, 0o644)
    Path(f"{first.path}-wal").write_bytes(b"")  # left by a killed process
    os.chmod(f"{first.path}-wal", 0o644)

    store = StateStore.open()
    assert store.take_notice() is None and store.writable
    assert store.states(["a"])["a"].read  # nothing lost
    assert mode(folder) == 0o700
    assert mode(store.path) == 0o600
    assert mode(Path(f"{store.path}-wal")) == 0o600
    store.close()


def test_a_folder_the_caller_chose_keeps_its_mode(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    os.chmod(folder, 0o755)
    store = StateStore.open(folder / "state.sqlite3")
    store.mark_read("a")
    store.close()
    assert mode(folder) == 0o755  # not dubao's folder: not dubao's to change
    assert mode(store.path) == 0o600  # the store is


def test_a_damaged_store_moved_aside_is_private(private_dirs: Path) -> None:
    db = state.default_path()
    db.parent.mkdir(parents=True)
    db.write_bytes(random.Random(2).randbytes(10_000))
    os.chmod(db, 0o644)
    Path(f"{db}-wal").write_bytes(b"an old log")
    os.chmod(f"{db}-wal", 0o644)

    store = StateStore.open()
    notice = store.take_notice()
    store.close()
    assert notice is not None and "kept as" in notice
    (aside,) = [
        p
        for p in db.parent.iterdir()
        if p.name.startswith("state.sqlite3.corrupt-") and not p.name.endswith(("-wal", "-shm"))
    ]
    assert mode(aside) == 0o600 and mode(Path(f"{aside}-wal")) == 0o600
    assert mode(db) == 0o600  # and the fresh store
