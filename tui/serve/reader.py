"""One reader for one SSH session: `dubao` as its own process on a pseudo-terminal.

No asyncssh here: the server hands over the size, the terminal type and the environment,
and pumps the bytes of `master` itself.

A reader is forked by the zygote (`tui.serve.zygote`, through `ZygoteLink`), which has the
reader's code and the library loaded already: a `ForkedReader`. Until the zygote is ready,
or if it is gone, a reader starts afresh (`Reader`): the server runs asyncssh's threads
(getaddrinfo, the child watcher), so it never forks without exec (`pty.fork`,
`os.forkpty`): the reader is started with `subprocess`, its standard streams the
terminal's slave side, in a session of its own, and a short Python prologue makes that
terminal its controlling one (so a hang-up reaches it) before it becomes `python -m tui`.

Either way the server hears how a reader ended through `watch`: its status, or None when
no one could tell it (the zygote gone before the reader).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import termios
from collections import deque
from collections.abc import Callable, Mapping, Sequence

from tui import own_code_environment

OnExit = Callable[[int | None], None]

# Run in the child, whose session `start_new_session` made: take fd 0 as the controlling
# terminal, then become dubao.
_PROLOGUE = (
    "import fcntl, os, sys, termios;"
    "fcntl.ioctl(0, termios.TIOCSCTTY, 0);"
    "os.execv(sys.executable, [sys.executable, '-m', 'tui', *sys.argv[1:]])"
)

# What the client may set: its language, nothing else.
_LOCALE_NAME = re.compile(r"LANG|LC_[A-Z]{1,20}")
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
    """A session's reader: `master` is the server's side of its terminal; `pid` once known,
    `returncode` once it has ended."""

    master: int | None
    pid: int | None
    returncode: int | None

    def watch(self, loop: asyncio.AbstractEventLoop, on_exit: OnExit) -> None:
        """Call `on_exit(status)` in `loop` once the reader has ended."""
        raise NotImplementedError

    def resize(self, columns: int, rows: int) -> None:
        if self.master is not None:
            with contextlib.suppress(OSError):
                set_size(self.master, columns, rows)

    def signal(self, signum: int) -> None:
        """Send `signum` to the reader's process group, if it still runs."""
        if self.returncode is None and self.pid is not None:
            try:
                os.killpg(self.pid, signum)
            except ProcessLookupError:  # forked, it may not lead its group yet
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(self.pid, signum)
            except PermissionError:
                pass

    def hang_up(self) -> None:
        """The client is gone: the reader saves and ends (its SIGHUP handler)."""
        self.signal(signal.SIGHUP)

    def close_master(self) -> None:
        if self.master is not None:
            os.close(self.master)
            self.master = None


class FreshReader(Reader):
    """`dubao [PATH…]` started afresh, as a process of the server's."""

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
                env=own_code_environment(env),
                start_new_session=True,
                close_fds=True,
            )
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        self.master = master
        self.pid = self.process.pid
        self.returncode = None

    def watch(self, loop: asyncio.AbstractEventLoop, on_exit: OnExit) -> None:
        """Call `on_exit(status)` in `loop` once the reader has ended."""

        def ended() -> None:
            loop.remove_reader(pidfd)
            os.close(pidfd)
            self.returncode = self.process.wait()
            on_exit(self.returncode)

        def poll() -> None:
            self.returncode = self.process.poll()
            if self.returncode is None:
                loop.call_later(0.2, poll)
            else:
                on_exit(self.returncode)

        try:
            pidfd = os.pidfd_open(self.process.pid)
        except (AttributeError, OSError):  # no pidfd: ask now and then
            loop.call_later(0.2, poll)
        else:
            loop.add_reader(pidfd, ended)


class ForkedReader(Reader):
    """A reader the zygote forks: its terminal is made here, its pid and its end come from
    the zygote (`ZygoteLink`). A signal sent before the pid is known waits for it."""

    def __init__(self, columns: int, rows: int) -> None:
        master, self.slave = os.openpty()
        set_size(master, columns, rows)
        os.set_blocking(master, False)
        self.master = master
        self.pid = None
        self.returncode = None
        self._waiting_signal: int | None = None
        self._on_exit: OnExit | None = None

    def started(self, pid: int) -> None:
        self.pid = pid
        if self._waiting_signal is not None:
            self.signal(self._waiting_signal)

    def ended(self, status: int | None) -> None:
        if self.returncode is None:
            self.returncode = -1 if status is None else status
            if self._on_exit is not None:
                self._on_exit(status)

    def watch(self, loop: asyncio.AbstractEventLoop, on_exit: OnExit) -> None:
        # Asked for as the reader is: the zygote's answers come on a later turn of the loop.
        self._on_exit = on_exit

    def signal(self, signum: int) -> None:
        if self.pid is None and self.returncode is None:
            self._waiting_signal = signum
        else:
            super().signal(signum)


class ZygoteLink:
    """The server's end of the zygote: started at once, `ready` once it has loaded the
    library; `fork` then gives a reader in its place. If the zygote ends, `ready` turns
    False for good (readers start afresh), and the readers it forked are watched by their
    pidfd."""

    def __init__(
        self, paths: Sequence[str], loop: asyncio.AbstractEventLoop, say: Callable[[str], None]
    ) -> None:
        self.ready = False
        self._loop = loop
        self._say = say
        self._asked: deque[ForkedReader] = deque()
        self._running: dict[int, ForkedReader] = {}
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tui.serve.zygote", str(theirs.fileno()), *paths],
                env=own_code_environment(os.environ),
                stdin=subprocess.DEVNULL,
                pass_fds=[theirs.fileno()],
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        ours.setblocking(False)
        self._sock: socket.socket | None = ours
        loop.add_reader(ours, self._heard)

    def fork(self, env: Mapping[str, str], columns: int, rows: int) -> ForkedReader:
        """A reader on a terminal of `columns`×`rows`, with `env` whole. OSError if the
        zygote cannot be asked."""
        if self._sock is None:
            raise OSError("the zygote is gone")
        reader = ForkedReader(columns, rows)
        try:
            socket.send_fds(self._sock, [json.dumps({"env": dict(env)}).encode()], [reader.slave])
        except OSError:
            reader.close_master()
            raise
        finally:
            os.close(reader.slave)
        self._asked.append(reader)
        return reader

    def _heard(self) -> None:
        while self._sock is not None:
            try:
                data = self._sock.recv(1 << 16)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self._lost()
                return
            message = json.loads(data)
            if "ready" in message:
                self.ready = True
                index = ", the search index with them" if message.get("indexed") else ""
                loaded = f"{message['ready']} articles loaded{index}"
                self._say(f"dubao: readers fork from a zygote ({loaded})")
            elif "indexed" in message:
                self._say("dubao: the search index is built: readers fork with it from now on")
            elif "pid" in message:
                reader = self._asked.popleft()
                self._running[message["pid"]] = reader
                reader.started(message["pid"])
            elif "failed" in message:
                self._say(f"dubao: the zygote could not fork a reader: {message['failed']}")
                self._asked.popleft().ended(1)
            elif "exited" in message and (reader := self._running.pop(message["exited"], None)):
                reader.ended(message["status"])

    def _lost(self) -> None:
        if self.ready:
            self._say("dubao: the zygote is gone: readers start afresh")
        self.close()
        while self._asked:
            self._asked.popleft().ended(None)
        for pid, reader in self._running.items():
            try:
                pidfd = os.pidfd_open(pid)
            except OSError:  # gone already
                reader.ended(None)
            else:
                self._loop.add_reader(pidfd, self._gone, pidfd, reader)
        self._running.clear()

    def _gone(self, pidfd: int, reader: ForkedReader) -> None:
        self._loop.remove_reader(pidfd)
        os.close(pidfd)
        reader.ended(None)

    def close(self) -> None:
        """Tell the zygote to end (its readers go on); wait a little for it."""
        self.ready = False
        if self._sock is not None:
            self._loop.remove_reader(self._sock)
            self._sock.close()
            self._sock = None
        try:
            self.process.wait(2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
