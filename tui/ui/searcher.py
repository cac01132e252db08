"""The reader's search index: opened from its file, else built in a worker process.

`Searcher` is a widget that shows nothing: it runs the index's workers and hears their
messages, and tells the app with `Searcher.Ready` when `index` can answer. Screens use
`index` (None until then) and `stale()`. In order of preference:

1. Reading a library by its paths, the index file is opened at once, before the library is
   loaded (`open_stored_index`: where its files' stamps say it is that library's); by the
   loader, while the window starts, where there is one (`Loader.stored_index`).
2. Once the library is loaded, the index file is looked for by the library (`open_index`
   with `build=False`).
3. Not there, or not usable: built in a worker process (`tui.background.indexer`), which saves it;
   then opened as in 2. A library of fewer than ELSEWHERE_MIN articles is built here, in
   a thread: a fraction of a second, less than starting a worker takes.
4. No worker process, or it failed, or the file could not be saved: built here, in a
   thread.

A library of outlines (`Library.outline`, as the loader reads one) never reaches the index:
its articles are not whole. Its index file is opened by its paths (as in 1), built from
them, and where it must be built here, from the library read again whole.

An index opened from its file answers at once; its whole CRC is checked meanwhile, in a
thread (`indexfile.verify`): a damaged file is built again, once, by a build that checks
the file it finds.

Workers post their results as messages, and every worker's failure takes one path
(`on_worker_state_changed`): a one-line note, and the next way in that order.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING

from textual import on, work
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.widget import Widget
from textual.worker import Worker, WorkerState, get_current_worker

from tui.core.model import Library
from tui.core.time_left import TimeLeft
from tui.library import Pages, load_library

if TYPE_CHECKING:  # the search and its workers load once the library has (startup)
    from tui.background.indexer import Built
    from tui.background.pool import Worker as Process
    from tui.search import SearchIndex


ELSEWHERE_MIN = 2000  # articles
# Seconds: the build's progress is posted no more often. The search panel shows it, and
# each change is painted with the reader under it tinted anew: a large build's ~100 reports
# took ~1.5 s of the reader's CPU, beside the build's two workers.
INDEXING_EVERY = 0.25


class Searcher(Widget):
    """The library's search index, for the screens; hidden."""

    DEFAULT_CSS = "Searcher { display: none; }"

    class Ready(Message):
        """The index can answer."""

        def __init__(self, index: SearchIndex) -> None:
            super().__init__()
            self.index = index

    class Indexing(Message):
        """How far the index's build is: `done` of `total`, and about `seconds_left`
        (None until there is a rate to go by)."""

        def __init__(self, done: int, total: int, seconds_left: float | None) -> None:
            super().__init__()
            self.done = done
            self.total = total
            self.seconds_left = seconds_left

    class _Opened(Message):
        def __init__(self, index: SearchIndex | None, *, checked: bool = False) -> None:
            super().__init__()
            self.index = index
            self.checked = checked  # its file's whole CRC, or built here

    class _Damaged(Message):
        def __init__(self, index: SearchIndex, reason: str) -> None:
            super().__init__()
            self.index = index
            self.reason = reason

    class _Note(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class _Built(Message):
        def __init__(self, future: Future[Built]) -> None:
            super().__init__()
            self.future = future

    def __init__(
        self,
        paths: Sequence[str] | None,
        *,
        by_paths: bool,
        stored: Future[SearchIndex | None] | None = None,
        index: SearchIndex | None = None,
        **kwargs: object,
    ) -> None:
        """The index of the library at `paths` (None: the seeds). `by_paths`: the library
        is read from them, so the index file can be opened before it is loaded; `stored`:
        being opened so already (`Loader.stored_index`); `index`: opened and its file
        checked already (`dubao serve`'s zygote's)."""
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._paths = paths
        self._by_paths = by_paths
        self._stored = stored
        self._library: Library | None = None
        self._build: Process | None = None  # the worker process building the index
        self._built_elsewhere = False  # tried: once
        self._built_here = False
        self._rebuilt = False  # after a damaged file: once
        self._check_files = False  # a damaged file was found: check every file whole first
        self._said: set[str] = set()  # notes: each once
        self.index: SearchIndex | None = index
        self.indexing: Searcher.Indexing | None = None  # the build's last progress

    def on_mount(self) -> None:
        if self.index is not None:
            self.post_message(self.Ready(self.index))
        elif self._by_paths:
            self._open_stored()

    def library_ready(self, library: Library) -> None:
        """The whole library is loaded: find its index, or have it built."""
        self._library = library
        if self.index is None:
            self._open_by_library(library)

    def answers_soon(self) -> bool:
        """Whether the index is here or being opened from its file: not one that must wait
        for the library to load and then be built."""
        if self.index is not None:
            return True
        stored = self._stored
        if stored is None:  # looked for only once the library has loaded
            return False
        return not stored.done() or (stored.exception() is None and stored.result() is not None)

    def stale(self) -> None:
        """The index no longer matches the pages (one changed since): build it again."""
        self.index = self.indexing = None
        self._built_elsewhere = self._built_here = False  # every way again, for new pages
        if self._library is not None:
            self._open_by_library(self._library)

    def on_unmount(self) -> None:
        if self._build is not None:
            self._build.cancel()

    # -- workers --------------------------------------------------------------------

    @work(thread=True, group="index", exit_on_error=False)
    def _open_stored(self) -> None:
        # The loader's index: `tui.search` is imported by the loader, once the first screen
        # is up; imported here, at mount, it held the GIL while the first screen was made.
        if self._stored is not None:  # set with the loader's first partial library
            worker = get_current_worker()
            index = None
            while not worker.is_cancelled:
                with contextlib.suppress(TimeoutError):
                    index = self._stored.result(timeout=0.1)
                    break
        else:
            from tui.search import open_stored_index

            index = open_stored_index(Pages(self._paths))
        if index is not None:
            self.post_message(self._Opened(index))

    # A description, or Textual takes repr() of the arguments: of a whole library, ~0.3 s.
    @work(thread=True, group="index", exit_on_error=False, description="open the index")
    def _open_by_library(self, library: Library) -> None:
        from tui.search import open_cached_index, open_stored_index

        checked = self._check_files
        if library.outline:  # its entries would be outlines: the index reads the pages
            index = open_stored_index(Pages(self._paths), verify=checked)
        else:
            index = open_cached_index(library, verify=checked, on_note=self._note)
        self.post_message(self._Opened(index, checked=checked))

    @work(thread=True, group="index", exit_on_error=False, description="build the index")
    def _build_here(self, library: Library) -> None:
        from tui.search import open_index

        worker = get_current_worker()
        if library.outline:
            library = load_library(self._paths)  # whole, from the page cache
        index = open_index(
            library,
            self._progress_poster(),
            should_stop=lambda: worker.is_cancelled,
            verify=True,
            on_note=self._note,
        )
        self.post_message(self._Opened(index, checked=True))

    @work(thread=True, group="progress", description="follow the index's build")
    def _follow(self, build: Process) -> None:
        post = self._progress_poster()
        for done, total in build.progress():  # until the worker ends
            post(done, total)

    def _progress_poster(self) -> Callable[[int, int], None]:
        """Posts the build's progress: every report goes to the estimate of the time left,
        one in INDEXING_EVERY seconds (and the last) to the screens."""
        time_left = TimeLeft()
        posted = -math.inf

        def post(done: int, total: int) -> None:
            nonlocal posted
            seconds_left = time_left(done, total)
            now = time.monotonic()
            if now - posted >= INDEXING_EVERY or done >= total:
                posted = now
                self.post_message(self.Indexing(done, total, seconds_left))

        return post

    @work(thread=True, group="index", exit_on_error=False, description="verify the index")
    def _verify(self, index: SearchIndex) -> None:
        from tui.search.indexfile import Unusable, verify

        try:
            verify(index)
        except Unusable as e:
            name = index.index_file.file.name
            self.post_message(self._Damaged(index, f"{name} {e}" if name else str(e)))

    def _build_elsewhere(self, library: Library) -> None:
        """A worker process builds the index and saves it; `_Built` says when."""
        from tui.background.indexer import build
        from tui.background.pool import Worker as Process

        self._built_elsewhere = True
        # By its paths where the worker, loading them through the page cache, finds the
        # library this one is (its files' stamps); else the library itself, sent whole.
        # A library of outlines, always by its paths: its articles are not whole.
        by_paths = bool(self._by_paths and library.files_digest) or library.outline
        source = self._paths if by_paths else library
        started = Process.run(build, source, progress=True)
        if started is None:
            self._build_here_once(library)
            return
        self._build, future = started
        future.add_done_callback(self._post_built)
        self._follow(self._build)

    def _post_built(self, future: Future[Built]) -> None:
        # In the executor's thread; after the reader has quit there is no one to tell.
        with contextlib.suppress(RuntimeError):
            self.post_message(self._Built(future))

    def _build_here_once(self, library: Library) -> None:
        if self._built_here:  # every way was tried
            self._say("the search index could not be made: search is unavailable", severity="error")
            return
        self._built_here = True
        self._build_here(library)

    def _say(self, text: str, severity: SeverityLevel = "information") -> None:
        """A note for the reader, once: a damaged file is found by each way that opens it."""
        if text not in self._said:
            self._said.add(text)
            self.notify(text, severity=severity)

    def _note(self, text: str) -> None:
        """A one-line note, from a worker's thread."""
        self.post_message(self._Note(text))

    # -- results ----------------------------------------------------------------------

    @on(_Opened)
    def _opened(self, message: _Opened) -> None:
        if self.index is not None:
            return  # opened another way meanwhile
        if message.index is not None:
            self.index = message.index
            self.indexing = None
            self.post_message(self.Ready(message.index))
            if not message.checked:
                self._verify(message.index)
        elif self._library is not None and not self._built_elsewhere:
            if _article_count(self._library) < ELSEWHERE_MIN:
                self._build_here_once(self._library)
            else:
                self._build_elsewhere(self._library)
        elif self._library is not None:  # built elsewhere, and still not found
            self._build_here_once(self._library)

    @on(_Damaged)
    def _damaged(self, message: _Damaged) -> None:
        if message.index is not self.index:
            return
        self.index = None
        self._check_files = True
        if self._rebuilt:
            self._say(
                f"the search index cache {message.reason} again: search is unavailable",
                severity="error",
            )
            return
        self._say(f"the search index cache {message.reason}: rebuilding it", severity="warning")
        library = self._library
        if library is None:
            return  # by the library, once it is loaded, checking the file it finds
        self._rebuilt = True
        self._built_elsewhere = self._built_here = False
        if _article_count(library) < ELSEWHERE_MIN:
            self._build_here_once(library)
        else:
            self._build_elsewhere(library)

    @on(Indexing)
    def _indexing(self, message: Indexing) -> None:
        self.indexing = message  # and on to the screen, which shows it

    @on(_Note)
    def _noted(self, message: _Note) -> None:
        self._say(message.text, severity="warning")

    @on(_Built)
    def _built(self, message: _Built) -> None:
        self._build = None
        library = self._library
        if library is None or self.index is not None:
            return
        try:
            built = message.future.result()
        except Exception as e:  # the worker failed or died: build here
            self._say(f"the search index could not be built in a worker: {_said(e)}")
            self._build_here_once(library)
            return
        for note in built.notes:
            self._say(note, severity="warning")
        if built.saved:
            self._open_by_library(library)
        else:
            self._build_here_once(library)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Every worker's failure: one line, then the next way to an index."""
        if event.state != WorkerState.ERROR or event.worker.group != "index":
            return
        self._say(f"the search index: {_said(event.worker.error)}", severity="error")
        if self._library is not None and self.index is None:
            self._build_here_once(self._library)


def _said(error: BaseException | None) -> str:
    return str(error) or type(error).__name__


def _article_count(library: Library) -> int:
    return sum(len(section.articles) for issue in library.issues for section in issue.sections)
