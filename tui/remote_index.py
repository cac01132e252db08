"""A library's search index in a process of its own, answering over pipes.

    remote = RemoteIndex.start(paths)            # None where there is no fork
    remote.wait_ready(on_note=print)             # True once it answers, False if it cannot
    remote.search("北京", limit=20)               # a SearchResult, as SearchIndex.search
    remote.matches_in(article_id, "北京")
    remote.close()

Why: the reader's process runs one Python thread at a time. Loading a large library there,
then reading its index from the cache, with the window up, took 3.3–3.9 s of that one
core before a search answered (the 33,917-article benchmark archive, warm). The child,
forked before the window, opens the index on the second core meanwhile, and the reader's
process never holds the index. Where the index cache holds the library's index (its files'
stamps unchanged), the child does not load the library at all (`open_stored_index`): a
hit's article is read from its page when the hit is shown. `held`, as `dubao` starts it,
it finds and stamps the files, then waits until the reader's first screen is up. Cold, it
waits while the reader parses the pages and fills the page cache (on two cores already),
then builds the index from the pages, the library loaded only in a child of its own
(`open_index_from_pages`), its jieba and frequent-string work in children forked while it
was small (`forked.keep_spares`). Both read the same files with the same code, so article
ids agree; a hit whose article the reader has not loaded yet is one it cannot open yet.

The child leaves the terminal's session, reads nothing from it and writes nothing to it,
and dies with its parent. If it fails, or dies, `wait_ready` is False or a call raises
SearchUnavailable, and the caller opens the index itself.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import threading
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from tui import forked

if TYPE_CHECKING:
    from tui.library import Pages
    from tui.search import SearchResult

NoteCallback = Callable[[str], None]
NICENESS = 10  # added to the search process's nice value
# With this many pages not in the page cache, the child waits while the reader parses them.
WAIT_MIN_PAGES = 200
WAIT_POLL, WAIT_STALL = 0.3, 5.0  # seconds between looks; without progress, it stops waiting
HELD_AT_MOST = 3.0  # seconds a held child waits for `go`


class SearchUnavailable(Exception):
    """The child cannot answer (it failed or died): open the index in this process."""


class RemoteIndex:
    """The parent's end: a SearchIndex in a child process."""

    def __init__(self, pid: int, to_child: int, from_child: int) -> None:
        self._pid = pid
        self._to_child = to_child
        self._from_child = from_child
        self._lock = threading.Lock()
        self._dead = False

    @classmethod
    def start(cls, paths: Sequence[str] | None, *, held: bool = False) -> RemoteIndex | None:
        """A child opening the index of the library at `paths`; None where there is no
        fork. `held`, it starts when `go` says so (at most HELD_AT_MOST seconds later)."""
        if not hasattr(os, "fork"):
            return None
        requests, replies = os.pipe(), os.pipe()
        parent = os.getpid()
        pid = forked.fork((*requests, *replies))
        if pid is None:
            return None
        if pid == 0:
            os.close(requests[1])
            os.close(replies[0])
            _child(list(paths) if paths else None, requests[0], replies[1], parent, held)
        os.close(requests[0])
        os.close(replies[1])
        return cls(pid, requests[1], replies[0])

    def go(self) -> None:
        """Let a held child start (the reader's first screen is up)."""
        with self._lock:
            if not self._dead:
                with contextlib.suppress(OSError):
                    forked.send(self._to_child, ("go", None, ()))

    def wait_ready(self, on_note: NoteCallback | None = None) -> bool:
        """Wait until the child answers (True) or cannot (False), passing its notes on."""
        while True:
            try:
                kind, value = forked.receive(self._from_child)
            except (EOFError, OSError, pickle.UnpicklingError):
                self.close()
                return False
            if kind == "ready":
                return True
            if on_note is not None and isinstance(value, str):
                on_note(value)
            if kind == "failed":
                self.close()
                return False

    def search(self, query: str, limit: int = 20) -> SearchResult:
        from tui.search import SearchResult  # loaded by then: whoever searches has it

        result = self._call("search", query, limit)
        if not isinstance(result, SearchResult):
            raise SearchUnavailable("a search answered with something else")
        return result

    def matches_in(self, article_id: str, query: str) -> list[tuple[int, int, int]]:
        matches = self._call("matches_in", article_id, query)
        if not isinstance(matches, list):
            raise SearchUnavailable("a search answered with something else")
        return matches

    def _call(self, method: str, *args: object) -> object:
        with self._lock:
            if self._dead:
                raise SearchUnavailable("the search process is gone")
            try:
                forked.send(self._to_child, ("call", method, args))
                kind, value = forked.receive(self._from_child)
            except (EOFError, OSError, pickle.UnpicklingError) as e:
                self._close_locked()
                raise SearchUnavailable(f"the search process is gone ({e})") from e
        if kind != "result":
            raise SearchUnavailable(str(value))
        return value

    def has_died(self) -> bool:
        """Whether the child has ended, reaping it if so (no zombie is left until the next
        search). Never waits: while a call is under way, the answer is False."""
        if not self._lock.acquire(blocking=False):
            return False
        try:
            if self._dead:
                return True
            try:
                pid, _ = os.waitpid(self._pid, os.WNOHANG)
            except ChildProcessError:
                pid = self._pid
            if pid == 0:
                return False
            self._dead = True  # reaped: its pid may be another process's, never signal it
            for fd in (self._to_child, self._from_child):
                with contextlib.suppress(OSError):
                    os.close(fd)
            return True
        finally:
            self._lock.release()

    def close(self) -> None:
        """Stop the child and reap it."""
        with self._lock:
            self._close_locked()

    def _close_locked(self) -> None:
        if self._dead:
            return
        self._dead = True
        forked.stop(self._pid, (self._to_child, self._from_child))


# ---------------------------------------------------------------------------
# The child
# ---------------------------------------------------------------------------


def _child(paths: list[str] | None, requests: int, replies: int, parent: int, held: bool) -> None:
    code = 1
    try:
        _leave_terminal()
        forked.die_with(parent)  # its own forked children die with it too
        hold = partial(_wait_for_go, requests) if held else None
        index = _open(paths, replies, parent, hold)
        if index is not None:
            forked.send(replies, ("ready", None))
            _serve(index, requests, replies)
            code = 0
    except BaseException:
        pass
    finally:
        os._exit(code)


def _wait_for_go(requests: int) -> None:
    """Until the reader says `go`, at most HELD_AT_MOST seconds. Opening a warm index
    beside the reader's start delayed its first screen, whatever this process's nice value:
    on the benchmark archive, on this 2-core machine, 1.13 s against 0.83 s held (medians
    of 6 runs), and a search answered no later (1.72 s against 1.70 s)."""
    ready, _, _ = select.select([requests], [], [], HELD_AT_MOST)
    if ready:
        forked.receive(requests)  # "go"; EOFError if the reader is gone


def _leave_terminal() -> None:
    """No terminal: its signals, its input and its screen are the reader's. A lower
    priority too: where both want a core, the reader's first screen and keys come first."""
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    os.setsid()
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _open(
    paths: list[str] | None, replies: int, parent: int, hold: Callable[[], None] | None
) -> object | None:
    from tui.library import LibraryError, Pages, load_library
    from tui.search.build import BuildCancelled
    from tui.search.store import open_index_from_pages, open_stored_index

    def note(message: str) -> None:
        forked.send(replies, ("note", message))

    try:
        pages = Pages(paths)
        if hold is not None:
            hold()
        stored = open_stored_index(pages)
        if stored is not None:
            return stored
        # The build's children, forked while this process holds no library (see `forked`).
        forked.keep_spares(2)
        _let_the_reader_parse(pages, parent)
        load = partial(load_library, paths, on_note=note)
        return open_index_from_pages(load, pages, lambda: os.getppid() != parent, on_note=note)
    except BuildCancelled:
        return None
    except LibraryError as e:
        forked.send(replies, ("failed", str(e)))
    except Exception as e:
        forked.send(replies, ("failed", f"the search index could not be opened: {e!r}"))
    finally:
        forked.drop_spares()
    return None


def _let_the_reader_parse(pages: Pages, parent: int) -> None:
    """Where many pages are not in the page cache, the reader is parsing them, on both
    cores (`readahead`), and filling the cache: parsing them here as well made its load
    take half as long again (6.5 s → 9.5 s on the benchmark archive), and this process
    no sooner ready. Wait while it makes progress, then read them from the cache."""
    missing = pages.uncached()
    if missing < WAIT_MIN_PAGES:
        return
    fewest, progressed = missing, time.monotonic()
    while missing and os.getppid() == parent:
        time.sleep(WAIT_POLL)
        missing = pages.uncached()
        if missing < fewest:
            fewest, progressed = missing, time.monotonic()
        elif time.monotonic() - progressed > WAIT_STALL:
            return  # the reader is not filling it (a read-only cache, an error)


def _serve(index: object, requests: int, replies: int) -> None:
    while True:
        try:
            kind, method, args = forked.receive(requests)
        except EOFError:
            return
        if kind == "go":
            continue  # late, or to a child that was not held: it runs already
        if kind != "call" or method not in ("search", "matches_in"):
            forked.send(replies, ("error", f"no such call: {method!r}"))
            continue
        try:
            forked.send(replies, ("result", getattr(index, method)(*args)))
        except Exception as e:
            forked.send(replies, ("error", f"{method} failed: {e!r}"))
