"""A program in a pseudo-terminal, with every byte it writes counted.

    with PtySession(["less", "file.txt"], env, cols=80, rows=24) as session:
        first = session.read_until_settled(marker="标题")
        session.send(b" ")
        page = session.read_until_quiet()

The child gets the pty as its controlling terminal (so `less` can open /dev/tty) and its
window size is set with TIOCSWINSZ before exec, so the first thing it draws has the right size.
Reading is non-blocking: a `select` loop drains the master side until the program has been
quiet for a while. Leaving the `with` block sends `q`, waits, and then signals the child's
process group if it is still there, so nothing is left behind.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import pty
import select
import signal
import struct
import termios
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import NoReturn

READ_SIZE = 65536


class SessionError(RuntimeError):
    """The program did not do what was expected in time (or died)."""


def _set_window_size(fd: int, cols: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def _exec_child(
    argv: Sequence[str], env: Mapping[str, str], cols: int, rows: int, cwd: Path | None
) -> NoReturn:
    """In the forked child: size the terminal (fd 0 is the pty), then become the program."""
    try:
        _set_window_size(0, cols, rows)
        if cwd is not None:
            os.chdir(cwd)
        os.execvpe(argv[0], list(argv), dict(env))
    except BaseException as error:  # report anything, then leave the child
        os.write(2, f"exec {argv[0]} failed: {error}\n".encode())
    finally:
        os._exit(127)


class PtySession:
    """One program running in a pty of `cols` x `rows`; all its output kept in `output`."""

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        *,
        cols: int,
        rows: int,
        cwd: Path | None = None,
    ) -> None:
        self.argv = list(argv)
        self.cols, self.rows = cols, rows
        self.output = bytearray()
        self.exit_status: int | None = None
        pid, fd = pty.fork()
        if pid == 0:
            _exec_child(self.argv, env, cols, rows, cwd)
        self.pid, self.fd = pid, fd
        os.set_blocking(fd, False)

    # -- reading ----------------------------------------------------------------------

    def _read_available(self, timeout: float) -> int:
        """Wait up to `timeout` for output and read what there is; -1 when the pty is closed."""
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return 0
        try:
            data = os.read(self.fd, READ_SIZE)
        except BlockingIOError:
            return 0
        except OSError as error:
            if error.errno == errno.EIO:  # Linux: the child closed the terminal
                return -1
            raise
        if not data:
            return -1
        self.output += data
        return len(data)

    def read_until_quiet(self, quiet: float = 0.3, timeout: float = 20.0) -> bytes:
        """Bytes written from now until nothing has come for `quiet` seconds."""
        start = len(self.output)
        deadline = time.monotonic() + timeout
        last = time.monotonic()
        while True:
            now = time.monotonic()
            if now - last >= quiet:
                break
            if now >= deadline:
                raise SessionError(f"{self.argv[0]}: still writing after {timeout:g} s")
            got = self._read_available(min(quiet - (now - last), deadline - now))
            if got < 0:
                break
            if got:
                last = time.monotonic()
        return bytes(self.output[start:])

    def read_until_settled(self, marker: str, quiet: float = 0.3, timeout: float = 30.0) -> bytes:
        """Bytes from the start until `marker` has appeared and then `quiet` seconds passed."""
        start = len(self.output)
        needle = marker.encode("utf-8")
        deadline = time.monotonic() + timeout
        while needle not in self.output[start:]:
            now = time.monotonic()
            if now >= deadline:
                raise SessionError(f"{self.argv[0]}: no {marker!r} after {timeout:g} s")
            if self._read_available(deadline - now) < 0:
                raise SessionError(f"{self.argv[0]}: exited before showing {marker!r}")
        self.read_until_quiet(quiet, timeout=max(1.0, deadline - time.monotonic()))
        return bytes(self.output[start:])

    def cpu_ticks(self) -> int:
        """User and system CPU time the program has used so far, in clock ticks (all threads)."""
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text()
        except OSError:
            return -1
        fields = stat[stat.rindex(")") + 2 :].split()
        return int(fields[11]) + int(fields[12])  # utime, stime

    def read_until_idle(self, idle: float = 0.3, timeout: float = 30.0) -> bytes:
        """Bytes written until the program has used no CPU for `idle` seconds (and is quiet).

        Output alone cannot tell a program that has finished from one that is busy (a
        worker thread loading a dictionary can hold back a redraw for longer than any quiet
        period); the CPU time in /proc can.
        """
        start = len(self.output)
        deadline = time.monotonic() + timeout
        ticks, since = self.cpu_ticks(), time.monotonic()
        while time.monotonic() - since < idle:
            if time.monotonic() >= deadline:
                raise SessionError(f"{self.argv[0]}: still busy after {timeout:g} s")
            got = self._read_available(0.05)
            if got < 0:
                break
            now_ticks = self.cpu_ticks()
            if got or now_ticks > ticks + 1:  # a tick or so of housekeeping is idle
                ticks, since = now_ticks, time.monotonic()
        return bytes(self.output[start:])

    def drain(self) -> bytes:
        """Whatever is waiting right now, without waiting for more."""
        start = len(self.output)
        while self._read_available(0) > 0:
            pass
        return bytes(self.output[start:])

    # -- writing and ending -----------------------------------------------------------

    def send(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def _reap(self, timeout: float) -> bool:
        """Keep draining output (so the child never blocks on a full pty) until it exits."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.exit_status = os.waitstatus_to_exitcode(status)
                return True
            if self._read_available(0.02) < 0:
                time.sleep(0.01)
        return False

    def close(self, quit_keys: bytes = b"q", timeout: float = 5.0) -> None:
        """Quit with `quit_keys`; if the program stays, SIGTERM then SIGKILL its group."""
        if self.exit_status is None:
            with contextlib.suppress(OSError):
                self.send(quit_keys)
            for sig in (None, signal.SIGTERM, signal.SIGKILL):
                if sig is not None:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(self.pid, sig)  # pty.fork made the child a session leader
                if self._reap(timeout):
                    break
        os.close(self.fd)

    @property
    def quit_cleanly(self) -> bool:
        return self.exit_status == 0

    def __enter__(self) -> PtySession:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
