"""Saved articles (`*`, `S`), marking a page or an issue read (`M`, `m` in the sidebar), and
the sidebar's unread-only view (`U`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import OptionList

from tui.core.model import Library
from tui.store.state import StateStore
from tui.ui.app import DubaoApp
from tui.ui.screens.saved import SavedScreen
from tui.ui.widgets.sidebar import Sidebar

from .test_app import make_app, notes, title, two_issues


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return two_issues(tmp_path / "paper")


def sidebar_labels(app: DubaoApp) -> list[str]:
    sidebar = app.query_one(Sidebar)
    return [str(node.label) for node in sidebar._article_nodes.values()]


def saved_ids(app: DubaoApp) -> list[str]:
    assert app.store is not None
    return [article.id for article in app.store.saved_articles()]


async def test_star_saves_and_unsaves_the_open_article_marked_in_the_sidebar(
    library: Library,
) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        first = app.reader.places[0]
        await pilot.press("asterisk")
        assert saved_ids(app) == [first.article.id]
        assert notes(app)[-1] == "Saved: 十日一版甲"
        assert any(label.endswith("★ 十日一版甲") for label in sidebar_labels(app))
        stored = app.store.saved_articles()[0]  # type: ignore[union-attr]
        assert (stored.date, stored.page, stored.title) == (
            "2025-12-10",
            "第1版 要闻",
            "十日一版甲",
        )
        assert stored.paper == app.reader.library_name  # no paper named in these files
        await pilot.press("asterisk")
        assert saved_ids(app) == []
        assert notes(app)[-1] == "No longer saved: 十日一版甲"
        assert not any("★" in label for label in sidebar_labels(app))


async def test_star_in_the_sidebar_saves_the_article_under_the_cursor(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("tab")  # to the sidebar
        sidebar = app.query_one(Sidebar)
        assert sidebar.has_focus
        target = app.reader.places[1].article
        sidebar.move_cursor(sidebar._article_nodes[target.id])
        await pilot.press("asterisk")
        assert saved_ids(app) == [target.id]
        assert title(app) == "十日一版甲"  # the open article is not the one saved


async def test_saved_articles_list_newest_first_and_open(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("asterisk", "right_curly_bracket", "right_curly_bracket", "asterisk")
        assert title(app) == "九日一版甲"
        await pilot.press("left_curly_bracket")  # away from it
        await pilot.press("S")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SavedScreen)
        listed = screen.query_one(OptionList)
        prompts = [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]
        assert [p.split("\n")[0] for p in prompts] == ["九日一版甲", "十日一版甲"]
        assert "2025-12-09 · 第1版 要闻" in prompts[0]
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, SavedScreen)
        assert title(app) == "九日一版甲"


async def test_nothing_saved_says_how_to_save(library: Library) -> None:
    app = make_app(library, language="zh")
    async with app.run_test(size=(50, 20)) as pilot:
        await pilot.press("S")
        await pilot.pause()
        status = str(app.screen.query_one("#saved-status").render())
        assert status == "还没有收藏：按 * 收藏当前文章。"
        await pilot.press("escape")
        assert not isinstance(app.screen, SavedScreen)


async def test_saved_marks_survive_a_relaunch_and_a_new_parse(
    library: Library, tmp_path: Path
) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("asterisk")
        saved = saved_ids(app)
    # The same pages, copied elsewhere: parsed again, the same content ids.
    import shutil

    from tui.library import load_library

    root = Path(library.issues[0].sections[0].source or "").parents[1]
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    again = make_app(load_library([copy]))
    async with again.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert saved_ids(again) == saved
        assert any(label.endswith("★ 十日一版甲") for label in sidebar_labels(again))


async def test_capital_m_marks_the_page_read_and_m_in_the_sidebar_an_issue(
    library: Library,
) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        store: StateStore = app.store  # type: ignore[assignment]
        page = [a.id for a in app.reader.places[0].section.articles]
        await pilot.press("M")
        assert all(s.read for s in store.states(page).values()) and len(page) == 2
        assert notes(app)[-1] == "2 articles marked as read."
        sidebar = app.query_one(Sidebar)
        section = app.reader.places[0].section
        assert str(sidebar._section_nodes[section.id].label) == section.title  # none unread
        # In the sidebar, on the issue: every article of its pages.
        await pilot.press("tab")
        issue = library.issues[0]
        sidebar.move_cursor(sidebar._issue_nodes[issue.id])
        await pilot.press("m")
        every = [a.id for s in issue.sections for a in s.articles]
        assert all(store.states(every)[i].read for i in every)
        assert notes(app)[-1] == "3 articles marked as read."
        await pilot.press("m")  # all read: all unread again
        assert not any(s.read for s in store.states(every).values())
        assert notes(app)[-1] == "3 articles marked as unread."


async def test_unread_only_leaves_read_articles_out_of_the_sidebar(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("M")  # the first page read: 十日一版甲, 十日一版乙
        await pilot.press("U")
        await pilot.pause()
        labels = sidebar_labels(app)
        assert not any("十日一版" in label for label in labels)
        assert any("十日二版甲" in label for label in labels)
        assert notes(app)[-1] == "Unread articles only."
        await pilot.press("U")
        await pilot.pause()
        assert any("十日一版甲" in label for label in sidebar_labels(app))


async def test_the_palette_offers_the_new_commands_in_chinese(library: Library) -> None:
    app = make_app(library, language="zh")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause(0.5)
        await pilot.press(*"收藏")
        await pilot.pause(0.8)
        offered = [str(o.prompt) for o in app.screen.query_one(OptionList).options]
        assert any("收藏的文章" in prompt for prompt in offered), offered
        app.screen.query_one("Input").value = "复制"
        await pilot.pause(0.8)
        offered = [str(o.prompt) for o in app.screen.query_one(OptionList).options]
        assert any("复制引用" in prompt for prompt in offered), offered
