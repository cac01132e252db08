"""One reader for one SSH session: `dubao` as its own process on a pseudo-terminal.

No asyncssh here: the server hands over the size, the terminal type and the environment,
and pumps the bytes of `master` itself.

The server runs asyncssh's threads (getaddrinfo, the child watcher), so it never forks
without exec (`pty.fork`, `os.forkpty`): the reader is started with `subprocess`, its
standard streams the terminal's slave side, in a session of its own, and a short Python
prologue makes that terminal its controlling one (so a hang-up reaches it) before it
becomes `python -m tui`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import signal
import struct
import subprocess
import sys
import termios
from collections.abc import Mapping, Sequence

# Run in the child, whose session `start_new_session` made: take fd 0 as the controlling
# terminal, then become dubao.
_PROLOGUE = (
    "import fcntl, os, sys, termios;"
    "fcntl.ioctl(0, termios.TIOCSCTTY, 0);"
    "os.execv(sys.executable, [sys.executable, '-m', 'tui', *sys.argv[1:]])"
)

# What the client may set: its language, nothing else.
_LOCALE_NAME = re.compile(r"LANG|LC_[A-Z]+")
_LOCALE_VALUE = re.compile(r"[A-Za-z0-9_.@-]{1,64}")
_TERM_VALUE = re.compile(r"[A-Za-z0-9_.+-]{1,64}")
# The server's own variables that describe the server's terminal, not the client's.
_NOT_PASSED = ("TERM", "COLORTERM", "LINES", "COLUMNS")


def reader_environment(
    server: Mapping[str, str],
    client: Mapping[str, str],
    term: str,
    data_home: str,
) -> dict[str, str]:
    """The reader's environment: the server's, with TERM from the PTY request, LANG/LC_*
    from the client where it sent them, and its own data folder (its reading state)."""
    env = {k: v for k, v in server.items() if k not in _NOT_PASSED}
    env["TERM"] = term if _TERM_VALUE.fullmatch(term) else "xterm-256color"
    sent = {
        k: v for k, v in client.items() if _LOCALE_NAME.fullmatch(k) and _LOCALE_VALUE.fullmatch(v)
    }
    if sent:  # the client's language whole, not mixed with the server's
        for name in [k for k in env if _LOCALE_NAME.fullmatch(k)]:
            del env[name]
        env.update(sent)
    env["XDG_DATA_HOME"] = data_home
    return env


def set_size(fd: int, columns: int, rows: int) -> None:
    """Set a terminal's size; the process group in its foreground gets SIGWINCH."""
    columns = min(max(columns, 1), 1000)
    rows = min(max(rows, 1), 1000)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


class Reader:
    """`dubao [PATH…]` running on a terminal of its own; `master` is the server's side."""

    def __init__(
        self,
        paths: Sequence[str],
        env: Mapping[str, str],
        columns: int,
        rows: int,
    ) -> None:
        master, slave = os.openpty()
        try:
            set_size(master, columns, rows)
            self.process = subprocess.Popen(
                [sys.executable, "-c", _PROLOGUE, *paths],
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=dict(env),
                start_new_session=True,
                close_fds=True,
            )
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        self.master: int | None = master
        self.pid = self.process.pid

    def resize(self, columns: int, rows: int) -> None:
        if self.master is not None:
            with contextlib.suppress(OSError):
                set_size(self.master, columns, rows)

    def signal(self, signum: int) -> None:
        """Send `signum` to the reader's process group, if it still runs."""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signum)

    def hang_up(self) -> None:
        """The client is gone: the reader saves and ends (its SIGHUP handler)."""
        self.signal(signal.SIGHUP)

    def close_master(self) -> None:
        if self.master is not None:
            os.close(self.master)
            self.master = None

    def poll(self) -> int | None:
        return self.process.poll()
