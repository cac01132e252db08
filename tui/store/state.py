"""Reading positions, read marks and saved articles, kept in the platform data directory.

One SQLite file, `user_data_dir("dubao")/state.sqlite3`, in WAL mode, shared by every dubao
process of the user (two SSH sessions on one library are normal). What someone reads is private:
the folder is made 0700 and the file (so its -wal and -shm too) 0600, whatever the umask; an
older, more open folder or file of dubao's own is tightened. Each write is one small
transaction that upserts only the rows it changes, so processes never undo each other's work.

How the app drives it (all from the main thread):

- `StateStore.open()` at start-up; show `take_notice()` if it returns a line.
- `open_article(library_key, article_id)` whenever an article is shown: it saves the previous
  article's pending position, records the article as the library's last one, and returns the
  stored state to restore (or None).
- `update_position(...)` on every position the view reports. Cheap: it keeps the position in
  memory and writes at most once per `save_interval` (1 s).
- `tick()` from a 1-second timer (then `take_notice()`): it saves a position left pending when
  the reader stopped scrolling, so what is on disk is never more than about a second old.
- `mark_read(article_id, read)` when the reader marks or unmarks: written at once (and
  `mark_many_read` for a page or an issue, in one transaction).
- `save_article(SavedArticle)` / `unsave_article(article_id)`: written at once; an unsaved
  article keeps its row, marked unsaved, so that a merge (`tui.store.transfer`) knows which
  is newer; `saved_articles()` lists the saved ones, newest first.
- `close()` on the way out (`on_unmount` may call it: it only saves what the view reported while
  it was alive, and any later `update_position` is ignored). `install_signal_handlers` does the
  same on SIGHUP and SIGTERM, which give no `on_unmount` and no `atexit`.

A worse state never replaces a better one: positions are saved only for the article opened with
`open_article`, never after `close()`; the furthest point reached (`max_percent`) only grows; an
article stays read until the reader unmarks it; and a jump to the very top right after opening
(a view laying itself out, not the reader) does not replace a stored position further down.

Nothing here raises into the UI. A damaged file is moved aside and a fresh one started; a file
that cannot be written (read-only or full disk, a newer dubao's schema) leaves the store working
in memory for the session. Either way `notice` says so in one line. Text in the file that is not
UTF-8 counts as damage while the file is checked; afterwards a damaged row's text reads with
U+FFFD in place of its bad bytes, so one bad row never fails a query.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import math
import os
import signal
import sqlite3
import stat
import time
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import FrameType

from tui.core.layout import HEADER, Anchor
from tui.core.text import one_line
from tui.store.folders import data_folder, make_private

FILE_NAME = "state.sqlite3"
SAVE_INTERVAL = 1.0  # seconds: while scrolling, at most one write per interval
BUSY_TIMEOUT = 2.0  # seconds a write waits for another process's transaction
APPLICATION_ID = 0x64756261  # "duba" in the file header: tells our file from any other SQLite
# A reading history is private: every file of the store is the user's alone (and the folder:
# `folders.make_private`).
PRIVATE_FILE = 0o600

# MIGRATIONS[i] takes the schema from version i to i + 1 (version 0: an empty file). The
# current version is len(MIGRATIONS). Never edit a step that has shipped: append one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE article (
            id TEXT PRIMARY KEY,
            block INTEGER NOT NULL DEFAULT -1,
            char_offset INTEGER NOT NULL DEFAULT 0,
            percent INTEGER NOT NULL DEFAULT 0,
            max_percent INTEGER NOT NULL DEFAULT 0,
            is_read INTEGER NOT NULL DEFAULT 0,
            updated REAL NOT NULL
        ) WITHOUT ROWID""",
        """CREATE TABLE library (
            key TEXT PRIMARY KEY,
            article_id TEXT NOT NULL,
            updated REAL NOT NULL
        ) WITHOUT ROWID""",
    ),
    (  # what the reader chose with keys (theme, text width): kept over settings.toml's
        """CREATE TABLE preference (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated REAL NOT NULL
        ) WITHOUT ROWID""",
    ),
    (  # articles kept for later, by content id, with what a list of them shows
        """CREATE TABLE saved (
            id TEXT PRIMARY KEY,
            is_saved INTEGER NOT NULL,
            library TEXT NOT NULL,
            paper TEXT NOT NULL,
            date TEXT NOT NULL,
            page TEXT NOT NULL,
            title TEXT NOT NULL,
            updated REAL NOT NULL
        ) WITHOUT ROWID""",
    ),
)

REQUIRED_COLUMNS: dict[str, frozenset[str]] = {
    "article": frozenset(
        {"id", "block", "char_offset", "percent", "max_percent", "is_read", "updated"}
    ),
    "library": frozenset({"key", "article_id", "updated"}),
    "preference": frozenset({"name", "value", "updated"}),
    "saved": frozenset({"id", "is_saved", "library", "paper", "date", "page", "title", "updated"}),
}

_UPSERT_POSITION = """
    INSERT INTO article (id, block, char_offset, percent, max_percent, is_read, updated)
    VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET
        block = excluded.block,
        char_offset = excluded.char_offset,
        percent = excluded.percent,
        max_percent = max(max_percent, excluded.max_percent),
        is_read = max(is_read, excluded.is_read),
        updated = excluded.updated
"""
_UPSERT_READ = """
    INSERT INTO article (id, is_read, updated) VALUES (?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET is_read = excluded.is_read, updated = excluded.updated
"""
_UPSERT_LAST_ARTICLE = """
    INSERT INTO library (key, article_id, updated) VALUES (?, ?, ?)
    ON CONFLICT (key) DO UPDATE SET article_id = excluded.article_id, updated = excluded.updated
"""
_UPSERT_PREFERENCE = """
    INSERT INTO preference (name, value, updated) VALUES (?, ?, ?)
    ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated = excluded.updated
"""
_UPSERT_SAVED = """
    INSERT INTO saved (id, is_saved, library, paper, date, page, title, updated)
    VALUES (?, 1, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET
        is_saved = 1, library = excluded.library, paper = excluded.paper,
        date = excluded.date, page = excluded.page, title = excluded.title,
        updated = excluded.updated
"""
_UNSAVE = "UPDATE saved SET is_saved = 0, updated = ? WHERE id = ?"
_SAVED_COLUMNS = "id, library, paper, date, page, title, updated"
# Merging another store's rows (`merge`): the newer row wins; the furthest point reached
# is the further of the two, whichever is newer.
_MERGE = {
    "article": """
        INSERT INTO article (id, block, char_offset, percent, max_percent, is_read, updated)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET
            block = iif(excluded.updated > updated, excluded.block, block),
            char_offset = iif(excluded.updated > updated, excluded.char_offset, char_offset),
            percent = iif(excluded.updated > updated, excluded.percent, percent),
            is_read = iif(excluded.updated > updated, excluded.is_read, is_read),
            max_percent = max(max_percent, excluded.max_percent),
            updated = max(updated, excluded.updated)
    """,
    "library": """
        INSERT INTO library (key, article_id, updated) VALUES (?, ?, ?)
        ON CONFLICT (key) DO UPDATE SET
            article_id = excluded.article_id, updated = excluded.updated
        WHERE excluded.updated > library.updated
    """,
    "saved": """
        INSERT INTO saved (id, is_saved, library, paper, date, page, title, updated)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET
            is_saved = excluded.is_saved, library = excluded.library,
            paper = excluded.paper, date = excluded.date, page = excluded.page,
            title = excluded.title, updated = excluded.updated
        WHERE excluded.updated > saved.updated
    """,
}
# The rows `dump` gives and `merge` takes, column by column.
TRANSFER_COLUMNS = {
    "article": ("id", "block", "char_offset", "percent", "max_percent", "is_read", "updated"),
    "library": ("key", "article_id", "updated"),
    "saved": ("id", "is_saved", "library", "paper", "date", "page", "title", "updated"),
}
_STATE_COLUMNS = "a.id, a.block, a.char_offset, a.percent, a.max_percent, a.is_read, a.updated"
_SELECT_ONE = f"SELECT {_STATE_COLUMNS} FROM article AS a WHERE a.id = ?"
# One query for any number of ids: they travel as one JSON array.
_SELECT_MANY = (
    f"SELECT {_STATE_COLUMNS} FROM json_each(?) AS wanted JOIN article AS a ON a.id = wanted.value"
)

Clock = Callable[[], float]
Statement = tuple[str, Sequence[object]]
StateRow = tuple[str, int, int, int, int, int, float]


@dataclass(frozen=True, slots=True)
class ArticleState:
    anchor: Anchor  # the first visible text when the reader was last there
    percent: int  # how far the reader is now, 0–100
    max_percent: int  # the furthest the reader has got, 0–100
    read: bool  # its end has been on screen, or the reader marked it
    updated: float  # when it last changed, in seconds since the epoch


@dataclass(frozen=True, slots=True)
class SavedArticle:
    """An article kept for later, with what a list of saved articles shows of it."""

    id: str  # the article's content id: the same after its pages are read again
    library: str  # the key of the library it was saved in (`StateStore.library_key`)
    paper: str  # the paper's name, else the library's
    date: str  # the date, YYYY-MM-DD, or ""
    page: str  # the page (section) title
    title: str
    updated: float = 0.0  # when it was saved, in seconds since the epoch


@dataclass(frozen=True, slots=True)
class _Position:
    """A position reported by the view, not yet on disk."""

    article_id: str
    anchor: Anchor
    percent: int
    at_end: bool
    updated: float

    def statement(self) -> Statement:
        row = (self.article_id, self.anchor.block, self.anchor.offset, self.percent)
        return _UPSERT_POSITION, (*row, self.percent, int(self.at_end), self.updated)


class _Damaged(Exception):
    """The file is not a dubao state store we can read: move it aside.

    Carries the connection that found out, still open: closing it before the file is moved
    would let SQLite delete the damaged file's write-ahead log, which is kept with it."""

    def __init__(self, reason: str, connection: sqlite3.Connection | None = None) -> None:
        super().__init__(reason)
        self.connection = connection

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(sqlite3.Error):
                self.connection.close()
            self.connection = None


class _FromTheFuture(Exception):
    """A newer dubao wrote this file: leave it alone."""

    def __init__(self, version: int) -> None:
        super().__init__(f"schema version {version}")
        self.version = version


def default_path() -> Path:
    return data_folder() / FILE_NAME


class StateStore:
    """Reading positions and read marks. Build it with `StateStore.open()`."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        path: Path,
        *,
        writable: bool = True,
        clock: Clock = time.monotonic,
        save_interval: float = SAVE_INTERVAL,
    ) -> None:
        self.path = path
        self.writable = writable  # False: changes live in memory for this session only
        self.notice: str | None = None  # the latest problem, as one line for the reader
        self.write_count = 0  # transactions committed: what the debouncing keeps low
        self.current_article: str | None = None
        self.save_interval = save_interval
        self._db: sqlite3.Connection | None = connection
        self._clock = clock
        self._last_save = -math.inf
        self._pending: _Position | None = None
        # The stored state the current article was opened at, until the reader moves away.
        self._opened_at: ArticleState | None = None
        # The current article, if the reader unmarked it while its end was on screen.
        self._end_unmarked: str | None = None
        self._unshown: list[str] = []
        self._busy = 0
        self._when_idle: list[Callable[[], None]] = []
        self._closed = False

    # -- opening --------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: Path | None = None,
        *,
        clock: Clock = time.monotonic,
        save_interval: float = SAVE_INTERVAL,
    ) -> StateStore:
        """The store at `path` (None: the platform data directory). Never raises."""
        path = path or default_path()
        connection, writable, notice = _open_connection(path)
        store = cls(connection, path, writable=writable, clock=clock, save_interval=save_interval)
        if notice:
            store._tell(notice)
        return store

    @staticmethod
    def library_key(paths: Sequence[Path]) -> str:
        """A stable key for a library opened on `paths`, whatever their order or spelling."""
        resolved = sorted({os.path.realpath(path) for path in paths})
        joined = "\0".join(resolved).encode("utf-8", "surrogateescape")
        return hashlib.sha256(joined).hexdigest()[:32]

    # -- reading ----------------------------------------------------------------------

    def last_article(self, library_key: str) -> str | None:
        rows = self._read("SELECT article_id FROM library WHERE key = ?", (library_key,))
        return rows[0][0] if rows else None

    def preference(self, name: str) -> str | None:
        """What the reader chose last for `name` (`theme`, `measure`), if anything."""
        rows = self._read("SELECT value FROM preference WHERE name = ?", (name,))
        return rows[0][0] if rows else None

    def position(self, article_id: str) -> ArticleState | None:
        rows = self._read(_SELECT_ONE, (article_id,))
        stored = _state_of(rows[0]) if rows else None
        return self._with_pending(article_id, stored)

    def states(self, article_ids: Iterable[str]) -> dict[str, ArticleState]:
        """The stored state of each of `article_ids` that has one, in one query."""
        ids = list(dict.fromkeys(article_ids))
        found = {row[0]: _state_of(row) for row in self._read(_SELECT_MANY, (json.dumps(ids),))}
        return self._and_pending(found, ids)

    def states_among(self, article_ids: Container[str]) -> dict[str, ArticleState]:
        """The stored state of each article that has one and is among `article_ids`, a set
        or a mapping looked into, never walked: a whole library's, where walking tens of
        thousands of ids would cost more than reading every stored row."""
        found = {
            row[0]: _state_of(row)
            for row in self._read(f"SELECT {_STATE_COLUMNS} FROM article AS a", ())
            if row[0] in article_ids
        }
        return self._and_pending(found, article_ids)

    def _and_pending(
        self, found: dict[str, ArticleState], article_ids: Container[str]
    ) -> dict[str, ArticleState]:
        """`found`, with the position not yet saved where it is one of `article_ids`."""
        pending = self._pending
        if pending is not None and pending.article_id in article_ids:
            merged = self._with_pending(pending.article_id, found.get(pending.article_id))
            if merged is not None:
                found[pending.article_id] = merged
        return found

    def marked(self, mark: str) -> set[str]:
        """The ids of the articles marked "read", or "saved"."""
        table, column = ("saved", "is_saved") if mark == "saved" else ("article", "is_read")
        return {row[0] for row in self._read(f"SELECT id FROM {table} WHERE {column} = 1", ())}

    def saved_articles(self, library_key: str | None = None) -> list[SavedArticle]:
        """The saved articles (of one library, else of all), newest saved first."""
        where = "is_saved = 1" + (" AND library = ?" if library_key is not None else "")
        params = (library_key,) if library_key is not None else ()
        rows = self._read(
            f"SELECT {_SAVED_COLUMNS} FROM saved WHERE {where} ORDER BY updated DESC, id",
            params,
        )
        return [SavedArticle(*row) for row in rows]

    def dump(self) -> dict[str, list[tuple]]:
        """Every row of the tables that move between machines (`TRANSFER_COLUMNS`), with
        the position not yet saved."""
        self.flush()
        return {
            table: self._read(f"SELECT {', '.join(columns)} FROM {table} ORDER BY 1", ())
            for table, columns in TRANSFER_COLUMNS.items()
        }

    def merge(self, tables: dict[str, list[tuple]]) -> bool:
        """Another store's rows (as `dump` gives them), merged in one transaction: of two
        rows of one article, library or saved article, the newer wins. Whether it was
        written to the file (not: the store works in memory, and says why)."""
        if self._closed or self._db is None:
            return False
        statements = [
            (_MERGE[table], row) for table in TRANSFER_COLUMNS for row in tables.get(table, ())
        ]
        self.flush()
        self._write(statements)
        return self.writable

    def take_notice(self) -> str | None:
        """Problems not shown yet, one per line; each is returned once."""
        if not self._unshown:
            return None
        text = "\n".join(self._unshown)
        self._unshown.clear()
        return text

    # -- writing ----------------------------------------------------------------------

    def open_article(self, library_key: str, article_id: str) -> ArticleState | None:
        """Show `article_id`: save the previous article's position, remember this one as the
        library's last, and return its stored state (None: never opened)."""
        if self._closed:
            return None
        statements = [(_UPSERT_LAST_ARTICLE, (library_key, article_id, time.time()))]
        with self._operation():  # a signal must not find the pending position taken, unsaved
            pending, self._pending = self._pending, None
            if pending is not None:
                statements.insert(0, pending.statement())
                self._last_save = self._clock()
            self._write(statements)
        self.current_article = article_id
        self._end_unmarked = None
        self._opened_at = self.position(article_id)
        return self._opened_at

    def update_position(
        self,
        article_id: str,
        anchor: Anchor,
        percent: int,
        at_end: bool,
        *,
        by_reader: bool = False,
    ) -> None:
        """Where the reader is in the article shown: `anchor` is the first visible text,
        `percent` how far they have got (0–100), `at_end` whether its end is on screen.
        `by_reader`: moved there by a key, so never the view settling after it opened."""
        if self._closed or article_id != self.current_article:
            return
        if not self._moved(anchor, at_end, by_reader):
            return
        percent = max(0, min(100, int(percent)))
        if self._end_unmarked == article_id:
            if not at_end:
                self._end_unmarked = None  # the reader left the end: seeing it again marks it
            at_end = False
        self._pending = _Position(article_id, anchor, percent, at_end, time.time())
        if self._clock() - self._last_save >= self.save_interval:
            self.flush()

    def mark_read(self, article_id: str, read: bool = True) -> None:
        """Mark or unmark an article as read; written at once."""
        if not self._closed:
            self._marking(article_id, read)
            self._write([(_UPSERT_READ, (article_id, int(read), time.time()))])

    def mark_many_read(self, article_ids: Iterable[str], read: bool = True) -> None:
        """Mark or unmark many articles (a page, an issue) in one write."""
        if self._closed:
            return
        now = time.time()
        statements = []
        for article_id in article_ids:
            self._marking(article_id, read)
            statements.append((_UPSERT_READ, (article_id, int(read), now)))
        if statements:
            self._write(statements)

    def _marking(self, article_id: str, read: bool) -> None:
        """The current article unmarked while its end is on screen stays unread until the
        reader leaves the end and comes back to it."""
        if not read and article_id == self.current_article:
            self._end_unmarked = article_id
            if self._pending is not None and self._pending.article_id == article_id:
                self._pending = replace(self._pending, at_end=False)
        elif read and self._end_unmarked == article_id:
            self._end_unmarked = None

    def save_article(self, article: SavedArticle) -> None:
        """Keep an article for later; written at once."""
        if not self._closed:
            row = (article.id, article.library, article.paper, article.date, article.page)
            self._write([(_UPSERT_SAVED, (*row, article.title, time.time()))])

    def unsave_article(self, article_id: str) -> None:
        """No longer keep an article; written at once."""
        if not self._closed:
            self._write([(_UNSAVE, (time.time(), article_id))])

    def set_preference(self, name: str, value: str) -> None:
        """Keep what the reader chose (a theme, a text width); written at once."""
        if not self._closed:
            self._write([(_UPSERT_PREFERENCE, (name, value, time.time()))])

    def tick(self) -> None:
        """Save a position left pending, unless one was saved in the last half interval.

        Called every second, this keeps a paused reader's position at most about a second
        old on disk, while scrolling still costs about one write a second."""
        if self._pending is not None and self._clock() - self._last_save >= self.save_interval / 2:
            self.flush()

    def flush(self) -> None:
        """Save the pending position now."""
        with self._operation():  # a signal must not find the pending position taken, unsaved
            pending, self._pending = self._pending, None
            if pending is None:
                return
            self._last_save = self._clock()
            self._write([pending.statement()])

    def close(self) -> None:
        """Save what is pending and stop: later calls change nothing. Safe to call twice."""
        if self._closed:
            return
        self.flush()
        self._closed = True
        db, self._db = self._db, None
        if db is not None:
            with contextlib.suppress(sqlite3.Error):
                db.close()

    # -- inside -----------------------------------------------------------------------

    def _moved(self, anchor: Anchor, at_end: bool, by_reader: bool) -> bool:
        """Whether a reported position is the reader's doing, not the view settling down
        after `open_article`: repeating the stored position, or resetting to the very top
        (unless a key took it there: `g` right after the article opened)."""
        opened = self._opened_at
        if opened is None or by_reader:
            self._opened_at = None
            return True
        if anchor == opened.anchor and (opened.read or not at_end):
            return False
        if _is_top(anchor) and not at_end and not _is_top(opened.anchor):
            return False
        self._opened_at = None
        return True

    def _with_pending(self, article_id: str, stored: ArticleState | None) -> ArticleState | None:
        pending = self._pending
        if pending is None or pending.article_id != article_id:
            return stored
        furthest = max(stored.max_percent, pending.percent) if stored else pending.percent
        read = pending.at_end or (stored.read if stored else False)
        return ArticleState(pending.anchor, pending.percent, furthest, read, pending.updated)

    def _tell(self, notice: str) -> None:
        notice = one_line(notice)  # SQLite's messages quote the file's text, and paths are bytes
        self.notice = notice
        self._unshown.append(notice)

    @contextlib.contextmanager
    def _operation(self) -> Iterator[None]:
        """Marks a database call in progress: a signal handler waits for its end."""
        self._busy += 1
        try:
            yield
        finally:
            self._busy -= 1
            if not self._busy and self._when_idle:
                actions, self._when_idle = self._when_idle, []
                for action in actions:
                    action()

    def _run_when_idle(self, action: Callable[[], None]) -> None:
        if self._busy:
            self._when_idle.append(action)
        else:
            action()

    def _write(self, statements: Sequence[Statement]) -> None:
        if self._db is None:
            return
        with self._operation():
            try:
                _transaction(self._db, statements)
            except _FAILURES as error:
                if not self.writable:
                    return  # memory itself failed: nothing better to fall back to
                self._fall_back_to_memory(error)
                try:
                    _transaction(self._db, statements)
                except _FAILURES:
                    return
            self.write_count += 1

    def _read(self, sql: str, params: Sequence[object]) -> list[tuple]:
        if self._db is None:
            return []
        with self._operation():
            try:
                return self._db.execute(sql, params).fetchall()
            except _FAILURES as error:
                if not self.writable:
                    return []
                self._fall_back_to_memory(error)
                try:
                    return self._db.execute(sql, params).fetchall()
                except _FAILURES:
                    return []

    def _fall_back_to_memory(self, error: Exception) -> None:
        assert self._db is not None
        failing = self._db
        self._db = _memory_copy(failing)
        with contextlib.suppress(sqlite3.Error):
            failing.close()
        self.writable = False
        self._tell(_unsaved_notice(self.path, _describe(error)))


def install_signal_handlers(
    store: StateStore, on_exit: Callable[[int], None]
) -> Callable[[], None]:
    """On SIGHUP or SIGTERM: close `store` (saving what is pending), then call
    `on_exit(signum)`, which should end the app or the process. Call from the main thread.

    A signal that lands while the store is inside a database call is acted on as soon as
    that call is over; a second signal while the first is handled is ignored. Returns a
    function that puts the previous handlers back."""
    handled = False

    def handle(signum: int, frame: FrameType | None) -> None:
        nonlocal handled
        if handled:
            return
        handled = True

        def finish() -> None:
            store.close()
            on_exit(signum)

        store._run_when_idle(finish)

    exit_signals = [signal.SIGTERM]
    if hasattr(signal, "SIGHUP"):  # not on Windows
        exit_signals.append(signal.SIGHUP)
    previous = {signum: signal.signal(signum, handle) for signum in exit_signals}

    def restore() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    return restore


# -- the file ---------------------------------------------------------------------------


def _open_connection(path: Path) -> tuple[sqlite3.Connection, bool, str | None]:
    """A connection to the store at `path`, whether it is on disk, and what to tell the
    reader. Damaged files are moved aside; anything unwritable gives a memory store."""
    try:
        make_private(path.parent)
    except OSError as error:
        return _fresh_memory(), False, _unsaved_notice(path, _describe(error))
    notice = None
    for attempt in range(2):
        try:
            return _connect_checked(path), True, notice
        except _Damaged as damage:
            try:
                aside = None if attempt else _move_aside(path)
            except OSError as error:
                reason = f"{damage}, and it could not be moved aside: {_describe(error)}"
                return _fresh_memory(), False, _unsaved_notice(path, reason)
            finally:
                damage.close()
            if attempt:
                return _fresh_memory(), False, _unsaved_notice(path, str(damage))
            if aside is not None:
                notice = (
                    f"Reading positions in {path} could not be read ({damage}); "
                    f"the file was kept as {aside.name} and a new one started."
                )
        except _FromTheFuture as future:
            reason = f"it was written by a newer dubao ({future})"
            return _fresh_memory(), False, _unsaved_notice(path, reason)
        except (sqlite3.Error, OSError) as error:
            return _snapshot(path), False, _unsaved_notice(path, _describe(error))
    raise AssertionError("unreachable")


# What a database call can fail with: SQLite's errors, and Python failing to decode an error
# message that quotes the file's bytes (a damaged schema's name that is not UTF-8).
_FAILURES = (sqlite3.Error, UnicodeDecodeError)


def _strict_text(data: bytes) -> str:
    return data.decode("utf-8")  # raises UnicodeDecodeError itself, not an OperationalError


def _lenient_text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _create_private(path: Path) -> None:
    """Create the store's file 0600 before SQLite does (it would make it 0644 less the umask);
    SQLite gives its -wal and -shm files the same mode. One that exists is tightened."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        for each in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            _make_private(each)
        return
    os.chmod(path, PRIVATE_FILE)  # os.open's mode went through the umask


def _make_private(path: Path) -> None:
    """Take away the group's and others' access to a file or folder of ours, if it can be."""
    with contextlib.suppress(OSError):
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            os.chmod(path, mode & ~0o077)


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: no implicit transactions; every write says BEGIN IMMEDIATE.
    return sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)


def _connect_checked(path: Path) -> sqlite3.Connection:
    """An open, checked, up-to-date store at `path`."""
    if path.exists() and not path.is_file():
        raise _Damaged("it is not a regular file")
    _create_private(path)
    connection = _connect(path)
    connection.text_factory = _strict_text  # while checking, text that is not UTF-8 is damage
    try:
        connection.execute("PRAGMA temp_store = MEMORY")  # never a file in the shared temp dir
        _check_integrity(connection)
        connection.execute("SELECT type, name, tbl_name, sql FROM sqlite_schema").fetchall()
        if _up_to_date(connection):  # reads only: a file that is not ours is left as it was
            _check_columns(connection)
        # WAL: readers never block the writer, and a killed process leaves a file that opens.
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        _migrate(connection)
    except _Damaged as damage:
        damage.connection = connection
        raise
    except UnicodeDecodeError as error:
        raise _Damaged("damaged: it holds text that is not UTF-8", connection) from error
    except sqlite3.DatabaseError as error:
        if _is_damage(error):
            raise _Damaged(str(error), connection) from error
        connection.close()
        raise
    except BaseException:
        connection.close()
        raise
    connection.text_factory = _lenient_text
    return connection


def _check_integrity(connection: sqlite3.Connection) -> None:
    # Not quick_check: it misses keys out of order, which send lookups past rows that are
    # there and upserts into duplicates. With no secondary index it costs the same (34k
    # rows: ~6 ms each).
    problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    if problems != ["ok"]:
        raise _Damaged(f"damaged: {problems[0]}")


def _header(connection: sqlite3.Connection) -> tuple[int, int]:
    application_id = connection.execute("PRAGMA application_id").fetchone()[0]
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    return application_id, version


def _migrate(connection: sqlite3.Connection) -> None:
    """Bring the schema up to date, checking first that the file is ours."""
    if not _up_to_date(connection):
        connection.execute("BEGIN IMMEDIATE")
        try:
            if not _up_to_date(connection):  # another process may have just done it
                for step in MIGRATIONS[_header(connection)[1] :]:
                    for statement in step:
                        connection.execute(statement)
                connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                connection.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
            connection.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
            raise
    _check_columns(connection)


def _up_to_date(connection: sqlite3.Connection) -> bool:
    """Whether the file is ours at the current version; raises if it is not ours at all."""
    application_id, version = _header(connection)
    if application_id == 0 and version == 0:
        tables = connection.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0]
        if tables:
            raise _Damaged("it is an SQLite file of some other program")
        return False
    if application_id != APPLICATION_ID:
        raise _Damaged("it is an SQLite file of some other program")
    if version < 1:  # dubao sets its id and version together, in the first migration
        raise _Damaged(f"damaged: schema version {version}")
    if version > len(MIGRATIONS):
        raise _FromTheFuture(version)
    return version == len(MIGRATIONS)


def _check_columns(connection: sqlite3.Connection) -> None:
    for table, columns in REQUIRED_COLUMNS.items():
        present = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
        if not columns <= present:
            raise _Damaged(f"table {table} lacks {', '.join(sorted(columns - present))}")


def _move_aside(path: Path) -> Path | None:
    """Rename the damaged store (and its WAL files) next to itself; None if it is gone."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    serial = 1
    while aside.exists():
        serial += 1
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{serial}")
    try:
        path.rename(aside)
    except FileNotFoundError:
        return None  # another dubao moved it a moment ago
    _make_private(aside)  # an older dubao's file may be open to all
    # A fresh store must not pick up the damaged one's write-ahead log.
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").rename(Path(f"{aside}{suffix}"))
            _make_private(Path(f"{aside}{suffix}"))
    return aside


def _transaction(connection: sqlite3.Connection, statements: Sequence[Statement]) -> None:
    # IMMEDIATE takes the write lock first, so a busy store is waited for, not failed.
    connection.execute("BEGIN IMMEDIATE")
    try:
        for sql, params in statements:
            connection.execute(sql, params)
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
        raise


# -- memory -----------------------------------------------------------------------------


def _memory() -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:", isolation_level=None)
    connection.text_factory = _lenient_text  # it may hold a damaged file's rows
    return connection


def _fresh_memory() -> sqlite3.Connection:
    connection = _memory()
    _migrate(connection)
    return connection


def _memory_copy(source: sqlite3.Connection) -> sqlite3.Connection:
    """What `source` holds, copied into memory; empty if it cannot be read.

    Row by row: a copy of the pages would keep the file's header, and a damaged one (a write
    version above 2) makes SQLite refuse every write to the copy too."""
    memory = _fresh_memory()
    try:
        if source.in_transaction:
            source.execute("ROLLBACK")
        source.text_factory = _lenient_text
        memory.execute("BEGIN")
        for table, columns in REQUIRED_COLUMNS.items():
            names = ", ".join(sorted(columns))
            rows = source.execute(f"SELECT {names} FROM {table}")
            slots = ", ".join("?" * len(columns))
            memory.executemany(f"INSERT OR IGNORE INTO {table} ({names}) VALUES ({slots})", rows)
        memory.execute("COMMIT")
    except _FAILURES:
        memory.close()
        return _fresh_memory()
    return memory


def _snapshot(path: Path) -> sqlite3.Connection:
    """The store at `path` read without writing anything, copied into memory."""
    uri = path.absolute().as_uri()
    for query in ("mode=ro", "immutable=1"):
        try:
            source = sqlite3.connect(f"{uri}?{query}", uri=True, isolation_level=None)
        except sqlite3.Error:
            continue
        try:
            source.execute("SELECT count(*) FROM sqlite_schema").fetchone()
            return _memory_copy(source)
        except _FAILURES:
            continue
        finally:
            source.close()
    return _fresh_memory()


# -- small helpers ----------------------------------------------------------------------


def _state_of(row: StateRow) -> ArticleState:
    _, block, offset, percent, max_percent, is_read, updated = row
    return ArticleState(Anchor(block, offset), percent, max_percent, bool(is_read), updated)


def _is_top(anchor: Anchor) -> bool:
    return anchor.block <= HEADER or (anchor.block == 0 and anchor.offset == 0)


def _is_damage(error: sqlite3.DatabaseError) -> bool:
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF  # primary code of an extended one
    return code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def _describe(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        where = f" ({error.filename})" if error.filename else ""
        return f"{error.strerror}{where}"
    return str(error) or type(error).__name__


def _unsaved_notice(path: Path, reason: str) -> str:
    return f"Reading positions will not be saved this session: {path}: {reason}."
