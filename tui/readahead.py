"""Pages parsed in a worker process, so that a large library loads on two cores.

    prepare()                              # before a reader's window is up (see `prepare`)
    ahead = ReadAhead.start(paths, read)   # None where no worker can be started
    ahead.take(path)                       # a page's articles, why it could not be read, or None
    ahead.cancel()                         # the worker stopped: the caller reads the rest

The worker is the one process of a `concurrent.futures.ProcessPoolExecutor` whose context
is multiprocessing's forkserver: a server started afresh (fork and exec, as `subprocess`
does) imports `read`'s module once and forks the worker from itself, a process with one
thread. This process never calls `os.fork()`: it runs other threads (the loader's,
Textual's), and a child forked from it could inherit a lock that one of them held, and
hang. As with every start method but fork, the program's main module must be importable
without starting the program (`if __name__ == "__main__":`): the worker imports it.

`read` is a module-level function (it is sent by name). It runs in the worker for each
path, in order, CHUNKS tasks of consecutive pages: it returns the page's articles encoded
as the page cache keeps them (`tui.cache.encode_page`), or the one-line reason the page
could not be read. This process decodes a chunk when it first takes one of its pages, while
the worker parses the next: decoding is several times as fast as parsing. Where the worker
fails, `take` is None from then on, and the caller reads the pages itself.

The worker ends once every chunk has come back, on `cancel`, when this process's
interpreter exits, and with this process however it ends: it watches a pipe that only
this process writes to, which closes with it.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import resource_tracker
from multiprocessing.connection import Connection

from tui.cache import decode_pages
from tui.model import Article

Encoded = tuple[str, str]  # (shape, body), as `encode_page` makes them
Read = Callable[[str], Encoded | str | None]  # None: read it in this process
Taken = tuple[list[Article], Encoded] | str
Results = list[Encoded | str | None]  # a chunk's, in the order of its paths

CHUNKS = 8  # the first pages come back, to be decoded, while the worker parses the others
TIMEOUT = 300.0  # seconds; a chunk this late means a stuck worker: the caller reads the rest
# The worker ends with this process: the terminal's signals to the process group are the
# reader's to act on.
_IGNORED_IN_WORKER = ("SIGINT", "SIGHUP")


class ReadAhead:
    """The pages of `paths`, being parsed in a worker process."""

    def __init__(
        self,
        executor: ProcessPoolExecutor,
        stop: Connection,
        chunks: list[Sequence[str]],
        futures: list[Future[Results]],
    ) -> None:
        self._executor = executor
        self._stop = stop  # closed: the worker leaves
        self._chunks = chunks
        self._futures = futures
        self._chunk_of = {path: index for index, chunk in enumerate(chunks) for path in chunk}
        self._received: dict[int, dict[str, Taken]] = {}  # by chunk, pages not taken yet
        self._lock = threading.Lock()
        self._cancelled = False

    @classmethod
    def start(cls, paths: Sequence[str], read: Read) -> ReadAhead | None:
        """A worker reading `paths`; None where there is no forkserver, or the worker could
        not be started."""
        if not paths:
            return None
        try:
            context = multiprocessing.get_context("forkserver")
        except ValueError:  # not on this platform
            return None
        if not prepare():  # checked first: a semaphore made without it would stay behind
            return None
        context.set_forkserver_preload([read.__module__])  # for the server's first start
        watched, stop = context.Pipe(duplex=False)
        size = -(-len(paths) // CHUNKS)
        chunks = [paths[at : at + size] for at in range(0, len(paths), size)]
        executor: ProcessPoolExecutor | None = None
        try:
            executor = ProcessPoolExecutor(
                1, mp_context=context, initializer=_serve, initargs=(watched,)
            )
            futures = [executor.submit(_read_all, read, chunk) for chunk in chunks]
        except (OSError, ValueError, RuntimeError, NotImplementedError):  # no process, say
            stop.close()
            if executor is not None:
                executor.shutdown(wait=False, cancel_futures=True)
            return None
        finally:
            watched.close()  # the worker has its own copy: the first `submit` started it
        ahead = cls(executor, stop, chunks, futures)
        _running.add(ahead)
        return ahead

    def take(self, path: str) -> Taken | None:
        """`path`'s articles and their encoding, or why it could not be read (a string);
        None if the worker was not given it, or failed (then read it here). Waits for its
        chunk the first time one of its pages is taken."""
        index = self._chunk_of.pop(path, None)
        if index is None:
            return None
        if index not in self._received:
            self._received[index] = self._receive(index)
        return self._received[index].pop(path, None)

    def cancel(self) -> None:
        """Stop the worker at once (the chunks not taken yet are lost); nothing if it has
        stopped. Safe from any thread."""
        with self._lock:
            if self._cancelled:
                return
            self._cancelled = True
        _running.discard(self)
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._stop.close()

    def _receive(self, index: int) -> dict[str, Taken]:
        """Chunk `index`'s pages, by path; none if the worker failed or was cancelled. The
        worker is stopped after the last chunk, or after a failure."""
        chunk = self._chunks[index]
        try:
            results = self._futures[index].result(TIMEOUT)
        except Exception:  # stopped, failed, or stuck: the caller reads the rest itself
            results = None
        if results is None or len(results) != len(chunk):
            self.cancel()
            return {}
        if all(future.done() for future in self._futures):
            self.cancel()
        return _decoded(chunk, results)


def prepare() -> bool:
    """Whether multiprocessing's resource tracker runs, started now if it does not: a worker
    needs it, and it cannot start once a reader's window is up. It is given this process's
    stderr, which the window replaces by an object with no file descriptor (`fileno()` is
    -1). The tracker removes the worker's semaphores once every process using them has
    ended; started with SIGHUP blocked, it outlives a hung-up terminal to do so."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return False
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})
    try:
        resource_tracker.ensure_running()
    except (OSError, ValueError):
        return False
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
    return True


# Stopped before the interpreter exits: else concurrent.futures waits, at exit, for the
# worker to finish its chunks (a loader in a daemon thread never cancels). `atexit` runs
# after that wait; threading's exit hooks run before it, the last registered first.
_running: set[ReadAhead] = set()


def _cancel_all() -> None:
    for ahead in list(_running):
        ahead.cancel()


threading._register_atexit(_cancel_all)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------
# In the worker
# ---------------------------------------------------------------------------


def _serve(watched: Connection) -> None:
    """The worker's start: leave as soon as `watched` closes (the reader cancelled, or
    ended however it ended)."""
    for name in _IGNORED_IN_WORKER:
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    threading.Thread(target=_leave_when_closed, args=(watched,), daemon=True).start()


def _leave_when_closed(watched: Connection) -> None:
    with contextlib.suppress(OSError):
        watched.poll(None)  # nothing is ever sent: readable only once closed
    os._exit(0)


def _read_all(read: Read, paths: Sequence[str]) -> Results:
    return [read(path) for path in paths]


def _decoded(paths: Sequence[str], results: Results) -> dict[str, Taken]:
    encoded = [
        (path, row) for path, row in zip(paths, results, strict=True) if isinstance(row, tuple)
    ]
    decoded = decode_pages([row for _, row in encoded])
    taken: dict[str, Taken] = {
        path: reason for path, reason in zip(paths, results, strict=True) if isinstance(reason, str)
    }
    for (path, row), articles in zip(encoded, decoded, strict=True):
        if articles is not None:
            taken[path] = (articles, row)
    return taken
