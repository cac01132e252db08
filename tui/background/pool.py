"""dubao's one way to run work in another process: a worker of multiprocessing's forkserver.

    worker = Worker.start("tui.library", progress=True)  # None where none can be started
    future = worker.submit(function, *args)  # a concurrent.futures.Future
    for done, total in worker.progress(): ... # in a thread: the worker's `report`s
    worker.cancel()                           # it ends at once, its work lost

A worker is the one process of a `ProcessPoolExecutor` on the forkserver (started afresh,
it imports the named module once and forks each worker from itself, with one thread): this
process, which runs other threads, never forks. Functions go pickled, by name, with this
process's environment at `submit`. A worker ends on `cancel`, at exit, and with this
process however it ends (it watches a pipe only this process writes to); it ignores the
terminal's SIGINT and SIGHUP.
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

from tui import own_code_environment

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
    def start(cls, preload: str, *, progress: bool = False, nested: bool = False) -> Worker | None:
        """A worker whose forkserver has imported `preload`; None where there is no
        forkserver or no process, and in a worker unless `nested` (a worker's worker: its
        own forkserver is started, and it ends with that worker). `progress`: `progress()`
        must be read."""
        if _in_worker and not nested:
            return None
        try:
            context = multiprocessing.get_context("forkserver")
        except ValueError:  # not on this platform
            return None
        if not prepare():  # first: a semaphore made without it would stay behind
            return None
        # The forkserver starts with this process's environment.
        os.environ.update(own_code_environment(os.environ))
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

    @classmethod
    def run(
        cls, function: Callable[..., T], *args: Any, progress: bool = False, nested: bool = False
    ) -> tuple[Worker, Future[T]] | None:
        """`function(*args)` in a worker of its own, which ends with it; None as `start`."""
        worker = cls.start(function.__module__, progress=progress, nested=nested)
        if worker is None:
            return None
        try:
            future = worker.submit(function, *args)
        except (OSError, RuntimeError):
            worker.cancel()
            return None
        future.add_done_callback(lambda _: worker.cancel())
        return worker, future

    def submit(self, function: Callable[..., T], *args: Any) -> Future[T]:
        """`function(*args)` run in the worker (started by the first call). Raises
        RuntimeError once cancelled, OSError if no process could be started."""
        future = self._executor.submit(_call, dict(os.environ), function, *args)
        if self._theirs:  # the first `submit` started the worker: it has its own copies
            self._close_theirs()
            # And the end its results are sent into: else a worker ending mid-result leaves
            # the executor's thread, which exit joins, waiting forever (3.8 to 3.13's name).
            writer = getattr(getattr(self._executor, "_result_queue", None), "_writer", None)
            if writer is not None:
                writer.close()
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


def prepare() -> bool:
    """Whether multiprocessing's resource tracker runs (it removes the workers' semaphores),
    started now if not (SIGHUP blocked: it outlives a hung-up terminal)."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})
    # It is given stderr's descriptor, which the stand-in of a reader's window lacks.
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
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
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
