"""The real `dubao` command in a real terminal (tmux): read, navigate, quit."""

from __future__ import annotations

from pathlib import Path

from .dubao_term import DUBAO, showing, user_dirs
from .tmux import Tmux


def test_read_navigate_and_quit(home: Path) -> None:
    with Tmux([DUBAO], 80, 24, env=user_dirs(home), socket_dir=home) as term:
        # The kicker stands above the headline.
        term.wait_for(showing("建设平安山西 守护幸福生活", "Article 1 of 10", "省政府新闻办发布会"))
        term.send("space")
        term.wait_until_gone("省政府新闻办发布会")
        term.wait_for("群众安全更加可感")  # the page went on, by one screen less a line
        term.send("g")
        term.wait_for("省政府新闻办发布会")
        term.send("]")
        term.wait_for(showing("Article 2 of 10", "践行“枫桥经验”"))
        term.send("]", "]")
        term.wait_for("Article 4 of 10")
        term.send("[")
        term.wait_for(showing("Article 3 of 10", "邓寅明 摄"))  # the photo's credit
        term.send("?")
        term.wait_for("line down / up")
        term.send("Escape")
        term.wait_until_gone("line down / up")
        term.send("s")
        screen = term.wait_until_gone("▾ seeds")
        term.send("s")
        term.wait_for("▾ seeds")
        term.send("q")
        assert term.wait_for_exit(10) == 0
    assert "Traceback" not in screen


def test_chinese_locale_and_sixteen_colours(home: Path) -> None:
    env = {**user_dirs(home), "LANG": "zh_CN.UTF-8"}
    with Tmux([DUBAO], 80, 24, env=env, term="xterm", socket_dir=home) as term:
        term.wait_for(lambda s: "第 1/10 篇" in s and "退出" in s)
        colours = term.screen(escapes=True)
        assert "38;2;" not in colours and "48;2;" not in colours  # no true colour under xterm
        term.send("q")
        assert term.wait_for_exit(10) == 0


def test_resize_in_a_real_terminal_keeps_the_paragraph(home: Path) -> None:
    with Tmux([DUBAO], 100, 30, env=user_dirs(home), socket_dir=home) as term:
        term.wait_for("建设平安山西")
        term.send("space", "space")
        term.wait_stable()
        term.send("j")
        screen = term.wait_stable()
        top = [line for line in screen.splitlines()[1:] if line.strip()]
        marker = next(
            (seg for line in top for seg in line.split("▕")[-1].split() if len(seg) >= 6), None
        )
        assert marker, screen
        term.resize(70, 24)
        screen = term.wait_stable()
        assert marker[:4] in screen.replace(" ", ""), screen
        term.send("q")
        assert term.wait_for_exit(10) == 0


def test_a_missing_path_exits_with_one_line(home: Path) -> None:
    missing = str(home / "nope")
    with Tmux([DUBAO, missing], 80, 24, env=user_dirs(home), socket_dir=home) as term:
        assert term.wait_for_exit(10) == 1
        screen = term.screen().replace("\n", "")
        assert f"dubao: no such file or folder: {missing}" in screen
        assert "Traceback" not in screen


def test_the_search_panel_resized_in_a_real_terminal_is_painted_whole(home: Path) -> None:
    """The panel's layouts after its first paint mark only what they move: a terminal
    resized under it still has every cell painted again, the reader's under it too. What
    the terminal then shows is what a panel opened at the new size shows."""

    def answered(term: Tmux) -> str:
        term.send("/")
        term.wait_for("Search:")
        term.send("本报", literal=True)
        term.wait_for(lambda s: " articles" in s and "本报" in s)
        return term.wait_stable()

    with Tmux([DUBAO], 100, 30, env=user_dirs(home), socket_dir=home) as term:
        term.wait_for("建设平安山西")
        answered(term)
        term.resize(70, 24)
        resized = term.wait_stable()
        field = next(n for n, line in enumerate(resized.splitlines()) if "本报" in line)
        resized_colours = without_line(term.screen(escapes=True), field)  # the cursor blinks
        term.send("Escape")
        term.wait_until_gone(" articles")
        opened = answered(term)
        assert resized == opened, f"{resized}\n---\n{opened}"
        assert resized_colours == without_line(term.screen(escapes=True), field)
        term.send("Escape")
        term.wait_until_gone(" articles")
        term.send("q")
        assert term.wait_for_exit(10) == 0


def without_line(screen: str, row: int) -> list[str]:
    return [line for n, line in enumerate(screen.splitlines()) if n != row]
