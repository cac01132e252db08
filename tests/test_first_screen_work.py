"""The work before and just after the first screen, done once: the reader's screen laid out
once for a size, the key bar's keys with it, the sidebar's lines kept across focus
changes, and a long library's older issues added to the sidebar after the first screen;
and what a warm start never does (import the parsers, parse CSS twice, leave the first
search one-off work)."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import unicodedata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import metadata
from pathlib import Path
from typing import ClassVar

import pytest
from textual import events
from textual._compositor import Compositor
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.css.stylesheet import Stylesheet
from textual.geometry import Region
from textual.message import Message
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList, Static, Tree

from tui.core import text
from tui.core.model import Library
from tui.library import load_library
from tui.search import align
from tui.store.settings import Settings
from tui.ui import app as app_module
from tui.ui.app import DubaoApp
from tui.ui.screens.reader import ReaderScreen
from tui.ui.screens.sized import SizedModal, breakpoint_classes
from tui.ui.widgets import sidebar as sidebar_module
from tui.ui.widgets.keybar import KeyBar
from tui.ui.widgets.result_list import ResultList
from tui.ui.widgets.sidebar import Sidebar

from .conftest import printed_by_fresh_python
from .test_app import two_issues
from .test_search_ui import ready


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return two_issues(tmp_path)


def make_app(library: Library) -> DubaoApp:
    return DubaoApp(library, settings=Settings(theme="dubao-dark"), language="en")


@asynccontextmanager
async def started(library: Library, size: tuple[int, int]) -> AsyncIterator[tuple[DubaoApp, Pilot]]:
    """The reader on `library`, its first screen up."""
    app = make_app(library)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        yield app, pilot


def count_calls(monkeypatch: pytest.MonkeyPatch, cls: type, name: str) -> list[tuple]:
    """Each call of `cls.name`: its instance's type, its arguments, and the instance's
    classes at the time."""
    calls: list[tuple] = []
    original = getattr(cls, name)

    def counted(self, *args, **kwargs):
        calls.append((type(self), args, set(getattr(self, "classes", ()))))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, name, counted)
    return calls


def layouts_for_a_size(calls: list[tuple]) -> list[tuple]:
    """The reader screen's layouts for a size (its first one, or a Resize), not those a
    widget asks for."""
    return [call for call in calls if call[0] is ReaderScreen and call[1] and call[1][0]]


async def test_the_reader_is_laid_out_once_at_start_and_again_only_for_a_new_size(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = count_calls(monkeypatch, Screen, "_refresh_layout")
    async with started(library, (80, 24)) as (app, pilot):
        first = layouts_for_a_size(calls)
        assert len(first) == 1
        assert "-wide" in first[0][2]  # its breakpoint class before its first layout
        app.post_message(events.Resize(app.size, app.size))  # as a terminal's driver does
        await pilot.pause()
        assert len(layouts_for_a_size(calls)) == 1
        await pilot.resize_terminal(120, 30)
        await pilot.pause()
        assert len(layouts_for_a_size(calls)) == 2
        assert app.screen.has_class("-very-wide") and not app.screen.has_class("-wide")
        await pilot.resize_terminal(60, 30)
        await pilot.pause()
        assert app.screen.has_class("-narrow") and not app.screen.has_class("-very-wide")


async def test_the_first_screen_asks_for_no_second_layout(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Neither the sidebar, sized by the reader's first layout (Textual's Tree asks for a
    layout on a resize, though its lines do not depend on its size), nor the article's
    first percent (its label's width is set) lays the reader out again: that layout came
    as the first keys did."""
    laid_out: list[bool] = []
    original = Screen._refresh_layout

    def counted(self: Screen, *args: object, **kwargs: object) -> None:
        if isinstance(self, ReaderScreen):
            laid_out.append(self._layout_required)
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Screen, "_refresh_layout", counted)
    async with started(library, (80, 24)) as (app, pilot):
        for _ in range(3):
            await pilot.pause(0.05)
        assert str(app.screen.query_one("#percent", Label).content) != ""  # it was shown
        assert laid_out.count(True) == 1


def test_breakpoint_classes_are_textuals() -> None:
    class Narrow(Screen[None]):
        HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-small"), (50, "-big")]

    app = DubaoApp(Library(issues=()), settings=Settings(), language="en")
    screen = Narrow()
    screen._attach(app)  # an app to read the vertical ones of (Textual's own: none)
    assert breakpoint_classes(screen, app.size.__class__(49, 10)) == {
        "-small": True,
        "-big": False,
    }
    assert breakpoint_classes(screen, app.size.__class__(50, 10)) == {
        "-small": False,
        "-big": True,
    }


async def test_the_key_bar_has_its_keys_in_the_first_screen_and_keeps_them(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered = count_calls(monkeypatch, KeyBar, "render")
    async with started(library, (80, 24)) as (app, pilot):
        assert "q Quit" in screen_lines(app)[-1]
        before = len(rendered)
        await pilot.press("tab", "tab")  # the sidebar, and back: the same keys shown
        await pilot.pause()
        assert len(rendered) == before


async def test_a_focus_change_keeps_the_sidebars_lines(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds = count_calls(monkeypatch, Tree, "_build")
    async with started(library, (100, 30)) as (app, pilot):
        before = len(builds)
        await pilot.press("tab", "tab", "t")  # the sidebar, the article, another theme
        await pilot.pause()
        assert len(builds) == before
        assert app.query_one(Sidebar).cursor_node is not None


def long_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, issues: int, delay: float
) -> Library:
    """`issues` daily issues, one page of one article each, for a sidebar that has 10 before
    the first screen and the others `delay` seconds after it."""
    monkeypatch.setattr(sidebar_module, "FIRST_ISSUES", 10)
    monkeypatch.setattr(sidebar_module, "PENDING_DELAY", delay)
    day = dt.date(2020, 1, 1)
    for n in range(issues):
        path = tmp_path / (day + dt.timedelta(days=n)).isoformat() / "01_要闻.md"
        path.parent.mkdir(parents=True)
        path.write_text(f"## 第{n}期的文章\n\n**本报讯** 正文{n}。\n", encoding="utf-8")
    return load_library([tmp_path])


def issue_ids(sidebar: Sidebar) -> list[str]:
    return [node.data.id for node in sidebar.root.children if node.data is not None]


async def test_older_issues_come_after_the_first_screen_in_the_librarys_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = long_library(tmp_path, monkeypatch, 25, delay=0.2)
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        sidebar = app.query_one(Sidebar)
        assert len(issue_ids(sidebar)) == 10
        await pilot.pause(0.4)
        assert issue_ids(sidebar) == [issue.id for issue in library.issues]


@pytest.mark.parametrize("how", ["focus", "an older article"])
async def test_older_issues_come_at_once_when_the_sidebar_needs_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    library = long_library(tmp_path, monkeypatch, 25, delay=60.0)
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        sidebar = app.query_one(Sidebar)
        assert len(issue_ids(sidebar)) == 10
        if how == "focus":
            await pilot.press("tab")
        else:
            app.reader.open_place(len(app.reader.places) - 1)  # the oldest article
        await pilot.pause()
        assert issue_ids(sidebar) == [issue.id for issue in library.issues]
        if how != "focus":
            node = sidebar.cursor_node
            oldest = library.issues[-1].sections[0].articles[0]
            assert node is not None and node.data is not None and node.data.id == oldest.id


async def test_issues_added_together_make_the_tree_new_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = long_library(tmp_path, monkeypatch, 40, delay=60.0)
    async with started(library, (100, 30)) as (app, pilot):
        invalidated = count_calls(monkeypatch, Tree, "_invalidate")
        await pilot.press("tab")  # the sidebar: the other 30 issues come
        await pilot.pause()
        assert len(issue_ids(app.query_one(Sidebar))) == 40
        assert 1 <= len(invalidated) <= 2


async def test_a_library_shown_again_brings_its_older_issues_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = long_library(tmp_path / "a", monkeypatch, 12, delay=0.2)
    second = long_library(tmp_path / "b", monkeypatch, 25, delay=0.2)
    async with started(first, (100, 30)) as (app, pilot):
        await pilot.pause(0.4)
        sidebar = app.query_one(Sidebar)
        sidebar.set_library(second)  # not the issues shown: the tree made again
        assert len(issue_ids(sidebar)) == 10
        await pilot.pause(0.4)
        assert issue_ids(sidebar) == [issue.id for issue in second.issues]


# -- before the window: what a warm start leaves undone -------------------------------


def test_a_warm_start_reads_no_page_and_imports_no_parser(tmp_path: Path) -> None:
    """Every page from the page cache: the parsers (~30 ms of import) are never loaded."""
    for n in range(3):
        day = tmp_path / "pages" / f"2019-05-0{n + 1}"
        day.mkdir(parents=True)
        (day / "01.md").write_text(f"# 第{n + 1}版\n\n## 标题{n}\n\n正文{n}。\n", encoding="utf-8")
    code = (
        "import sys\n"
        "from tui.library import load_library\n"
        f"library = load_library([{str(tmp_path / 'pages')!r}])\n"
        "print(len(library.issues), 'tui.library.parse' in sys.modules)\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
        for _ in range(2)
    ]
    assert [r.returncode for r in runs] == [0, 0], runs[-1].stderr
    assert [r.stdout.split() for r in runs] == [["3", "True"], ["3", "False"]]


def test_an_index_opened_leaves_its_first_search_no_one_off_work() -> None:
    """The fold's table and the alignment's pattern are made as the index opens (in the
    loader's thread), not by the first search the reader types; the alignment's pattern
    from runs of characters known for this version of Unicode, not found again by looking
    at 32,000 characters (~30 ms)."""
    text._fold_table.cache_clear()
    text._fold_pattern.cache_clear()
    align._one_to_one.cache_clear()
    looked: list[str] = []
    folds_alone = align._folds_alone
    align._folds_alone = lambda ch: looked.append(ch) or folds_alone(ch)  # type: ignore[assignment]
    try:
        align.warm_up()
    finally:
        align._folds_alone = folds_alone  # type: ignore[assignment]
    assert text._fold_table.cache_info().currsize == 1
    # Nor its pattern, made for long text (~7 ms), which a search's short terms never need.
    assert text._fold_pattern.cache_info().currsize == 0
    assert align._one_to_one.cache_info().currsize == 1
    assert looked == []


def test_the_runs_known_for_this_unicode_are_the_runs_found() -> None:
    """Where runs are known for the Unicode of this Python, they are those found by
    looking at every character; elsewhere they are found so."""
    runs = align._in_place_runs()
    members = "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in runs)
    align._one_to_one.cache_clear()
    assert align._one_to_one().pattern == f"[{members}]*"
    known = unicodedata.unidata_version in align._KNOWN_RUNS_UNICODE
    assert not known or runs == list(align._KNOWN_RUNS)


def test_opening_an_index_imports_no_package_metadata() -> None:
    """jieba's version, part of every index's key, is read from its metadata folder's
    name: `importlib.metadata` costs a reader's start 20-30 ms to import."""
    printed = printed_by_fresh_python(
        "import sys",
        "from tui.search.fingerprint import _jieba_version, code_version",
        "code_version()",
        "print('importlib.metadata' in sys.modules, _jieba_version())",
    )
    assert printed.split() == ["False", metadata.version("jieba")]


def test_the_reader_keeps_the_css_it_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual parses every piece of CSS again for each stylesheet it makes (a theme set
    makes one): the reader started by `run` parses each once for its variables."""
    monkeypatch.setattr(Stylesheet, "_parse_rules", Stylesheet._parse_rules)  # put back after
    shared_when_run: list[bool] = []
    monkeypatch.setattr(
        DubaoApp,
        "run",
        lambda self, **_: shared_when_run.append(getattr(Stylesheet._parse_rules, "shared", False)),
    )
    assert app_module.run(None) == 0
    assert shared_when_run == [True]


async def test_the_first_screen_is_painted_once(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every widget of the first screen painted by its first layout, and not again for
    the requests Textual made meanwhile (the screen's whole repaint as it resumed, each
    widget's as it was given its size): the masthead and the dateline, which do not change
    after it, are painted once each (three times before), and the screen whole once
    (twice)."""
    painted: list[str | None] = []
    article_text: list[str] = []
    paint = Widget.render_lines

    def render_lines(self: Widget, crop: Region) -> list:
        painted.append(self.id)
        lines = paint(self, crop)
        if self.id == "article":
            article_text.append("".join(line.text for line in lines))
        return lines

    monkeypatch.setattr(Widget, "render_lines", render_lines)
    whole = count_calls(monkeypatch, Compositor, "render_full_update")
    async with started(library, (100, 30)) as (app, pilot):
        await pilot.pause(0.3)
        assert (painted.count("masthead"), painted.count("dateline")) == (1, 1)
        assert len(whole) == 1
        # The article in the first paint (the pane was empty in it, its text painted once
        # the pane's Resize came).
        title = app.reader.article_view.article.title
        assert title and title[:6] in article_text[0]
        await pilot.press("tab")  # and what changes later is painted
        await pilot.pause()
        assert app.screen.query_one(Sidebar).has_focus
        assert "sidebar" in painted[-10:]


def screen_lines(app: DubaoApp) -> list[str]:
    """The screen as text, a line a row."""
    strips = app.screen._compositor.render_strips()
    return ["".join(segment.text for segment in strip) for strip in strips]


@pytest.mark.parametrize("key", ["slash", "question_mark"])
async def test_a_panel_opened_lays_out_nothing_under_it_until_the_terminal_is_resized(
    key: str,
) -> None:
    """Textual gives each modal a Resize once its first layout is done, and lays out every
    screen under it again for it: the panel painted whole a second time, the reader's text
    under it tinted anew. At the size it opened at, nothing is laid out; a terminal
    resized is, the reader under the panel too."""
    app = DubaoApp(load_library(), settings=Settings(theme="dubao-dark"), language="en")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        reader = app.reader
        laid_out: list[tuple[int, int]] = []
        resized = reader._screen_resized

        def counted(size):  # type: ignore[no-untyped-def]
            laid_out.append(tuple(size))
            resized(size)

        reader._screen_resized = counted  # type: ignore[method-assign]
        await pilot.press(key)
        await pilot.pause(0.3)
        panel = app.screen
        assert panel is not reader
        assert laid_out == []
        await pilot.resize_terminal(90, 30)
        await pilot.pause(0.3)
        assert laid_out == [(90, 30)]
        assert reader.outer_size == panel.outer_size == (90, 30)


@pytest.mark.parametrize("key", ["slash", "question_mark"])
async def test_a_panel_opened_is_painted_whole_once(
    key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual lays a modal out as it opens, which paints it whole, and then asks for it
    to be painted whole again: the screen written twice (~6.5 KB each at 80x24) as the
    reader starts typing. That request, dropped, had left the whole screen marked: the
    first change passed up from under the panel painted it all again."""
    app = DubaoApp(load_library(), settings=Settings(theme="dubao-dark"), language="en")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app, pilot)  # the seeds' index: its news comes to the screen on top
        await pilot.pause(0.2)
        whole = count_calls(monkeypatch, Compositor, "render_full_update")
        await pilot.press(key)
        await pilot.pause(0.5)
        assert app.screen is not app.reader
        assert len(whole) == 1
        for field in app.screen.query(Input):
            field.cursor_blink = False  # its own paints, twice a second
        await pilot.pause(0.1)
        partial = count_calls(monkeypatch, Compositor, "render_partial_update")
        app.reader.query_one("#dateline", Label).update("2099年1月1日")  # shows through
        await pilot.pause(0.2)
        assert len(whole) == 1 and partial  # what changed, not the whole screen again


async def test_a_layout_of_the_search_panel_once_painted_paints_only_what_moves() -> None:
    """Textual lays the panel out again once its widgets are mounted, after its first
    paint: that layout asks for no whole repaint (the whole screen written again, the
    reader's text tinted anew under the panel), only for what moves."""
    app = DubaoApp(load_library(), settings=Settings(theme="dubao-dark"), language="en")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("slash")
        panel = app.screen
        for _ in range(50):  # its first paint done
            await pilot.pause(0.05)
            if not panel._repaint_required and not panel._layout_required:
                break
        panel.refresh(layout=True)  # as Textual does once its widgets are mounted
        assert panel._layout_required and not panel._repaint_required
        await pilot.pause()
        panel.refresh()  # a whole repaint asked for is one
        assert panel._repaint_required


class Unheard(Message):
    """A message no handler hears."""


async def test_the_reader_under_the_search_panel_has_it_paint_what_changed_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Textual (8.2) has a screen under a modal pass the regions that changed up to the
    modal, then mark itself to be painted again, which at its next idle passes them up
    again: every message the covered reader handled (the loader's news, the index opened)
    had the panel paint the whole screen again, from the push that covered it. Now
    nothing is painted for a message that changes nothing, and a change under the panel
    is passed up to it, and painted, once."""
    app = DubaoApp(load_library(), settings=Settings(theme="dubao-dark"), language="en")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("slash")
        panel, reader = app.screen, app.reader
        assert panel is not reader
        panel.query_one(Input).cursor_blink = False  # its own paints, twice a second
        await ready(app, pilot)  # the seeds' index: the panel is told, and shows it
        await pilot.pause(0.3)
        whole = count_calls(monkeypatch, Compositor, "render_full_update")
        partial = count_calls(monkeypatch, Compositor, "render_partial_update")
        for _ in range(5):
            reader.post_message(Unheard())  # the reader idles after it
            await pilot.pause(0.05)
        assert (whole, partial) == ([], [])
        asked: list[Region] = []
        refresh = panel.refresh
        monkeypatch.setattr(
            panel,
            "refresh",
            lambda *regions, **kw: asked.extend(regions) or refresh(*regions, **kw),
        )
        dateline = reader.query_one("#dateline", Label)
        dateline.update("2099年1月1日")  # the line above the panel, showing through
        await pilot.pause(0.1)
        assert any(region.contains_region(dateline.region) for region in asked)
        painted = (len(whole), len(partial))
        assert painted[0] == 0 and painted[1] > 0  # what changed, not the whole screen
        for _ in range(3):
            reader.post_message(Unheard())
            await pilot.pause(0.05)
        assert (len(whole), len(partial)) == painted


class Overflowing(SizedModal[None]):
    """A panel whose text is longer than its box: its scroll bar comes as the box is
    given its size, in the first layout."""

    DEFAULT_CSS = "#box { width: 60; height: 12; }"

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="box"):
            yield Static("\n".join(f"line {n} " + "word " * 10 for n in range(60)), id="text")


async def test_a_panel_whose_scroll_bar_comes_in_its_first_layout_is_painted_with_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The bar came as the box was given its size, after what is in it was placed: the
    first paint had the text in its full width, no bar, until a later layout (the help,
    for 0.1 s in a terminal, and over 0.6 s with the lines dropped). Now the panel is
    laid out again before it is painted: the bar and the narrower text from the first."""
    app = App[None]()
    painted: list[tuple[int, int]] = []
    whole = Compositor.render_full_update

    def render_full_update(self: Compositor, *args: object, **kwargs: object) -> object:
        if isinstance(app.screen, Overflowing):
            box = app.screen.query_one("#box", VerticalScroll)
            text = app.screen.query_one("#text", Static)
            painted.append((box.vertical_scrollbar.region.width, text.region.width))
        return whole(self, *args, **kwargs)

    monkeypatch.setattr(Compositor, "render_full_update", render_full_update)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(Overflowing())
        await pilot.pause(0.3)
        assert painted and all(paint == (2, 58) for paint in painted), painted


async def test_the_empty_result_list_is_not_painted_again_until_results_come(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Textual's OptionList paints itself again for every Resize and every clearing, empty
    or not: the panel's empty list was written again, blank, just after the panel's first
    paint (its Resize, its emptying as the field is asked about). Now it is painted by the
    panel's first paint, then for the results; a list with results is set again for a
    new width."""
    painted: list[Region] = []
    paint = Widget.render_lines

    def render_lines(self: Widget, crop: Region) -> list:
        if self.id == "search-results":
            painted.append(crop)
        return paint(self, crop)

    monkeypatch.setattr(Widget, "render_lines", render_lines)
    app = DubaoApp(load_library(), settings=Settings(theme="dubao-dark"), language="en")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app, pilot)
        await pilot.press("slash")
        await pilot.pause(0.3)
        results = app.screen.query_one("#search-results", OptionList)
        assert isinstance(results, ResultList) and results.option_count == 0
        assert len(painted) == 1  # the panel's first paint
        results.post_message(events.Resize(results.size, results.virtual_size, results.size))
        results.clear_options()
        await pilot.pause(0.2)
        assert len(painted) == 1
        await pilot.press(*"经济")
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        assert results.option_count and len(painted) > 1  # the results
        wide = results.scrollable_content_region.width
        await pilot.resize_terminal(80, 30)
        await pilot.pause(0.3)
        narrow = results.scrollable_content_region.width
        assert narrow < wide
        assert results.render_line(0).cell_length == narrow  # set again at the new width
