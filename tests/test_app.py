"""The reader driven with Textual's Pilot: every key, resize, mouse, and hostile text."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.screen import Screen
from textual.widgets import Input, OptionList, ProgressBar
from textual.widgets._toast import Toast

from tui.core.layout import Anchor
from tui.core.model import Library
from tui.core.text import cell_width
from tui.library import Progress as LoadProgress
from tui.library import load_library
from tui.store.settings import Settings
from tui.store.state import StateStore
from tui.ui.app import DubaoApp
from tui.ui.screens.help import HelpScreen
from tui.ui.widgets.article_view import ArticleView
from tui.ui.widgets.help_text import HelpText
from tui.ui.widgets.sidebar import Sidebar

from .conftest import fake_loader_load, loaded

LONG = "这是一个很长的段落,用来测试翻页和滚动。" * 40


def _page(*titles: str) -> str:
    return "".join(f"## {t}\n\n**本报讯** {LONG}\n\n{LONG}\n\n{LONG}\n\n" for t in titles)


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return two_issues(tmp_path)


def two_issues(tmp_path: Path) -> Library:
    """Two issues, two pages each: enough to move across sections and issues."""
    files = {
        "2025-12-10/01_要闻.md": _page("十日一版甲", "十日一版乙"),
        "2025-12-10/02_经济.md": _page("十日二版甲"),
        "2025-12-09/01_要闻.md": _page("九日一版甲", "九日一版乙"),
        "2025-12-09/02_体育.md": _page("九日二版甲"),
    }
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return load_library([tmp_path])


def make_app(library: Library, language: str = "en", **settings: object) -> DubaoApp:
    return DubaoApp(library, settings=Settings(theme="dubao-dark", **settings), language=language)


def title(app: DubaoApp) -> str | None:
    reader = app.reader
    return reader.places[reader.current].article.title


def view(app: DubaoApp) -> ArticleView:
    return app.query_one(ArticleView)


async def test_first_launch_opens_the_first_article_of_the_newest_issue(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert title(app) == "十日一版甲"
        assert isinstance(app.focused, ArticleView)
        assert view(app).scroll_y == 0
        assert "Article 1 of 2" in str(app.query_one("#where").render())


async def test_line_keys(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        for key, expected in [("j", 1), ("down", 2), ("k", 1), ("up", 0), ("up", 0)]:
            await pilot.press(key)
            assert view(app).scroll_y == expected, key


async def test_page_keys_from_the_article_and_from_the_sidebar(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        page = view(app).scrollable_content_region.height - 1
        await pilot.press("space")
        assert view(app).scroll_y == page
        await pilot.press("pagedown")
        assert view(app).scroll_y == min(2 * page, view(app).max_scroll_y)
        await pilot.press("b")
        assert view(app).scroll_y == min(2 * page, view(app).max_scroll_y) - page
        await pilot.press("pageup")
        assert view(app).scroll_y == 0
        await pilot.press("tab")
        assert isinstance(app.focused, Sidebar)
        await pilot.press("space")
        assert view(app).scroll_y == page
        await pilot.press("b")
        assert view(app).scroll_y == 0
        assert isinstance(app.focused, Sidebar)


async def test_top_and_bottom(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        bottom = view(app).max_scroll_y
        assert bottom > 10
        for key, expected in [("G", bottom), ("g", 0), ("end", bottom), ("home", 0)]:
            await pilot.press(key)
            assert view(app).scroll_y == expected, key


async def test_space_at_the_end_turns_to_the_next_article(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("G", "space")
        assert title(app) == "十日一版乙"
        assert view(app).scroll_y == 0


def notes(app: DubaoApp) -> list[str]:
    return [notification.message for notification in app._notifications]


async def test_the_edges_of_the_library_say_so(library: Library) -> None:
    # Issue 17: `[` at the first article, `{` on the first page, `}` on the last page, and
    # Space or `]` at the very end: a short message, not silence.
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("left_square_bracket")
        assert notes(app)[-1] == "This is the first article."
        await pilot.press("left_curly_bracket")
        assert notes(app)[-1] == "This is the first page."
        for _ in range(3):
            await pilot.press("right_curly_bracket")
        assert title(app) == "九日二版甲"
        await pilot.press("right_curly_bracket")
        assert title(app) == "九日二版甲"
        assert notes(app)[-1] == "This is the last page."
        await pilot.press("right_square_bracket")
        assert notes(app)[-1] == "This is the last article."
        await pilot.press("G", "space")
        await pilot.pause()
        assert title(app) == "九日二版甲"
        assert notes(app)[-1] == "The end: this is the last article."


async def test_backspace_returns_to_the_article_and_paragraph_left(library: Library) -> None:
    # Issue 17: after a jump (a date, a page, a search hit…), the way back.
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("space", "space")
        await pilot.pause()
        left_at = view(app).top_anchor()
        assert left_at.block > 0
        await pilot.press("right_curly_bracket")  # 十日二版甲
        await pilot.press("d", *"2025-12-09")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert title(app) == "九日一版甲"
        await pilot.press("backspace")
        assert title(app) == "十日二版甲"
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert title(app) == "十日一版甲"
        assert view(app).top_anchor() == left_at
        await pilot.press("backspace")
        assert notes(app)[-1] == "Nothing to go back to."
        await pilot.press("alt+right")
        assert title(app) == "十日二版甲"
        await pilot.press("alt+right")
        assert title(app) == "九日一版甲"
        await pilot.press("alt+right")
        assert notes(app)[-1] == "Nothing to go forward to."
        await pilot.press("alt+left")
        assert title(app) == "十日二版甲"


async def test_next_and_previous_article_across_sections_and_issues(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        seen = [title(app)]
        for _ in range(5):
            await pilot.press("right_square_bracket")
            seen.append(title(app))
        assert seen == [
            *("十日一版甲", "十日一版乙", "十日二版甲"),
            *("九日一版甲", "九日一版乙", "九日二版甲"),
        ]
        await pilot.press("right_square_bracket")  # the last one: stays, says so
        assert title(app) == "九日二版甲"
        for expected in reversed(seen[:-1]):
            await pilot.press("left_square_bracket")
            assert title(app) == expected


async def test_next_and_previous_section(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("right_curly_bracket")
        assert title(app) == "十日二版甲"
        await pilot.press("right_curly_bracket")
        assert title(app) == "九日一版甲"
        await pilot.press("right_square_bracket")  # 九日一版乙, in the middle of its page
        await pilot.press("left_curly_bracket")
        assert title(app) == "十日二版甲"
        await pilot.press("left_curly_bracket")
        assert title(app) == "十日一版甲"


async def test_header_shows_issue_section_and_status(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("right_curly_bracket", "right_curly_bracket")
        masthead = str(app.query_one("#masthead").render())
        assert "2025-12-09" in masthead
        assert "第1版 要闻" in masthead
        assert "Article 1 of 2" in str(app.query_one("#where").render())
        await pilot.press("G")
        await pilot.pause()
        assert "100% read" in str(app.query_one("#percent").render())


@pytest.mark.parametrize(
    ("language", "day", "day_before"),
    [
        ("zh", "2025年12月10日 星期三", "2025年12月9日 星期二"),
        ("en", "Wed 2025-12-10", "Tue 2025-12-09"),
    ],
)
async def test_issues_are_dated_with_their_weekday(
    library: Library, language: str, day: str, day_before: str
) -> None:
    app = make_app(library, language=language)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert day in str(app.query_one("#masthead").render())
        issues = [str(node.label) for node in app.query_one(Sidebar).root.children]
        assert issues[:2] == [day, day_before]


async def test_tab_switches_focus_and_enter_in_the_sidebar_opens(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("tab")
        sidebar = app.query_one(Sidebar)
        assert app.focused is sidebar
        await pilot.pause()
        assert sidebar.cursor_node is not None
        assert sidebar.cursor_node.data is not None
        assert sidebar.cursor_node.data.id == app.reader.places[0].article.id
        await pilot.press("down", "enter")
        assert title(app) == "十日一版乙"
        assert isinstance(app.focused, ArticleView)
        await pilot.press("tab")
        assert app.focused is sidebar
        await pilot.press("tab")
        assert isinstance(app.focused, ArticleView)


async def test_sidebar_follows_article_keys(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("right_square_bracket", "right_square_bracket")
        await pilot.pause()
        node = app.query_one(Sidebar).cursor_node
        assert node is not None and node.data is not None
        assert node.data.id == app.reader.places[2].article.id


async def test_clicking_an_article_in_the_sidebar_opens_it(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        sidebar = app.query_one(Sidebar)
        await pilot.pause()
        sidebar.show_issue(app.reader.places[3].issue.id)  # older issues open when asked for
        await pilot.pause()
        row = next(
            y
            for y, line in enumerate(sidebar._tree_lines)
            if line.node.data and line.node.data.id == app.reader.places[3].article.id
        )
        await pilot.click(Sidebar, offset=(8, row))
        await pilot.pause()
        assert title(app) == "九日一版甲"


async def test_mouse_wheel_scrolls_the_article(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.mouse_down(ArticleView, offset=(10, 5))
        article_view = view(app)
        article_view.post_message(_wheel_down(article_view))
        await pilot.pause()
        assert article_view.scroll_y > 0


def _wheel_down(widget: ArticleView):
    from textual.events import MouseScrollDown

    return MouseScrollDown(widget, 10, 5, 0, 0, 0, False, False, False)


async def test_toggle_sidebar_on_a_wide_terminal(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        sidebar = app.query_one(Sidebar)
        assert sidebar.display
        await pilot.press("s")
        assert not sidebar.display
        assert isinstance(app.focused, ArticleView)
        await pilot.press("s")
        assert sidebar.display


@pytest.mark.parametrize("columns", [50, 60, 71])
async def test_narrow_terminal_hides_the_sidebar_and_s_shows_it_over_the_article(
    library: Library, columns: int
) -> None:
    app = make_app(library)
    async with app.run_test(size=(columns, 24)) as pilot:
        await pilot.pause()
        sidebar = app.query_one(Sidebar)
        assert not sidebar.display
        article_width = view(app).size.width
        await pilot.press("s")
        await pilot.pause()
        assert sidebar.display
        assert app.focused is sidebar
        assert view(app).size.width == article_width  # over the article, not beside it
        await pilot.press("down", "enter")
        await pilot.pause()
        assert title(app) == "十日一版乙"
        assert not sidebar.display
        assert isinstance(app.focused, ArticleView)


@pytest.mark.parametrize("columns", [72, 80, 100])
async def test_beside_the_sidebar_the_text_keeps_forty_columns(
    library: Library, columns: int
) -> None:
    # Issue 17: at 60 columns the sidebar beside the article left 28 (15 Chinese characters).
    app = make_app(library)
    async with app.run_test(size=(columns, 24)) as pilot:
        await pilot.pause()
        assert app.query_one(Sidebar).display
        assert view(app).column_width >= 40


async def test_resize_keeps_the_same_paragraph_on_top(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("space", "space", "j")
        before = view(app).top_anchor()
        assert before.block > 0
        text_before = view(app).lines[round(view(app).scroll_y)].text
        await pilot.resize_terminal(70, 23)
        await pilot.pause()
        after = view(app).top_anchor()
        assert after.block == before.block
        top_line = view(app).lines[round(view(app).scroll_y)]
        assert top_line.start <= before.offset < top_line.end or top_line.text[:1] in text_before
        await pilot.resize_terminal(120, 30)
        await pilot.pause()
        assert view(app).top_anchor().block == before.block


async def test_measure_keys_widen_and_narrow_the_column(library: Library) -> None:
    app = make_app(library, measure=60)
    async with app.run_test(size=(160, 30)) as pilot:
        assert view(app).column_width == 60
        await pilot.press("plus")
        assert view(app).column_width == 64
        await pilot.press("minus", "minus")
        assert view(app).column_width == 56
        assert max(line.indent + cell_width(line.text) for line in view(app).lines) <= 56


async def test_text_column_is_limited_and_centred_on_wide_terminals(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(200, 40)) as pilot:
        await pilot.pause()
        article_view = view(app)
        assert article_view.column_width == 76  # 38 Chinese characters
        strip = article_view.render_line(8)
        text = "".join(segment.text for segment in strip)
        margin = len(text) - len(text.lstrip(" "))
        assert margin >= (article_view.size.width - 76) // 2 - 1


async def test_theme_key_cycles_themes(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        seen = [app.theme]
        for _ in range(3):
            await pilot.press("t")
            seen.append(app.theme)
        assert seen == ["dubao-dark", "dubao-light", "dubao-terminal", "dubao-dark"]


@pytest.mark.parametrize("key", ["question_mark", "f1"])
async def test_help_screen_opens_and_closes(library: Library, key: str) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        markdown = app.screen.query_one(HelpText)
        assert "next / previous article" in markdown.source
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_help_is_whole_at_50_columns(library: Library, language: str) -> None:
    # Issue 17: the help was a table, its text cut with "…" at 50 columns.
    app = make_app(library, language=language)
    async with app.run_test(size=(50, 20)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause(0.5)
        shown = app.export_screenshot()  # the screen as SVG text
        assert "…" not in shown and "&#8230;" not in shown


async def test_help_in_chinese(library: Library) -> None:
    app = make_app(library, language="zh")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert "下一篇 / 上一篇" in app.screen.query_one(HelpText).source


async def test_quit(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert app._exit


async def test_ctrl_c_quits_as_q_does_and_keeps_the_place(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("right_square_bracket", "ctrl+c")
        await pilot.pause()
        assert app._exit
    assert title(app) == "十日一版乙"
    again = make_app(library)
    async with again.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert title(again) == "十日一版乙"  # the place kept


async def test_messages_replace_each_other_rather_than_pile_up(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.press(*["minus"] * 10)
        await pilot.pause()
        assert notes(app) == [f"Text width: {view(app).measure} columns"]
        # One line, over the article: not over the status line, the keys or the title.
        await pilot.pause(0.3)
        (toast,) = app.screen.query(Toast)
        status = app.screen.query_one("#status").region
        assert toast.region.height == 1
        assert toast.region.y >= 1 and toast.region.bottom <= status.y


def offered(palette: Screen) -> list[str]:
    """What a palette lists, as text (its "nothing found" line is centred in an Align)."""
    prompts = [option.prompt for option in palette.query_one(OptionList).options]
    return [str(getattr(prompt, "renderable", prompt)) for prompt in prompts]


async def test_the_palette_offers_dubaos_commands_only_in_the_readers_language(
    library: Library,
) -> None:
    app = make_app(library, language="zh")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause(0.5)
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        assert palette.query_one(Input).placeholder == "按标题找文章，或输入命令…"
        await pilot.press(*"qu")  # "Quit" in English: found in neither language now
        await pilot.pause(0.5)
        assert not any(
            word in " ".join(offered(palette)) for word in ("Quit", "Keys", "Screenshot")
        )
        await pilot.press("backspace", "backspace", *"退出")
        await pilot.pause(0.5)
        assert any("退出" in prompt for prompt in offered(palette))
        await pilot.press(*"没有这样的标题")
        await pilot.pause(0.8)  # Textual waits half a second before saying there is nothing
        assert offered(palette) == ["没有找到"]


async def test_the_theme_and_width_chosen_are_kept_over_the_settings(library: Library) -> None:
    app = make_app(library, measure=60)
    async with app.run_test(size=(120, 30)) as pilot:
        assert (app.theme, view(app).measure) == ("dubao-dark", 60)
        await pilot.press("t", "plus")
        chosen = (app.theme, view(app).measure)
        assert chosen[0] != "dubao-dark" and chosen[1] > 60
        await pilot.press("q")
    again = make_app(library, measure=60)
    async with again.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert (again.theme, view(again).measure) == chosen


async def test_command_palette_finds_an_article_by_title(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"九日二版")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert title(app) == "九日二版甲"


async def test_chinese_labels_under_a_chinese_locale(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.delenv("DUBAO_LANG", raising=False)
    app = DubaoApp(library, settings=Settings(theme="dubao-dark"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "第 1/2 篇" in str(app.query_one("#where").render())
        descriptions = {b.description for _, b, *_ in app.active_bindings.values()}
        assert "退出" in descriptions


async def test_sidebar_labels_end_in_an_ellipsis_never_mid_character(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        sidebar = app.query_one(Sidebar)
        width = sidebar.scrollable_content_region.width
        for y in range(len(sidebar._tree_lines)):
            strip = sidebar.render_line(y)
            assert strip.cell_length <= sidebar.size.width
        long_node = next(
            line.node for line in sidebar._tree_lines if line.node.data.kind == "article"
        )
        assert width < 40
        label = sidebar.render_label(long_node, sidebar.rich_style, sidebar.rich_style)
        assert label.cell_len <= width


async def test_hostile_titles_show_literally_and_run_nothing(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "## [bold]粗[/b] [@click=app.quit]点我[/] [link=http://x]链[/link]\n\n"
        "正文 [red]不是标记[/red] \x1b]0;pwned\x07 \x9b2J。\n",
        encoding="utf-8",
    )
    app = make_app(load_library([tmp_path]))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen_text = "\n".join(
            "".join(seg.text for seg in app.screen._compositor.render_strips()[y])
            for y in range(30)
        )
        assert "[@click=app.quit]点我[/]" in screen_text
        assert "[bold]粗[/b]" in screen_text
        assert "[red]不是标记[/red]" in screen_text
        assert "\x1b" not in screen_text and "\x9b" not in screen_text
        await pilot.click(ArticleView, offset=(30, 1))
        await pilot.pause()
        assert not app._exit


async def test_animation_is_off_by_default_and_a_setting_turns_it_on(library: Library) -> None:
    assert make_app(library).animation_level == "none"
    app = make_app(library, animation=True)
    assert app.animation_level == "full"
    async with app.run_test(size=(100, 30)):
        assert view(app).animate_scroll


async def test_reopen_at_an_anchor(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        app.reader.open_place(1, Anchor(1, 0))
        await pilot.pause()
        assert view(app).top_anchor() == Anchor(1, 0)
        assert view(app).scroll_y > 0


async def test_older_issues_are_filled_in_only_when_opened(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        sidebar = app.query_one(Sidebar)
        newest, older = (sidebar._issue_nodes[i.id] for i in library.issues)
        assert newest.is_expanded and newest.children
        assert not older.is_expanded and not older.children
        await pilot.press("tab")
        sidebar.move_cursor(older)
        await pilot.press("l")  # open it
        await pilot.pause()
        assert older.is_expanded
        assert [c.label.plain.split(" (")[0] for c in older.children] == [
            "第1版 要闻",
            "第2版 体育",
        ]
        await pilot.press("right_curly_bracket", "right_curly_bracket")  # across to the older issue
        assert title(app) == "九日一版甲"


async def test_d_jumps_to_the_issue_of_a_date(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("d")
        await pilot.pause()
        await pilot.press(*"12-09")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert title(app) == "九日一版甲"
        assert app.query_one(Sidebar)._issue_nodes[library.issues[1].id].is_expanded


async def test_a_date_in_a_library_without_dates_says_so() -> None:
    app = make_app(load_library(), language="zh")  # the seed: one undated page
    async with app.run_test(size=(50, 20)) as pilot:
        await pilot.press("d")
        await pilot.pause()
        await pilot.press(*"2019-05-01")
        await pilot.pause(0.8)
        assert offered(app.screen) == ["这个报库的报纸没有日期"]


@pytest.mark.parametrize(
    ("typed", "opened", "said"),
    [
        ("2025-12-09", "九日一版甲", None),
        ("2025年12月9日", "九日一版甲", None),
        ("20251209", "九日一版甲", None),
        ("12月10日", "十日一版甲", None),  # the year being read
        ("2025-12", "九日一版甲", None),  # the month's first issue, not its last
        ("2025-12-01", "九日一版甲", "No issue on 2025-12-01: the nearest is Tue 2025-12-09"),
        ("2026-01-01", "十日一版甲", "No issue on 2026-01-01: the nearest is Wed 2025-12-10"),
    ],
)
async def test_d_goes_to_a_date_as_readers_write_it_or_the_nearest_issue(
    library: Library, typed: str, opened: str, said: str | None
) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("right_curly_bracket")  # not at the newest issue's first article
        await pilot.press("d")
        await pilot.pause()
        await pilot.press(*typed)
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert title(app) == opened
        assert (notes(app)[-1] if said else None) == said


async def test_the_date_prompt_is_a_placeholder_in_both_languages(library: Library) -> None:
    for language, start in (("en", "A date: "), ("zh", "日期，如 ")):
        app = make_app(library, language=language)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("d")
            await pilot.pause()
            field = app.screen.query_one(Input)
            assert field.value == ""
            assert field.placeholder.startswith(start)


async def test_the_loading_waits_behind_a_screen_over_the_reader(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under the help or the search panel, the reader's screen does not change as pages
    arrive (each change has the screen on top painted whole again, and written again over
    SSH): the issues, the count and the bar catch up when it is uncovered. The bar has its
    figures from the first screen on, so it never animates there."""
    import threading

    from textual.widgets._progress_bar import Bar

    import tui.background.loader

    covered, more = threading.Event(), threading.Event()
    total = 40

    def slow_load(paths, on_progress=None, on_note=None, on_partial=None, **_):  # type: ignore[no-untyped-def]
        on_progress(LoadProgress(1, total, "page1.md", articles=3))
        on_partial(Library(issues=library.issues[:1]))  # before the window
        on_partial(Library(issues=library.issues[:1]))  # the first the reader hears: shown
        covered.wait(20)
        on_progress(LoadProgress(20, total, "page20.md", articles=60))
        on_partial(Library(issues=library.issues[:2]))
        more.wait(20)
        return library

    fake_loader_load(monkeypatch, slow_load)
    loader = tui.background.loader.Loader.start(["anything"])
    first = loader.first(timeout=5)
    app = DubaoApp(
        first,
        paths=["anything"],
        loader=loader,
        settings=Settings(theme="dubao-dark"),
        language="en",
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        progress = app.query_one("#progress", ProgressBar)
        bar = progress.query_one("#bar", Bar)
        assert progress.progress == 1 and bar.auto_refresh is None
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        where = str(app.reader.query_one("#where").render())
        covered.set()
        for _ in range(100):  # the second part has come
            await pilot.pause(0.05)
            if app.reader._held is not None:
                break
        await pilot.pause(0.6)  # two ticks of the bar's timer
        sidebar = app.reader.query_one(Sidebar)
        assert len(sidebar._issue_nodes) == 1
        assert progress.progress == 1
        assert str(app.reader.query_one("#where").render()) == where
        await pilot.press("escape")
        await pilot.pause()
        assert len(sidebar._issue_nodes) == 2
        assert progress.progress == 20
        assert "Reading 20/40 pages" in str(app.reader.query_one("#where").render())
        more.set()
        await loaded(app.reader, pilot)


async def test_keys_work_while_a_large_library_is_loading_and_the_bar_ends_hidden(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    release = threading.Event()
    total = 40

    def slow_load(paths, on_progress=None, on_note=None, on_partial=None, **_):  # type: ignore[no-untyped-def]
        on_partial(Library(issues=library.issues[:1]))  # the newest issue is in
        for done in range(1, total):
            on_progress(LoadProgress(done, total, f"page{done}.md", articles=3 * done))
        release.wait(20)  # the last page takes its time
        on_progress(LoadProgress(total, total, "last.md"))
        return library

    fake_loader_load(monkeypatch, slow_load)
    app = DubaoApp(paths=["anything"], settings=Settings(theme="dubao-dark"), language="en")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        bar = app.query_one("#progress", ProgressBar)
        assert bar.display and bar.total == total and bar.progress == total - 1
        assert "Reading 39/40 pages, 117 articles" in str(app.query_one("#where").render())
        assert title(app) == "十日一版甲"  # readable before loading ends
        assert len(app.query_one(Sidebar)._issue_nodes) == 1
        await pilot.press("t")  # the UI answers while the pages are read
        assert app.theme == "dubao-light"
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "HelpScreen"
        await pilot.press("escape", "right_square_bracket")
        assert title(app) == "十日一版乙"
        release.set()
        await loaded(app.reader, pilot)
        await pilot.pause()
        assert bar.progress == total and not bar.display
        assert title(app) == "十日一版乙"  # the whole library came: the reader stays put
        assert "Article 2 of 2" in str(app.query_one("#where").render())
        assert len(app.query_one(Sidebar)._issue_nodes) == 2
        await pilot.press("right_curly_bracket", "right_curly_bracket")
        assert title(app) == "九日一版甲"  # into the issue that came last


async def test_while_loading_the_article_read_last_is_awaited_not_jumped_to(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    older = library.issues[1].sections[0].articles[0]  # 九日一版甲, in the issue read last
    store = StateStore.open()
    assert store is not None
    key = StateStore.library_key([Path("anything")])
    store.open_article(key, older.id)
    release = threading.Event()

    def slow_load(paths, on_progress=None, on_note=None, on_partial=None, **_):  # type: ignore[no-untyped-def]
        on_partial(Library(issues=library.issues[:1]))
        release.wait(20)
        return library

    fake_loader_load(monkeypatch, slow_load)
    app = DubaoApp(
        paths=["anything"], settings=Settings(theme="dubao-dark"), language="en", store=store
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        assert len(app.query_one(Sidebar)._issue_nodes) == 1
        assert view(app).article is None  # not the newest issue's first article, then a jump
        release.set()
        await loaded(app.reader, pilot)
        await pilot.pause()
        assert title(app) == "九日一版甲"
        assert view(app).article == older


@pytest.mark.parametrize("after_attach", [False, True])
async def test_a_library_that_fails_to_load_ends_the_app_with_its_reason(
    monkeypatch: pytest.MonkeyPatch, after_attach: bool
) -> None:
    """The loader tells the reader's screen; the failure goes on up to the app, which ends
    with it (`run` raises it): failed before the screen listened, or while it listens."""
    import threading

    import tui.background.loader
    from tui.library import LibraryError

    listening = threading.Event()

    def failing_load(paths, on_progress=None, on_note=None, on_partial=None, **_):  # type: ignore[no-untyped-def]
        if after_attach:
            listening.wait(20)
        raise LibraryError("no pages in anything")

    fake_loader_load(monkeypatch, failing_load)
    loader = tui.background.loader.Loader.start(["anything"])
    if after_attach:
        attach = loader.attach

        def attach_then_fail(sink):  # type: ignore[no-untyped-def]
            waiting = attach(sink)
            listening.set()  # the failure comes from the loader's thread
            return waiting

        monkeypatch.setattr(loader, "attach", attach_then_fail)
    else:
        loader.join(5)  # failed already: handed over as the screen attaches
    app = DubaoApp(
        paths=["anything"], loader=loader, settings=Settings(theme="dubao-dark"), language="en"
    )
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(400):
            if app._exit:
                break
            await pilot.pause(0.05)
    assert app.load_error == "no pages in anything"
    assert app.return_code == 1
