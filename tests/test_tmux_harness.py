"""The tmux harness itself, driven with small shell programs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.tmux import Tmux, pid_alive, tmux_binary

# Programs idle afterwards so the screen stays put; close() ends them.
IDLE = "sleep 60"


def sh(script: str) -> list[str]:
    return ["sh", "-c", script]


def test_the_pane_is_exactly_the_size_asked(tmp_path: Path) -> None:
    with Tmux(sh(f"stty size; tput cols; tput lines; {IDLE}"), 83, 21, socket_dir=tmp_path) as t:
        screen = t.wait_for(lambda s: s.split("\n")[:3] == ["21 83", "83", "21"])
        assert len(screen.split("\n")) == 21
        assert t.size() == (83, 21)


def test_term_and_env_are_passed_explicitly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLORTERM", "truecolor")
    script = f'echo "[$TERM][$GREETING][${{COLORTERM-unset}}]"; {IDLE}'
    with Tmux(sh(script), env={"GREETING": "你好 x"}, term="xterm", socket_dir=tmp_path) as t:
        t.wait_for("[xterm][你好 x][unset]")


def test_wait_for_accepts_a_predicate(tmp_path: Path) -> None:
    with Tmux(sh(f"echo one; echo two; {IDLE}"), socket_dir=tmp_path) as t:
        screen = t.wait_for(lambda s: s.splitlines()[1:2] == ["two"])
        assert screen.startswith("one\ntwo")


def test_literal_text_then_enter(tmp_path: Path) -> None:
    with Tmux(sh(f"printf 你好世界; read x; echo got:$x; {IDLE}"), socket_dir=tmp_path) as t:
        t.wait_for("你好世界")
        t.send("-n hello 世界", literal=True)
        t.send("Enter")
        t.wait_for("got:-n hello 世界")


def test_key_names(tmp_path: Path) -> None:
    # `od -c` shows each byte: Tab and Escape arrive as the control characters they name.
    script = f"stty raw -echo; echo ready; head -c 3 | od -An -c; {IDLE}"
    with Tmux(sh(script), socket_dir=tmp_path) as t:
        t.wait_for("ready")
        t.send("Tab", "Escape", "q")
        screen = t.wait_for(lambda s: s.split()[-1:] == ["q"])
        assert screen.split() == ["ready", "\\t", "033", "q"]


def test_scrolled_output_leaves_exactly_the_visible_rows(tmp_path: Path) -> None:
    with Tmux(sh(f"seq 100; {IDLE}"), 20, 10, socket_dir=tmp_path) as t:
        t.wait_for("100")
        assert t.lines() == [str(n) for n in range(92, 101)] + [""]


def test_wide_characters_are_captured_intact(tmp_path: Path) -> None:
    # 41 wide characters in 80 columns: 40 fill the first row, the 41st wraps.
    text = "字" * 40 + "尾"
    with Tmux(sh(f"printf '{text}'; {IDLE}"), 80, 24, socket_dir=tmp_path) as t:
        t.wait_for("尾")
        assert t.lines()[:2] == ["字" * 40, "尾"]


def test_screen_with_escapes_keeps_colours(tmp_path: Path) -> None:
    script = rf"printf '\033[31mred\033[0m plain\n'; {IDLE}"
    with Tmux(sh(script), socket_dir=tmp_path) as t:
        assert t.wait_for("red plain").startswith("red plain")
        assert "\x1b[31mred" in t.screen(escapes=True)


def test_resize(tmp_path: Path) -> None:
    with Tmux(sh(f"stty size; read x; stty size; {IDLE}"), socket_dir=tmp_path) as t:
        t.wait_for("24 80")
        t.resize(100, 30)
        t.send("Enter")
        t.wait_for("30 100")
        assert t.size() == (100, 30)
        assert len(t.lines()) == 30


# Programs that exit wait for Enter first: tmux drops output (and may even miss the exit
# status) of a program that exits within milliseconds of starting.


def test_exit_status_and_last_screen_after_exit(tmp_path: Path) -> None:
    with Tmux(sh("echo bye; read x; exit 3"), socket_dir=tmp_path) as t:
        t.wait_for("bye")
        t.send("Enter")
        assert t.wait_for_exit() == 3
        assert t.is_dead()
        assert t.exit_status() == 3
        lines = t.lines()
        assert lines[0] == "bye"
        assert lines[-1].startswith("Pane is dead (status 3")


def test_exit_by_signal_is_negative(tmp_path: Path) -> None:
    with Tmux(sh("read x; kill -TERM $$"), socket_dir=tmp_path) as t:
        t.send("Enter")
        assert t.wait_for_exit() == -15


def test_status_is_none_while_running(tmp_path: Path) -> None:
    with Tmux(sh(f"echo up; {IDLE}"), socket_dir=tmp_path) as t:
        t.wait_for("up")
        assert not t.is_dead()
        assert t.exit_status() is None


def test_pane_pid_and_title(tmp_path: Path) -> None:
    script = rf"printf '\033]2;the title\033\\'; echo pid=$$; {IDLE}"
    with Tmux(sh(script), socket_dir=tmp_path) as t:
        screen = t.wait_for("pid=")
        assert f"pid={t.pane_pid()}" in screen
        assert t.pane_title() == "the title"


def test_wait_until_gone(tmp_path: Path) -> None:
    with Tmux(sh(f"echo first; read x; clear; echo second; {IDLE}"), socket_dir=tmp_path) as t:
        t.wait_for("first")
        t.send("Enter")
        t.wait_until_gone("first")
        t.wait_for("second")


def test_wait_for_fails_with_the_screen(tmp_path: Path) -> None:
    with Tmux(sh(f"echo visible; {IDLE}"), socket_dir=tmp_path) as t:
        t.wait_for("visible")
        with pytest.raises(AssertionError, match=r"(?s)absent.*visible"):
            t.wait_for("absent", timeout=0.3)


def test_wait_for_fails_once_the_program_exited(tmp_path: Path) -> None:
    with Tmux(sh("echo done; read x"), socket_dir=tmp_path) as t:
        t.wait_for("done")
        t.send("Enter")
        with pytest.raises(AssertionError, match=r"(?s)exited.*done"):
            t.wait_for("never shown", timeout=60)


def test_respawn_resets_the_screen(tmp_path: Path) -> None:
    with Tmux(sh(f"echo old; {IDLE}"), socket_dir=tmp_path) as t:
        t.wait_for("old")
        t.respawn(sh(f"echo new $V; {IDLE}"), env={"V": "v2"})
        assert "old" not in t.wait_for("new v2")


def test_close_leaves_nothing_behind(tmp_path: Path) -> None:
    t = Tmux(sh(f"echo hi; {IDLE}"), socket_dir=tmp_path)
    t.wait_for("hi")
    server, pane, socket = t.server_pid, t.pane_pid(), t.socket
    assert socket.exists()
    t.close()
    t.close()  # idempotent
    assert not pid_alive(server)
    assert not pid_alive(pane)
    assert not socket.exists()
    probe = subprocess.run(
        [tmux_binary(), "-S", str(socket), "has-session"], capture_output=True, check=False
    )
    assert probe.returncode != 0


def test_exit_closes_even_on_failure(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="boom"), Tmux(sh(IDLE), socket_dir=tmp_path) as t:
        server = t.server_pid
        raise RuntimeError("boom")
    assert not pid_alive(server)
    assert not t.socket.exists()


def test_a_long_socket_dir_falls_back_to_a_private_one(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 120)
    deep.mkdir()
    with Tmux(sh(f"echo ok; {IDLE}"), socket_dir=deep) as t:
        t.wait_for("ok")
        private = t.socket.parent
        assert private != deep
    assert not private.exists()
