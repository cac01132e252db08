"""Running one pure function in a forked child, to use a second core.

Only for work that touches nothing but its own inputs: the child inherits a copy of the
process (no reloading, no copying of the library), computes, sends back a pickle through
a pipe and leaves with `os._exit`, running no cleanup of the parent's. It ignores the
signals a terminal sends its process group and prints nothing. Where `os.fork` does not
exist, or the child fails, `start` or `result` return None and the caller does the work
itself.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import time
import warnings
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

TIMEOUT = 300.0  # seconds; a child this late is stuck, and the caller does the work
_QUIET_SIGNALS = ("SIGINT", "SIGWINCH", "SIGTSTP", "SIGHUP", "SIGCONT")


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
        _, status = os.waitpid(self._pid, 0)
        self._reaped = True
        if os.waitstatus_to_exitcode(status) != 0 or not chunks:
            return None
        return pickle.loads(b"".join(chunks))

    def cancel(self) -> None:
        """Kill the child and reap it; nothing once it has been reaped."""
        if self._reaped:
            return
        self._reaped = True
        stop(self._pid, (self._pipe,))


def start(work: Callable[[], T]) -> Child[T] | None:
    """`work()` running in a child process, or None where there is no fork."""
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
            return os.fork()
    except OSError:
        for fd in pipes:
            os.close(fd)
        return None


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


def die_with(parent: int) -> None:
    """In a forked child: be killed when the parent ends, however it ends (Linux's
    PR_SET_PDEATHSIG); leave at once if it has ended already."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(0)
