"""The search index in a process of its own (`tui.remote_index`): the same answers as an
index opened here, a clear "no" when it cannot open, no terminal, and no orphan."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tui import remote_index
from tui.folders import cache_folder
from tui.library import load_library
from tui.remote_index import NICENESS, RemoteIndex, SearchUnavailable
from tui.search import SearchIndex

from .conftest import ROOT, assert_ends_soon, write_archive

QUERIES = ["山西", "李静", "的 了", "消息", "十一月3日", "zzz", "太钢 福德士河"]


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return write_archive(tmp_path / "archive", 12)


def started(paths: list[str]) -> RemoteIndex:
    remote = RemoteIndex.start(paths)
    assert remote is not None
    return remote


def gone(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_the_search_process_answers_as_an_index_opened_here(archive: Path) -> None:
    remote = started([str(archive)])
    try:
        assert remote.wait_ready()
        here = SearchIndex.build(load_library([archive]))
        for query in QUERIES:
            theirs, ours = remote.search(query, limit=0), here.search(query, limit=0)
            assert theirs.total == ours.total, query
            assert theirs.hits == ours.hits, query
            for hit in ours.hits[:3]:
                assert remote.matches_in(hit.article_id, query) == here.matches_in(
                    hit.article_id, query
                )
        assert remote.search("山西").total > 0
    finally:
        remote.close()
    assert gone(remote._pid)
    with pytest.raises(SearchUnavailable):
        remote.search("山西")


def test_a_library_it_cannot_load_is_a_no_with_the_reason(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    notes: list[str] = []
    remote = started([str(empty)])
    assert not remote.wait_ready(notes.append)
    assert notes == [f"no readable pages in {empty}"]
    assert gone(remote._pid)


def test_a_search_process_that_died_is_unavailable(archive: Path) -> None:
    remote = started([str(archive)])
    assert remote.wait_ready()
    os.kill(remote._pid, signal.SIGKILL)
    with pytest.raises(SearchUnavailable):
        remote.search("山西")
    remote.close()  # again: nothing to do
    assert gone(remote._pid)


def test_the_search_process_leaves_the_terminal(archive: Path) -> None:
    remote = started([str(archive)])
    try:
        assert remote.wait_ready()
        assert os.getsid(remote._pid) == remote._pid != os.getsid(0)  # a session of its own
        for fd in (0, 1, 2):
            assert os.readlink(f"/proc/{remote._pid}/fd/{fd}") == os.devnull
    finally:
        remote.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_search_process_dies_with_the_reader(archive: Path) -> None:
    code = (
        "import sys, time; from tui.remote_index import RemoteIndex\n"
        f"r = RemoteIndex.start([{str(archive)!r}]); r.wait_ready()\n"
        "print(r._pid, flush=True); time.sleep(60)\n"
    )
    reader = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert reader.stdout is not None
    child = int(reader.stdout.readline())
    os.kill(child, 0)  # alive
    reader.kill()  # SIGKILL: no cleanup of its own
    reader.wait()
    assert_ends_soon(child, "the search process, its reader gone,")


async def wait_for(pilot, condition, what: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(200):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"never: {what}")


@pytest.mark.parametrize("works", [True, False])
async def test_the_reader_searches_through_it_or_else_here(
    archive: Path, works: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from textual.widgets import OptionList

    from tui.app import DubaoApp
    from tui.screens.search import SearchScreen
    from tui.settings import Settings

    # One that cannot load its library says so, and the reader opens the index itself.
    # Held as `dubao` holds it: it starts when the reader's first screen is up.
    monkeypatch.setattr(remote_index, "HELD_AT_MOST", 600.0)
    paths = [str(archive)] if works else [str(archive / "nothing-here")]
    remote = RemoteIndex.start(paths, held=True)
    assert remote is not None
    app = DubaoApp(
        paths=[str(archive)], searcher=remote, settings=Settings(theme="dubao-dark"), language="en"
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.index is not None, "an index")
        assert (app.index is remote) == works
        await pilot.press("slash", *"日的消息")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)
        assert str(app.screen.query_one("#search-status").render()) == "12 articles"
        results = app.screen.query_one(OptionList)
        assert results.option_count == 12
        first = results.get_option_at_index(0).id
        await pilot.press("enter")
        await pilot.pause()
        assert app.places[app.current].article.id == first
        assert app.places[app.current].article.title.endswith("日的消息")
        assert app.article_view.matches  # the matches came from the index too
    remote.close()


def test_a_held_search_process_starts_when_told(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remote_index, "HELD_AT_MOST", 600.0)
    remote = RemoteIndex.start([str(archive)], held=True)
    assert remote is not None
    try:
        time.sleep(1.5)  # the index of 12 pages would be built by then
        assert not list(cache_folder().glob("index-*"))
        remote.go()
        assert remote.wait_ready()
        assert list(cache_folder().glob("index-*"))
        remote.go()  # once more, late: not taken for a call
        assert remote.search("山西").total > 0
    finally:
        remote.close()


def test_the_search_process_gives_way_to_the_reader(archive: Path) -> None:
    remote = started([str(archive)])
    try:
        assert remote.wait_ready()
        assert os.getpriority(os.PRIO_PROCESS, remote._pid) == os.getpriority(
            os.PRIO_PROCESS, 0
        ) + min(NICENESS, 19 - os.getpriority(os.PRIO_PROCESS, 0))
    finally:
        remote.close()


QUIT_WHILE_BUSY = """
import asyncio, sys, threading
from tui.app import DubaoApp
from tui.settings import Settings

class Busy:  # a search process still building its index
    def go(self):
        pass

    def wait_ready(self, on_note=None):
        threading.Event().wait(600)
        return False

async def main():
    app = DubaoApp(paths=[sys.argv[1]], searcher=Busy(), settings=Settings(theme="dubao-dark"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("q")
    print("quit", flush=True)

asyncio.run(main())
"""


def test_quitting_does_not_wait_for_the_search_process(archive: Path) -> None:
    # The process itself must end: a thread left waiting must not keep it alive.
    out = subprocess.run(
        [sys.executable, "-c", QUIT_WHILE_BUSY, str(archive)],
        capture_output=True,
        text=True,
        timeout=120,  # far below the 600 s the search process would take
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "quit"


class FillingCache:
    """Pages whose count missing from the page cache goes down as `missing` says."""

    def __init__(self, missing: list[int]) -> None:
        self.missing = missing
        self.looks = 0

    def uncached(self) -> int:
        self.looks += 1
        return self.missing[min(self.looks, len(self.missing)) - 1]


@pytest.fixture
def quick_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remote_index, "WAIT_POLL", 0.01)
    monkeypatch.setattr(remote_index, "WAIT_STALL", 0.2)


def test_the_child_waits_while_the_reader_fills_the_page_cache(quick_waits: None) -> None:
    parent = os.getppid()
    filling = FillingCache([2000, 2000, 1500, 1500, 900, 400, 0])
    remote_index._let_the_reader_parse(filling, parent)  # type: ignore[arg-type]
    assert filling.looks == 7  # until none was missing
    few = FillingCache([remote_index.WAIT_MIN_PAGES - 1])
    remote_index._let_the_reader_parse(few, parent)  # type: ignore[arg-type]
    assert few.looks == 1  # few to parse: not worth waiting for


def test_the_child_stops_waiting_when_the_cache_stops_filling(quick_waits: None) -> None:
    stalled = FillingCache([2000, 1500, 1500])
    started = time.monotonic()
    remote_index._let_the_reader_parse(stalled, os.getppid())  # type: ignore[arg-type]
    assert 0.2 <= time.monotonic() - started < 5
    # Nor does it wait for a reader that is gone.
    orphan = FillingCache([2000])
    remote_index._let_the_reader_parse(orphan, os.getppid() + 1)  # type: ignore[arg-type]
    assert orphan.looks == 1


def test_with_no_page_cache_the_search_process_indexes_every_page(tmp_path: Path) -> None:
    """A cache folder that is a file (or read-only): the search process's loader reads
    ahead in a child of its own, and must not hand that work to its parent's spares."""
    archive = write_archive(tmp_path / "archive", 140)  # 280 pages: enough to read ahead
    folder = Path(os.environ["XDG_CACHE_HOME"]) / "dubao"
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("not a folder")
    remote = started([str(archive)])
    try:
        assert remote.wait_ready()
        here = SearchIndex.build(load_library([archive], cache=False))
        for query in ("山西", "消息"):
            assert remote.search(query, limit=0).total == here.search(query, limit=0).total
        assert remote.search("消息", limit=0).total >= 140  # each day has its own
    finally:
        remote.close()


def test_a_search_process_that_died_is_reaped_without_a_search(archive: Path) -> None:
    remote = started([str(archive)])
    assert remote.wait_ready()
    assert not remote.has_died()
    os.kill(remote._pid, signal.SIGKILL)
    for _ in range(200):
        if remote.has_died():
            break
        time.sleep(0.02)
    assert remote.has_died()
    assert gone(remote._pid)  # reaped: no zombie
    with pytest.raises(SearchUnavailable):
        remote.search("山西")
