"""`dubao serve`'s parts without a client: its options, keys, limits and the reader's
environment; and its one-line answers to what stops it from starting."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tui.serve.reader import reader_environment

from .dubao_term import DUBAO

server = pytest.importorskip("tui.serve.server")


def test_listen_addresses() -> None:
    assert server.parse_listen("127.0.0.1:2222") == ("127.0.0.1", 2222)
    assert server.parse_listen("[::1]:22") == ("::1", 22)
    assert server.parse_listen(":2222") == ("", 2222)
    assert server.parse_listen("2222") == ("", 2222)
    for bad in ("host:", "host:port", "1:70000"):
        with pytest.raises(server.ServeError):
            server.parse_listen(bad)


def test_the_rate_limit_counts_each_address_over_its_window() -> None:
    now = [0.0]
    limit = server.RateLimit(2, 10.0, clock=lambda: now[0])
    assert [limit.allow("a"), limit.allow("a"), limit.allow("a")] == [True, True, False]
    assert limit.allow("b")  # another address has its own count
    now[0] = 10.5
    assert limit.allow("a")
    assert server.RateLimit(0, 10.0).allow("a")  # 0: no limit


def test_the_reader_gets_the_clients_language_and_terminal_only() -> None:
    host = {"PATH": "/bin", "LANG": "C.UTF-8", "LC_TIME": "C", "COLORTERM": "truecolor"}
    client = {"LANG": "zh_CN.UTF-8", "DUBAO_LANG": "en", "LD_PRELOAD": "/x.so", "LC_ALL": "$(x)"}
    env = reader_environment(host, client, "screen-256color", "/data/k")
    assert env == {
        "PATH": "/bin",
        "LANG": "zh_CN.UTF-8",
        "TERM": "screen-256color",
        "XDG_DATA_HOME": "/data/k",
    }
    assert reader_environment(host, {}, "x;rm", "/d")["TERM"] == "xterm-256color"
    assert reader_environment(host, {}, "xterm", "/d")["LANG"] == "C.UTF-8"


def test_the_host_key_is_made_once_private_and_kept(tmp_path: Path) -> None:
    key = server.load_host_key(tmp_path / "data")
    path = tmp_path / "data" / server.HOST_KEY_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert key.get_algorithm() == "ssh-ed25519"
    again = server.load_host_key(tmp_path / "data")
    assert server.fingerprint(again) == server.fingerprint(key)
    listed = subprocess.run(
        ["ssh-keygen", "-l", "-E", "sha256", "-f", str(path)], capture_output=True, text=True
    )
    assert server.fingerprint(key) in listed.stdout  # what readers check it against


def test_a_key_folder_name_is_safe_and_its_own() -> None:
    one = server.key_folder_name(server.asyncssh.generate_private_key("ssh-ed25519"))
    two = server.key_folder_name(server.asyncssh.generate_private_key("ssh-ed25519"))
    assert one != two
    assert all(c.isalnum() or c in "-_" for c in one + two)


def _serve(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DUBAO, "serve", "--listen", "127.0.0.1:0", *args],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
    )


def test_without_an_authorized_keys_file_it_says_so_and_does_not_start() -> None:
    out = _serve()
    assert out.returncode == 1
    assert out.stderr.startswith("dubao: no authorized keys file ")
    assert "--open" in out.stderr and len(out.stderr.splitlines()) == 1


def test_a_bad_authorized_keys_file_is_one_line(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.write_text("ssh-ed25519 not-base64!\n", encoding="utf-8")
    out = _serve("--authorized-keys", str(keys))
    assert out.returncode == 1 and len(out.stderr.splitlines()) == 1, out.stderr
    assert "authorized keys" in out.stderr


def test_bad_options_are_usage_errors() -> None:
    assert _serve("--open", "--max-sessions", "0").returncode == 2
    out = _serve("--open", "--listen", "nowhere")
    assert out.returncode == 1 and "--listen" in out.stderr
    assert _serve("--open", "--authorized-keys", "k").returncode == 2  # one or the other


def test_without_asyncssh_it_says_what_to_install(tmp_path: Path) -> None:
    # A module that cannot be imported stands for asyncssh not installed.
    (tmp_path / "asyncssh.py").write_text("raise ImportError(name='asyncssh')\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-m", "tui", "serve", "--open"],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
    )
    assert out.returncode == 1
    assert out.stderr == "dubao: dubao serve needs asyncssh: pip install 'dubao[serve]'\n"
