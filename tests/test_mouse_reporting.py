"""The mouse asked for when a button is down, not at every move (issue 17): the exact
modes the real `dubao` sets in a terminal, and unsets when it ends."""

from __future__ import annotations

import sys
from pathlib import Path

from .benchmarks.pty_session import PtySession
from .benchmarks.terminal_bytes import base_env
from .conftest import ROOT

DUBAO = [sys.executable, "-m", "tui"]
ANY_MOTION = b"\x1b[?1003h"
BUTTONS = b"\x1b[?1002h"


def run_and_quit(home: Path, *args: str) -> tuple[bytes, bytes, int | None]:
    session = PtySession([*DUBAO, *args], base_env(home), cols=80, rows=24, cwd=ROOT)
    try:
        started = session.read_until_settled(marker="Article 1 of")
    finally:
        session.close()  # `q`, and its output read until it has exited
    return started, bytes(session.output[len(started) :]), session.exit_status


def test_the_reader_asks_for_clicks_drags_and_the_wheel_not_every_move(tmp_path: Path) -> None:
    started, ended, status = run_and_quit(tmp_path)
    assert status == 0
    assert BUTTONS in started and b"\x1b[?1000h" in started and b"\x1b[?1006h" in started
    assert ANY_MOTION not in started + ended
    for mode in (b"1000", b"1002", b"1003", b"1006"):
        assert b"\x1b[?" + mode + b"l" in ended


def test_no_mouse_asks_for_none(tmp_path: Path) -> None:
    started, _, status = run_and_quit(tmp_path, "--no-mouse")
    assert status == 0
    assert BUTTONS not in started and ANY_MOTION not in started
