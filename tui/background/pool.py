"""dubao's one way to run work in another process: a worker of multiprocessing's forkserver.

    worker = Worker.start("tui.library", progress=True)  # None where none can be started
    future = worker.submit(function, *args)  # a concurrent.futures.Future
    for done, total in worker.progress(): ... # in a thread: the worker's `report`s
    worker.cancel()                           # it ends at once, its work lost

A worker is the one process of a `ProcessPoolExecutor` on the forkserver: a server started
afresh (fork and exec) imports the named module once and forks each worker from itself,
a process with one thread. This process, which runs other threads (the loader's,
Textual's), never forks: a child could inherit a lock one of them held, and hang.
Functions go pickled, by name, with this process's environment at `submit` (the folders
dubao keeps files in follow `XDG_*`). A worker ends on `cancel`, at the interpreter's exit,
and with this process however it ends: it watches a pipe only this process writes to. It
ignores SIGINT and SIGHUP, the terminal's signals to the reader.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import resource_tracker
from multiprocessing.connection import Connection
from typing import Any, TypeVar

T = TypeVar("T")

_in_worker = False


class Worker:
    """A process of its own for work submitted to it, ended with this process."""

    def __init__(
        self,
        executor: ProcessPoolExecutor,
        stop: Connection,
        reports: Connection | None,
        theirs: list[Connection],
    ) -> None:
        self._executor = executor
        self._stop = stop  # closed: the worker leaves
        self._reports = reports
        self._theirs = theirs  # the worker's ends, closed here once it has its own
        self._lock = threading.Lock()
        self._cancelled = False

    @classmethod
    def start(cls, preload: str, *, progress: bool = False) -> Worker | None:
        """A worker whose forkserver has imported `preload` (at its first start); None where
        there is no forkserver or no process, and in a worker (its work runs where it is).
        `progress`: `progress()` must then be read, or a worker that reports much waits."""
        if _in_worker:
            return None
        try:
            context = multiprocessing.get_context("forkserver")
        except ValueError:  # not on this platform
            return None
        if not prepare():  # first: a semaphore made without it would stay behind
            return None
        context.set_forkserver_preload([preload])
        watched, stop = context.Pipe(duplex=False)
        reports, reporter = context.Pipe(duplex=False) if progress else (None, None)
        theirs = [end for end in (watched, reporter) if end is not None]
        try:
            executor = ProcessPoolExecutor(
                1, mp_context=context, initializer=_serve, initargs=(watched, reporter)
            )
        except (OSError, ValueError, RuntimeError, NotImplementedError):
            for end in (stop, reports, *theirs):
                if end is not None:
                    end.close()
            return None
        worker = cls(executor, stop, reports, theirs)
        _running.add(worker)
        return worker

    def submit(self, function: Callable[..., T], *args: Any) -> Future[T]:
        """`function(*args)` run in the worker (started by the first call). Raises
        RuntimeError once cancelled, OSError if no process could be started."""
        future = self._executor.submit(_call, dict(os.environ), function, *args)
        if self._theirs:  # the first `submit` started the worker: it has its own copies
            self._close_theirs()
            _close_result_writer(self._executor)
        return future

    def progress(self) -> Iterator[tuple[int, int]]:
        """The worker's `report`s as they come, until it ends. Blocks: for a thread."""
        reports = self._reports
        if reports is None:
            return
        try:
            with contextlib.suppress(EOFError, OSError):
                while True:
                    done, total = reports.recv()
                    yield int(done), int(total)
        finally:
            reports.close()  # the worker has ended: its end is closed too

    def cancel(self) -> None:
        """End the worker at once, its work lost; nothing if it has ended. Any thread."""
        with self._lock:
            if self._cancelled:
                return
            self._cancelled = True
        _running.discard(self)
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._stop.close()
        self._close_theirs()

    def _close_theirs(self) -> None:
        with self._lock:  # `submit` and `cancel` may race from two threads
            theirs, self._theirs = self._theirs, []
        for end in theirs:
            end.close()


def _close_result_writer(executor: ProcessPoolExecutor) -> None:
    """Close this process's copy of the pipe's end the worker sends its results into: else,
    a worker ending while it sends one leaves the executor's thread waiting forever for
    the rest, and the interpreter's exit, which joins it. The attribute is
    concurrent.futures' own (3.8 to 3.13): without it, nothing is closed."""
    queue = getattr(executor, "_result_queue", None)
    writer = getattr(queue, "_writer", None)
    if writer is not None:
        writer.close()


def prepare() -> bool:
    """Whether multiprocessing's resource tracker runs (it removes the workers' semaphores),
    started now if not: with the first worker, so a warm start runs none. With SIGHUP
    blocked, it outlives a hung-up terminal."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return False
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})
    # The tracker is given stderr's descriptor, which the stand-in a reader's window
    # installs lacks (-1): the process's own, for the milliseconds of its start.
    stderr, sys.stderr = sys.stderr, sys.__stderr__ or sys.stderr
    try:
        resource_tracker.ensure_running()
    except (OSError, ValueError):
        return False
    finally:
        sys.stderr = stderr
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
    return True


# Cancelled before concurrent.futures' exit hook waits for their work: threading's exit
# hooks run the last registered first; `atexit` would run after that wait.
_running: set[Worker] = set()


def _cancel_all() -> None:
    for worker in list(_running):
        worker.cancel()


threading._register_atexit(_cancel_all)  # type: ignore[attr-defined]


# -- in the worker ----------------------------------------------------------------------

_reporter: Connection | None = None


def report(done: int, total: int) -> None:
    """In a worker started with `progress=True`: how far its work is (else nothing)."""
    if _reporter is not None:
        with contextlib.suppress(OSError):
            _reporter.send((done, total))


def _serve(watched: Connection, reporter: Connection | None) -> None:
    """The worker's start: it leaves as soon as `watched` closes."""
    global _in_worker, _reporter
    _in_worker = True
    _reporter = reporter
    for name in ("SIGINT", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    threading.Thread(target=_leave_when_closed, args=(watched,), daemon=True).start()


def _call(environ: dict[str, str], function: Callable[..., T], *args: Any) -> T:
    if os.environ != environ:
        os.environ.clear()
        os.environ.update(environ)
    return function(*args)


def _leave_when_closed(watched: Connection) -> None:
    with contextlib.suppress(OSError):
        watched.poll(None)  # nothing is ever sent: readable only once closed
    os._exit(0)
