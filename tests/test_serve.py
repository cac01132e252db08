"""`dubao serve` against the real OpenSSH client on 127.0.0.1, with throwaway keys.

Each test starts its own server on a free port (`--listen 127.0.0.1:0`, the port read from
its first line) with private XDG folders; the readers run the bundled pages.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tui.library import seeds_path
from tui.store.state import StateStore

from .dubao_term import DUBAO, showing, user_dirs
from .test_forks import fork_log, logging_forks  # noqa: F401  (a fixture)
from .tmux import Tmux, pid_alive

pytest.importorskip("asyncssh")

ZYGOTE_READY = "readers fork from a zygote"
FIRST = showing("建设平安山西", "Article 1 of 10")
SECOND = showing("Article 2 of 10")


def _keygen(path: Path) -> Path:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True, timeout=30
    )
    return path


def _wait(condition: Callable[[], bool], timeout: float = 15.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still not {what or condition}")
        time.sleep(0.05)


class Served:
    """A `dubao serve` of the test's own, and ssh commands for it."""

    def __init__(
        self,
        home: Path,
        *args: str,
        keys: Sequence[str] = ("one", "two"),
        env: dict[str, str] | None = None,
    ) -> None:
        self.home = home
        self.keys = {name: _keygen(home / f"key_{name}") for name in (*keys, "stranger")}
        authorized = home / "authorized_keys"
        authorized.write_bytes(
            b"".join(self.keys[name].with_suffix(".pub").read_bytes() for name in keys)
        )
        self.env = {**user_dirs(home), "HOME": str(home), **(env or {})}
        self.log_path = home / "serve.log"
        self.process = subprocess.Popen(
            [
                DUBAO,
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--authorized-keys",
                str(authorized),
                *args,
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=open(self.log_path, "wb"),  # noqa: SIM115 - closed with the process
            env=self.env,
        )
        _wait(lambda: "listening on" in self.log() or self.process.poll() is not None)
        found = re.search(r"listening on 127\.0\.0\.1:(\d+)", self.log())
        assert found, self.log()
        self.port = int(found[1])
        # Readers fork from the zygote once it has loaded the library; before, they start
        # afresh (`test_without_the_zygote_readers_start_afresh`).
        _wait(lambda: ZYGOTE_READY in self.log(), timeout=60, what="the zygote ready")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def ssh(self, key: str = "one", *args: str, tty: bool | str = True) -> list[str]:
        """`tty`: True asks for a terminal (-t), "force" even with no terminal here (-tt;
        not -t -tt, which OpenSSH counts back to -t), False asks for none (-T)."""
        return [
            "ssh",
            "-F",
            os.devnull,
            {True: "-t", "force": "-tt", False: "-T"}[tty],
            "-p",
            str(self.port),
            "-i",
            str(self.keys[key]),
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "LogLevel=ERROR",
            "-o",
            "BatchMode=yes",
            *args,
            "127.0.0.1",
        ]

    def run(self, command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
            **kwargs,  # type: ignore[call-overload]
        )

    def term(self, key: str = "one", *args: str, env: dict[str, str] | None = None) -> Tmux:
        return Tmux(
            self.ssh(key, *args),
            80,
            24,
            env={"PATH": os.environ["PATH"], **(env or {})},
            socket_dir=self.home,
        )

    def children(self, parent: int) -> set[int]:
        found = set()
        for proc in Path("/proc").iterdir():
            if proc.name.isdigit():
                try:
                    stat = (proc / "stat").read_text()
                except OSError:
                    continue
                fields = stat.rpartition(")")[2].split()
                if int(fields[1]) == parent and fields[0] not in "ZX":
                    found.add(int(proc.name))
        return found

    def zygote(self) -> int | None:
        """The zygote, a child of the server's that forks the readers."""
        for pid in self.children(self.process.pid):
            with contextlib.suppress(OSError):
                if b"tui.serve.zygote" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    return pid
        return None

    def readers(self) -> set[int]:
        """The reader processes: the server's children started afresh, the zygote's forked."""
        zygote = self.zygote()
        fresh = self.children(self.process.pid) - {zygote}
        return fresh | (self.children(zygote) if zygote is not None else set())

    def leftovers(self) -> set[int]:
        """Any process, the readers' workers too, running with a reader's data folder."""
        mark = f"XDG_DATA_HOME={self.home / 'data' / 'dubao' / 'readers'}".encode()
        found = set()
        for proc in Path("/proc").iterdir():
            if proc.name.isdigit():
                try:
                    if mark in (proc / "environ").read_bytes() and pid_alive(int(proc.name)):
                        found.add(int(proc.name))
                except OSError:
                    continue
        return found

    def fds(self) -> int:
        return len(os.listdir(f"/proc/{self.process.pid}/fd"))

    def state(self, key: str) -> Path:
        readers = self.home / "data" / "dubao" / "readers"
        fingerprint = subprocess.run(
            ["ssh-keygen", "-l", "-E", "sha256", "-f", str(self.keys[key])],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()[1]
        name = fingerprint.removeprefix("SHA256:").replace("+", "-").replace("/", "_")
        return readers / name / "dubao" / "state.sqlite3"

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(20)


@pytest.fixture
def served(home: Path) -> Iterator[Callable[..., Served]]:
    started: list[Served] = []

    def start(*args: str, **kwargs: Any) -> Served:
        server = Served(home, *args, **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait(10)


def _article(state: Path) -> str | None:
    store = StateStore.open(state)
    try:
        return store.last_article(StateStore.library_key([seeds_path()]))
    finally:
        store.close()


def test_reading_over_dubao_serve_and_quitting(served: Callable[..., Served]) -> None:
    server = served()
    with server.term() as term:
        term.wait_for(FIRST, timeout=30)
        assert len(server.readers()) == 1
        term.resize(120, 30)  # the reader lays itself out again for the client's window
        term.wait_for(lambda screen: any(len(line) > 80 for line in screen.splitlines()))
        term.send("q")
        assert term.wait_for_exit(15) == 0
    _wait(lambda: re.search(r"127\.0\.0\.1 \S+ \d+s quit$", server.log(), re.M) is not None)
    assert not server.readers()
    assert server.stop() == 0


def test_each_key_has_its_own_place_and_finds_it_again(served: Callable[..., Served]) -> None:
    server = served()
    with server.term("one") as term:
        term.wait_for(FIRST, timeout=30)
        term.send("]")
        term.wait_for(SECOND)
        term.send("q")
        term.wait_for_exit(15)
    with server.term("two") as term:
        term.wait_for(FIRST, timeout=30)  # not where the other key left off
        term.send("q")
        term.wait_for_exit(15)
    with server.term("one") as term:
        term.wait_for(SECOND, timeout=30)  # where this key left off
        term.send("q")
        term.wait_for_exit(15)
    assert _article(server.state("one")) != _article(server.state("two"))
    assert server.stop() == 0


def test_the_language_is_the_clients_and_nothing_else_of_its_environment(
    served: Callable[..., Served],
) -> None:
    server = served()
    send = ("-o", "SendEnv=LANG DUBAO_LANG")
    with server.term("one", *send, env={"LANG": "zh_CN.UTF-8"}) as term:
        term.wait_for("第 1/10 篇", timeout=30)
        term.send("q")
        term.wait_for_exit(15)
    with server.term("one", *send, env={"LANG": "en_US.UTF-8", "DUBAO_LANG": "zh"}) as term:
        term.wait_for(showing("建设平安山西", "Article"), timeout=30)
        term.send("q")
        term.wait_for_exit(15)


@pytest.mark.parametrize("client_locale", ["LANG", "LC_ALL"])
def test_a_client_in_the_c_locale_still_reads_chinese(
    served: Callable[..., Served], client_locale: str
) -> None:
    """The server in a UTF-8 locale (not Python's UTF-8 mode), the client in C: its reader
    writes UTF-8 all the same, as a Python started in the C locale does."""
    server = served(env={"LANG": "C.UTF-8"})
    send = ("-o", f"SendEnv={client_locale}")
    with server.term("one", *send, env={client_locale: "C"}) as term:
        term.wait_for(FIRST, timeout=30)
        assert "\\u" not in term.screen()
        term.send("q")
        assert term.wait_for_exit(15) == 0


def test_without_a_terminal_the_client_is_told_to_use_ssh_t(served: Callable[..., Served]) -> None:
    server = served()
    out = server.run(server.ssh(tty=False))
    assert out.returncode != 0
    assert "ssh -t" in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert not server.readers()
    assert "refused: no terminal" in server.log()


DENIED = "Permission denied (publickey)"


@pytest.mark.parametrize(
    "how",
    [
        ("exec", lambda s: [*s.ssh("one", tty=False), "ls", "/"], "exec request failed"),
        ("exec with a tty", lambda s: [*s.ssh("one"), "dubao", "list"], "exec request failed"),
        (
            "sftp",
            lambda s: [*s.ssh("one", "-s", tty=False), "sftp"],
            "subsystem request failed",
        ),
        (
            "remote forwarding",
            lambda s: s.ssh("one", "-N", "-o", "ExitOnForwardFailure=yes", "-R", "0:127.0.0.1:9"),
            "remote port forwarding failed",
        ),
        (
            "password",
            lambda s: s.ssh("one", "-o", "PreferredAuthentications=password", tty=False),
            DENIED,
        ),
        (
            "keyboard-interactive",
            lambda s: s.ssh("one", "-o", "PreferredAuthentications=keyboard-interactive"),
            DENIED,
        ),
        ("a key not in the file", lambda s: s.ssh("stranger", tty=False), DENIED),
    ],
    ids=lambda how: how[0],
)
def test_what_the_server_refuses(
    served: Callable[..., Served], how: tuple[str, Callable[[Served], list[str]], str]
) -> None:
    server = served()
    out = server.run(how[1](server))
    assert out.returncode != 0, out
    assert how[2] in out.stderr, out.stderr
    assert out.stdout == ""
    assert not server.readers()


def test_local_forwarding_is_refused(served: Callable[..., Served]) -> None:
    server = served()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        local = s.getsockname()[1]
    with socket.socket() as target:  # something that would answer, were it forwarded
        target.bind(("127.0.0.1", 0))
        target.listen()
        forward = f"127.0.0.1:{local}:127.0.0.1:{target.getsockname()[1]}"
        client = subprocess.Popen(
            server.ssh("one", "-N", "-L", forward, tty=False),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait(lambda: _listening(local), what="the forwarded port open")
            with socket.create_connection(("127.0.0.1", local), timeout=10) as conn:
                assert conn.recv(10) == b""  # closed: the server opened no channel
        finally:
            client.terminate()
            client.communicate(timeout=10)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_a_full_server_says_so(served: Callable[..., Served]) -> None:
    server = served("--max-sessions", "1")
    with server.term() as term:
        term.wait_for(FIRST, timeout=30)
        out = server.run(server.ssh("two", tty="force"))
        assert out.returncode != 0
        assert "the server is full" in out.stdout + out.stderr
        assert len(server.readers()) == 1
        term.send("q")
        term.wait_for_exit(15)
    assert "refused: the server is full" in server.log()


def test_one_address_may_not_connect_too_often(served: Callable[..., Served]) -> None:
    server = served("--rate-limit", "3")
    codes = [server.run(server.ssh(tty=False)).returncode for _ in range(4)]
    assert codes[:3] == [1, 1, 1]  # let in, and told to use ssh -t
    assert codes[3] == 255  # the connection closed before a word
    assert "refused: too many connections" in server.log()


def test_an_idle_session_ends(served: Callable[..., Served]) -> None:
    server = served("--idle-timeout", "0.05")  # three seconds
    with server.term() as term:
        term.wait_for(FIRST, timeout=30)
        term.wait_for_exit(30)
        assert "goodbye" in term.screen()
    _wait(lambda: re.search(r"\d+s idle$", server.log(), re.M) is not None)


def test_a_client_killed_mid_article_leaves_its_reader_saved_and_gone(
    served: Callable[..., Served],
) -> None:
    server = served()
    with server.term() as term:
        term.wait_for(FIRST, timeout=30)
        term.send("]")
        term.wait_for(SECOND)
        term.send("space")
        term.wait_stable()
        (reader,) = server.readers()
        os.kill(term.pane_pid(), signal.SIGKILL)  # the ssh client dies: the link drops
        term.wait_for_exit(10)
    _wait(lambda: not pid_alive(reader), timeout=10, what="the reader gone")
    _wait(lambda: not server.leftovers(), timeout=10, what="every reader process gone")
    _wait(lambda: re.search(r"\d+s client gone", server.log()) is not None)
    assert "the reader killed" not in server.log()  # it saved and ended on SIGHUP
    store = StateStore.open(server.state("one"))
    try:
        article = store.last_article(StateStore.library_key([seeds_path()]))
        assert article is not None
        assert store.position(article) is not None
    finally:
        store.close()
    with server.term() as term:
        term.wait_for(SECOND, timeout=30)
        term.send("q")
        term.wait_for_exit(15)


def test_sigterm_saves_every_reader_and_the_server_exits_0(
    served: Callable[..., Served],
) -> None:
    server = served()
    with server.term("one") as one, server.term("two") as two:
        for term in (one, two):
            term.wait_for(FIRST, timeout=30)
            term.send("]")
            term.wait_for(SECOND)
        readers = server.readers()
        assert len(readers) == 2
        assert server.stop() == 0
        one.wait_for_exit(15)
        two.wait_for_exit(15)
    assert not any(pid_alive(pid) for pid in readers)
    assert server.log().count("server stopped") == 2, server.log()
    assert "the reader killed" not in server.log()
    for key in ("one", "two"):
        assert _article(server.state(key)) is not None


def test_rapid_connections_leave_no_process_or_descriptor(
    served: Callable[..., Served],
) -> None:
    server = served("--rate-limit", "0")
    assert server.run(server.ssh(tty=False)).returncode == 1  # one session, to warm up
    _wait(lambda: not server.readers())
    before = server.fds()
    clients = []
    for n in range(20):
        client = subprocess.Popen(
            server.ssh("one", tty="force"),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if n % 2:  # every other one as it gets in, the others once their reader started
            time.sleep(0.05)
        else:
            _wait(lambda n=n: len(server.readers()) > 0, what=f"reader {n} started")
        client.kill()
        client.wait(10)
        clients.append(client)
    _wait(lambda: not server.readers(), timeout=30, what="every reader gone")
    _wait(lambda: not server.leftovers(), timeout=30, what="every reader process gone")
    _wait(lambda: server.fds() <= before, timeout=30, what=f"the fds back to {before}")
    assert server.process.poll() is None


def test_a_connection_without_a_session_is_closed(served: Callable[..., Served]) -> None:
    server = served()
    out = server.run(server.ssh("one", "-N", tty=False))  # no session: would stay forever
    assert out.returncode == 255  # the server closed it (within the login timeout)


def test_readers_are_forked_by_the_zygote_with_the_library_loaded(
    served: Callable[..., Served],
) -> None:
    server = served()
    zygote = server.zygote()
    assert zygote is not None
    with server.term() as term:
        term.wait_for(FIRST, timeout=30)
        (reader,) = server.readers()
        assert reader in server.children(zygote)  # forked, not started afresh
        assert reader not in server.children(server.process.pid)
        term.send("q")
        assert term.wait_for_exit(15) == 0
    _wait(lambda: re.search(r"\d+s quit$", server.log(), re.M) is not None)
    _wait(lambda: not server.readers(), what="the reader reaped")
    assert server.zygote() == zygote  # it goes on, for the next session
    assert server.stop() == 0
    _wait(lambda: not pid_alive(zygote), timeout=5, what="the zygote ended with the server")


def test_without_the_zygote_readers_start_afresh(served: Callable[..., Served]) -> None:
    server = served()
    zygote = server.zygote()
    assert zygote is not None
    with server.term("one") as forked:
        forked.wait_for(FIRST, timeout=30)
        os.kill(zygote, signal.SIGKILL)
        _wait(lambda: "the zygote is gone" in server.log(), what="the zygote's loss logged")
        forked.send("]")
        forked.wait_for(SECOND)  # its reader goes on without it
        with server.term("two") as fresh:
            fresh.wait_for(FIRST, timeout=30)
            fresh_readers = server.children(server.process.pid)
            assert len(fresh_readers) == 1  # started afresh, by the server itself
            fresh.send("q")
            assert fresh.wait_for_exit(15) == 0
        forked.send("q")
        assert forked.wait_for_exit(15) == 0  # its end is heard without the zygote
    _wait(lambda: len(re.findall(r"\d+s (?:quit|the reader ended)$", server.log(), re.M)) == 2)
    assert not server.leftovers()
    assert server.stop() == 0


def test_the_zygote_forks_with_no_other_thread_running(
    served: Callable[..., Served],
    logging_forks: dict[str, str],  # noqa: F811
) -> None:
    server = served(env=logging_forks)
    zygote = server.zygote()
    with server.term("one") as one, server.term("two") as two:
        for term in (one, two):
            term.wait_for(FIRST, timeout=30)
        for term in (one, two):
            term.send("q")
            assert term.wait_for_exit(15) == 0
    forked = fork_log(Path(logging_forks["DUBAO_FORK_LOG"]))
    assert [pid for pid, _ in forked].count(zygote) == 2, forked  # one reader each
    assert [(pid, n) for pid, n in forked if n > 1] == []
    assert server.stop() == 0


def test_agent_and_x11_forwarding_are_refused_and_the_session_goes_on(
    served: Callable[..., Served], home: Path
) -> None:
    tmp = home / "server-tmp"  # where asyncssh would make a forwarded agent's socket
    tmp.mkdir()
    server = served(env={"TMPDIR": str(tmp)})
    agent_socket = home / "agent.sock"
    agent = subprocess.Popen(
        ["ssh-agent", "-D", "-a", str(agent_socket)], stdout=subprocess.DEVNULL
    )
    try:
        _wait(agent_socket.exists, what="the agent up")
        client_env = {
            "PATH": os.environ["PATH"],
            "TERM": "xterm-256color",
            "SSH_AUTH_SOCK": str(agent_socket),
            "DISPLAY": "127.0.0.1:99",  # no X server: forwarding is only asked for
        }
        command = server.ssh("one", "-A", "-X", tty="force")
        out = home / "client.out"
        with open(out, "wb") as screen:
            client = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=screen,
                stderr=subprocess.PIPE,
                env=client_env,
            )
            _wait(lambda: "建设平安山西" in out.read_bytes().decode("utf-8", "replace"))
            assert list(tmp.iterdir()) == []  # no agent socket was made for the session
            _, errors = client.communicate(b"q", timeout=15)
        assert client.returncode == 0
        assert b"X11 forwarding request failed" in errors
    finally:
        agent.kill()
        agent.wait()
    assert server.stop() == 0
