"""Ending the reader at any moment of a cold load: it exits, and every process it started
ends with it. The real reader loads a generated archive large enough to be read ahead by a
worker and to have its index built by another; it is quit right after its first screen,
during the read-ahead, during the index build and once a search answers, and it is hung up
on and terminated during the index build.

A worker is ended, not waited for. The time that takes is not asserted here (the goal is
1 s: tests/benchmarks/quit_during_load.py measures it); the bound of EXIT_BOUND seconds
only catches a reader that waits for its workers' work, made to last longer than that:
the read-ahead's worker takes SLOW_PAGE seconds a page (WORKER_HOOK, in the forkserver's
workers only), and an index build cut short leaves no index file."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.benchmarks.quit_during_load import (
    HEIGHT,
    READ_AHEAD,
    WIDTH,
    Ending,
    Watch,
    end_reader,
)

from .dubao_term import showing, user_dirs
from .test_forks import newest_masthead, write_days
from .tmux import Tmux

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")

# 2,000 pages, ~11,000 articles: the oldest ~1,000 pages are read ahead by a worker
# (READ_AHEAD_MIN), the index is built by another (searcher.ELSEWHERE_MIN).
DAYS = 1000
# The machine is shared and has 2 cores: an exit takes a fraction of a second alone, and
# seconds beside other tests. A reader that waited for its workers would take far longer.
EXIT_BOUND = 10.0  # seconds after the key or signal
ENDED_BOUND = 10.0  # seconds after the reader's exit, for every process it started
SLOW_PAGE = 0.05  # seconds: ~1,000 pages read ahead take ~50 s, far beyond EXIT_BOUND
# Run at the start of every Python process given DUBAO_TEST_SLOW_PAGE: in a process the
# forkserver forks (a worker), every page is parsed that many seconds late, and the
# worker's pid written to the file DUBAO_TEST_SLOW_LOG names as it starts on each.
WORKER_HOOK = """\
import os


def _slow_pages():
    import time

    import tui.library

    read_page = tui.library.read_page

    def slowly(path):
        with open(os.environ["DUBAO_TEST_SLOW_LOG"], "a") as log:
            log.write(f"{os.getpid()}\\n")
        time.sleep(float(os.environ["DUBAO_TEST_SLOW_PAGE"]))
        return read_page(path)

    tui.library.read_page = slowly


if os.environ.get("DUBAO_TEST_SLOW_PAGE"):
    os.register_at_fork(after_in_child=_slow_pages)
"""
READER = [sys.executable, "-m", "tui"]
ANSWERED = re.compile(r"\b\d+ articles\b")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_days(tmp_path_factory.mktemp("quit") / "archive", DAYS)


@pytest.fixture
def slow_read_ahead(tmp_path: Path) -> dict[str, str]:
    """The environment in which the read-ahead's worker parses each page SLOW_PAGE s late."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(WORKER_HOOK, encoding="utf-8")
    return {
        "PYTHONPATH": str(site),
        "DUBAO_TEST_SLOW_PAGE": str(SLOW_PAGE),
        "DUBAO_TEST_SLOW_LOG": str(tmp_path / "slowed.log"),
    }


class Reader:
    """The reader in a terminal of its own, started cold with `start`, its processes
    watched."""

    def __init__(self, term: Tmux, archive: Path, env: dict[str, str]) -> None:
        self.term = term
        self.archive = archive
        self.env = env
        self.watch: Watch | None = None

    def start(self) -> Watch:
        """Started, its first screen up."""
        self.term.respawn([*READER, str(self.archive)], env=self.env)
        self.watch = Watch(self.term.pane_pid())
        self.term.wait_for(showing(newest_masthead(DAYS), "建设平安山西"), timeout=30)
        return self.watch

    def end(self, how: str) -> Ending:
        """Ended by `q` or the signal `how` names; every process it started followed out."""
        assert self.watch is not None
        return end_reader(
            self.term,
            self.watch,
            how,
            cache=self.env["XDG_CACHE_HOME"],
            exit_timeout=EXIT_BOUND,
            grace=ENDED_BOUND,
            left_wait=ENDED_BOUND,
        )

    def index_files(self) -> list[Path]:
        return sorted(Path(self.env["XDG_CACHE_HOME"]).rglob("index-*.bin"))


@pytest.fixture
def reader(archive: Path, home: Path) -> Iterator[Reader]:
    with Tmux(["true"], WIDTH, HEIGHT, socket_dir=home) as term:
        term.wait_for_exit()
        reader = Reader(term, archive, user_dirs(home))
        try:
            yield reader
        finally:
            if reader.watch is not None:
                reader.watch.stop()


def assert_ended(ending: Ending, how: str) -> None:
    where = f"{how} at {ending.phase}"
    assert ending.exit_s is not None, f"{where}: the reader was still running {EXIT_BOUND} s on"
    assert ending.leftovers == [], f"{where}: left {ending.leftovers}"
    assert ending.status == 0, where
    assert not ending.traceback, f"{where}:\n{ending.screen}"


def test_q_right_after_the_first_screen(reader: Reader) -> None:
    reader.start()
    assert_ended(reader.end("q"), "q")


def test_q_while_the_worker_reads_ahead_ends_it(
    reader: Reader, slow_read_ahead: dict[str, str]
) -> None:
    reader.env.update(slow_read_ahead)
    watch = reader.start()
    watch.wait_for("read-ahead", timeout=30)
    worker = watch.worker(READ_AHEAD)
    assert worker is not None
    log = Path(slow_read_ahead["DUBAO_TEST_SLOW_LOG"])
    deadline = time.monotonic() + 30
    while str(worker.pid) not in (log.read_text().split() if log.exists() else []):
        assert time.monotonic() < deadline, "the read-ahead's worker parsed no page slowly"
        time.sleep(0.01)
    ending = reader.end("q")  # with ~50 s of work left
    assert ending.phase == "read-ahead"
    assert_ended(ending, "q")


@pytest.mark.parametrize("how", ["q", "SIGHUP", "SIGTERM"])
def test_ending_the_reader_while_the_index_is_built_ends_the_build(
    reader: Reader, how: str
) -> None:
    reader.start().wait_for("index build", timeout=60)
    ending = reader.end(how)
    assert ending.phase == "index build"
    assert_ended(ending, how)
    assert reader.index_files() == []  # the build was cut short, not waited for


def test_q_once_a_search_answers(reader: Reader) -> None:
    reader.start().wait_for("index built", timeout=60)
    term = reader.term
    term.send("/")
    term.wait_for("Search:")
    term.send("2月29日的消息", literal=True)
    term.wait_for(lambda screen: ANSWERED.search(screen) is not None, timeout=30)
    term.send("Escape")
    term.wait_for(lambda screen: "2月29日的消息" not in screen)
    ending = reader.end("q")
    assert ending.phase == "index built"
    assert_ended(ending, "q")
    assert len(reader.index_files()) == 1  # what a build not cut short leaves
