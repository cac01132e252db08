"""`y` and `Y` in the reader (Pilot), and a selection made with the mouse in the article."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from textual.geometry import Offset

from tui.core.clipboard import article_text
from tui.core.model import Library
from tui.library import load_library
from tui.store.settings import Settings
from tui.ui.app import DubaoApp
from tui.ui.widgets.article_view import ArticleView

PAGE = (
    "## 中共中央国务院举行春节团拜会\n\n"
    "**本报北京2月3日电** 中共中央、国务院3日上午在人民大会堂举行2019年春节团拜会。"
    "习近平发表讲话，代表党中央、国务院，向全国各族人民拜年。\n\n"
    "第二段：团拜会上，首都各界代表欢聚一堂，喜迎佳节。\n"
)


@pytest.fixture
def library(tmp_path: Path) -> Library:
    # The People's Daily of 4 February 2019: an article of page 1 and one of page 2.
    (tmp_path / "renmrb_20190204_1-01.md").write_text(PAGE, encoding="utf-8")
    second = "## 第二篇文章\n\n本报讯 另一篇的正文。\n"
    (tmp_path / "renmrb_20190204_1-02.md").write_text(second, encoding="utf-8")
    return load_library([tmp_path])


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the app writes to the terminal, in a terminal outside tmux and screen."""
    monkeypatch.delenv("TMUX", raising=False)
    monkeypatch.delenv("STY", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    out: list[str] = []
    monkeypatch.setattr(DubaoApp, "_write_to_terminal", lambda self, sequence: out.append(sequence))
    return out


def make_app(library: Library, language: str = "en") -> DubaoApp:
    return DubaoApp(library, settings=Settings(theme="dubao-dark"), language=language)


def copied(written: list[str]) -> list[str]:
    """The texts that OSC 52 sequences carried."""
    return [
        base64.b64decode(data).decode("utf-8")
        for sequence in written
        for data in re.findall(r"\x1b\]52;c;([A-Za-z0-9+/=]*)\x07", sequence)
    ]


def notes(app: DubaoApp) -> list[str]:
    return [notification.message for notification in app._notifications]


@pytest.mark.parametrize(
    ("language", "done"), [("en", "Copied the article."), ("zh", "已复制全文。")]
)
async def test_y_copies_the_article(
    library: Library, written: list[str], language: str, done: str
) -> None:
    app = make_app(library, language)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("y")
        article = library.issues[0].sections[0].articles[0]
        assert copied(written) == [article_text(article)]
        assert copied(written)[0].startswith("中共中央国务院举行春节团拜会\n\n本报北京2月3日电 ")
        assert "\n\n第二段：团拜会上" in copied(written)[0]
        assert notes(app) == [done]


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_shift_y_copies_the_citation(
    library: Library, written: list[str], language: str
) -> None:
    app = make_app(library, language)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("Y")
        line = "《人民日报》2019年2月4日 第1版：中共中央国务院举行春节团拜会"
        assert copied(written) == [line]  # a Chinese citation in either language
        said = "Copied: " if language == "en" else "已复制引用："
        assert notes(app) == [said + line]
        await pilot.press("right_square_bracket", "Y")
        assert copied(written)[-1] == "《人民日报》2019年2月4日 第2版：第二篇文章"


async def test_the_seeds_are_cited_by_their_folder(written: list[str]) -> None:
    app = DubaoApp(load_library(None), settings=Settings(theme="dubao-dark"), language="en")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("Y")
        assert copied(written) == ["《seeds》第1版：建设平安山西 守护幸福生活"]


async def test_too_long_says_so_and_copies_nothing(tmp_path: Path, written: list[str]) -> None:
    page = tmp_path / "long.md"
    page.write_text("## 长文\n\n" + "长" * 30_000 + "\n", encoding="utf-8")  # 90 KB
    app = make_app(load_library([tmp_path]))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("y")
        assert written == []
        assert notes(app) == [
            "Too long for the terminal's clipboard (90 KB, at most 75 KB): nothing was copied."
        ]


async def test_in_tmux_tmux_copies(
    library: Library, written: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.ui import terminal_clipboard

    monkeypatch.setenv("TMUX", "/tmp/tmux-0/default,1,0")
    loaded: list[str] = []
    monkeypatch.setattr(
        terminal_clipboard, "load_tmux_buffer", lambda text: loaded.append(text) or True
    )
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("Y")
        assert loaded == ["《人民日报》2019年2月4日 第1版：中共中央国务院举行春节团拜会"]
        assert written == []
        # tmux could not: the sequence goes out wrapped, and the reader learns the line.
        monkeypatch.setattr(terminal_clipboard, "load_tmux_buffer", lambda text: False)
        await pilot.press("y")
        assert written and written[0].startswith("\x1bPtmux;\x1b\x1b]52;c;")
        assert notes(app) == ["Not copied? Add to ~/.tmux.conf: set -g set-clipboard on"]


async def test_a_mouse_selection_in_the_article_is_what_y_copies(
    library: Library, written: list[str]
) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        lines = view.lines
        row = next(n for n, line in enumerate(lines) if line.kind == "body")
        first = lines[row]
        # Press on the paragraph's third character, drag to its second line's fourth (each
        # two cells wide), at the offsets Pilot takes: from the pane's corner.
        second = lines[row + 1]
        region = view.scrollable_content_region
        corner = view.region.offset
        start = Offset(region.x + view._text_left(first, region.width) + 4, region.y + row)
        end = Offset(region.x + view._text_left(second, region.width) + 6, region.y + row + 1)
        start, end = start - corner, end - corner
        await pilot.mouse_down(view, offset=start)
        await pilot.hover(view, offset=end)
        await pilot.mouse_up(view, offset=end)
        await pilot.pause()
        expected = first.text[2:] + second.text[:4]
        assert app.screen.get_selected_text() == expected
        highlight = app.screen.get_component_rich_style("screen--selection").bgcolor
        strip = view.render_line(row - round(view.scroll_y))
        shown = "".join(s.text for s in strip if s.style and s.style.bgcolor == highlight)
        assert shown == first.text[2:]  # drawn selected, from where the press was
        await pilot.press("y")
        assert copied(written) == [expected]
        assert notes(app) == ["Copied the selected text."]
        # Once cleared (Escape), y copies the article again.
        await pilot.press("escape", "y")
        assert copied(written)[-1].startswith("中共中央国务院举行春节团拜会\n\n")


async def test_ctrl_c_still_quits_with_a_selection(library: Library, written: list[str]) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        view.text_select_all()
        await pilot.pause()
        assert app.screen.get_selected_text()
        await pilot.press("ctrl+c")
        await pilot.pause()
    assert app.return_code == 0 and written == []
