"""Copying to the clipboard of the terminal the reader sits at, over SSH too: OSC 52,
through tmux and GNU screen (`tui.core.clipboard` makes the bytes; this sends them)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from typing import Literal

from tui.core.clipboard import TooLong, clipboard_bytes, encoded, route

Copied = Literal["copied", "tmux_fallback", "too_long"]
TMUX_TIMEOUT = 2.0  # seconds; tmux answers in milliseconds unless its server is stuck


def load_tmux_buffer(text: str) -> bool:
    """`tmux load-buffer -w -`: the text in a tmux buffer, and sent by tmux itself to the
    outer terminal's clipboard (tmux 3.2 and later; its default `set-clipboard external`
    lets tmux's own OSC 52 out, never a program's). False if that could not be done."""
    tmux = shutil.which("tmux")
    if tmux is None:
        return False
    try:
        done = subprocess.run(
            [tmux, "load-buffer", "-w", "-"],
            input=text.encode("utf-8"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=TMUX_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def copy_text(
    text: str,
    write: Callable[[str], None],
    *,
    environ: Mapping[str, str] | None = None,
    tmux: Callable[[str], bool] | None = None,
) -> Copied:
    """Put `text` on the clipboard: `write` writes to the terminal. In tmux, tmux copies it
    (`tmux`); where it cannot, the escape sequences go out wrapped for tmux, and the
    reader is told how to let them through (`tmux_fallback`)."""
    try:
        data = encoded(text)
    except TooLong:
        return "too_long"
    where = route(os.environ if environ is None else environ)
    if where == "tmux":
        if (tmux or load_tmux_buffer)(text):
            return "copied"
        write(clipboard_bytes(data, where))
        return "tmux_fallback"
    write(clipboard_bytes(data, where))
    return "copied"
