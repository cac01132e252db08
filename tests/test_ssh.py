"""dubao over a real SSH connection: `ssh -t` in tmux at 80×24, then a dropped link.

The test starts its own sshd on 127.0.0.1 with a throwaway host key and user key in a
temporary folder, and logs in as the current user with that key.
"""

from __future__ import annotations

import getpass
import os
import shlex
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.store.state import StateStore

from .dubao_term import DUBAO, showing, user_dirs
from .tmux import Tmux, pid_alive

SSHD = "/usr/sbin/sshd"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True, timeout=30
    )


class Server:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = _free_port()
        self.user = getpass.getuser()
        _keygen(folder / "host_key")
        _keygen(folder / "user_key")
        (folder / "authorized_keys").write_bytes((folder / "user_key.pub").read_bytes())
        config = folder / "sshd_config"
        config.write_text(
            "\n".join(
                [
                    "ListenAddress 127.0.0.1",
                    f"Port {self.port}",
                    f"HostKey {folder / 'host_key'}",
                    f"AuthorizedKeysFile {folder / 'authorized_keys'}",
                    f"PidFile {folder / 'sshd.pid'}",
                    "PermitRootLogin prohibit-password",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "UsePAM no",
                    "StrictModes no",
                    "PrintMotd no",
                    "AcceptEnv LANG LC_*",
                    "ClientAliveInterval 0",
                ]
            )
            + "\n",
            encoding="utf-8",
        )
        Path("/run/sshd").mkdir(parents=True, exist_ok=True)  # sshd's privilege separation dir
        self.process = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=open(folder / "sshd.log", "wb"),  # noqa: SIM115 - closed with the process
        )
        self._wait_listening()

    def _wait_listening(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise AssertionError((self.folder / "sshd.log").read_text(errors="replace"))

    def ssh(self, remote: list[str], tty: bool = True) -> list[str]:
        return [
            "ssh",
            *(["-t"] if tty else ["-T"]),
            "-p",
            str(self.port),
            "-i",
            str(self.folder / "user_key"),
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            f"UserKnownHostsFile={self.folder / 'known_hosts'}",
            "-o",
            "LogLevel=ERROR",
            "-o",
            "BatchMode=yes",
            f"{self.user}@127.0.0.1",
            shlex.join(remote),
        ]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    folder = tmp_path / "sshd"
    folder.mkdir()
    running = Server(folder)
    try:
        yield running
    finally:
        running.stop()


def remote_dubao(home: Path, *args: str) -> list[str]:
    env = [f"{k}={v}" for k, v in user_dirs(home).items() if k != "PATH"]
    return ["env", *env, DUBAO, *args]


def _dubao_pids() -> set[int]:
    """Processes running the dubao script itself (not the shells and sshd around it)."""
    pids = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if len(args) > 1 and args[1].decode(errors="replace") == DUBAO:
            pids.add(int(proc.name))
    return pids


def test_reading_over_ssh_and_a_dropped_link_saves_the_position(server: Server, home: Path) -> None:
    before = _dubao_pids()
    command = server.ssh(remote_dubao(home))
    started = time.monotonic()
    with Tmux(command, 80, 24, env={"PATH": os.environ["PATH"]}, socket_dir=home) as term:
        term.wait_for(showing("建设平安山西", "Article 1 of 10", "本报讯"), timeout=20)
        first_screen = time.monotonic() - started
        print(f"first screen over ssh after {first_screen:.2f} s")
        assert first_screen < 3.0  # about a second here; generous for a loaded machine
        remote = _dubao_pids() - before
        assert len(remote) == 1, remote
        (dubao_pid,) = remote
        term.send("space", "space", "j")
        term.wait_until_gone("省政府新闻办发布会")  # the keys have been read
        term.wait_stable()
        os.kill(term.pane_pid(), 9)  # the ssh client dies: the link is dropped
        term.wait_for_exit(10)
    deadline = time.monotonic() + 10
    while pid_alive(dubao_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not pid_alive(dubao_pid), "the remote dubao is still running"
    store = StateStore.open(home / "data" / "dubao" / "state.sqlite3")
    try:
        from tui.library import seeds_path

        article_id = store.last_article(StateStore.library_key([seeds_path()]))
        assert article_id is not None
        state = store.position(article_id)
        assert state is not None and state.anchor.block >= 0, state
    finally:
        store.close()


def test_without_a_terminal_dubao_says_how_to_get_one(server: Server, home: Path) -> None:
    out = subprocess.run(
        server.ssh(remote_dubao(home), tty=False),
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert out.returncode == 1
    assert out.stdout == ""
    assert "needs a terminal" in out.stderr and "ssh -t" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
