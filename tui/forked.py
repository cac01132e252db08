"""Running one pure function in a forked child, to use a second core.

Only for work that touches nothing but its own inputs: the child inherits a copy of the
process (no reloading, no copying of the library), computes, sends back a pickle through
a pipe and leaves with `os._exit`, running no cleanup of the parent's. It ignores the
signals a terminal sends its process group and prints nothing. Where `os.fork` does not
exist, or the child fails, `start` or `result` return None and the caller does the work
itself.

A child forked from a process that holds a large library shares its pages until either
writes to one, and every object the child makes lands in a free slot of some page of
the parent's: it copies page after page (a jieba child of the search process held
122 MB, 50 MB of them its own). `keep_spares` forks children while the process is still
small; `start` then sends the work (pickled: small inputs only) to one of those.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import struct
import time
import warnings
from collections.abc import Callable
from functools import partial
from typing import Any, Generic, TypeVar, cast

T = TypeVar("T")

TIMEOUT = 300.0  # seconds; a child this late is stuck, and the caller does the work
_QUIET_SIGNALS = ("SIGINT", "SIGWINCH", "SIGTSTP", "SIGHUP", "SIGCONT")
_LENGTH = struct.Struct("<Q")


class Child(Generic[T]):
    """A forked child computing one value."""

    def __init__(self, pid: int, pipe: int) -> None:
        self._pid = pid
        self._pipe = pipe
        self._reaped = False  # then its pid may be another process's: never signal it

    def result(self, timeout: float = TIMEOUT) -> T | None:
        """The child's value (waiting for it), or None if it failed or took too long."""
        chunks: list[bytes] = []
        deadline = time.monotonic() + timeout
        while True:
            ready, _, _ = select.select([self._pipe], [], [], max(deadline - time.monotonic(), 0))
            chunk = os.read(self._pipe, 1 << 20) if ready else None
            if not chunk:
                break
            chunks.append(chunk)
        if chunk is None:  # timed out
            self.cancel()
            return None
        os.close(self._pipe)
        self._reaped = True
        try:
            _, status = os.waitpid(self._pid, 0)
        except ChildProcessError:  # not this process's child: its value cannot be trusted
            return None
        if os.waitstatus_to_exitcode(status) != 0 or not chunks:
            return None
        return pickle.loads(b"".join(chunks))

    def cancel(self) -> None:
        """Kill the child and reap it; nothing once it has been reaped."""
        if self._reaped:
            return
        self._reaped = True
        stop(self._pid, (self._pipe,))


class _Spare:
    """A child forked before it has work: `run` sends it some."""

    def __init__(self, child: Child[Any], requests: int) -> None:
        self.child = child
        self.requests = requests

    def run(self, work: bytes) -> Child[Any] | None:
        """The spare running `work` (a pickled function); None if it could not be sent
        (the spare is stopped)."""
        try:
            _write(self.requests, work)
        except OSError:
            self.child.cancel()
            return None
        finally:
            with contextlib.suppress(OSError):
                os.close(self.requests)
        return self.child


_spares: list[_Spare] = []


def keep_spares(count: int) -> None:
    """Fork `count` children now, for the next `start`s to send their work to."""
    for _ in range(count):
        read, write = os.pipe()
        child = _fork_child(partial(_requested, read))
        if child is None:
            os.close(read)
            os.close(write)
            return
        os.close(read)
        _spares.append(_Spare(child, write))


def drop_spares() -> None:
    """Stop the spares `start` has not used."""
    while _spares:
        spare = _spares.pop()
        spare.child.cancel()
        with contextlib.suppress(OSError):
            os.close(spare.requests)


def _requested(requests: int) -> object:
    """A spare's work: the function `_Spare.run` sends, called."""
    work = receive(requests)
    os.close(requests)
    return work()


def start(work: Callable[[], T]) -> Child[T] | None:
    """`work()` running in a child process (a spare, where one is kept), or None where
    there is no fork."""
    if _spares:
        try:
            pickled = pickle.dumps(work, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, AttributeError, TypeError):
            pickled = None  # a closure, say: forked now, the spare kept for other work
        child = _spares.pop(0).run(pickled) if pickled is not None else None
        if child is not None:
            return cast("Child[T]", child)
    return _fork_child(work)


def _fork_child(work: Callable[[], T]) -> Child[T] | None:
    if not hasattr(os, "fork"):
        return None
    read, write = os.pipe()
    parent = os.getpid()
    pid = fork((read, write))
    if pid is None:
        return None
    if pid == 0:
        _run_child(work, read, write, parent)
    os.close(write)
    return Child(pid, read)


def stop(pid: int, pipes: tuple[int, ...]) -> None:
    """Close this end of a child's pipes, kill it and reap it (once: then its pid may be
    another process's)."""
    for fd in pipes:
        with contextlib.suppress(OSError):
            os.close(fd)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def fork(pipes: tuple[int, ...]) -> int | None:
    """`os.fork()`: 0 in the child, its pid in the parent; None if it failed, and then
    `pipes` are closed."""
    try:
        with warnings.catch_warnings():  # forking a threaded process warns from 3.12
            warnings.simplefilter("ignore")
            pid = os.fork()
    except OSError:
        for fd in pipes:
            os.close(fd)
        return None
    if pid == 0:
        _forget_spares()
    return pid


def _run_child(work: Callable[[], object], read: int, write: int, parent: int) -> None:
    code = 1
    try:
        die_with(parent)
        os.close(read)
        for name in _QUIET_SIGNALS:
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), signal.SIG_IGN)
        signal.set_wakeup_fd(-1)
        data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write, "wb") as stream:
            stream.write(data)
        code = 0
    except BaseException:
        pass
    finally:
        os._exit(code)


def _forget_spares() -> None:
    """In a forked child: the spares copied from the parent are the parent's children, not
    this one's. Work sent to one would be waited for with `waitpid`, which fails here (a
    child that loaded a library this way lost the pages of its read-ahead)."""
    while _spares:
        with contextlib.suppress(OSError):
            os.close(_spares.pop().requests)


def die_with(parent: int) -> None:
    """In a forked child: be killed when the parent ends, however it ends (Linux's
    PR_SET_PDEATHSIG); leave at once if it has ended already."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(0)


# ---------------------------------------------------------------------------
# Messages: a length, then a pickle (both ends are this program)
# ---------------------------------------------------------------------------


def send(fd: int, message: object) -> None:
    _write(fd, pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def _write(fd: int, data: bytes) -> None:
    view = memoryview(_LENGTH.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def receive(fd: int) -> Any:
    """The next message `send` wrote to `fd`; EOFError if the other end closed it."""
    (length,) = _LENGTH.unpack(_read_exactly(fd, _LENGTH.size))
    return pickle.loads(_read_exactly(fd, length))


def _read_exactly(fd: int, size: int) -> bytes:
    chunks: list[bytes] = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise EOFError("the other end closed the pipe")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)
