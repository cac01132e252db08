"""A library's search index built in a worker process, and saved where readers find it.

    worker, future = Worker.run(build, paths, progress=True)  # or a Library

The index file (`index-<key>.bin`) is what building hands to searching: the worker loads
the library (through the page cache the reader has just filled), builds its index and
saves it; a reader then opens it. In a worker, building never holds up the keys (jieba
alone takes a core for seconds), and the ~100 MB it takes go back when it ends.

A worker of its own (`headers`) makes the index's headers' part meanwhile, on the second
core: the titles cut into words and the headers read in pinyin, with jieba's and
pypinyin's data (~90 MB), which the build's own process then never loads. The build's
worker sends it the articles' headers, from the library it has loaded. Where it cannot
start or fails, the build makes that part itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from tui.background.pool import Worker, report
from tui.core.model import Library
from tui.library import Pages, load_library

if TYPE_CHECKING:
    from tui.search.build import Header, Headers, HeadersMade

HEADERS_TIMEOUT = 300.0  # seconds: later than this, a stuck worker; the build makes them


@dataclass(frozen=True, slots=True)
class Built:
    """Whether the index file was saved, and the build's notes, one line each."""

    saved: bool
    notes: list[str]


def build(source: Sequence[str] | Library | None) -> Built:
    """In the worker: the index of the library at the paths `source` (None: the seeds), or
    of a Library sent whole (a small one), found (its CRC checked) or built, and saved. By
    its paths, the build reads the pages again from the page cache (`build_index_file`)."""
    from tui.search.store import build_index_file, index_path, open_index

    notes: list[str] = []
    if not isinstance(source, Library):
        load = partial(load_library, source, on_note=notes.append)
        saved = build_index_file(
            load,
            Pages(source),
            on_note=notes.append,
            on_progress=report,
            headers=_headers_elsewhere,
        )
        return Built(saved, notes)
    open_index(source, verify=True, on_note=notes.append, on_progress=report)
    try:
        saved = index_path(source).is_file()
    except OSError:
        saved = False
    return Built(saved, notes)


def headers(header_list: list[Header]) -> Headers:
    """In the headers' worker: the headers' part of the index of articles with these
    headers."""
    from tui.search.build import build_headers

    return build_headers(header_list)


def _headers_elsewhere(header_list: list[Header]) -> HeadersMade | None:
    """In the build's worker: `headers` started in a worker of its own; None where none
    starts."""
    started = Worker.run(headers, header_list, nested=True)
    if started is None:
        return None
    _, future = started

    def made() -> Headers | None:
        try:
            return future.result(HEADERS_TIMEOUT)
        except Exception:  # failed, or its worker died: the build makes the part itself
            return None

    return made
