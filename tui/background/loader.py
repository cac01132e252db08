"""Loading a library in a thread of its own, for a reader that may not be up yet.

    loader = Loader.start(paths)
    library = loader.first(timeout=0.5)   # the newest issue, if it came in time
    for event in loader.attach(sink):     # once the window is up: what happened meanwhile,
        event.to(here)                    # applied by the caller; `sink` hears the rest

The first screen shows the newest issue of a large library, not an empty one. The loading
and the window would slow each other down (one Python thread runs at a time): after the
first issue, the thread waits until `attach`, then opens the library's index file
(`stored_index`) and loads the rest. The library is loaded as outlines: a reader reads an
article whole to show it. `sink`'s methods are called in the loader's thread; one that
raises (the reader has quit) detaches it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from tui.core import collector
from tui.core.model import Library
from tui.library import LibraryError, PageFiles, Pages, Progress, find_pages, load_library

if TYPE_CHECKING:
    from tui.search import SearchIndex


class Sink(Protocol):
    """Where a loader's news goes, called in the loader's thread."""

    def partial(self, library: Library) -> None: ...
    def done(self, library: Library) -> None: ...
    def failed(self, message: str) -> None: ...
    def note(self, message: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Event:
    """A call of a sink's method: `kind`, with a Library (partial, done) or a message."""

    kind: Literal["partial", "done", "failed", "note"]
    value: Library | str

    def to(self, sink: Sink) -> None:
        getattr(sink, self.kind)(self.value)


class Loader:
    """`load_library(paths)` running in a daemon thread (see the module's docstring)."""

    def __init__(self, paths: Sequence[str] | None) -> None:
        self._paths = paths
        self._files: PageFiles | None = None  # found once, for the library and its index
        self._lock = threading.Lock()
        self._first_in = threading.Event()  # the first issue, or the end, has come
        self._attached = threading.Event()
        self._waiting: list[Event] = []  # before `attach`
        self._sink: Sink | None = None
        self._detached = False
        self.progress: Progress | None = None  # the latest: read it when you like
        self._way_given_until = 0.0  # `give_way`: the loading waits until then
        # The library's index from its file, opened once the window is up (None: not there).
        self.stored_index: Future[SearchIndex | None] = Future()
        self._thread = threading.Thread(target=self._run, name="dubao-loader", daemon=True)

    @classmethod
    def start(cls, paths: Sequence[str] | None) -> Loader:
        loader = cls(paths)
        loader._thread.start()
        return loader

    def first(self, timeout: float) -> Library | None:
        """The library's newest issue(s), waiting at most `timeout` seconds for them; None
        if they did not come in time (then they come to the sink as a partial library)."""
        self._first_in.wait(timeout)
        with self._lock:
            for event in self._waiting:
                if event.kind == "partial" and isinstance(event.value, Library):
                    self._waiting.remove(event)
                    return event.value
        return None

    def attach(self, sink: Sink) -> list[Event]:
        """What happened since `first` (for the caller to apply now, in its own thread);
        from now on, `sink` hears everything."""
        with self._lock:
            waiting, self._waiting = self._waiting, []
            self._sink = sink
        self._attached.set()
        return waiting

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    # -- in the loader's thread --------------------------------------------------------

    def _run(self) -> None:
        try:
            self._files = find_pages(self._paths)
            library = load_library(
                self._paths,
                files=self._files,
                on_progress=self._on_progress,
                on_note=lambda message: self._emit(Event("note", message)),
                on_partial=self._on_partial,
                bodies=False,
            )
        except LibraryError as e:
            self._emit(Event("failed", str(e)))
        except Exception as e:  # a bug: said in one line, rather than a window left waiting
            self._emit(Event("failed", f"could not load the library: {e!r}"))
        else:
            # The bodies cut from the outlines, freed: tens of MB on a large library.
            collector.give_back_memory()
            self._emit(Event("done", library))
        finally:
            self._first_in.set()
            if not self.stored_index.done():  # no partial library: the reader opens it
                self.stored_index.set_result(None)

    def give_way(self, seconds: float) -> None:
        """Let the reader's keys (a search) have the CPU for `seconds`: the loading waits,
        from its next page on."""
        self._way_given_until = time.monotonic() + seconds

    def _on_progress(self, progress: Progress) -> None:
        self.progress = progress
        while (wait := self._way_given_until - time.monotonic()) > 0:
            time.sleep(min(wait, 0.02))

    def _on_partial(self, library: Library) -> None:
        self._emit(Event("partial", library))
        if self._first_in.is_set():
            return
        self._first_in.set()
        self._attached.wait()  # the first screen is up: opening the index would slow it
        from tui.search import open_stored_index

        try:  # by the library's paths: ~0.1 s on a large library, before its loading goes on
            self.stored_index.set_result(open_stored_index(Pages(self._paths, self._files)))
        except Exception as e:  # a bug: the reader opens the index another way
            self.stored_index.set_exception(e)

    def _emit(self, event: Event) -> None:
        with self._lock:
            sink = self._sink
            if sink is None:
                if not self._detached:
                    self._waiting.append(event)
                return
        try:
            event.to(sink)
        except Exception:
            with self._lock:  # the reader is gone: nothing more for it
                self._sink = None
                self._detached = True
