"""Text that tries to attack the terminal, read and searched in the real `dubao` in tmux."""

from __future__ import annotations

import os
from pathlib import Path

from .conftest import HOSTILE_TITLE
from .dubao_term import DUBAO, showing, user_dirs
from .tmux import SESSION, Tmux


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
        term.wait_for(showing("Search:"))  # the field; "Search" alone is in the footer
        term.send("敌意文本", literal=True)
        term.wait_for(showing("1 article"), timeout=20)
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


def test_hostile_file_names_fifos_and_devices_leave_the_terminal_alone(home: Path) -> None:
    """Names that would retitle or clear the terminal, a name that is not UTF-8, a FIFO and
    a link to /dev/zero: the good pages open, the others are named, cleaned, in a notice."""
    library = home / "paper"
    library.mkdir()
    page = "# 好的标题\n\n**本报讯** 正文第一段。\n"
    (library / "01_要闻.md").write_text(page, encoding="utf-8")
    (library / "02\x1b]0;PWNED\x07.md").write_text("", encoding="utf-8")  # empty: a notice
    (library / "03\x1b[2J\x1b[?1049l.md").write_text(page.replace("好的", "第三"), "utf-8")
    (library / os.fsdecode(b"04_\xff.md")).write_text(page.replace("好的", "第四"), "utf-8")
    os.mkfifo(library / "05_fifo.md")
    (library / "06_zero.md").symlink_to("/dev/zero")
    with Tmux(["sh", "-c", "sleep 30"], 100, 30, socket_dir=home) as term:
        title_before = term.pane_title()
        term.respawn([DUBAO, str(library)], env=user_dirs(home))
        screen = term.wait_for(showing("好的标题", "Skipped 3 unreadable"), timeout=20)
        term.send("]", "]")
        screen = term.wait_for(showing("第四标题", "第4版 �"))
        assert term.pane_title() == title_before
        assert "PWNED" not in screen
        term.send("q")
        assert term.wait_for_exit(10) == 0


def test_a_byte_that_is_not_utf8_is_not_a_crash(home: Path) -> None:
    """An 8-bit meta key or a Latin-1 paste: Textual's strict decoder would end the input
    thread with a traceback."""
    with Tmux([DUBAO], 80, 24, env=user_dirs(home), socket_dir=home) as term:
        term.wait_for("Article 1 of 10")
        term.tmux("send-keys", "-t", SESSION, "-H", "ff", "e9", "80")
        term.send("]")
        screen = term.wait_for("Article 2 of 10")
        assert "Traceback" not in screen
        term.send("q")
        assert term.wait_for_exit(10) == 0
