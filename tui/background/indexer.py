"""A library's search index built in a worker process, and saved where readers find it.

    worker, future = Worker.run(build, paths, progress=True)  # or a Library

The index file (`index-<key>.bin`) is what building hands to searching: the worker loads
the library (through the page cache the reader has just filled), builds its index and
saves it; a reader then opens it. In a worker, building never holds up the keys (jieba
alone takes a core for seconds), and the ~100 MB it takes go back when it ends.

Meanwhile a worker of the build's own makes the index's headers' part from the headers it
is sent (`build_headers`: jieba, pypinyin and their ~90 MB, on the second core); where it
cannot start or fails, the build makes it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from tui.background.pool import Worker, report
from tui.core.model import Library
from tui.library import Pages, load_library

if TYPE_CHECKING:
    from concurrent.futures import Future

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


def _headers_elsewhere(header_list: list[Header]) -> HeadersMade | None:
    """In the build's worker: `build_headers` in a worker of its own, or None."""
    from tui.search.build import build_headers

    started = Worker.run(build_headers, header_list, nested=True)
    return None if started is None else partial(_result, started[1])


def _result(future: Future[Headers]) -> Headers | None:
    try:
        return future.result(HEADERS_TIMEOUT)
    except Exception:  # failed, stuck, or its worker died: the build makes the part itself
        return None
