"""dubao's one way to run work in another process: a worker of multiprocessing's forkserver.

    worker = Worker.start("tui.library")    # None where no worker can be started
    future = worker.submit(function, *args) # a concurrent.futures.Future
    worker.cancel()                         # the process ends at once, its work lost

    worker = Worker.start(module, progress=True)
    report(done, total)                     # in the worker: how far its work is
    for done, total in worker.progress():   # here, in a thread: until the worker ends

A worker is the one process of a `concurrent.futures.ProcessPoolExecutor` whose context is
multiprocessing's forkserver: a server started afresh (fork and exec, as `subprocess` does)
imports the named module once and forks each worker from itself, a process with one
thread. The calling process never calls `os.fork()`: it runs other threads (the loader's,
Textual's), and a child forked from it could inherit a lock one of them held, and hang. As
with every start method but fork, the program's main module must be importable without
starting the program (`if __name__ == "__main__":`): the worker imports it. Functions and
their arguments are sent pickled (a function by its module and name), with this process's
environment as it is at `submit`: the forkserver has the one of its own start, and the
folders dubao keeps files in follow it (`XDG_CACHE_HOME`…).

A worker ends when its executor is shut down, on `cancel`, when this process's interpreter
exits (else concurrent.futures would wait for the work at exit), and with this process
however it ends: it watches a pipe that only this process writes to, which closes with it.
It ignores SIGINT and SIGHUP: the terminal's signals to the process group are the
reader's to act on.
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

_IGNORED_IN_WORKER = ("SIGINT", "SIGHUP")
_in_worker = False


class Worker:
    """A process of its own for work submitted to it, ended with this process."""

    def __init__(
        self,
        executor: ProcessPoolExecutor,
        watched: Connection,
        stop: Connection,
        reports: tuple[Connection, Connection] | None = None,
    ) -> None:
        self._executor = executor
        self._watched: Connection | None = watched  # the worker's end, closed here once it has it
        self._stop = stop  # closed: the worker leaves
        # (read here, the worker's end): closed here once the worker has its end
        self._reports, self._reporter = reports or (None, None)
        self._lock = threading.Lock()
        self._cancelled = False

    @classmethod
    def start(cls, preload: str, *, progress: bool = False) -> Worker | None:
        """A worker whose forkserver has imported the module `preload` (if this is its first
        start); None where there is no forkserver, or no process could be started, and in
        a worker (whose work runs where it is). `progress`: its `report`s reach `progress()`,
        which must then be read (else a worker that reports much waits for it)."""
        if _in_worker:
            return None
        try:
            context = multiprocessing.get_context("forkserver")
        except ValueError:  # not on this platform
            return None
        if not prepare():  # checked first: a semaphore made without it would stay behind
            return None
        context.set_forkserver_preload([preload])
        watched, stop = context.Pipe(duplex=False)
        reports = context.Pipe(duplex=False) if progress else None
        try:
            executor = ProcessPoolExecutor(
                1,
                mp_context=context,
                initializer=_serve,
                initargs=(watched, reports[1] if reports else None),
            )
        except (OSError, ValueError, RuntimeError, NotImplementedError):
            for end in (stop, watched, *(reports or ())):
                end.close()
            return None
        worker = cls(executor, watched, stop, reports)
        _running.add(worker)
        return worker

    def submit(self, function: Callable[..., T], *args: Any) -> Future[T]:
        """`function(*args)` run in the worker (started by the first call). Raises
        RuntimeError once cancelled, OSError if no process could be started."""
        future = self._executor.submit(_call, dict(os.environ), function, *args)
        if self._watched is not None:  # the first `submit` started the worker
            self._close_watched()  # it has its own copy
            _close_result_writer(self._executor)
        return future

    def progress(self) -> Iterator[tuple[int, int]]:
        """The worker's `report`s, (done, total), as they come, until it ends (nothing
        without `progress=True`). Blocks: for a thread of its own."""
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
        """End the worker at once; its work not done is lost (its futures fail or are
        cancelled). Nothing if it has ended. Safe from any thread."""
        with self._lock:
            if self._cancelled:
                return
            self._cancelled = True
        _running.discard(self)
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._stop.close()
        self._close_watched()

    def _close_watched(self) -> None:
        with self._lock:  # `submit` and `cancel` may race from two threads
            ends = (self._watched, self._reporter)
            self._watched = self._reporter = None
        for end in ends:
            if end is not None:
                end.close()


def _close_result_writer(executor: ProcessPoolExecutor) -> None:
    """Close this process's copy of the end the worker sends its results into.

    A worker that ends while it sends a result (cancelled, or killed) leaves the executor's
    thread reading the rest of it; with this process's copy open the pipe never reaches
    its end, that thread waits forever, and so does the interpreter's exit, which joins
    it. Closed here, the read fails once the worker has gone, and the executor knows it
    is broken. The attribute is concurrent.futures' own (3.8 to 3.13): without it, nothing
    is closed."""
    queue = getattr(executor, "_result_queue", None)
    writer = getattr(queue, "_writer", None)
    if writer is not None:
        writer.close()


def prepare() -> bool:
    """Whether multiprocessing's resource tracker runs, started now if it does not: a worker
    needs it (it removes the workers' semaphores once every process using them has ended),
    so it is started with the first worker, not before: a reader that needs none (a warm
    start) runs none. Started with SIGHUP blocked, it outlives a hung-up terminal."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return False
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})
    try:
        with _stderr_with_a_descriptor():
            resource_tracker.ensure_running()
    except (OSError, ValueError):
        return False
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
    return True


@contextlib.contextmanager
def _stderr_with_a_descriptor() -> Iterator[None]:
    """The tracker is given `sys.stderr`'s file descriptor, and cannot start with the
    stand-in a reader's window installs (`fileno()` is -1): the process's own stderr
    meanwhile, for the few milliseconds of the start (a print from another thread then
    would reach it, and nothing in dubao prints)."""
    stderr = sys.stderr
    try:
        usable = stderr is None or stderr.fileno() >= 0
    except (AttributeError, OSError, ValueError):
        usable = True  # the tracker passes no descriptor then
    if usable or sys.__stderr__ is None:
        yield
        return
    sys.stderr = sys.__stderr__
    try:
        yield
    finally:
        sys.stderr = stderr


# Ended before the interpreter exits: else concurrent.futures waits, at exit, for the
# workers to finish their work. `atexit` runs after that wait; threading's exit hooks run
# before it, the last registered first.
_running: set[Worker] = set()


def _cancel_all() -> None:
    for worker in list(_running):
        worker.cancel()


threading._register_atexit(_cancel_all)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------
# In the worker
# ---------------------------------------------------------------------------


_reporter: Connection | None = None


def report(done: int, total: int) -> None:
    """In a worker started with `progress=True`: how far its work is (else nothing)."""
    if _reporter is not None:
        with contextlib.suppress(OSError):
            _reporter.send((done, total))


def _serve(watched: Connection, reporter: Connection | None) -> None:
    """The worker's start: leave as soon as `watched` closes (cancelled, or this process
    ended however it ended)."""
    global _in_worker, _reporter
    _in_worker = True
    _reporter = reporter
    for name in _IGNORED_IN_WORKER:
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
