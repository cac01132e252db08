"""The search index built in a worker process (`tui.background.indexer`): the same index as one
built here, saved where readers find it, and no process left once it is built or cancelled."""

from __future__ import annotations

import multiprocessing.forkserver
import os
import sys
import threading
import time
from pathlib import Path

import pytest

import tui.background.pool
from tui.background.indexer import Built, build
from tui.background.pool import Worker
from tui.library import Pages, load_library
from tui.search import build as build_module
from tui.search import open_cached_index, open_index, open_stored_index

from .conftest import write_archive
from .test_forks import assert_all_end, family

QUERIES = ["山西", "李静", "的 了", "消息", "zzz"]
WAIT = 60.0  # seconds: a build of six small pages takes well under one


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return write_archive(tmp_path / "archive", 6)


def refuse(*_: object, **__: object) -> None:
    raise AssertionError("built in the test's process")


def workers_alive() -> set[int]:
    """The processes the forkserver started that still run."""
    server = multiprocessing.forkserver._forkserver._forkserver_pid
    alive = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if server is not None and int(fields[1]) == server and fields[0] != "Z":
                alive.add(int(entry))
    return alive


def assert_no_worker_soon() -> None:
    deadline = time.monotonic() + 10
    while workers_alive():
        assert time.monotonic() < deadline, f"workers still running: {workers_alive()}"
        time.sleep(0.05)


def test_an_index_built_in_a_worker_answers_as_one_built_here(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = load_library([archive])
    # Building here fails; the worker, a process started afresh, is not patched.
    monkeypatch.setattr(build_module, "build_entries", refuse)
    started = Worker.run(build, [str(archive)])
    assert started is not None
    assert started[1].result(WAIT) == Built(saved=True, notes=[])
    stored = open_stored_index(Pages([archive]))
    cached = open_cached_index(library)
    assert stored is not None and cached is not None
    monkeypatch.undo()
    here = open_index(library, cache=False)
    for query in QUERIES:
        expected = here.search(query, limit=0).hits
        assert stored.search(query, limit=0).hits == expected, query
        assert cached.search(query, limit=0).hits == expected, query
    assert_no_worker_soon()  # one build per worker


def test_a_library_given_whole_is_sent_to_the_worker(archive: Path) -> None:
    library = load_library([archive], cache=False)
    here = open_index(library, cache=False)
    started = Worker.run(build, library)
    assert started is not None
    assert started[1].result(WAIT).saved
    cached = open_cached_index(library)
    assert cached is not None
    for query in QUERIES:
        assert cached.search(query, limit=0).hits == here.search(query, limit=0).hits, query


def test_the_builds_progress_comes_as_it_goes_and_ends_with_the_worker(archive: Path) -> None:
    started = Worker.run(build, [str(archive)], progress=True)
    assert started is not None
    worker, future = started
    reports: list[tuple[int, int]] = []
    follower = threading.Thread(target=lambda: reports.extend(worker.progress()))
    follower.start()
    assert future.result(WAIT).saved
    follower.join(WAIT)
    assert not follower.is_alive()  # the worker ended: so did its progress
    done = [d for d, _ in reports]
    assert len(reports) > 2 and done == sorted(done)
    assert reports[-1][0] == reports[-1][1] > 0  # the last pass, whole


def test_a_worker_started_without_progress_reports_nothing(archive: Path) -> None:
    worker = Worker.start("tui.background.indexer")
    assert worker is not None
    try:
        assert worker.submit(tui.background.pool.report, 1, 2).result(WAIT) is None
        assert list(worker.progress()) == []
    finally:
        worker.cancel()


def test_a_cancelled_build_leaves_no_process(archive: Path) -> None:
    started = Worker.run(build, [str(archive)])
    assert started is not None
    worker, future = started
    worker.cancel()
    with pytest.raises(Exception):  # noqa: B017 - cancelled, or the worker broke
        future.result(WAIT)
    assert_no_worker_soon()


def test_without_a_forkserver_there_is_no_build(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_forkserver(method: str) -> None:
        raise ValueError(f"cannot find context for {method!r}")

    monkeypatch.setattr(tui.background.pool.multiprocessing, "get_context", no_forkserver)
    assert Worker.run(build, [str(archive)]) is None


def build_telling_modules(paths: list[str]) -> tuple[Built, list[str]]:
    """In a worker: `build`, and which of jieba and pypinyin its process loaded."""
    built = build(paths)
    return built, [name for name in ("jieba", "pypinyin") if name in sys.modules]


def test_the_headers_part_is_made_by_a_worker_of_the_builds_own(archive: Path) -> None:
    started = Worker.run(build_telling_modules, [str(archive)])
    assert started is not None
    built, loaded = started[1].result(WAIT)
    assert built.saved and loaded == []  # the titles' words and pinyin: made elsewhere
    stored = open_stored_index(Pages([archive]))
    here = open_index(load_library([archive]), cache=False)
    assert stored is not None
    for query in [*QUERIES, "shanxi", "sx"]:  # pinyin: 山西, in the seed page's headlines
        assert stored.search(query, limit=0).hits == here.search(query, limit=0).hits, query
    assert here.search("sx", limit=0).total > 0
    assert_no_worker_soon()


def test_a_build_cancelled_while_its_headers_worker_runs_leaves_no_process(
    tmp_path: Path,
) -> None:
    archive = write_archive(tmp_path / "archive", 30)  # 30 days: seconds of headers' work
    started = Worker.run(build, [str(archive)])
    assert started is not None
    worker, future = started
    deadline = time.monotonic() + WAIT
    while True:  # the build's worker, its forkserver and the headers' worker
        builders = workers_alive()
        processes = set().union(*(family(pid) for pid in builders))
        if len(processes) >= 3:
            break
        assert time.monotonic() < deadline and not future.done(), "no headers' worker was seen"
        time.sleep(0.01)
    worker.cancel()
    assert_all_end(processes, "after the build was cancelled")
