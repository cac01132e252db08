"""A library's index opened from the cache without loading the library (`open_stored_index`):
only while its files' stamps say it is the library the index was made for, and with the
same answers as the index opened with the library."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tui import cli
from tui.library import Pages, load_library
from tui.library.cache import CACHE_FILE
from tui.search import open_index
from tui.search.places import Misplaced
from tui.search.store import open_stored_index
from tui.store.folders import cache_folder

from .conftest import write_archive

QUERIES = ["山西", "李静", "的 了", "消息", "十一月3日", "zzz", "太钢 福德士河"]


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return write_archive(tmp_path / "archive", 6)


def touch(path: Path, text: str) -> None:
    """Change a file, and its stamp even where the clock is coarse."""
    old = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(old + 10**9, old + 10**9))


def test_the_pages_tell_what_the_loaded_library_is(archive: Path) -> None:
    loaded = load_library([archive])
    assert loaded.files_digest and Pages([archive]).files_digest == loaded.files_digest
    assert load_library([archive]).files_digest == loaded.files_digest  # from the page cache now
    assert load_library([archive], cache=False).files_digest == b""  # unknown: no stamps taken
    touch(archive / "2025-11-03" / "02_综合.md", "## 改了\n\n正文。\n")
    changed = load_library([archive])
    assert (
        changed.files_digest != loaded.files_digest
        and Pages([archive]).files_digest == changed.files_digest
    )
    (archive / "2025-11-09").mkdir()
    (archive / "2025-11-09" / "01.md").write_text("## 新的\n\n正文。\n", encoding="utf-8")
    assert Pages([archive]).files_digest not in (b"", changed.files_digest)
    # Through a link, the same files are another library: its sections' sources differ.
    link = archive.parent / "link"
    link.symlink_to(archive)
    assert Pages([link]).files_digest not in (b"", Pages([archive]).files_digest)


def test_a_library_with_an_unreadable_page_has_no_sources(archive: Path) -> None:
    (archive / "2025-11-02" / "03.md").write_bytes(b"\x00\x01\x02" * 100)
    library = load_library([archive])
    assert library.problems and library.files_digest == b""
    assert open_stored_index(Pages([archive])) is None


def test_the_stored_index_answers_as_the_index_opened_with_the_library(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert open_stored_index(Pages([archive])) is None  # nothing stored yet
    library = load_library([archive])
    here = open_index(library)
    read: list[str] = []
    pages = Pages([archive])
    monkeypatch.setattr(
        pages, "articles", lambda path: read.append(path) or Pages.articles(pages, path)
    )
    stored = open_stored_index(pages)
    assert stored is not None and read == []  # no page read until a hit is shown
    for query in QUERIES:
        theirs, ours = stored.search(query, limit=0), here.search(query, limit=0)
        assert theirs.total == ours.total, query
        assert theirs.hits == ours.hits, query
        for hit in ours.hits[:4]:
            found = stored.matches_in(hit.article_id, query)
            assert found == here.matches_in(hit.article_id, query)
    assert stored.matching_ids("山西") == here.matching_ids("山西")
    # The archive's days share a page: its articles' ids were made unique (-2, -3…).
    assert any(hit.article_id.endswith("-2") for hit in stored.search("山西", limit=0).hits)
    assert read and set(read) <= set(pages.paths)


def test_pages_missing_from_the_page_cache_are_parsed(archive: Path) -> None:
    library = load_library([archive])
    here = open_index(library)
    (cache_folder() / CACHE_FILE).unlink()
    stored = open_stored_index(Pages([archive]))
    assert stored is not None
    assert stored.search("山西", limit=0).hits == here.search("山西", limit=0).hits


def test_a_changed_file_is_not_served_from_the_stored_index(archive: Path) -> None:
    open_index(load_library([archive]))
    pages = Pages([archive])
    touch(archive / "2025-11-06" / "02_综合.md", "## 十一月六日\n\n改了。\n")
    assert open_stored_index(Pages([archive])) is None
    changed = load_library([archive])  # the page cache now holds the page as it is
    # Changed after its stamp was taken: the hit's article is not the one indexed.
    stale = open_stored_index(pages)
    assert stale is not None
    with pytest.raises(Misplaced):
        stale.search("十一月6日")
    # With the library, its index is made again, and stored again.
    rebuilt = open_index(changed)
    assert rebuilt.search("十一月6日").total == 0 and rebuilt.search("六日").total == 1
    stored = open_stored_index(Pages([archive]))
    assert stored is not None and stored.search("六日").hits == rebuilt.search("六日").hits


def searched_once(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[list[str], pytest.CaptureResult[str]]:
    """A `dubao search` command on the archive, and what it printed the first time."""
    command = ["search", "山西", str(archive), "--json", "--limit", "0"]
    assert cli.main(command) == 0
    return command, capsys.readouterr()


def test_dubao_search_reads_a_warm_index_without_loading_the_library(
    archive: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    command, first = searched_once(archive, capsys)
    loads: list[object] = []

    def counted(*args: object, **kwargs: object) -> object:
        loads.append(args)
        return load_library(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cli, "load_library", counted)
    assert cli.main(command) == 0
    assert capsys.readouterr() == first and loads == []
    # A changed file: the library is loaded, and the one note says why the index is made again.
    touch(archive / "2025-11-02" / "02_综合.md", "## 山西的消息\n\n正文。\n")
    assert cli.main(command) == 0
    again = capsys.readouterr()
    assert len(loads) == 1 and again.err.count("rebuilding") == 1, again.err
    assert json.loads(again.out)["total"] == json.loads(first.out)["total"] + 1


def test_dubao_search_loads_the_library_when_a_page_cannot_be_read_again(
    archive: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    command, first = searched_once(archive, capsys)

    def gone(self: Pages, path: str) -> list[object]:
        raise FileNotFoundError(2, "No such file or directory", path)

    monkeypatch.setattr(Pages, "articles", gone)  # as if removed after it was stamped
    assert cli.main(command) == 0
    assert capsys.readouterr() == first
