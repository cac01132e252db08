"""The loader thread (`tui.background.loader`): the first issue before the reader's window, the rest
to the reader once it listens; and the reader's real command on a library too large to
read before its first screen."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

import tui.background.loader
import tui.library
from tui.background.loader import Event, Loader
from tui.core.model import Library
from tui.library import LibraryError, load_library

from .conftest import fake_loader_load, loaded, write_archive
from .dubao_term import DUBAO, showing, user_dirs
from .tmux import Tmux

DAYS = ["2025-12-10", "2025-12-09", "2025-12-08"]


@pytest.fixture
def paper(tmp_path: Path) -> Path:
    root = tmp_path / "paper"
    for day in DAYS:
        (root / day).mkdir(parents=True)
        (root / day / "02_综合.md").write_text(f"## {day} 的消息\n\n正文。\n", encoding="utf-8")
    return root


class Heard:
    """A sink that keeps what it hears."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.done_event = threading.Event()

    def partial(self, library: Library) -> None:
        self.events.append(Event("partial", library))

    def done(self, library: Library) -> None:
        self.events.append(Event("done", library))
        self.done_event.set()

    def failed(self, message: str) -> None:
        self.events.append(Event("failed", message))
        self.done_event.set()

    def note(self, message: str) -> None:
        self.events.append(Event("note", message))


def issue_titles(library: Library | None) -> list[str]:
    return [issue.title for issue in library.issues] if library else []


def test_the_first_issue_comes_before_the_window_and_the_rest_after(
    paper: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = load_library([paper], cache=False)
    steps: list[str] = []

    def load(paths: Any, on_progress: Any, on_note: Any, on_partial: Any, **_: Any) -> Library:
        on_partial(Library(issues=whole.issues[:1]))
        steps.append("went on")  # only once the reader listens
        on_note("a note")
        on_partial(Library(issues=whole.issues[:2]))
        return whole

    fake_loader_load(monkeypatch, load)
    loader = Loader.start([str(paper)])
    first = loader.first(timeout=5)
    assert issue_titles(first) == issue_titles(whole)[:1]
    loader.join(0.2)
    assert steps == []  # waiting for the reader
    assert not loader.stored_index.done()  # nor is the index opened: it would slow the window
    heard = Heard()
    assert loader.attach(heard) == []  # the first issue was taken: nothing else yet
    assert heard.done_event.wait(5)
    assert loader.stored_index.result(timeout=5) is None  # then looked for: none stored
    loader.join(5)
    assert steps == ["went on"]
    assert [e.kind for e in heard.events] == ["note", "partial", "done"]
    assert heard.events[1].value == Library(issues=whole.issues[:2])
    assert heard.events[2].value == whole


def test_the_folders_are_walked_once_for_the_library_and_its_index(
    paper: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loader looks for the page files once: the library is loaded from them, and the
    stored index opened by them (a large library's folders take ~40 ms to walk, on the
    way to the first search)."""
    from tui.search import open_index

    open_index(load_library([paper]))  # stored, to be found by the library's files
    walks: list[object] = []
    find = tui.library._find

    def counted(*args: Any) -> Any:
        walks.append(args[0])
        return find(*args)

    monkeypatch.setattr(tui.library, "_find", counted)
    loader = Loader.start([str(paper)])
    assert issue_titles(loader.first(timeout=5)) == [DAYS[0]]
    heard = Heard()
    loader.attach(heard)
    index = loader.stored_index.result(timeout=5)
    assert index is not None and index.search("消息").total == len(DAYS)
    assert heard.done_event.wait(5)
    assert len(walks) == 1


def test_what_comes_before_attach_is_given_to_the_reader_in_order(
    paper: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = load_library([paper], cache=False)

    def load(paths: Any, on_progress: Any, on_note: Any, on_partial: Any, **_: Any) -> Library:
        on_note("the page cache was rebuilt")
        return whole  # no partial: nothing to wait for

    fake_loader_load(monkeypatch, load)
    loader = Loader.start([str(paper)])
    loader.join(10)  # done before anyone listens
    heard = Heard()
    events = loader.attach(heard)
    assert events == [Event("note", "the page cache was rebuilt"), Event("done", whole)]
    assert heard.events == []


def test_a_first_issue_that_came_late_is_a_partial_for_the_reader(
    paper: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = load_library([paper], cache=False)
    go = threading.Event()

    def load(paths: Any, on_progress: Any, on_note: Any, on_partial: Any, **_: Any) -> Library:
        go.wait(5)
        on_partial(Library(issues=whole.issues[:1]))
        return whole

    fake_loader_load(monkeypatch, load)
    loader = Loader.start([str(paper)])
    assert loader.first(timeout=0.05) is None  # not in time: the window starts without
    go.set()
    loader._first_in.wait(5)
    heard = Heard()
    events = loader.attach(heard)
    assert heard.done_event.wait(5)
    kinds = [e.kind for e in events] + [e.kind for e in heard.events]
    assert kinds == ["partial", "done"]


def test_the_index_file_is_looked_for_with_the_first_issue_even_after_attach(
    paper: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The reader's `Searcher` waits for `stored_index`: set only at the end of a long load,
    # it would wait that long, and a reader quitting meanwhile with it.
    whole = load_library([paper], cache=False)
    go, finish = threading.Event(), threading.Event()

    def load(paths: Any, on_progress: Any, on_note: Any, on_partial: Any) -> Library:
        go.wait(5)
        on_partial(Library(issues=whole.issues[:1]))
        finish.wait(5)
        return whole

    fake_loader_load(monkeypatch, load)
    loader = Loader.start([str(paper)])
    assert loader.first(timeout=0.05) is None
    loader.attach(Heard())  # the window is up before the first issue
    go.set()
    assert loader.stored_index.result(timeout=5) is None  # looked for: none stored
    assert not finish.is_set()  # while the rest still loads
    finish.set()
    loader.join(5)


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (LibraryError("no readable pages in x"), "no readable pages in x"),
        (ValueError("a bug"), "could not load the library: ValueError('a bug')"),
    ],
)
def test_a_failure_is_one_line_for_the_reader(
    monkeypatch: pytest.MonkeyPatch, error: Exception, message: str
) -> None:
    def load(*args: Any, **kwargs: Any) -> Library:
        raise error

    fake_loader_load(monkeypatch, load)
    loader = Loader.start(["x"])
    assert loader.first(timeout=5) is None
    loader.join(5)
    assert loader.attach(Heard()) == [Event("failed", message)]


def test_a_reader_that_is_gone_is_told_nothing_more(
    paper: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = load_library([paper], cache=False)
    attached = threading.Event()
    errors: list[Any] = []
    monkeypatch.setattr(threading, "excepthook", errors.append)

    def load(paths: Any, on_progress: Any, on_note: Any, on_partial: Any, **_: Any) -> Library:
        attached.wait(5)
        on_note("first")
        on_note("second")
        return whole

    class Gone(Heard):
        def note(self, message: str) -> None:
            super().note(message)
            raise RuntimeError("the app is not running")

    fake_loader_load(monkeypatch, load)
    loader = Loader.start([str(paper)])
    gone = Gone()
    loader.attach(gone)
    attached.set()
    loader.join(5)
    assert [e.value for e in gone.events] == ["first"]
    assert errors == []


async def test_the_reader_opens_on_the_first_issue_and_takes_the_rest(
    paper: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.store.settings import Settings
    from tui.ui.app import DubaoApp
    from tui.ui.widgets.sidebar import Sidebar

    whole = load_library([paper], cache=False)
    release = threading.Event()

    def load(paths: Any, on_progress: Any, on_note: Any, on_partial: Any, **_: Any) -> Library:
        on_partial(Library(issues=whole.issues[:1]))
        release.wait(10)
        return whole

    fake_loader_load(monkeypatch, load)
    loader = Loader.start([str(paper)])
    first = loader.first(timeout=5)
    assert first is not None
    app = DubaoApp(
        first,
        paths=[str(paper)],
        loader=loader,
        settings=Settings(theme="dubao-dark"),
        language="en",
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.reader.article_view.article == whole.issues[0].sections[0].articles[0]
        assert len(app.query_one(Sidebar)._issue_nodes) == 1
        release.set()
        await loaded(app.reader, pilot)
        assert app.reader.library == whole
        assert len(app.query_one(Sidebar)._issue_nodes) == len(DAYS)
        assert app.reader.article_view.article == whole.issues[0].sections[0].articles[0]


def test_the_real_command_reads_a_large_library(home: Path, tmp_path: Path) -> None:
    # More pages than a library read before the first screen may have (`is_small`).
    root = write_archive(tmp_path / "archive", 20)
    with Tmux([DUBAO, str(root)], 100, 30, env=user_dirs(home), socket_dir=home) as term:
        term.wait_for(showing("dubao · Thu 2025-11-20 · 第1版 要闻", "建设平安山西"), timeout=20)
        # Loading is over: the status line says where the reader is, and the bar is gone.
        term.wait_for(lambda screen: "Article 1 of 10" in screen and "━" not in screen)
        term.send("}")  # the next page
        term.wait_for(showing("dubao · Thu 2025-11-20 · 第2版 综合", "十一月20日的消息"))
        term.send("}")  # into the next issue
        term.wait_for("dubao · Wed 2025-11-19 · 第1版 要闻")
        term.send("/")  # a library this small: its index built in a thread of the reader
        term.wait_for("Search:")
        term.send("日的消息", literal=True)
        term.wait_for("20 articles")
        term.send("Escape")
        term.wait_until_gone("20 articles")
        term.send("q")
        assert term.wait_for_exit(10) == 0
        assert "Traceback" not in term.screen()


@pytest.mark.parametrize("stored", [True, False], ids=["index stored", "index to build"])
async def test_opening_search_while_loading_holds_the_loading_until_the_way_is_given(
    paper: Path, monkeypatch: pytest.MonkeyPatch, stored: bool
) -> None:
    """The search panel opened during a load: the loader's thread stops at its next page
    for SEARCH_FIRST seconds, so that the first answer has the CPU to itself. Not where
    there is no index file: it is built once the library is loaded, and waiting would
    only hold the build back."""
    from tui.library import Progress
    from tui.search import open_index
    from tui.store.settings import Settings
    from tui.ui.app import DubaoApp
    from tui.ui.screens import reader as reader_screen

    whole = load_library([paper], cache=False)
    if stored:
        open_index(load_library([paper]))  # its file, found by the library's files
    pages: list[float] = []  # when each page after the panel opened was done
    panel_open = threading.Event()
    release = threading.Event()

    def load(paths: Any, on_progress: Any, on_note: Any, on_partial: Any, **_: Any) -> Library:
        on_partial(Library(issues=whole.issues[:1]))
        panel_open.wait(10)
        on_progress(Progress(2, 3, "page"))  # waits here while the way is given
        pages.append(time.monotonic())
        release.wait(10)
        return whole

    monkeypatch.setattr(reader_screen, "SEARCH_FIRST", 0.4)
    fake_loader_load(monkeypatch, load)
    loader = Loader.start([str(paper)])
    first = loader.first(timeout=5)
    app = DubaoApp(first, paths=[str(paper)], loader=loader, settings=Settings(), language="en")
    given: list[float] = []  # when the way was given
    give_way = loader.give_way

    def giving_way(seconds: float) -> None:
        given.append(time.monotonic())
        give_way(seconds)

    monkeypatch.setattr(loader, "give_way", giving_way)
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(100):  # looked for as the reader attaches
            if loader.stored_index.done():
                break
            await pilot.pause(0.05)
        await pilot.press("slash")
        panel_open.set()
        for _ in range(100):
            if pages:
                break
            await pilot.pause(0.05)
        assert len(given) == stored
        if stored:
            assert pages and pages[0] - given[0] >= 0.4  # not before the way had passed
        else:
            assert pages
        release.set()
        await loaded(app.reader, pilot)


def test_without_the_way_given_a_page_does_not_wait(paper: Path) -> None:
    from tui.library import Progress

    loader = Loader([str(paper)])  # not started: its progress is called here
    start = time.monotonic()
    loader._on_progress(Progress(1, 2, "page"))
    loader.give_way(0.3)
    waited = time.monotonic()
    loader._on_progress(Progress(2, 2, "page"))
    assert time.monotonic() - waited >= 0.3 > waited - start
