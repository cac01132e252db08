"""Text that tries to attack the terminal, read and searched in the real `dubao` in tmux."""

from __future__ import annotations

from pathlib import Path

from .conftest import HOSTILE_TITLE
from .dubao_term import DUBAO, showing, user_dirs
from .tmux import Tmux


def test_the_harness_sees_a_title_change_and_a_clipboard_write(home: Path) -> None:
    """Without this, the test below could not fail."""
    attack = r"printf '\033]2;PWNED\007\033]52;c;cHduZWQ=\007'; sleep 5"
    with Tmux(["sh", "-c", attack], 80, 24, socket_dir=home) as term:
        term.tmux("set-option", "-g", "set-clipboard", "on")
        term.respawn(["sh", "-c", attack])
        term.wait_for(lambda _: term.pane_title() == "PWNED", timeout=5)
        term.wait_for(lambda _: bool(term.tmux("list-buffers").strip()), timeout=5)


def test_reading_and_searching_a_hostile_page_leaves_the_terminal_alone(
    home: Path, hostile_page: Path
) -> None:
    with Tmux(["sh", "-c", "sleep 30"], 100, 30, socket_dir=home) as term:
        term.tmux("set-option", "-g", "set-clipboard", "on")
        title_before = term.pane_title()
        term.respawn([DUBAO, str(hostile_page)], env=user_dirs(home))
        term.wait_for(showing("敌意标题", "[@click=app.quit]点我[/]"))
        term.send("space", "b", "j")
        term.send("/")
        term.wait_for(showing("Search"))
        term.send("敌意文本", literal=True)
        term.wait_for(showing("1 articles"), timeout=20)
        term.send("Enter")
        screen = term.wait_for(
            showing("[link=http://evil.example]点这里[/link]", "[red]红字[/red]")
        )
        assert HOSTILE_TITLE.split()[0] in screen
        assert term.pane_title() == title_before
        assert "PWNED" not in term.pane_title()
        assert term.tmux("list-buffers").strip() == ""
        assert "Article 1 of 1" in screen  # the screen was not cleared or switched away
        term.send("q")
        assert term.wait_for_exit(10) == 0
