"""A large library's oldest pages parsed by a worker process (`tui.background.readahead`): the
library, its problems and the page cache are what reading every page here gives; the worker
ends when it is cancelled, when the interpreter exits and when this process is killed."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import tui.background.readahead
import tui.library
from tui.background.readahead import ReadAhead
from tui.core.model import Library
from tui.library import load_library, read_page

from .conftest import ROOT, SEED, assert_ends_soon, loaded
from .test_cache import BRIEFS, PHOTO, assert_same, cached_paths, touch, write

DAYS = [f"2025-11-{day:02}" for day in range(1, 13)]
FIRST = 2  # pages read before the worker starts


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """Twelve issues of two pages, and two pages that cannot be read in the oldest ones."""
    root = tmp_path / "archive"
    for day in DAYS:
        write(root / day / "02_综合.md", f"{PHOTO}\n## {day} 的消息\n\n{BRIEFS}")
        shutil.copy(SEED, root / day / "01_要闻.md")
    (root / DAYS[0] / "03_坏.md").write_bytes(b"\x00\x01\x02\xff" * 64)
    write(root / DAYS[1] / "04_空.md", "   \n\n")
    return root


@pytest.fixture
def parsed_here(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The pages this process parses; the ones the worker parses are not in it."""
    seen: list[str] = []
    pid = os.getpid()

    def counting(path: str) -> object:
        if os.getpid() == pid:
            seen.append(path)
        return read_page(path)

    monkeypatch.setattr(tui.library, "read_page", counting)
    return seen


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A 1 for each read-ahead whose worker started."""
    started: list[int] = []
    start = ReadAhead.start

    def counted(paths: list[str], read: tui.background.readahead.Read) -> ReadAhead | None:
        ahead = start(paths, read)
        if ahead is not None:
            started.append(1)
        return ahead

    monkeypatch.setattr(ReadAhead, "start", counted)
    monkeypatch.setattr(tui.library, "READ_AHEAD_MIN", 4)
    monkeypatch.setattr(tui.library, "FIRST_CACHE_PART", FIRST)  # then the worker starts
    return started


def read_alone(root: Path, monkeypatch: pytest.MonkeyPatch) -> Library:
    with monkeypatch.context() as patch:
        patch.setattr(tui.library, "READ_AHEAD_MIN", 10**9)
        return load_library([root], cache=False)


def test_pages_read_ahead_make_the_library_read_here(
    archive: Path, monkeypatch: pytest.MonkeyPatch, workers: list[int], parsed_here: list[str]
) -> None:
    expected = read_alone(archive, monkeypatch)
    parsed_here.clear()
    library = load_library([archive], cache=False)
    assert workers == [1]
    assert_same(library, expected)
    assert library.problems == expected.problems and len(library.problems) == 2
    pages = 2 * len(DAYS) + 2
    worker_share = int((pages - FIRST) * tui.library.READ_AHEAD_SHARE)
    assert len(parsed_here) == pages - worker_share  # the newest ones
    assert all(DAYS[-1] in path for path in parsed_here[:2])


def test_the_page_cache_keeps_what_the_worker_read(
    archive: Path, monkeypatch: pytest.MonkeyPatch, workers: list[int], parsed_here: list[str]
) -> None:
    expected = read_alone(archive, monkeypatch)
    cold = load_library([archive])
    assert workers == [1]
    assert_same(cold, expected)
    assert len(cached_paths()) == 2 * len(DAYS)  # not the two unreadable pages
    parsed_here.clear()
    warm = load_library([archive])
    assert workers == [1]  # two pages to read, fewer than READ_AHEAD_MIN: no worker
    assert sorted(Path(p).name for p in parsed_here) == ["03_坏.md", "04_空.md"]
    assert_same(warm, expected)
    assert warm.problems == expected.problems


def test_only_the_pages_not_in_the_cache_are_read_ahead(
    archive: Path, monkeypatch: pytest.MonkeyPatch, workers: list[int], parsed_here: list[str]
) -> None:
    load_library([archive])
    changed = [archive / day / "02_综合.md" for day in [*DAYS[:6], DAYS[-1]]]
    for path in changed:
        touch(path, f"## 改过的 {path.parent.name}\n\n新的正文。\n")
    parsed_here.clear()
    library = load_library([archive])
    assert workers == [1, 1]
    # A newest page changed: the pages not in the cache are looked for. Of the six older
    # changed ones and the two unreadable ones, the worker took the oldest.
    assert len(parsed_here) == 1 + 8 - int(8 * tui.library.READ_AHEAD_SHARE)
    assert_same(library, read_alone(archive, monkeypatch))
    assert "改过的 2025-11-01" in [a.title for a in library.articles()]


def test_with_the_newest_pages_in_the_cache_the_others_are_read_here(
    archive: Path, monkeypatch: pytest.MonkeyPatch, workers: list[int], parsed_here: list[str]
) -> None:
    load_library([archive])
    for path in [archive / day / "02_综合.md" for day in DAYS[:6]]:
        touch(path, f"## 改过的 {path.parent.name}\n\n新的正文。\n")
    parsed_here.clear()
    library = load_library([archive])
    assert workers == [1]  # the cold load's: not worth looking for the few changed ones
    assert len(parsed_here) == 6 + 2
    assert_same(library, read_alone(archive, monkeypatch))


def failing_read(path: str) -> None:
    raise RuntimeError(f"a bug reading {path}")


def dying_read(path: str) -> None:
    os._exit(1)


def worker_pid(path: str) -> str:
    """The pid of the process that reads, as though it were why the page cannot be read."""
    return str(os.getpid())


def blocking_read(path: str) -> None:
    """Write the reading process's pid to `path`, then never end."""
    Path(f"{path}.part").write_text(str(os.getpid()))
    os.replace(f"{path}.part", path)
    time.sleep(3600)


def pid_in(path: Path, timeout: float = 20.0) -> int:
    """The pid `blocking_read` wrote to `path`, once it has."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, "the worker never read its page"
        time.sleep(0.02)
    return int(path.read_text())


def test_without_a_worker_every_page_is_read_here(
    archive: Path, monkeypatch: pytest.MonkeyPatch, parsed_here: list[str]
) -> None:
    expected = read_alone(archive, monkeypatch)
    monkeypatch.setattr(tui.library, "READ_AHEAD_MIN", 4)
    monkeypatch.setattr(tui.library, "FIRST_CACHE_PART", FIRST)

    def no_forkserver(method: str) -> None:
        raise ValueError(f"cannot find context for {method!r}")

    for failing in (no_forkserver, failing_read, dying_read):
        with monkeypatch.context() as patch:
            if failing is no_forkserver:
                patch.setattr(tui.background.pool.multiprocessing, "get_context", no_forkserver)
            else:
                patch.setattr(tui.library, "_read_encoded", failing)  # sent to the worker
            parsed_here.clear()
            library = load_library([archive], cache=False)
        assert_same(library, expected)
        assert library.problems == expected.problems
        assert len(parsed_here) == 2 * len(DAYS) + 2


def test_a_page_the_worker_was_not_given_is_not_taken(archive: Path) -> None:
    page = str(archive / DAYS[0] / "01_要闻.md")
    ahead = ReadAhead.start([page], tui.library._read_encoded)
    assert ahead is not None
    assert ahead.take(str(archive / DAYS[1] / "01_要闻.md")) is None
    taken = ahead.take(page)
    assert taken is not None and not isinstance(taken, str)
    assert taken[0] == read_page(page)
    assert ahead.take(page) is None  # taken once


def test_the_pages_are_read_in_another_process_which_ends_after_the_last(
    tmp_path: Path,
) -> None:
    paths = [str(tmp_path / f"{n:02}.md") for n in range(3 * tui.background.readahead.CHUNKS)]
    ahead = ReadAhead.start(paths, worker_pid)
    assert ahead is not None
    pids = {ahead.take(path) for path in paths}
    assert len(pids) == 1 and None not in pids  # one worker read every chunk
    worker = int(pids.pop())  # type: ignore[arg-type]
    assert worker != os.getpid()
    assert_ends_soon(worker, "the worker")


def test_cancel_stops_the_worker(tmp_path: Path) -> None:
    page = tmp_path / "pid"
    ahead = ReadAhead.start([str(page)], blocking_read)
    assert ahead is not None
    worker = pid_in(page)
    ahead.cancel()
    assert_ends_soon(worker, "the worker")
    assert ahead.take(str(page)) is None  # read it here
    ahead.cancel()


# Textual's stand-in for sys.stderr, which a reader's window installs: no file descriptor.
UNDER_A_WINDOW = """
import io, sys
import multiprocessing.synchronize
from tui.background.readahead import ReadAhead
from tui.library import _read_encoded

class Captured(io.StringIO):
    def fileno(self):
        return -1

made = []
make = multiprocessing.synchronize.SemLock.__init__
def counted(self, *args, **kwargs):
    made.append(1)
    make(self, *args, **kwargs)
multiprocessing.synchronize.SemLock.__init__ = counted
window = sys.stderr = Captured()
ahead = ReadAhead.start([sys.argv[1]], _read_encoded)
articles, _ = ahead.take(sys.argv[1])
from multiprocessing import resource_tracker
tracker = resource_tracker._resource_tracker._pid
said = window.getvalue()
print(articles[0].title, len(made) > 0, tracker is not None, sys.stderr is window, said == "")
"""


def test_under_a_window_a_worker_starts_with_its_resource_tracker(tmp_path: Path) -> None:
    # The tracker is given stderr's descriptor, which a window's stand-in does not have: it
    # is started with the process's own (`pool.prepare`), and removes the semaphores.
    done = subprocess.run(
        [sys.executable, "-c", UNDER_A_WINDOW, str(SEED)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout == f"{read_page(SEED)[0].title} True True True True\n"
    assert done.stderr == ""


# A reader's loader: a daemon thread waiting for a page the worker never finishes.
LOADER = """
import sys, threading, time
from tests.test_readahead import blocking_read, pid_in
from tui.background.readahead import ReadAhead

ahead = ReadAhead.start([sys.argv[1]], blocking_read)
threading.Thread(target=ahead.take, args=(sys.argv[1],), daemon=True).start()
pid_in(__import__("pathlib").Path(sys.argv[1]))
if sys.argv[2] == "wait":
    time.sleep(3600)
"""


def test_the_interpreter_exits_without_waiting_for_the_worker(tmp_path: Path) -> None:
    page = tmp_path / "pid"
    # Left to itself, concurrent.futures would wait at exit for the worker's chunk.
    done = subprocess.run(
        [sys.executable, "-c", LOADER, str(page), "exit"], cwd=ROOT, timeout=60, check=False
    )
    assert done.returncode == 0
    assert_ends_soon(pid_in(page), "the worker")


def test_the_worker_ends_with_a_killed_process(tmp_path: Path) -> None:
    page = tmp_path / "pid"
    reader = subprocess.Popen([sys.executable, "-c", LOADER, str(page), "wait"], cwd=ROOT)
    try:
        worker = pid_in(page)
        os.kill(reader.pid, signal.SIGKILL)  # no handler, no exit hook: the pipe closes
    finally:
        reader.kill()
        reader.wait()
    assert_ends_soon(worker, "the worker")


async def test_the_reader_opens_a_library_read_ahead(
    archive: Path, monkeypatch: pytest.MonkeyPatch, workers: list[int]
) -> None:
    # Started from the reader's loading thread, while Textual's own threads run; the loader
    # started before the window, as `tui.ui.app.run` starts it (see `readahead.prepare`).
    from tui.background.loader import Loader
    from tui.store.settings import Settings
    from tui.ui.app import DubaoApp

    expected = read_alone(archive, monkeypatch)
    loader = Loader.start([str(archive)])
    first = loader.first(timeout=5)
    app = DubaoApp(
        first,
        paths=[str(archive)],
        loader=loader,
        settings=Settings(theme="dubao-dark"),
        language="en",
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        await loaded(app.reader, pilot)
        await pilot.pause()
        assert workers == [1]
        assert_same(app.reader.library, outlined(expected))
        assert app.reader.library.problems == expected.problems


def outlined(library):  # type: ignore[no-untyped-def]
    import dataclasses

    from tui.library import outline

    return dataclasses.replace(
        library,
        issues=tuple(
            dataclasses.replace(
                issue,
                sections=tuple(
                    dataclasses.replace(s, articles=tuple(map(outline, s.articles)))
                    for s in issue.sections
                ),
            )
            for issue in library.issues
        ),
        outline=True,
        _by_id={},
    )


def test_without_read_ahead_no_worker_starts(
    archive: Path, monkeypatch: pytest.MonkeyPatch, workers: list[int]
) -> None:
    """`dubao serve`'s zygote loads so: a worker's pool would leave a thread in it."""
    expected = read_alone(archive, monkeypatch)
    library = load_library([archive], bodies=False, read_ahead=False)
    assert workers == []
    assert [i.id for i in library.issues] == [i.id for i in expected.issues]
    load_library([archive], cache=False)  # the same pages, read ahead: the check can fail
    assert workers == [1]
