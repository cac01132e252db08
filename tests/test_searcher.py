"""The reader's `Searcher`: the index opened from its file before the library is loaded, a
damaged file found by the background check and built again, and a library large enough to
be built by a worker built there (Pilot)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult

import tui.ui.searcher as searcher_module
from tui.library import load_library
from tui.search import SearchIndex, open_index
from tui.search import store as store_module
from tui.search.indexfile import Unusable, verify
from tui.store.settings import Settings
from tui.ui.app import DubaoApp
from tui.ui.searcher import Searcher

from .conftest import write_archive

WAIT = 600  # pauses of 0.05 s: a worker's build of six pages takes a second or two


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return write_archive(tmp_path / "archive", 6)


def reader(archive: Path) -> DubaoApp:
    paths = [str(archive)]
    return DubaoApp(load_library(paths), paths=paths, settings=Settings(), language="en")


async def until(condition, pilot) -> None:  # type: ignore[no-untyped-def]
    for _ in range(WAIT):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("never happened")


def index_of(app: DubaoApp) -> SearchIndex | None:
    return app.query_one(Searcher).index


def index_file(archive: Path) -> Path:
    return store_module.index_path(load_library([archive]))


async def test_an_index_file_is_opened_before_the_library_is_loaded(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_index(load_library([archive]))  # the file, as a reader before this one left it
    opened_by: list[str] = []
    monkeypatch.setattr(
        store_module, "open_cached_index", lambda *a, **k: opened_by.append("library")
    )
    app = reader(archive)
    async with app.run_test() as pilot:
        await until(lambda: index_of(app) is not None, pilot)
        assert opened_by == []  # by the paths: the library was not needed
        assert index_of(app).search("十一月3日").total == 1


async def test_a_damaged_index_file_is_found_and_built_again(archive: Path) -> None:
    open_index(load_library([archive]))
    path = index_file(archive)
    content = bytearray(path.read_bytes())
    content[-1] ^= 0xFF  # in the last large section: opening does not read it
    path.write_bytes(bytes(content))
    with pytest.raises(Unusable):
        verify(path)
    app = reader(archive)
    notes: list[str] = []
    app.notify = lambda message, **_: notes.append(message)  # type: ignore[method-assign]
    async with app.run_test() as pilot:
        await until(lambda: any("damaged" in note for note in notes), pilot)
        await until(lambda: index_of(app) is not None, pilot)
        assert index_of(app).search("十一月3日").total == 1
    verify(path)  # built again, and saved whole


async def test_a_large_library_is_built_by_a_worker(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(searcher_module, "ELSEWHERE_MIN", 1)
    built_here: list[object] = []
    build = store_module.build_entries
    monkeypatch.setattr(
        store_module,
        "build_entries",
        lambda *args, **kwargs: built_here.append(1) or build(*args, **kwargs),
    )
    app = reader(archive)
    async with app.run_test() as pilot:
        await until(lambda: index_of(app) is not None, pilot)
        assert index_of(app).search("十一月3日").total == 1
    assert built_here == []  # the worker, a process of its own, is not patched
    verify(index_file(archive))


def damage(path: Path) -> None:
    content = bytearray(path.read_bytes())
    content[-1] ^= 0xFF  # in the last large section: opening does not read it
    path.write_bytes(bytes(content))


class Alone(App[None]):
    """A `Searcher` of a library by its paths, told of the library only when a test says."""

    def __init__(self, archive: Path) -> None:
        super().__init__()
        self.archive = archive
        self.notes: list[str] = []
        self.ready: list[SearchIndex] = []

    def on_searcher_ready(self, message: Searcher.Ready) -> None:
        self.ready.append(message.index)

    def compose(self) -> ComposeResult:
        yield Searcher([str(self.archive)], by_paths=True)

    def notify(self, message: str, **_: object) -> None:  # type: ignore[override]
        self.notes.append(message)


async def test_a_file_found_damaged_before_the_library_is_loaded_is_not_opened_again(
    archive: Path,
) -> None:
    open_index(load_library([archive]))
    path = index_file(archive)
    damage(path)
    app = Alone(archive)
    async with app.run_test() as pilot:
        searcher = app.query_one(Searcher)
        await until(lambda: any("damaged" in note for note in app.notes), pilot)
        assert searcher.index is None
        offered = len(app.ready)  # the file, opened by its paths before it was checked
        searcher.library_ready(load_library([archive]))  # checks the file it finds, whole
        await until(lambda: searcher.index is not None, pilot)
        assert searcher.index.search("十一月3日").total == 1
        await pilot.pause(0.3)  # a background check of an unchecked file would find it now
        assert app.ready[offered:] == [searcher.index]  # not the damaged file again
        assert [note for note in app.notes if "damaged" in note] == [app.notes[0]]
    verify(path)


async def test_a_library_whose_index_cannot_be_made_says_search_is_unavailable(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(store_module, "build_entries", fail)
    app = Alone(archive)
    async with app.run_test() as pilot:
        searcher = app.query_one(Searcher)
        searcher.library_ready(load_library([archive]))
        await until(lambda: any("unavailable" in note for note in app.notes), pilot)
        assert searcher.index is None


def test_the_builds_progress_is_posted_at_most_every_so_often_and_its_end_always(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [100.0]
    monkeypatch.setattr(searcher_module.time, "monotonic", lambda: clock[0])
    searcher = Searcher(None, by_paths=False)
    posted: list[Searcher.Indexing] = []
    monkeypatch.setattr(searcher, "post_message", posted.append)
    post = searcher._progress_poster()
    for done in range(0, 100, 10):  # ten reports within a moment
        post(done, 100)
        clock[0] += searcher_module.INDEXING_EVERY / 4
    assert [p.done for p in posted] == [0, 40, 80]
    post(100, 100)  # the last report, however soon
    assert [p.done for p in posted] == [0, 40, 80, 100]
