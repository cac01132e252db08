"""A library's search index built in a worker process, and saved where readers find it.

    build = IndexBuild.start(paths)   # or a Library; None where no worker can be started
    build.future                      # a Future of the build's `Built`
    for done, total in build.progress(): ...  # in a thread: the build's passes
    build.cancel()                    # the worker ends at once

The index file (`index-<key>.bin`) is what building hands to searching: the worker loads
the library (through the page cache the reader has just filled), builds its index and
saves it; a reader then opens it. In a `pool.Worker`, building never holds up the keys
(jieba alone takes a core for seconds), and the ~100 MB it takes go back when it ends.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial

from tui.background.pool import Worker, report
from tui.core.model import Library
from tui.library import Pages, load_library


@dataclass(frozen=True, slots=True)
class Built:
    """Whether the index file was saved, and the build's notes, one line each."""

    saved: bool
    notes: list[str]


class IndexBuild:
    """The index of a library being built in a worker process."""

    def __init__(self, worker: Worker, future: Future[Built]) -> None:
        self._worker = worker
        self.future = future
        future.add_done_callback(lambda _: worker.cancel())  # one build per worker

    @classmethod
    def start(cls, source: Sequence[str] | Library | None) -> IndexBuild | None:
        """The index of the library at the paths `source` (None: the seeds), or of the
        Library `source` (sent whole: a small one), being built."""
        worker = Worker.start(__name__, progress=True)
        if worker is None:
            return None
        try:
            future = worker.submit(build, source)
        except (OSError, RuntimeError):
            worker.cancel()
            return None
        return cls(worker, future)

    def cancel(self) -> None:
        self._worker.cancel()

    def progress(self) -> Iterator[tuple[int, int]]:
        """The build's passes as they go; must be read (in a thread: it blocks)."""
        return self._worker.progress()


def build(source: Sequence[str] | Library | None) -> Built:
    """In the worker: the library's index found (if a reader saved it meanwhile, whole: its
    CRC checked) or built, and saved. By its paths, the library is let go before the build,
    which reads the pages again from the page cache (`store.build_index_file`)."""
    from tui.search.store import build_index_file, index_path, open_index

    notes: list[str] = []
    if not isinstance(source, Library):
        load = partial(load_library, source, on_note=notes.append)
        saved = build_index_file(load, Pages(source), on_note=notes.append, on_progress=report)
        return Built(saved, notes)
    open_index(source, verify=True, on_note=notes.append, on_progress=report)
    try:
        saved = index_path(source).is_file()
    except OSError:
        saved = False
    return Built(saved, notes)
