"""`dubao serve`: an SSH server (asyncssh) that gives every session a reader of its own.

Who gets in: public keys only, checked against an authorized-keys file (read again for each
connection) or any key with `--open`. asyncssh asks `validate_public_key` about a key both
when a client only offers it and, before checking the signature, when it signs with it
(`SSHServerConnection.validate_public_key`: the owner's check, then `key.verify`); the key
counts only once `auth_completed` says the signature was good, and it is the last one
asked about then, as the signed request's check and `auth_completed` follow one another.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import signal
import time
import warnings
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO

with warnings.catch_warnings():  # its DSA support warns at import: nothing a reader can do
    warnings.simplefilter("ignore")
    import asyncssh

from tui.core.text import one_line
from tui.serve.reader import FreshReader, Reader, ZygoteLink, reader_environment
from tui.store.folders import config_folder, data_folder, make_private

HOST_KEY_NAME = "ssh_host_ed25519_key"
READERS_FOLDER = "readers"  # the data folders of the readers, one per key
LOGIN_TIMEOUT = 10.0
KEEPALIVE_INTERVAL = 30.0
KEEPALIVE_COUNT_MAX = 3
HANG_UP_GRACE = 2.0  # seconds a reader has to save after SIGHUP, then SIGKILL
RATE_WINDOW = 10.0  # seconds over which --rate-limit counts one address's connections
READ_SIZE = 65536

NO_PTY = b"dubao: the reader needs a terminal: connect with `ssh -t`\r\n"
FULL = b"dubao: the server is full: try again later\r\n"


class ServeError(Exception):
    """A problem the user can fix before the server starts: one line, exit 1."""


def default_authorized_keys() -> Path:
    return config_folder() / "authorized_keys"


@dataclass
class Options:
    paths: Sequence[str]
    host: str
    port: int
    authorized_keys: Path | None  # None: any key (--open)
    max_sessions: int = 32
    idle_timeout: float = 30 * 60.0
    rate_limit: int = 10  # connections per address per RATE_WINDOW; 0: no limit
    log: TextIO | None = None


def parse_listen(text: str) -> tuple[str, int]:
    """HOST:PORT, [IPv6]:PORT, :PORT (every address) or PORT."""
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = "", text
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        number = int(port)
    except ValueError:
        raise ServeError(f"--listen wants HOST:PORT, not {one_line(text)!r}") from None
    if not 0 <= number <= 65535:
        raise ServeError(f"--listen: no port {number}: a port is 1 to 65535 (0: any free one)")
    return host, number


def fingerprint(key: asyncssh.SSHKey) -> str:
    """SHA256:… as `ssh-keygen -l` shows it."""
    return key.get_fingerprint("sha256")


def key_folder_name(key: asyncssh.SSHKey) -> str:
    """The key's SHA-256 fingerprint as a file name: base64url, no padding."""
    digest = fingerprint(key).removeprefix("SHA256:")
    return digest.replace("+", "-").replace("/", "_").rstrip("=")


def load_host_key(folder: Path) -> asyncssh.SSHKey:
    """The server's ed25519 key in `folder`, made (0600) on first start."""
    make_private(folder)
    path = folder / HOST_KEY_NAME
    try:
        return asyncssh.read_private_key(path)
    except FileNotFoundError:
        pass
    except (OSError, asyncssh.KeyImportError) as e:
        raise ServeError(f"cannot read the host key {one_line(str(path))}: {e}") from None
    key = asyncssh.generate_private_key("ssh-ed25519")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as e:
        raise ServeError(f"cannot write the host key {one_line(str(path))}: {e}") from None
    with os.fdopen(fd, "wb") as out:
        out.write(key.export_private_key())
    os.chmod(path, 0o600)  # os.open's mode went through the umask
    return key


def read_keys(path: Path) -> asyncssh.SSHAuthorizedKeys:
    try:
        return asyncssh.read_authorized_keys(str(path))
    except FileNotFoundError:
        raise ServeError(
            f"no authorized keys file {one_line(str(path))}: put the readers' public keys"
            " there (one a line, as in ~/.ssh/authorized_keys), name one with"
            " --authorized-keys FILE, or let any key in with --open"
        ) from None
    except (OSError, ValueError, asyncssh.KeyImportError) as e:
        raise ServeError(f"cannot read the authorized keys {one_line(str(path))}: {e}") from None


class RateLimit:
    """At most `count` connections per address in any `window` seconds."""

    def __init__(self, count: int, window: float, clock: Callable[[], float] = time.monotonic):
        self._count = count
        self._window = window
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}

    def allow(self, address: str) -> bool:
        if self._count <= 0:
            return True
        now = self._clock()
        times = self._seen.setdefault(address, deque())
        while times and times[0] <= now - self._window:
            times.popleft()
        if not times:
            del self._seen[address]  # addresses are forgotten once quiet
        if len(times) >= self._count:
            return False
        self._seen.setdefault(address, times).append(now)
        return True


@dataclass
class Serve:
    """The server's state: its options, sessions and the log."""

    options: Options
    readers_folder: Path
    log: TextIO
    sessions: set[Session] = field(default_factory=set)
    connections: set[asyncssh.SSHServerConnection] = field(default_factory=set)
    rate: RateLimit = field(init=False)
    stopping: bool = False
    zygote: ZygoteLink | None = None

    def __post_init__(self) -> None:
        self.rate = RateLimit(self.options.rate_limit, RATE_WINDOW)

    def say(self, line: str) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.log.write(f"{one_line(line)}\n")
            self.log.flush()

    def running(self) -> int:
        return sum(1 for session in self.sessions if session.reader is not None)

    def start_reader(self, env: dict[str, str], columns: int, rows: int) -> Reader:
        """Forked by the zygote once it is ready, else started afresh. OSError if neither."""
        if self.zygote is not None and self.zygote.ready:
            with contextlib.suppress(OSError):  # the zygote just gone: afresh
                return self.zygote.fork(env, columns, rows)
        return FreshReader(self.options.paths, env, columns, rows)


class Connection(asyncssh.SSHServer):
    """One client's connection: authentication, and the sessions it opens."""

    def __init__(self, serve: Serve) -> None:
        self.serve = serve
        self.conn: asyncssh.SSHServerConnection | None = None
        self.address = "?"
        self.keys: asyncssh.SSHAuthorizedKeys | None = None
        self._asked: asyncssh.SSHKey | None = None
        self.key: asyncssh.SSHKey | None = None  # set once authenticated
        self.used = False  # a session was asked for

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        self.serve.connections.add(conn)
        peer = conn.get_extra_info("peername")
        self.address = str(peer[0]) if peer else "?"
        if self.serve.stopping or not self.serve.rate.allow(self.address):
            self.serve.say(f"{_now()} {self.address} refused: too many connections")
            conn.abort()
            return
        path = self.serve.options.authorized_keys
        if path is not None:
            try:
                self.keys = read_keys(path)
            except ServeError as e:
                self.serve.say(f"{_now()} {self.address} refused: {e}")
                self.keys = None  # no key is let in

    def connection_lost(self, exc: Exception | None) -> None:
        if self.conn is not None:
            self.serve.connections.discard(self.conn)

    def begin_auth(self, username: str) -> bool:
        return True  # always: no "none" authentication

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    def host_based_auth_supported(self) -> bool:
        return False

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        self._asked = None
        if self.serve.options.authorized_keys is None:
            allowed = True
        elif self.keys is None:
            allowed = False
        else:
            allowed = self.keys.validate(key, self.address, self.address) is not None
        if allowed:
            self._asked = key
        return allowed

    def auth_completed(self) -> None:
        self.key = self._asked
        # In, but asking for no session (`ssh -N`): held no longer than a login may take.
        asyncio.get_running_loop().call_later(LOGIN_TIMEOUT, self._close_if_unused)

    def _close_if_unused(self) -> None:
        if not self.used and self.conn is not None:
            self.conn.close()

    def session_requested(self) -> asyncssh.SSHServerSession | bool:
        if self.key is None or self.serve.stopping:
            return False
        self.used = True
        return Session(self.serve, self.address, self.key)

    # connection_requested and server_requested (-L, -R) are asyncssh's: refused.


class Session(asyncssh.SSHServerSession):
    """One SSH session: a PTY's reader, the bytes pumped both ways."""

    def __init__(self, serve: Serve, address: str, key: asyncssh.SSHKey) -> None:
        self.serve = serve
        self.address = address
        self.key = key
        self.chan: asyncssh.SSHServerChannel | None = None
        self.term: str | None = None
        self.size = (80, 24)
        self.reader: Reader | None = None
        self.started = time.monotonic()
        self.last_input = self.started
        self.how: str | None = None  # how the session ended, once it has
        self._loop = asyncio.get_running_loop()
        self._pending = b""  # input the PTY has not taken yet
        self._exited = asyncio.Event()
        self._idle: asyncio.TimerHandle | None = None
        self._output_paused = False
        self._stopping: asyncio.Task[None] | None = None

    # asyncssh's side ------------------------------------------------------------------

    def connection_made(self, chan: asyncssh.SSHServerChannel) -> None:  # type: ignore[override]
        self.chan = chan

    def pty_requested(
        self, term_type: str, term_size: tuple[int, int, int, int], _: object
    ) -> bool:
        self.term = term_type or "xterm-256color"
        if term_size[0] and term_size[1]:
            self.size = (term_size[0], term_size[1])
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        return False

    def subsystem_requested(self, subsystem: str) -> bool:
        return False

    def session_started(self) -> None:
        self.serve.sessions.add(self)
        if self.term is None:
            self._refuse(NO_PTY, "refused: no terminal (ssh -T)")
            return
        if self.serve.running() >= self.serve.options.max_sessions:
            self._refuse(FULL, "refused: the server is full")
            return
        assert self.chan is not None
        folder = self.serve.readers_folder / key_folder_name(self.key)
        try:
            make_private(folder)
            env = reader_environment(
                os.environ, self.chan.get_environment(), self.term, str(folder)
            )
            self.reader = self.serve.start_reader(env, *self.size)
        except OSError as e:
            self._refuse(b"dubao: the reader could not start\r\n", f"failed: {e}")
            return
        assert self.reader.master is not None
        self._loop.add_reader(self.reader.master, self._from_reader)
        self.reader.watch(self._loop, self._reader_exited)
        self._schedule_idle()

    def data_received(self, data: bytes, datatype: int | None) -> None:  # type: ignore[override]
        self.last_input = time.monotonic()
        if self.reader is None or self.reader.master is None:
            return
        self._pending += data
        self._to_reader()

    def eof_received(self) -> bool:
        return True  # the reader goes on until the client leaves or it quits

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        if self.reader is not None and width and height:
            self.reader.resize(width, height)

    def pause_writing(self) -> None:
        # The client reads slower than the reader writes: let the PTY hold the rest.
        if self.reader is not None and self.reader.master is not None and not self._output_paused:
            self._loop.remove_reader(self.reader.master)
            self._output_paused = True

    def resume_writing(self) -> None:
        if self.reader is not None and self.reader.master is not None and self._output_paused:
            self._loop.add_reader(self.reader.master, self._from_reader)
        self._output_paused = False

    def connection_lost(self, exc: Exception | None) -> None:
        self.chan = None
        self.stop("client gone")

    # the reader's side ----------------------------------------------------------------

    def _from_reader(self) -> None:
        assert self.reader is not None and self.reader.master is not None
        try:
            data = os.read(self.reader.master, READ_SIZE)
        except BlockingIOError:
            return
        except OSError:  # EIO: the reader's side is closed
            data = b""
        if not data:
            self._loop.remove_reader(self.reader.master)
            return
        self._write(data)

    def _to_reader(self) -> None:
        assert self.reader is not None
        master = self.reader.master
        if master is None:
            return
        while self._pending:
            try:
                written = os.write(master, self._pending)
            except BlockingIOError:
                break
            except OSError:
                self._pending = b""
                break
            self._pending = self._pending[written:]
        if self._pending:  # the reader is behind: hold the client's input until it reads
            self._loop.add_writer(master, self._drain_input)
            if self.chan is not None:
                self.chan.pause_reading()

    def _drain_input(self) -> None:
        assert self.reader is not None and self.reader.master is not None
        self._loop.remove_writer(self.reader.master)
        self._to_reader()
        if not self._pending and self.chan is not None:
            self.chan.resume_reading()

    def _write(self, data: bytes) -> None:
        """To the client, if it is still there: a gone client never raises here."""
        if self.chan is None:
            return
        with contextlib.suppress(OSError, asyncssh.Error):
            self.chan.write(data)

    def _reader_exited(self, status: int | None) -> None:
        assert self.reader is not None
        master = self.reader.master
        if master is not None:
            self._loop.remove_reader(master)
            self._loop.remove_writer(master)
            with contextlib.suppress(OSError):
                while data := os.read(master, READ_SIZE):  # its last screen
                    self._write(data)
            self.reader.close_master()
        self._exited.set()
        if self.how is None:
            if status is None:
                self.end("the reader ended")
            else:
                self.end("quit" if status == 0 else f"the reader ended with status {status}")
            if self.chan is not None:
                with contextlib.suppress(OSError, asyncssh.Error):
                    self.chan.exit(0 if status is None else status if status >= 0 else 128 - status)

    # ending ---------------------------------------------------------------------------

    def _refuse(self, message: bytes, how: str) -> None:
        assert self.chan is not None
        with contextlib.suppress(OSError, asyncssh.Error):
            self.chan.write_stderr(message)
            self.chan.exit(1)
        self.end(how)

    def _schedule_idle(self) -> None:
        idle = self.serve.options.idle_timeout
        if idle > 0:
            due = self.last_input + idle - time.monotonic()
            self._idle = self._loop.call_later(max(due, 0.05), self._check_idle)

    def _check_idle(self) -> None:
        if self.how is not None:
            return
        if time.monotonic() - self.last_input >= self.serve.options.idle_timeout:
            self._write(b"\r\ndubao: no key for a long while: goodbye\r\n")
            self.stop("idle")
        else:
            self._schedule_idle()

    def stop(self, how: str) -> asyncio.Task[None] | None:
        """End the reader (it saves on SIGHUP), then the session."""
        if self.how is not None or self.reader is None:
            if self.how is None:
                self.end(how)
            return self._stopping
        self.how = how
        self._stopping = self._loop.create_task(self._hang_up())
        return self._stopping

    async def _hang_up(self) -> None:
        assert self.reader is not None
        self.reader.hang_up()
        try:
            await asyncio.wait_for(self._exited.wait(), HANG_UP_GRACE)
        except TimeoutError:
            self.reader.signal(signal.SIGKILL)
            await self._exited.wait()
            self.how = f"{self.how}, the reader killed ({HANG_UP_GRACE:.0f} s without ending)"
        if self.chan is not None:  # idle, or the server stops: the client is told so
            with contextlib.suppress(OSError, asyncssh.Error):
                self.chan.exit(0)
        self.end(self.how or "ended")

    def end(self, how: str) -> None:
        """Once per session: its log line, and nothing of it left."""
        if self not in self.serve.sessions:
            return
        self.serve.sessions.discard(self)
        self.how = how
        if self._idle is not None:
            self._idle.cancel()
        seconds = time.monotonic() - self.started
        short = fingerprint(self.key).removeprefix("SHA256:")[:12]
        self.serve.say(f"{_now()} {self.address} {short} {seconds:.0f}s {how}")


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


async def _serve(options: Options, log: TextIO) -> int:
    if options.authorized_keys is not None:
        read_keys(options.authorized_keys)  # a missing or bad file: before anything is made
    host_key = load_host_key(data_folder())
    readers = data_folder() / READERS_FOLDER
    make_private(readers)
    serve = Serve(options, readers, log)
    quiet = logging.getLogger("asyncssh")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    try:
        server = await asyncssh.create_server(
            lambda: Connection(serve),
            options.host or None,
            options.port,
            server_host_keys=[host_key],
            login_timeout=LOGIN_TIMEOUT,
            keepalive_interval=KEEPALIVE_INTERVAL,
            keepalive_count_max=KEEPALIVE_COUNT_MAX,
            encoding=None,
            line_editor=False,
            agent_forwarding=False,
            x11_forwarding=False,
            allow_scp=False,
            password_auth=False,
            kbdint_auth=False,
            gss_kex=False,
            gss_auth=False,
            reuse_address=True,
        )
    except OSError as e:
        where = f"{options.host or '*'}:{options.port}"
        raise ServeError(f"cannot listen on {where}: {e.strerror or e}") from None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(signum, stop.set)
    for sock in server.sockets:
        address = sock.getsockname()
        serve.say(f"dubao: listening on {address[0]}:{address[1]}")
    serve.say(f"dubao: host key {fingerprint(host_key)} (ed25519)")
    who = options.authorized_keys or "any key (--open)"
    serve.say(f"dubao: letting in {one_line(str(who))}")
    try:
        serve.zygote = ZygoteLink(options.paths, loop, serve.say)
    except OSError as e:
        serve.say(f"dubao: no zygote, readers start afresh: {e}")
    await stop.wait()
    serve.stopping = True
    server.close()
    endings = [task for session in list(serve.sessions) if (task := session.stop("server stopped"))]
    if endings:
        await asyncio.gather(*endings, return_exceptions=True)
    for session in list(serve.sessions):
        session.end("server stopped")
    if serve.zygote is not None:
        serve.zygote.close()
    for conn in list(serve.connections):
        conn.close()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(server.wait_closed(), 2)
    serve.say("dubao: stopped")
    return 0


def run(options: Options, log: TextIO) -> int:
    """Serve until SIGTERM (or SIGINT, SIGHUP); 0 then. ServeError before listening."""
    try:
        return asyncio.run(_serve(options, log))
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            raise ServeError(f"the address is in use: {e}") from None
        raise
