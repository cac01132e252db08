"""The real `dubao` copying in a real tmux, with tmux's default configuration."""

from __future__ import annotations

from pathlib import Path

from tui.core.clipboard import article_text
from tui.library import load_library

from .dubao_term import DUBAO, showing, user_dirs
from .tmux import Tmux


def test_y_and_shift_y_reach_tmux_and_its_clipboard(home: Path) -> None:
    first = load_library(None).issues[0].sections[0].articles[0]
    # `-f /dev/null`: tmux's defaults, `set-clipboard external` among them, which ignores a
    # program's own OSC 52.
    with Tmux([DUBAO], 80, 24, env=user_dirs(home), socket_dir=home) as term:
        assert term.tmux("show-options", "-gs", "set-clipboard").split() == [
            "set-clipboard",
            "external",
        ]
        term.wait_for(showing("建设平安山西 守护幸福生活", "Article 1 of 10"))
        term.send("y")
        term.wait_for("Copied the article.")
        assert term.tmux("show-buffer") == article_text(first)
        assert term.tmux("show-buffer").startswith(
            "省政府新闻办发布会\n\n建设平安山西 守护幸福生活\n\n"
        )
        term.send("Y")
        screen = term.wait_for("Copied: 《seeds》")
        assert term.tmux("show-buffer") == "《seeds》第1版：建设平安山西 守护幸福生活"
        term.send("q")
        assert term.wait_for_exit(10) == 0
    assert "Traceback" not in screen


def test_without_tmux_on_its_path_the_reader_learns_the_line_for_tmux_conf(home: Path) -> None:
    env = {**user_dirs(home), "PATH": str(home / "no-tmux-here")}
    # Wide enough for the message on one line (a toast is half the window wide).
    with Tmux([DUBAO], 140, 24, env=env, socket_dir=home) as term:
        term.wait_for("Article 1 of 10")
        term.send("y")
        screen = term.wait_for("set -g set-clipboard on")
        assert "~/.tmux.conf" in screen
        assert term.tmux("list-buffers") == ""  # tmux ignored the program's own sequence
        term.send("q")
        assert term.wait_for_exit(10) == 0
