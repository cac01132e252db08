"""The page cache: each page file's parsed articles, kept between runs.

One SQLite file, `user_cache_dir("dubao")/pages.sqlite3`, holds a row per page file: its
resolved path, the size and times that tell whether it changed, the version of dubao that
parsed it, and its articles. A row is used only when the file's size, mtime and ctime and
the version all match, and only after everything in it has been checked: the shapes, the
types, and that no string holds a character `clean` would have removed. A row that fails
is read from its page again; a file that is not a database is replaced. Rows are JSON and
plain text: nothing read back can run code.

A row's articles are laid out so that decoding is a handful of C-level passes (`str.split`,
slices, `map`) with no JSON string parsing; a large library has 10⁵ blocks:

    shape  JSON `[kinds, types]`: one letter per article (a article, p photo), and per
           article a string with one letter per block (p paragraph, s subhead, c caption).
    body   the page's strings joined with SEP (U+001F): six per article (id, title,
           kicker, subtitle, byline, dateline; NONE (U+001E) for None), then the texts of
           all its blocks in order. `clean` removes both characters from page text.

Writes are SQLite transactions on a WAL database, so a crash or a second dubao leaves
either the old rows or the new ones. A cache that cannot be opened or written is no cache.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import re
import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate, pairwise, repeat
from pathlib import Path
from typing import Any, TypeVar

import platformdirs

from tui import __version__
from tui.model import Article, Block

NoteCallback = Callable[[str], None]
_T = TypeVar("_T")

CACHE_FILE = "pages.sqlite3"
# The layout of the database (PRAGMA user_version); rows carry the parser's version too.
FORMAT = 1
BUSY_TIMEOUT = 5.0
# Rows per query: under SQLite's limit on variables in a statement (999 before 3.32), and
# few enough that only a part of a large library's text is in memory twice at once.
_CHUNK = 500
# The source files whose code decides what a page parses to.
_PARSER_FILES = ("model.py", "text.py", "parse.py", "library.py", "cache.py")

SEP = "\x1f"
NONE = "\x1e"
_KINDS = {"a": "article", "p": "photo"}
_BLOCK_TYPES = {"p": "paragraph", "s": "subhead", "c": "caption"}
_KIND_LETTERS = {name: letter for letter, name in _KINDS.items()}
_BLOCK_LETTERS = {name: letter for letter, name in _BLOCK_TYPES.items()}
_none_or_text = {NONE: None}.get
# What `tui.text.clean` removes, but SEP and NONE (a test keeps the two in step).
_UNCLEAN = re.compile("[\x00-\x08\x0b-\x1d\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
# SQLite's primary result codes that say the file is not a sound cache (rather than that
# the disk is full, the folder read-only or another dubao busy).
_BROKEN = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_ERROR}

_SCHEMA = """
CREATE TABLE pages (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    ctime_ns INTEGER NOT NULL,
    version TEXT NOT NULL,
    shape TEXT NOT NULL,
    body TEXT NOT NULL
)
"""
_COLUMNS = "path, size, mtime_ns, ctime_ns, version, shape, body"


class CacheError(Exception):
    """A cached row that is not what this version of dubao writes."""


@dataclass(frozen=True, slots=True)
class Stamp:
    """What says a file has not changed since it was cached.

    ctime as well as mtime: tools that restore mtimes (cp -p, rsync -t, tar) cannot
    restore a ctime.
    """

    size: int
    mtime_ns: int
    ctime_ns: int


def stamp(path: str | os.PathLike[str]) -> Stamp:
    st = os.stat(path)
    return Stamp(st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def cache_dir() -> Path:
    """dubao's cache directory, created private (0700) if missing."""
    path = Path(platformdirs.user_cache_dir("dubao"))
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = path.stat()
    if st.st_uid == os.getuid() and st.st_mode & 0o077:
        path.chmod(0o700)
    return path


@functools.cache
def parser_version() -> str:
    """dubao's version and a digest of the code that turns files into articles.

    So that a development tree whose parser changes never reads what the old one wrote.
    """
    here = Path(__file__).parent
    return f"{__version__}+{source_digest(here / name for name in _PARSER_FILES).hex()}"


def source_digest(paths: Iterable[Path]) -> bytes:
    """A digest of source files, by name and content (the name alone if unreadable)."""
    digest = hashlib.blake2b(digest_size=8)
    for path in paths:
        digest.update(path.name.encode())
        with contextlib.suppress(OSError):
            digest.update(path.read_bytes())
    return digest.digest()


# ---------------------------------------------------------------------------
# Rows ↔ articles
# ---------------------------------------------------------------------------


def encode_page(articles: Sequence[Article]) -> tuple[str, str] | None:
    """(shape, body) of a page's articles; None if its text could not be read back."""
    kinds = "".join(_KIND_LETTERS[a.kind] for a in articles)
    types = ["".join(_BLOCK_LETTERS[b.type] for b in a.blocks) for a in articles]
    heads = [NONE if value is None else value for a in articles for value in _head(a)]
    texts = heads + [b.text for a in articles for b in a.blocks]
    body = SEP.join(texts)
    if (
        _UNCLEAN.search(body)
        or body.count(SEP) != len(texts) - 1
        or body.count(NONE) != heads.count(NONE)
    ):
        return None
    return json.dumps([kinds, types], separators=(",", ":")), body


def _head(a: Article) -> tuple[str | None, ...]:
    return (a.id, a.title, a.kicker, a.subtitle, a.byline, a.dateline)


@dataclass(frozen=True, slots=True)
class _Checked:
    """A row that passed every check: its articles can be made without failing."""

    kinds: str
    types: list[str]
    letters: str
    texts: list[str]


def _check(shape: object, body: object) -> _Checked:
    """A row's parts, checked; CacheError if it is not what this module writes."""
    if type(shape) is not str or type(body) is not str:
        raise CacheError("not text")
    if _UNCLEAN.search(body):
        raise CacheError("control characters in the text")
    try:
        kinds, types = json.loads(shape)
        letters = "".join(types)  # TypeError unless a sequence of strings
    except (TypeError, ValueError, RecursionError) as e:
        raise CacheError(f"not a shape: {e}") from e
    if type(kinds) is not str or type(types) is not list:
        raise CacheError("not a shape")
    if kinds.strip("".join(_KINDS)) or letters.strip("".join(_BLOCK_TYPES)):
        raise CacheError("unknown kinds of article or block")
    texts = body.split(SEP)
    heads = 6 * len(kinds)
    if len(types) != len(kinds) or len(texts) != heads + len(letters):
        raise CacheError("shape and text disagree")
    nones = body.count(NONE)
    if nones and (texts[:heads].count(NONE) != nones or NONE in texts[:heads:6]):
        raise CacheError("None in the wrong place")
    return _Checked(kinds, types, letters, texts)


def decode_pages(rows: Sequence[tuple[object, object]]) -> list[list[Article] | None]:
    """The articles of each (shape, body) row, or None for a row that fails its checks.

    The rows are checked one by one, then all their articles are made at once: per row,
    the making would cost more than the checks.
    """
    checked: list[_Checked | None] = []
    for shape, body in rows:
        try:
            checked.append(_check(shape, body))
        except CacheError:
            checked.append(None)
    articles = iter(_make_articles([c for c in checked if c is not None]))
    return [None if c is None else [next(articles) for _ in c.kinds] for c in checked]


def decode_page(shape: object, body: object) -> list[Article]:
    """The articles of one row; CacheError if it fails its checks."""
    return _make_articles([_check(shape, body)])


def _make_articles(pages: Sequence[_Checked]) -> list[Article]:
    """The articles of checked rows, in order, built column by column."""
    heads: list[str] = []
    texts: list[str] = []
    for page in pages:
        end = 6 * len(page.kinds)
        heads += page.texts[:end]
        texts += page.texts[end:]
    letters = "".join(page.letters for page in pages)
    types = [t for page in pages for t in page.types]
    blocks = _make(Block, map(_BLOCK_TYPES.__getitem__, letters), texts)
    bounds = accumulate(map(len, types), initial=0)
    title, kicker, subtitle, byline, dateline = (
        list(map(_none_or_text, column, column)) for column in (heads[i::6] for i in range(1, 6))
    )
    return _make(
        Article,
        heads[::6],
        map(_KINDS.__getitem__, "".join(page.kinds for page in pages)),
        title,
        [tuple(blocks[start:stop]) for start, stop in pairwise(bounds)],
        kicker,
        subtitle,
        byline,
        dateline,
    )


def _make(cls: type[_T], *columns: Iterable[Any]) -> list[_T]:
    """`list(map(cls, *columns))`, two to three times as fast for these frozen dataclasses.

    Their __init__ sets each field with `object.__setattr__`, a Python call per field;
    here new instances get their slots set a column at a time in C-level loops. Only
    while the class is the slotted dataclass this was written for; else its constructor.
    """
    setters = _slot_setters(cls)
    if setters is None:
        return list(map(cls, *columns))
    lists = [list(column) for column in columns]
    made = list(map(object.__new__, repeat(cls, len(lists[0]))))
    for setter, column in zip(setters, lists, strict=True):
        if len(column) != len(made):
            raise ValueError("columns of different lengths")
        deque(map(setter, made, column), maxlen=0)
    return made


@functools.cache
def _slot_setters(cls: type) -> tuple[Callable[[Any, Any], None], ...] | None:
    names = tuple(f.name for f in dataclasses.fields(cls))
    if getattr(cls, "__slots__", None) != names or hasattr(cls, "__post_init__"):
        return None
    return tuple(getattr(cls, name).__set__ for name in names)


# ---------------------------------------------------------------------------
# The database
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Row:
    stamp: tuple[object, object, object]
    version: object
    shape: object
    body: object


class PageCache:
    """One load's use of the cache: `load` what it has, `add` pages read, then `save`."""

    def __init__(self, db: sqlite3.Connection, path: Path, on_note: NoteCallback | None) -> None:
        self._db: sqlite3.Connection | None = db
        self.path = path
        self._on_note = on_note
        self._wanted: set[str] = set()
        self._stale: set[str] = set()
        self._added: set[str] = set()
        self._pending: dict[str, tuple[Stamp, str, str]] = {}
        self._other_version = 0
        self._damaged = 0

    @classmethod
    def open(cls, on_note: NoteCallback | None = None) -> PageCache | None:
        """The cache, or None when there can be none (a folder that cannot be written)."""
        try:
            path = cache_dir() / CACHE_FILE
        except OSError:
            return None
        try:
            return cls(_connect(path, on_note), path, on_note)
        except sqlite3.Error as e:
            if not _broken(e):
                return None
            _note(on_note, f"the page cache {path} was unreadable ({e}): rebuilding it")
        _remove(path)
        try:
            return cls(_connect(path, on_note), path, on_note)
        except sqlite3.Error:
            return None

    # -- reading ---------------------------------------------------------------

    def load(self, stamps: Mapping[str, Stamp]) -> dict[str, list[Article]]:
        """The cached articles of those files (resolved path → stamp) that are unchanged."""
        self._wanted.update(stamps)
        paths = list(stamps)
        loaded: dict[str, list[Article]] = {}
        for start in range(0, len(paths), _CHUNK):
            rows = self._rows(paths[start : start + _CHUNK])
            fresh = [path for path, row in rows.items() if self._is_fresh(row, stamps[path])]
            decoded = decode_pages([(rows[path].shape, rows[path].body) for path in fresh])
            for path, articles in zip(fresh, decoded, strict=True):
                if articles is None:
                    self._damaged += 1
                else:
                    loaded[path] = articles
            self._stale.update(path for path in rows if path not in loaded)
        return loaded

    def fresh(self, stamps: Mapping[str, Stamp]) -> set[str]:
        """Those of the files (resolved path → stamp) whose rows are unchanged, by their
        stamps and version alone: `load` may still find a row damaged."""
        paths = list(stamps)
        version = parser_version()
        found: set[str] = set()
        for start in range(0, len(paths), _CHUNK):
            part = paths[start : start + _CHUNK]
            for path, *row in self._select("path, size, mtime_ns, ctime_ns, version", part):
                current = stamps[path]
                if row == [current.size, current.mtime_ns, current.ctime_ns, version]:
                    found.add(path)
        return found

    def _rows(self, paths: list[str]) -> dict[str, _Row]:
        return {
            path: _Row((size, mtime_ns, ctime_ns), version, shape, body)
            for path, size, mtime_ns, ctime_ns, version, shape, body in self._select(
                _COLUMNS, paths
            )
        }

    def _select(self, columns: str, paths: list[str]) -> list[tuple[Any, ...]]:
        """`columns` of the rows of those paths."""
        if self._db is None:
            return []
        marks = ",".join("?" * len(paths))
        try:
            return self._db.execute(
                f"SELECT {columns} FROM pages WHERE path IN ({marks})", paths
            ).fetchall()
        except sqlite3.Error as e:
            self._give_up(e)
            return []

    def _is_fresh(self, row: _Row, current: Stamp) -> bool:
        if row.stamp != (current.size, current.mtime_ns, current.ctime_ns):
            if any(type(n) is not int for n in row.stamp):
                self._damaged += 1
            return False
        if row.version != parser_version():
            self._other_version += 1
            return False
        return True

    def _give_up(self, error: sqlite3.Error) -> None:
        """After an error mid-read: a broken file is replaced by an empty one; else, no cache."""
        self.close()
        if not _broken(error):
            return
        _note(self._on_note, f"the page cache {self.path} was unreadable ({error}): rebuilding it")
        _remove(self.path)
        with contextlib.suppress(sqlite3.Error):
            self._db = _connect(self.path, self._on_note)

    # -- writing ---------------------------------------------------------------

    def add(
        self,
        path: str,
        current: Stamp,
        articles: Sequence[Article],
        encoded: tuple[str, str] | None = None,
    ) -> None:
        """Keep a page just read (`encoded`: its `encode_page`, if made already). Written
        a chunk at a time: an interrupted load keeps what it has read."""
        encoded = encoded or encode_page(articles)
        if encoded is not None:
            self._pending[path] = (current, *encoded)
            self._added.add(path)
        if len(self._pending) >= _CHUNK:
            try:
                self._write()
            except sqlite3.Error:
                # Read-only, full, or locked by another dubao for longer than BUSY_TIMEOUT:
                # no cache for the rest of this load.
                self.close()

    def save(self, folders: Iterable[str] = ()) -> None:
        """Write the pages added, forget the files gone from `folders`, and close.

        Rows of files that changed and could not be read again are forgotten too.
        Failing to write is not an error: the pages are read again next time.
        """
        self._give_notes()
        try:
            if self._db is not None:
                stale = [path for path in self._stale if path not in self._added]
                self._write(stale + self._missing(folders))
        except sqlite3.Error:
            pass
        finally:
            self.close()

    def _missing(self, folders: Iterable[str]) -> list[str]:
        """Cached paths inside `folders` that this load did not find."""
        assert self._db is not None
        missing = []
        for folder in folders:
            # Every path that starts with "folder/" sorts between these two.
            prefix = folder.rstrip(os.sep)
            low, high = prefix + os.sep, prefix + chr(ord(os.sep) + 1)
            query = "SELECT path FROM pages WHERE path >= ? AND path < ?"
            missing += [p for (p,) in self._db.execute(query, (low, high)) if p not in self._wanted]
        return missing

    def _write(self, stale: Sequence[str] = ()) -> None:
        """Write the pending rows and delete the stale ones, in one transaction."""
        if self._db is None or not (self._pending or stale):
            return
        version = parser_version()
        rows = [
            (path, s.size, s.mtime_ns, s.ctime_ns, version, shape, body)
            for path, (s, shape, body) in self._pending.items()
        ]
        self._pending.clear()
        with _transaction(self._db):
            self._db.executemany("DELETE FROM pages WHERE path = ?", ((p,) for p in stale))
            self._db.executemany(
                f"INSERT OR REPLACE INTO pages ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", rows
            )

    def _give_notes(self) -> None:
        if self._other_version:
            _note(
                self._on_note,
                "the page cache was written by another version of dubao:"
                f" {self._other_version} page(s) read again",
            )
        if self._damaged:
            _note(
                self._on_note,
                f"the page cache {self.path} had {self._damaged} damaged"
                f" entr{'y' if self._damaged == 1 else 'ies'}: read again",
            )
        self._other_version = self._damaged = 0

    def close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None


def _note(on_note: NoteCallback | None, message: str) -> None:
    if on_note is not None:
        on_note(message)


def _broken(error: sqlite3.Error) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _BROKEN


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE … COMMIT on an autocommit connection, rolled back on any error."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _connect(path: Path, on_note: NoteCallback | None) -> sqlite3.Connection:
    """An open cache database with this FORMAT's table; sqlite3.Error if it cannot be."""
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        # WAL: a crash loses at most the last transaction, never the database's sanity.
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA temp_store=MEMORY")  # never a file in the shared temp folder
        if db.execute("PRAGMA user_version").fetchone()[0] != FORMAT:
            _create(db, on_note)
        # A database that claims our format must also have our table and columns.
        db.execute(f"SELECT {_COLUMNS} FROM pages LIMIT 0")
    except BaseException:
        db.close()
        raise
    return db


def _create(db: sqlite3.Connection, on_note: NoteCallback | None) -> None:
    with _transaction(db):
        # Another dubao may have made it while this one waited for the lock.
        found = db.execute("PRAGMA user_version").fetchone()[0]
        if found == FORMAT:
            return
        tables = [
            name
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not name.startswith("sqlite_")
        ]
        if found or tables:
            _note(on_note, "the page cache was written by another version of dubao: rebuilding it")
        for name in tables:
            db.execute(f'DROP TABLE "{name.replace(chr(34), chr(34) * 2)}"')
        db.execute(_SCHEMA)
        db.execute(f"PRAGMA user_version = {FORMAT}")


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(OSError):
            Path(f"{path}{suffix}").unlink()
