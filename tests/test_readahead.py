"""A large library's oldest pages parsed by a forked child (`tui.readahead`): the library,
its problems and the page cache are what reading every page here gives."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import tui.library
import tui.readahead
from tui import forked
from tui.library import load_library, read_page
from tui.model import Library
from tui.readahead import ReadAhead

from .conftest import SEED, loaded
from .test_cache import BRIEFS, PHOTO, assert_same, cached_paths, touch, write

DAYS = [f"2025-11-{day:02}" for day in range(1, 13)]
FIRST = 2  # pages read before the child starts


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """Twelve issues of two pages, and two pages that cannot be read in the oldest ones."""
    root = tmp_path / "archive"
    for day in DAYS:
        write(root / day / "02_综合.md", f"{PHOTO}\n## {day} 的消息\n\n{BRIEFS}")
        shutil.copy(SEED, root / day / "01_要闻.md")
    (root / DAYS[0] / "03_坏.md").write_bytes(b"\x00\x01\x02\xff" * 64)
    write(root / DAYS[1] / "04_空.md", "   \n\n")
    return root


@pytest.fixture
def parsed_here(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The pages this process parses; the ones the child parses are not in it."""
    seen: list[str] = []
    pid = os.getpid()

    def counting(path: str) -> object:
        if os.getpid() == pid:
            seen.append(path)
        return read_page(path)

    monkeypatch.setattr(tui.library, "read_page", counting)
    return seen


@pytest.fixture
def children(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The read-ahead children started (not the search index's)."""
    started: list[int] = []
    start = forked.start

    def counted(work):  # type: ignore[no-untyped-def]
        child = start(work)
        if getattr(work, "func", None) is tui.readahead._read_all:
            started.append(1)
        return child

    monkeypatch.setattr(forked, "start", counted)
    monkeypatch.setattr(tui.library, "READ_AHEAD_MIN", 4)
    monkeypatch.setattr(tui.library, "FIRST_CACHE_PART", FIRST)  # then the child starts
    return started


def read_alone(root: Path, monkeypatch: pytest.MonkeyPatch) -> Library:
    with monkeypatch.context() as patch:
        patch.setattr(tui.library, "READ_AHEAD_MIN", 10**9)
        return load_library([root], cache=False)


def test_pages_read_ahead_make_the_library_read_here(
    archive: Path, monkeypatch: pytest.MonkeyPatch, children: list[int], parsed_here: list[str]
) -> None:
    expected = read_alone(archive, monkeypatch)
    parsed_here.clear()
    library = load_library([archive], cache=False)
    assert children == [1]
    assert_same(library, expected)
    assert library.problems == expected.problems and len(library.problems) == 2
    pages = 2 * len(DAYS) + 2
    child_share = int((pages - FIRST) * tui.library.READ_AHEAD_SHARE)
    assert len(parsed_here) == pages - child_share  # the newest ones
    assert all(DAYS[-1] in path for path in parsed_here[:2])


def test_the_page_cache_keeps_what_the_child_read(
    archive: Path, monkeypatch: pytest.MonkeyPatch, children: list[int], parsed_here: list[str]
) -> None:
    expected = read_alone(archive, monkeypatch)
    cold = load_library([archive])
    assert children == [1]
    assert_same(cold, expected)
    assert len(cached_paths()) == 2 * len(DAYS)  # not the two unreadable pages
    parsed_here.clear()
    warm = load_library([archive])
    assert children == [1]  # two pages to read, fewer than READ_AHEAD_MIN: no child
    assert sorted(Path(p).name for p in parsed_here) == ["03_坏.md", "04_空.md"]
    assert_same(warm, expected)
    assert warm.problems == expected.problems


def test_only_the_pages_not_in_the_cache_are_read_ahead(
    archive: Path, monkeypatch: pytest.MonkeyPatch, children: list[int], parsed_here: list[str]
) -> None:
    load_library([archive])
    changed = [archive / day / "02_综合.md" for day in [*DAYS[:6], DAYS[-1]]]
    for path in changed:
        touch(path, f"## 改过的 {path.parent.name}\n\n新的正文。\n")
    parsed_here.clear()
    library = load_library([archive])
    assert children == [1, 1]
    # A newest page changed: the pages not in the cache are looked for. Of the six older
    # changed ones and the two unreadable ones, the child took the oldest.
    assert len(parsed_here) == 1 + 8 - int(8 * tui.library.READ_AHEAD_SHARE)
    assert_same(library, read_alone(archive, monkeypatch))
    assert "改过的 2025-11-01" in [a.title for a in library.articles()]


def test_with_the_newest_pages_in_the_cache_the_others_are_read_here(
    archive: Path, monkeypatch: pytest.MonkeyPatch, children: list[int], parsed_here: list[str]
) -> None:
    load_library([archive])
    for path in [archive / day / "02_综合.md" for day in DAYS[:6]]:
        touch(path, f"## 改过的 {path.parent.name}\n\n新的正文。\n")
    parsed_here.clear()
    library = load_library([archive])
    assert children == [1]  # the cold load's: not worth looking for the few changed ones
    assert len(parsed_here) == 6 + 2
    assert_same(library, read_alone(archive, monkeypatch))


def test_without_a_child_every_page_is_read_here(
    archive: Path, monkeypatch: pytest.MonkeyPatch, parsed_here: list[str]
) -> None:
    expected = read_alone(archive, monkeypatch)
    monkeypatch.setattr(tui.library, "READ_AHEAD_MIN", 4)
    monkeypatch.setattr(tui.library, "FIRST_CACHE_PART", FIRST)
    start = forked.start
    for failing in (lambda work: None, lambda work: start(lambda: 1 / 0)):
        monkeypatch.setattr(forked, "start", failing)  # no fork; a child that fails
        parsed_here.clear()
        library = load_library([archive], cache=False)
        assert_same(library, expected)
        assert library.problems == expected.problems
        assert len(parsed_here) == 2 * len(DAYS) + 2


def test_a_page_the_child_was_not_given_is_not_taken(archive: Path) -> None:
    page = str(archive / DAYS[0] / "01_要闻.md")
    ahead = ReadAhead.start([page], tui.library._read_encoded)
    assert ahead is not None
    assert ahead.take(str(archive / DAYS[1] / "01_要闻.md")) is None
    taken = ahead.take(page)
    assert taken is not None and not isinstance(taken, str)
    assert taken[0] == read_page(page)
    assert ahead.take(page) is None  # taken once


async def test_the_reader_opens_a_library_read_ahead(
    archive: Path, monkeypatch: pytest.MonkeyPatch, children: list[int]
) -> None:
    # Forked from the reader's loading thread, while Textual's own threads run.
    from tui.app import DubaoApp
    from tui.settings import Settings

    expected = read_alone(archive, monkeypatch)
    app = DubaoApp(paths=[str(archive)], settings=Settings(theme="dubao-dark"), language="en")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        await loaded(app, pilot)
        await pilot.pause()
        assert children == [1]
        assert_same(app.library, expected)
        assert app.library.problems == expected.problems
