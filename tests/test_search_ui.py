"""Search in the reader: as you type, stale answers dropped, open at the match, n/N, Esc."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, Label, OptionList

from tui.core.model import Article
from tui.core.text import cell_width, normalise
from tui.library import load_library
from tui.store.settings import Settings
from tui.ui.app import DubaoApp
from tui.ui.screens import reader as reader_screen
from tui.ui.screens.search import SearchScreen
from tui.ui.searcher import Searcher
from tui.ui.widgets.article_view import ArticleView
from tui.ui.widgets.query_field import QueryField
from tui.ui.widgets.sidebar import Sidebar

from .conftest import printed_by_fresh_python, seed_under_a_column


def make_app() -> DubaoApp:
    return DubaoApp(load_library(), settings=Settings(theme="dubao-dark"), language="en")


async def ready(app: DubaoApp, pilot) -> None:
    """Wait for the index the app builds in a worker."""
    for _ in range(200):
        if app.reader.index is not None:
            return
        await pilot.pause(0.05)
    raise AssertionError("the index was never built")


async def search_for(app: DubaoApp, pilot, query: str) -> None:  # type: ignore[no-untyped-def]
    """`query` typed in a search panel opened for it, and its answer shown."""
    await pilot.press("slash", *query)
    await app.workers.wait_for_complete()
    await pilot.pause()


def brute_force_count(app: DubaoApp, term: str) -> int:
    def texts(article: Article) -> list[str]:
        fields = [article.title, article.kicker, article.subtitle, article.byline, article.column]
        return [t for t in fields if t] + [b.text for b in article.blocks]

    return sum(any(term in normalise(t) for t in texts(p.article)) for p in app.reader.places)


def shown(app: DubaoApp) -> Article:
    """The article open in the reader."""
    reader = app.reader
    return reader.places[reader.current].article


def status(app: DubaoApp) -> str:
    return str(app.screen.query_one("#search-status").render())


async def test_type_see_results_and_open_at_the_match() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app, pilot)
        await pilot.press("slash")
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"张冉")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert status(app) == "1 article"
        results = app.screen.query_one(OptionList)
        assert results.option_count == 1
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, SearchScreen)
        article = shown(app)
        assert article.title == "科幻作家与中学生 共话“未来”"
        view = app.query_one(ArticleView)
        assert len(view.matches) >= 3
        block, start, end = view.matches[view._current_match]
        assert article.blocks[block].text[start:end] == "张冉"
        top = round(view.scroll_y)
        row = next(r for r, line in enumerate(view.lines) if line.block == block)
        assert top <= row < top + view.scrollable_content_region.height
        first = view._current_match
        await pilot.press("n")
        assert view._current_match == first + 1
        await pilot.press("N", "N")
        assert view._current_match == (first - 1) % len(view.matches)


async def test_a_match_in_a_title_is_highlighted_in_the_headline() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app, pilot)
        await pilot.press("slash", *"守护幸福")  # the headline under a kicker
        await app.workers.wait_for_complete()
        await pilot.press("enter")
        await pilot.pause()
        view = app.query_one(ArticleView)
        assert view.scroll_y == 0
        title_line = next(line for line in view.lines if line.kind == "title")
        highlighted = [
            title_line.text[start - title_line.start : end - title_line.start]
            for block, start, end in view.matches
            if block == title_line.block and title_line.start <= start < title_line.end
        ]
        assert highlighted == ["守护幸福"]


def under_a_column() -> DubaoApp:
    """The reader on the seed, its first article run under the column 新语."""
    return DubaoApp(seed_under_a_column(), settings=Settings(theme="dubao-dark"), language="en")


def highlighted(view: ArticleView, kind: str) -> list[str]:
    """The text of the matches marked on the lines of one kind."""
    return [
        line.text[max(start, line.start) - line.start : min(end, line.end) - line.start]
        for line in view.lines
        if line.kind == kind
        for block, start, end in view.matches
        if block == line.block and start < line.end and end > line.start
    ]


async def test_a_column_named_as_a_header_field_is_marked_in_its_line() -> None:
    app = under_a_column()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        view = app.query_one(ArticleView)
        assert view.lines[0].kind == "column"
        view.set_field_matches([("column", 0, 2), ("title", 2, 4)])
        assert highlighted(view, "column") == ["新语"]
        assert highlighted(view, "title") == ["平安"]


async def test_a_match_in_a_column_is_highlighted_in_the_column_line() -> None:
    app = under_a_column()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app, pilot)
        await search_for(app, pilot, "新语")
        assert status(app) == "1 article"
        await pilot.press("enter")
        await pilot.pause()
        view = app.query_one(ArticleView)
        assert shown(app).column == "新语"
        assert view.scroll_y == 0
        assert highlighted(view, "column") == ["新语"]


async def test_every_keystroke_answers_and_arrows_choose() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app, pilot)
        await pilot.press("slash", "本")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert status(app) == f"{brute_force_count(app, '本')} articles"
        await pilot.press("报", "讯")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert status(app) == f"{brute_force_count(app, '本报讯')} articles"
        results = app.screen.query_one(OptionList)
        assert results.highlighted == 0
        await pilot.press("down", "down", "up")
        assert results.highlighted == 1
        assert app.screen.focused is app.screen.query_one(Input)  # typing still goes to the field
        chosen = results.get_option_at_index(1).id
        await pilot.press("enter")
        await pilot.pause()
        assert shown(app).id == chosen


async def test_escape_returns_exactly_where_you_were() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app, pilot)
        await pilot.press("right_square_bracket", "right_square_bracket", "right_square_bracket")
        await pilot.press("space", "j")
        view = app.query_one(ArticleView)
        before = (app.reader.current, view.scroll_y, view.top_anchor())
        await pilot.press("slash", *"太钢", "down")
        await app.workers.wait_for_complete()
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, SearchScreen)
        assert (app.reader.current, view.scroll_y, view.top_anchor()) == before
        assert app.focused is view


async def test_a_search_before_the_index_is_ready_says_how_far_it_is_then_answers() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app, pilot)
        searcher = app.reader.searcher
        index, searcher.index = searcher.index, None  # as if it were still being built
        await pilot.press("slash", *"张冉")
        await pilot.pause()
        assert status(app) == "Indexing…"
        assert app.screen.query_one(OptionList).option_count == 0
        searcher.post_message(Searcher.Indexing(200, 1000, None))
        await pilot.pause()
        assert status(app) == "Indexing… 20%"
        searcher.post_message(Searcher.Indexing(400, 1000, 12.4))
        await pilot.pause()
        assert status(app) == "Indexing… 40%, about 12 s left"
        searcher.index = index
        searcher.post_message(Searcher.Ready(index))
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert status(app) == "1 article"


async def test_a_search_as_the_first_key_looks_for_the_index_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A library read before the window has its index looked for INDEX_DELAY after the
    first screen, so that the first keys are not held back; where the first key is `/`,
    the search has it looked for at once."""
    monkeypatch.setattr(reader_screen, "INDEX_DELAY", 60.0)
    asked: list[object] = []
    library_ready = Searcher.library_ready

    def counted(searcher: Searcher, library: object) -> None:
        asked.append(library)
        library_ready(searcher, library)  # type: ignore[arg-type]

    monkeypatch.setattr(Searcher, "library_ready", counted)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("slash", *"张冉")
        for _ in range(200):
            await pilot.pause(0.05)
            if status(app) == "1 article":
                break
        assert status(app) == "1 article"
        await pilot.press("escape", "slash")
        await app.workers.wait_for_complete()
        assert len(asked) == 1  # once: the second search finds it there


async def test_news_of_the_index_before_the_panel_is_mounted_is_kept_for_it() -> None:
    """`/` pressed just before the index opens: the panel is pushed but has no widgets yet
    when the reader passes the news on (a traceback once)."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app, pilot)
        searcher = app.reader.searcher
        index, searcher.index = searcher.index, None
        app.reader._last_query = "张冉"
        app.reader.action_search()  # pushed; mounted only once the app runs again
        screen = app.screen
        assert isinstance(screen, SearchScreen) and not screen.query(Input)
        searcher.indexing = Searcher.Indexing(500, 1000, None)
        screen.show_indexing()
        screen.index_ready(index)
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert status(app) == "1 article"


async def test_a_build_in_a_worker_shows_its_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    import tui.ui.searcher

    monkeypatch.setattr(tui.ui.searcher, "ELSEWHERE_MIN", 0)  # the seed, built elsewhere
    shown: list[str] = []
    monkeypatch.setattr(SearchScreen, "_status", lambda self, text: shown.append(text))
    app = DubaoApp(load_library(), settings=Settings(theme="dubao-dark"), language="zh")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("slash", *"张冉")
        await ready(app, pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
    progress = [text for text in shown if text.startswith("正在建立索引…") and "%" in text]
    assert progress, shown
    assert shown[-1] == "1 篇"


@dataclass
class _FakeSnippet:
    text: str
    marks: list[tuple[int, int]] = field(default_factory=list)
    block: int = 0
    offset: int = 0


@dataclass
class _FakeHit:
    article_id: str
    title: str
    snippet: _FakeSnippet
    label: str = ""
    score: float = 1.0
    section: str = "第1版"
    issue: str = "seeds"
    date: str | None = None


@dataclass
class _FakeResult:
    query: str
    total: int
    hits: list[_FakeHit]
    problems: tuple[str, ...] = ()


class _SlowFirstIndex:
    """Answers the query "慢" only when released, and everything else at once."""

    def __init__(self, article_id: str) -> None:
        self.article_id = article_id
        self.release = threading.Event()
        self.slow_done = threading.Event()

    def search(
        self, query: str, limit: int = 20, *, snippet_width: int = 60, marks: object = None
    ) -> _FakeResult:
        if query == "慢":
            self.release.wait(10)
        hit = _FakeHit(self.article_id, f"answer to {query}", _FakeSnippet(query))
        if query == "慢":
            self.slow_done.set()
        return _FakeResult(query, len(query), [hit])


async def until(condition, pilot, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("timed out")


async def test_a_slow_stale_search_never_replaces_a_newer_result() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app, pilot)  # the app's own index must not replace the fake one later
        index = _SlowFirstIndex(app.reader.places[0].article.id)
        app.reader.searcher.index = index  # type: ignore[assignment]
        await pilot.press("slash")
        await pilot.press("慢")  # its search hangs until released
        await pilot.press("快", "点")  # answered at once
        await until(lambda: status(app) == "3 articles", pilot)
        index.release.set()  # now the stale answer to "慢" comes back
        await until(index.slow_done.is_set, pilot)
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert status(app) == "3 articles"
        prompt = str(app.screen.query_one(OptionList).get_option_at_index(0).prompt)
        assert "answer to 慢快点" in prompt


# A headline whose 20th character is a comma: in the results at 50 columns (19 characters
# a line) a plain wrap would begin a line with it.
COMMA_TITLE = "春运首日全国铁路发送旅客一千万人次以上，同比增长百分之十二点五"
LONG_BODY = "铁路部门加开旅客列车，满足群众出行需要。" * 12


def two_issues(tmp_path: Path) -> DubaoApp:
    for day, title in (("2025-12-10", "十日的消息"), ("2025-12-09", COMMA_TITLE)):
        page = tmp_path / day / "01_要闻.md"
        page.parent.mkdir(parents=True)
        page.write_text(f"## {title}\n\n{LONG_BODY}\n", encoding="utf-8")
    return DubaoApp(load_library([tmp_path]), settings=Settings(theme="dubao-dark"), language="zh")


def result_lines(screen: SearchScreen) -> list[str]:
    results = screen.query_one(OptionList)
    return [
        line
        for n in range(results.option_count)
        for line in results.get_option_at_index(n).prompt.plain.split("\n")
    ]


@pytest.mark.parametrize("width", [50, 100])
async def test_results_are_set_like_articles_at_the_panels_width(
    tmp_path: Path, width: int
) -> None:
    app = two_issues(tmp_path)
    async with app.run_test(size=(width, 24)) as pilot:
        await ready(app, pilot)
        await search_for(app, pilot, "旅客")
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        room = screen._text_width()
        lines = result_lines(screen)
        assert lines and all(cell_width(line) <= room for line in lines)
        assert not any(line[0] in "，。、；：！？）》”" for line in lines)  # kinsoku
        snippets = [line for line in lines if "铁路部门" in line or line.startswith("…")]
        # The snippet fills the panel: a line of it is within a character of the width.
        assert snippets and max(map(cell_width, snippets)) >= room - 2
        results = screen.query_one(OptionList)
        prompts = [results.get_option_at_index(n).prompt.plain for n in range(2)]
        headline = next(p for p in prompts if p.startswith(COMMA_TITLE[:4])).split("\n")
        if width == 50:  # broken where a plain wrap would begin a line with the comma
            assert room // 2 == COMMA_TITLE.index("，")
            assert "".join(headline[:2]).startswith(COMMA_TITLE)
        else:
            assert headline[0].startswith(COMMA_TITLE)


async def test_the_sidebar_follows_the_article_a_hit_opens(tmp_path: Path) -> None:
    app = two_issues(tmp_path)
    async with app.run_test(size=(100, 24)) as pilot:
        await ready(app, pilot)
        sidebar = app.query_one(Sidebar)
        assert "十日" in str(sidebar.cursor_node.label)
        await search_for(app, pilot, "同比增长")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert shown(app).title == COMMA_TITLE
        node = sidebar.cursor_node
        assert node is not None and node.data is not None and node.data.id == shown(app).id
        assert sidebar.scroll_y <= node.line < sidebar.scroll_y + sidebar.size.height


async def panel_without_index(app: DubaoApp, pilot) -> tuple[SearchScreen, object]:  # type: ignore[no-untyped-def]
    """The search panel opened, its index taken from it as if it were still being opened;
    and that index."""
    await ready(app, pilot)
    await pilot.press("slash")
    await pilot.pause()
    panel = app.screen
    assert isinstance(panel, SearchScreen)
    index, panel.index = panel.index, None
    return panel, index


def searches_asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The queries the search panels start searches for, in order, from now on."""
    asked: list[str] = []
    search = SearchScreen._search

    def counted(self: SearchScreen, index: object, query: str, *args: object):  # type: ignore[no-untyped-def]
        asked.append(query)
        return search(self, index, query, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(SearchScreen, "_search", counted)
    return asked


async def test_keys_that_come_together_are_searched_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A word an input method commits (or a paste) comes as several keys at once: one
    search is started, for the last, rather than one per key, each sharing the CPU with the
    next until it is done. Keys typed one after the other are each answered."""
    app = make_app()
    asked = searches_asked(monkeypatch)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app, pilot)
        await pilot.press("slash")
        for key in "本报讯":  # three keys in one read of the terminal
            app.post_message(events.Key(key, key))
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert asked == ["本报讯"]
        assert status(app) == f"{brute_force_count(app, '本报讯')} articles"
        await pilot.press("backspace")
        await app.workers.wait_for_complete()
        await pilot.press("backspace")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert asked == ["本报讯", "本报", "本"]
        assert status(app) == f"{brute_force_count(app, '本')} articles"


async def test_the_index_coming_as_the_field_changes_searches_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The index opens just as the reader types: the panel asks about the field as the
    index comes, and again as the field's change is handled. The same query of the same
    index at the same width is searched once; the field emptied, or another width, asks
    again."""
    app = make_app()
    asked = searches_asked(monkeypatch)
    async with app.run_test(size=(100, 30)) as pilot:
        panel, index = await panel_without_index(app, pilot)
        await pilot.press(*"张冉")
        await pilot.pause()
        assert asked == [] and status(app) == "Indexing…"
        panel.index_ready(index)  # asks about the field
        panel._ask_typed()  # as the field's change does
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert asked == ["张冉"]
        assert status(app) == "1 article"
        await pilot.press("ctrl+u")  # emptied: nothing shown
        for key in "张冉":  # in one read of the terminal: asked about once
            app.post_message(events.Key(key, key))
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert asked == ["张冉", "张冉"]
        assert status(app) == "1 article"
        await pilot.resize_terminal(60, 30)  # snippets set for another width
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert asked == ["张冉", "张冉", "张冉"]


async def test_news_of_the_index_reaching_a_closing_panel_is_let_go() -> None:
    """The index's progress, or the index itself, can reach the panel while it is being
    removed (closed, or the app quitting), its widgets going: it lets the news go."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        panel, index = await panel_without_index(app, pilot)
        await app.pop_screen()  # its widgets gone, the news still coming
        panel.show_indexing()
        panel.index_ready(index)
        panel.post_message(SearchScreen._Answer(None, 99))
        await pilot.pause()
        assert not isinstance(app.screen, SearchScreen)


# -- the search code, imported by one thread at a time --------------------------------


def test_the_panel_opened_as_another_thread_starts_loading_the_search_code_opens() -> None:
    """The loader imports the search code once the first screen is up; a `/` typed then
    opens the panel, whose module imports none of it (the UI thread importing one of its
    modules as another thread begins the package met it in a cycle of import locks: an
    ImportError in both). The other thread is held just inside the package's first line."""
    printed = printed_by_fresh_python(
        "import sys, threading",
        "import tui.library",
        # All the panel's module imports besides, so that the UI thread comes to what it
        # would import of the search code at once, well before the other thread goes on.
        "import textual.content, textual.widgets, textual.widgets.option_list",
        "import tui.core.i18n, tui.core.text, tui.ui.screens.sized",
        "import tui.ui.widgets.query_field, tui.ui.widgets.result_list",
        "inside, go, errors = threading.Event(), threading.Event(), []",
        "def hold(frame, event, arg):",
        "    if event == 'call' and frame.f_code.co_filename.endswith('search/__init__.py'):",
        "        inside.set()",
        "        go.wait(10)",
        "def load():",
        "    sys.settrace(hold)",
        "    try:",
        "        import tui.search",
        "    except Exception as e:",
        "        errors.append(repr(e))",
        "loader = threading.Thread(target=load)",
        "loader.start()",
        "inside.wait(10)",
        "threading.Timer(0.3, go.set).start()",
        "try:",
        "    from tui.ui.screens.search import SearchScreen",
        "except Exception as e:",
        "    errors.append(repr(e))",
        "loader.join(10)",
        "import tui.search.index",
        "print(errors, loader.is_alive(), tui.search.index.SearchIndex.__name__)",
    )
    assert printed == "[] False SearchIndex"


def test_a_searcher_waiting_for_the_loaders_index_imports_no_search_code() -> None:
    """With the loader opening the index, the searcher only waits for it: importing the
    search code at mount held the GIL while the first screen was made, and is the
    loader's to do (one thread)."""
    printed = printed_by_fresh_python(
        "import asyncio, sys",
        "from concurrent.futures import Future",
        "from textual.app import App",
        "from tui.ui.searcher import Searcher",
        "stored = Future()",
        "class Host(App):",
        "    def compose(self):",
        "        yield Searcher(['pages'], by_paths=True, stored=stored)",
        "async def main():",
        "    async with Host().run_test() as pilot:",
        "        await pilot.pause(0.3)",
        "        print('tui.search' in sys.modules, end=' ')",
        "        stored.set_result(None)",
        "        await pilot.pause(0.2)",
        "asyncio.run(main())",
        "print('tui.search' in sys.modules)",
    )
    assert printed == "False False"


# -- the field ----------------------------------------------------------------------------


class _FieldHost(App[None]):
    CSS = "QueryField { width: 20; height: 1; border: none; padding: 0; }"

    def compose(self) -> ComposeResult:
        yield QueryField()


def _count_layouts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The screens laid out from now on (by name)."""
    laid_out: list[str] = []
    refresh_layout = Screen._refresh_layout

    def counted(self: Screen[object], *args: object, **kwargs: object) -> None:
        if self._layout_required:
            laid_out.append(type(self).__name__)
        refresh_layout(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Screen, "_refresh_layout", counted)
    return laid_out


async def test_a_key_that_brings_results_lays_the_panel_out_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The list's new size asks for a layout; the field (a key that fits) and the status
    line (the panel's width whatever it says) ask for none of their own."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        await pilot.press("slash")
        await pilot.pause()
        laid_out = _count_layouts(monkeypatch)
        for key in ["本", "backspace"] * 3:
            await pilot.press(key)
            await app.workers.wait_for_complete()
            await pilot.pause()
            if key == "本":
                assert status(app) == f"{brute_force_count(app, '本')} articles"
        assert laid_out == ["SearchScreen"] * 6


async def test_a_status_wider_than_the_panel_is_cut_with_an_ellipsis_on_its_line() -> None:
    app = make_app()
    async with app.run_test(size=(40, 24)) as pilot:
        await ready(app, pilot)
        await pilot.press("slash")
        await pilot.pause()
        line = app.screen.query_one("#search-status", Label)
        line.update(Content("八千六百八十九篇文章，另有一些找不到的日期和版面"), layout=False)
        await pilot.pause()
        assert line.size.height == 1
        rendered = "".join(s.text for s in line.render_lines(line.region.reset_offset)[0])
        assert rendered.rstrip().endswith("…")


async def test_an_empty_field_with_a_wider_placeholder_cannot_be_scrolled_sideways() -> None:
    """The placeholder is cut to the field (as in Input): the field's virtual width is its
    own, not the placeholder's, so a wheel scrolled sideways moves nothing."""

    class Host(App[None]):
        CSS = "QueryField { width: 20; height: 1; border: none; padding: 0; }"

        def compose(self) -> ComposeResult:
            yield QueryField(placeholder="搜索：词语、日期、版面，或拼音的首字母")

    async with Host().run_test(size=(40, 5)) as pilot:
        await pilot.pause()
        field = pilot.app.query_one(QueryField)
        assert (field.virtual_size.width, field.max_scroll_x) == (20, 0)
        await pilot.press("a", "backspace")
        await pilot.pause()
        assert (field.virtual_size.width, field.max_scroll_x) == (20, 0)


async def test_keys_typed_into_the_field_lay_nothing_out_while_the_text_fits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Textual's Input asks for a layout of the whole screen at every key (its virtual
    size, the text's width, changes); the field's is its own width until the text is
    wider, so a key that fits is only painted."""
    async with _FieldHost().run_test(size=(40, 5)) as pilot:
        await pilot.pause()
        field = pilot.app.query_one(QueryField)
        laid_out = _count_layouts(monkeypatch)
        for key in "经济新闻abc":
            await pilot.press(key)
            await pilot.pause()
        assert field.value == "经济新闻abc"
        assert laid_out == []
        assert field.scroll_x == 0


async def test_a_query_wider_than_the_field_scrolls_as_textuals_input_does() -> None:
    """Past the field's width the text scrolls sideways, the cursor kept in sight, as in
    Textual's Input: every key, then Home and End."""
    seen: dict[str, list[tuple[int, int, int]]] = {}
    for kind in (QueryField, Input):

        class Host(App[None]):
            CSS = f"{kind.__name__} {{ width: 20; height: 1; border: none; padding: 0; }}"
            FIELD = kind

            def compose(self) -> ComposeResult:
                yield self.FIELD()

        async with Host().run_test(size=(40, 5)) as pilot:
            await pilot.pause()
            field = pilot.app.query_one(kind)
            keys = [*"经济新闻联播今日说法abcdefgh", "home", "end", "backspace"]
            seen[kind.__name__] = []
            for key in keys:
                await pilot.press(key)
                await pilot.pause()
                seen[kind.__name__].append(
                    (field.virtual_size.width, field.scroll_x, field.cursor_screen_offset.x)
                )
    assert seen["QueryField"][-4:-1] == [(29, 9, 20), (29, 0, 0), (29, 9, 20)]
    # Where the text is narrower than the field, the field's virtual width is its own.
    fits = [(max(20, width), x, cursor) for width, x, cursor in seen["Input"]]
    assert seen["QueryField"] == fits
