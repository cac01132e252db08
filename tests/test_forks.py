"""No `os.fork()` while other threads run (issue 16): a child forked then may inherit a lock
held by a thread it does not have, and hang. A large library is loaded as the reader loads
it, in the loader's thread while other threads run, its oldest pages read ahead by a
worker process; then the real reader, every Python process of which logs its forks, starts
cold (its index built by a worker) and warm, quits, and is hung up on: no fork with other
threads running, no process left."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import tui.background.readahead
import tui.library
from tui.background.loader import Loader
from tui.background.readahead import ReadAhead
from tui.core.i18n import Strings
from tui.library import load_library, read_page

from .conftest import SEED
from .dubao_term import showing, user_dirs
from .test_cache import assert_same
from .test_loader import Heard
from .tmux import Tmux, pid_alive

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")

FIRST_DAY = dt.date(2023, 1, 1)
# Run at the start of every Python process (the reader, the forkserver, its workers): the
# fork log's lines are the forking process's pid, then how many threads it ran.
SITECUSTOMIZE = """\
import os, threading

def log_fork():
    with open(os.environ["DUBAO_FORK_LOG"], "a") as log:
        log.write(f"{os.getpid()} {threading.active_count()}\\n")

if os.environ.get("DUBAO_FORK_LOG"):
    os.register_at_fork(before=log_fork)
"""

_recording: list[list[int]] = []  # while a test runs: the thread counts of its forks
_hooked: list[bool] = []


def _record_fork() -> None:
    if _recording:
        _recording[-1].append(threading.active_count())


@pytest.fixture
def forks() -> Iterator[list[int]]:
    """How many threads ran at each `os.fork()` of this process during the test."""
    if not _hooked:  # a hook cannot be taken back: it records only while a test asks
        os.register_at_fork(before=_record_fork)
        _hooked.append(True)
    _recording.append([])
    try:
        yield _recording[-1]
    finally:
        _recording.clear()


def write_days(root: Path, days: int) -> Path:
    """`days` daily issues from FIRST_DAY: the seed page, then a one-article page."""
    for n in range(days):
        day = FIRST_DAY + dt.timedelta(days=n)
        folder = root / day.isoformat()
        folder.mkdir(parents=True)
        shutil.copy(SEED, folder / "01_要闻.md")
        text = f"## {day.month}月{day.day}日的消息\n\n正文。\n"
        (folder / "02_综合.md").write_text(text, encoding="utf-8")
    return root


def newest_masthead(days: int) -> str:
    return f"dubao · {Strings('en').day(FIRST_DAY + dt.timedelta(days=days - 1))} · 第1版 要闻"


def test_a_cold_load_in_the_loader_thread_forks_nothing_and_reads_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forks: list[int]
) -> None:
    root = write_days(tmp_path / "archive", 160)  # 320 pages, none in the page cache yet
    expected = load_library([root], cache=False, bodies=False)
    here = os.getpid()
    parsed_here: list[str] = []

    def counting(path: str) -> object:
        if os.getpid() == here:
            parsed_here.append(path)
        return read_page(path)

    started: list[ReadAhead] = []
    start = ReadAhead.start

    def recorded(paths: list[str], read: tui.background.readahead.Read) -> ReadAhead | None:
        ahead = start(paths, read)
        started.extend([ahead] if ahead is not None else [])
        return ahead

    monkeypatch.setattr(tui.library, "read_page", counting)
    monkeypatch.setattr(ReadAhead, "start", recorded)
    forks.clear()
    quiet = threading.Event()
    other = threading.Thread(target=quiet.wait, name="another", daemon=True)
    other.start()  # as Textual's threads run beside the reader's loader
    try:
        loader = Loader.start([str(root)])
        assert loader.first(timeout=20) is not None
        heard = Heard()
        loader.attach(heard)
        assert heard.done_event.wait(60)
    finally:
        quiet.set()
    assert [threads for threads in forks if threads > 1] == []
    assert len(started) == 1  # the worker read the oldest pages: not this process
    uncached = 320 - tui.library.FIRST_CACHE_PART
    assert len(parsed_here) == 320 - int(uncached * tui.library.READ_AHEAD_SHARE)
    done = [event.value for event in heard.events if event.kind == "done"]
    assert len(done) == 1 and done[0] is not None
    assert_same(done[0], expected)


# ---------------------------------------------------------------------------
# The real reader in tmux
# ---------------------------------------------------------------------------


def _parents() -> dict[int, int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
    return parents


def family(pid: int) -> set[int]:
    """`pid` and every process under it."""
    parents = _parents()
    found, newest = {pid}, {pid}
    while newest:
        newest = {child for child, parent in parents.items() if parent in newest} - found
        found |= newest
    return found


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def read_ahead_worker(reader: int) -> int | None:
    """The read-ahead's worker under `reader`, while there is one: a child of the
    forkserver."""
    servers = {pid for pid in family(reader) if b"multiprocessing.forkserver" in _command_line(pid)}
    workers = [child for child, parent in _parents().items() if parent in servers]
    return workers[0] if workers else None


def assert_all_end(pids: set[int], what: str, timeout: float = 10.0) -> None:
    """Fail unless every process of `pids` ends within `timeout` seconds (an exited one
    not reaped yet by whoever inherited it counts as ended)."""
    deadline = time.monotonic() + timeout
    running = sorted(pid for pid in pids if pid_alive(pid))
    while running and time.monotonic() < deadline:
        time.sleep(0.05)
        running = [pid for pid in running if pid_alive(pid)]
    assert running == [], f"{what}: still running: {running}"


def fork_log(path: Path) -> list[tuple[int, int]]:
    """(pid, threads) for each fork the wrapper logged."""
    lines = path.read_text().split() if path.exists() else []
    return [(int(pid), int(threads)) for pid, threads in zip(lines[::2], lines[1::2], strict=True)]


@pytest.fixture
def logging_forks(tmp_path: Path) -> dict[str, str]:
    """The environment under which every Python process logs its forks to the file
    DUBAO_FORK_LOG names."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    return {"PYTHONPATH": str(site), "DUBAO_FORK_LOG": str(tmp_path / "forks.log")}


READER = [sys.executable, "-m", "tui"]


def test_cold_and_warm_the_reader_forks_no_thread_and_q_leaves_no_process(
    home: Path, tmp_path: Path, logging_forks: dict[str, str]
) -> None:
    days = 200  # 2,400 articles: the index is built by a worker (`searcher.ELSEWHERE_MIN`)
    root = write_days(tmp_path / "archive", days)
    log = Path(logging_forks["DUBAO_FORK_LOG"])
    env = {**user_dirs(home), **logging_forks}
    command = [*READER, str(root)]
    with Tmux(command, 100, 30, env=env, socket_dir=home) as term:
        for start in ("cold", "warm"):
            if start == "warm":
                log.unlink()
                term.respawn(command, env=env)
            term.wait_for(showing(newest_masthead(days), "建设平安山西"), timeout=30)
            # Loading is over: the progress bar is gone.
            term.wait_for(lambda screen: "Article 1 of 10" in screen and "━" not in screen)
            term.send("/")
            term.wait_for(lambda screen: "Search:" in screen)
            term.send("5月1日的消息", literal=True)
            term.wait_for(lambda screen: "1 article" in screen, timeout=60)
            processes = family(term.pane_pid())
            term.send("Escape")
            term.wait_for(lambda screen: "5月1日的消息" not in screen)
            term.send("q")
            assert term.wait_for_exit(10) == 0, start
            assert_all_end(processes, f"the {start} start")
            forked = fork_log(log)
            if start == "cold":  # the forkserver forked the read-ahead's and the index's workers
                assert len(forked) >= 2, forked
            assert [(pid, n) for pid, n in forked if n > 1] == [], start
        assert "Traceback" not in term.screen()


@pytest.mark.parametrize("end", ["q", "SIGHUP"])
def test_ending_the_reader_while_the_worker_reads_leaves_no_process(
    home: Path, tmp_path: Path, logging_forks: dict[str, str], end: str
) -> None:
    days = 1000  # 2,000 pages: the worker is still reading when the first screen is up
    root = write_days(tmp_path / "archive", days)
    log = Path(logging_forks["DUBAO_FORK_LOG"])
    env = {**user_dirs(home), **logging_forks}
    with Tmux([*READER, str(root)], 100, 30, env=env, socket_dir=home) as term:
        term.wait_for(newest_masthead(days), timeout=30)
        reader = term.pane_pid()
        deadline = time.monotonic() + 30
        while read_ahead_worker(reader) is None:
            assert time.monotonic() < deadline, "no read-ahead worker was seen"
            time.sleep(0.01)
        processes = family(reader)
        if end == "q":
            term.send("q")
        else:
            os.kill(reader, signal.SIGHUP)  # what a dropped SSH link delivers
        assert term.wait_for_exit(10) == 0
        assert_all_end(processes, f"after {end}")
    assert [(pid, n) for pid, n in fork_log(log) if n > 1] == []
