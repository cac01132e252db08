"""The reader keeps its place: reopened at the same paragraph, read marks, next unread."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tui.core.model import Article, Library
from tui.library import load_library
from tui.store.settings import Settings
from tui.store.state import StateStore
from tui.ui.app import DubaoApp
from tui.ui.widgets.article_view import ArticleView
from tui.ui.widgets.sidebar import Sidebar

LONG = "这是一个很长的段落,用来测试阅读位置能否在重新打开时恢复。" * 30


@pytest.fixture
def paper(tmp_path: Path) -> Path:
    folder = tmp_path / "paper" / "2025-12-10"
    folder.mkdir(parents=True)
    for page, titles in (("01.md", ("甲", "乙", "丙")), ("02.md", ("丁",))):
        text = "".join(f"## {t}\n\n{LONG}\n\n{LONG}\n\n{LONG}\n\n{LONG}\n\n" for t in titles)
        (folder / page).write_text(text, encoding="utf-8")
    return tmp_path / "paper"


def make_app(paper: Path) -> DubaoApp:
    library: Library = load_library([paper])
    return DubaoApp(
        library, settings=Settings(theme="dubao-dark"), language="en", library_paths=[paper]
    )


def shown(app: DubaoApp) -> Article:
    """The article open in the reader."""
    reader = app.reader
    return reader.places[reader.current].article


def view(app: DubaoApp) -> ArticleView:
    return app.query_one(ArticleView)


def top_text(app: DubaoApp) -> tuple[int, str]:
    article_view = view(app)
    anchor = article_view.top_anchor()
    return anchor.block, article_view.lines[round(article_view.scroll_y)].text


async def test_reopens_the_last_article_at_the_same_paragraph_at_another_size(
    paper: Path,
) -> None:
    app = make_app(paper)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right_square_bracket")  # 乙
        await pilot.press("space", "space", "j", "j")
        await pilot.pause()
        anchor = view(app).top_anchor()
        assert anchor.block >= 1
        await pilot.press("q")
    app = make_app(paper)
    async with app.run_test(size=(70, 24)) as pilot:
        await pilot.pause()
        assert shown(app).title == "乙"
        restored = view(app).top_anchor()
        assert restored.block == anchor.block
        line = view(app).lines[round(view(app).scroll_y)]
        assert line.start <= anchor.offset < line.end or line.start == anchor.offset


async def test_every_article_keeps_its_own_place(paper: Path) -> None:
    app = make_app(paper)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("space", "space")
        first = view(app).top_anchor()
        await pilot.press("right_square_bracket")
        assert view(app).scroll_y == 0
        await pilot.press("left_square_bracket")
        await pilot.pause()
        line = view(app).lines[round(view(app).scroll_y)]
        assert line.block == first.block
        assert line.start <= first.offset < line.end


async def test_read_marks_unread_counts_and_next_unread(paper: Path) -> None:
    app = make_app(paper)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        sidebar = app.query_one(Sidebar)
        section = sidebar._section_nodes[app.reader.places[0].section.id]
        assert "(3)" in section.label.plain
        await pilot.press("G")  # the end is on screen: read
        await pilot.pause()
        assert "(2)" in section.label.plain
        first_node = sidebar._article_nodes[app.reader.places[0].article.id]
        assert first_node.label.plain.startswith("  ")  # no unread marker
        await pilot.press("m")  # unmark
        await pilot.pause()
        assert "(3)" in section.label.plain
        await pilot.press("m")
        await pilot.press("u")  # the next unread: 乙
        assert shown(app).title == "乙"
        await pilot.press("G", "u")
        assert shown(app).title == "丙"


async def test_state_is_in_the_platform_data_directory(paper: Path) -> None:
    app = make_app(paper)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("space")
        await pilot.press("q")
    data = Path(os.environ["XDG_DATA_HOME"]) / "dubao" / "state.sqlite3"
    assert data.exists()
    store = StateStore.open(data)
    key = StateStore.library_key([paper])
    assert store.last_article(key) == app.reader.places[0].article.id
    store.close()


async def test_an_unwritable_data_directory_still_reads_and_says_so(
    paper: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be", encoding="utf-8")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    app = make_app(paper)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("space", "right_square_bracket")
        await pilot.pause()
        assert shown(app).title == "乙"
        assert any("not be saved" in str(n.message) for n in app._notifications)


async def test_going_to_the_top_at_once_after_reopening_is_kept(paper: Path) -> None:
    """`g` pressed the moment an article reopens mid-way is the reader's doing, not the view
    settling at the top: the next launch opens at the top, not where it was before."""
    app = make_app(paper)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space", "space", "space")
        await pilot.pause()
        assert view(app).top_anchor().block >= 1
        await pilot.press("q")
    app = make_app(paper)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert view(app).top_anchor().block >= 1  # reopened mid-way
        await pilot.press("g")
        await pilot.pause()
        assert view(app).scroll_y == 0
        await pilot.press("q")
    app = make_app(paper)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert view(app).scroll_y == 0
        await pilot.press("q")
