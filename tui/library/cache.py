"""The page cache: each page file's parsed articles, kept between runs.

One SQLite file, `user_cache_dir("dubao")/pages.sqlite3`, holds a row per page file: its
resolved path, the size and times that tell whether it changed, the version of dubao that
parsed it, its articles, and a checksum of all these. A row is used only when the file's
size, mtime and ctime and the version all match, and only after everything in it has been
checked: the checksum (a bit changed on disk is found, and the page read again from its
file), the shapes, the types, and that no string holds a character `clean` would have
removed. Rows are JSON and plain text: nothing read back can run code. Every text column
is a BLOB of UTF-8 (paths: `os.fsencode`, so a file name that is not UTF-8 is a key too),
decoded only once its checksum is right.

A row's articles are laid out so that decoding is a handful of C-level passes (`str.split`,
slices, `map`) with no JSON string parsing; a large library has 10⁵ blocks:

    shape  JSON `[kinds, types]`: one letter per article (a article, p photo), and per
           article a string with one letter per block (p paragraph, s subhead, c caption).
    body   the page's strings joined with SEP (U+001F): seven per article (id,
           title, kicker, subtitle, byline, dateline, column; NONE (U+001E) for None), then
           the texts of all its blocks in order. `clean` removes both characters from page text.

What is at the cache's path is used only when it is ours, and changed only then:

- ours: an SQLite file with our APPLICATION_ID, or an empty one, or a cache of FORMAT 1
  (no application id, user_version 1, one `pages` table). Of another FORMAT: rebuilt.
- damaged, and replaced by a new cache, with one note: a regular file that is not an SQLite
  database at all, or that SQLite finds damaged (when our application id is in its header,
  or none is), or whose rows fail their checks and then SQLite's `integrity_check`.
- not ours, and left exactly as it is (not opened for writing, not renamed) with one note,
  and no page cache this run: a symbolic link (never followed, whatever it points to: to
  keep the cache elsewhere, link or move the folder, or set XDG_CACHE_HOME), anything but a
  regular file, and an SQLite database of another program (another application id, or
  tables that are not ours).

The cache keeps the rows of the KEEP libraries used last (a library: the folders and files
it was opened with, in the `libraries` table), as the search index keeps its files; rows
of other libraries, of files gone from a library, and of libraries whose folders are gone
are deleted when a load saves. Closing checkpoints the write-ahead log, so no large -wal is
left beside it.

Writes are SQLite transactions on a WAL database, so a crash or a second dubao leaves
either the old rows or the new ones. A cache that cannot be opened or written (a read-only
folder, another dubao holding the lock) is no cache, and nothing is said.
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
import stat
import struct
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate, pairwise, repeat
from pathlib import Path
from typing import Any, TypeVar

from tui import __version__
from tui.core.model import Article, Block
from tui.store.folders import cache_folder

NoteCallback = Callable[[str], None]
_T = TypeVar("_T")

CACHE_FILE = "pages.sqlite3"
# In the file's header: tells our cache from any other SQLite file (state.py's store has
# another, so that neither takes the other for its own).
APPLICATION_ID = int.from_bytes(b"dupc", "big")
# The layout of the database (PRAGMA user_version); rows carry the parser's version too.
FORMAT = 2
_FORMAT_1 = 1  # no application id; a `pages` table of text
KEEP = 3  # libraries whose rows are kept, the most recently used
BUSY_TIMEOUT = 5.0
CLOSE_TIMEOUT_MS = 200  # how long closing waits for readers to checkpoint the log
JOURNAL_LIMIT = 8 << 20  # bytes of write-ahead log kept once it has been checkpointed
# Rows per query: under SQLite's limit on variables in a statement (999 before 3.32), and
# few enough that only a part of a large library's text is in memory twice at once.
_CHUNK = 500
# The source files whose code decides what a page parses to.
_PARSER_FILES = (
    "core/model.py",
    "core/text.py",
    "library/parse.py",
    "library/article_file.py",
    "library/filenames.py",
    "library/__init__.py",
    "library/cache.py",
)

SEP = "\x1f"
NONE = "\x1e"
_KINDS = {"a": "article", "p": "photo"}
_BLOCK_TYPES = {"p": "paragraph", "s": "subhead", "c": "caption"}
_KIND_LETTERS = {name: letter for letter, name in _KINDS.items()}
_BLOCK_LETTERS = {name: letter for letter, name in _BLOCK_TYPES.items()}
_none_or_text = {NONE: None}.get
# What `tui.core.text.clean` removes, but SEP and NONE (a test keeps the two in step).
_UNCLEAN = re.compile("[\x00-\x08\x0b-\x1d\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
# SQLite's primary result codes that say the file is not a sound cache (rather than that
# the disk is full, the folder read-only or another dubao busy).
_BROKEN = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_ERROR}
# What reading a database can raise: Python's sqlite3 raises UnicodeDecodeError, not an
# sqlite3.Error, for an error message or a name in a damaged file that is not UTF-8.
_ERRORS = (sqlite3.Error, UnicodeError)
_MAGIC = b"SQLite format 3\x00"

_TABLES = {
    "pages": """CREATE TABLE pages (
        path BLOB PRIMARY KEY,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        ctime_ns INTEGER NOT NULL,
        version BLOB NOT NULL,
        shape BLOB NOT NULL,
        body BLOB NOT NULL,
        checksum INTEGER NOT NULL
    )""",
    # roots: the library's folders and files, fsencoded, sorted and joined with NUL;
    # used: larger for a library used later.
    "libraries": "CREATE TABLE libraries (roots BLOB PRIMARY KEY, used INTEGER NOT NULL)",
}
_COLUMNS = "path, size, mtime_ns, ctime_ns, version, shape, body, checksum"
_FORMAT_1_COLUMNS = ["path", "size", "mtime_ns", "ctime_ns", "version", "shape", "body"]


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


def stamps_of(paths: Iterable[str]) -> dict[str, Stamp]:
    """`{path: stamp(path)}` for those that can be stat'ed; the stamps made together (a
    large library's thousands, each made alone, took longer than their `os.stat`s)."""
    taken, results = [], []
    for path in paths:
        try:
            results.append(os.stat(path))
        except OSError:
            continue
        taken.append(path)
    sizes = [r.st_size for r in results]
    mtimes = [r.st_mtime_ns for r in results]
    ctimes = [r.st_ctime_ns for r in results]
    return dict(zip(taken, _make(Stamp, sizes, mtimes, ctimes), strict=True))


@functools.cache
def parser_version() -> str:
    """dubao's version and a digest of the code that turns files into articles.

    So that a development tree whose parser changes never reads what the old one wrote.
    """
    package = Path(__file__).parent.parent
    return f"{__version__}+{source_digest(package / name for name in _PARSER_FILES).hex()}"


def source_digest(paths: Iterable[Path]) -> bytes:
    """A digest of source files, by name and content. OSError for a file that cannot be
    read: a module renamed or moved must not leave its changes out of the version, or a
    parser change would stop replacing what the old parser cached."""
    digest = hashlib.blake2b(digest_size=8)
    for path in paths:
        digest.update(path.name.encode())
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


_HEADS = 7  # strings per article before its blocks: those of `_head`


def _head(a: Article) -> tuple[str | None, ...]:
    return (a.id, a.title, a.kicker, a.subtitle, a.byline, a.dateline, a.column)


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
    heads = _HEADS * len(kinds)
    if len(types) != len(kinds) or len(texts) != heads + len(letters):
        raise CacheError("shape and text disagree")
    nones = body.count(NONE)
    if nones and (texts[:heads].count(NONE) != nones or NONE in texts[:heads:_HEADS]):
        raise CacheError("None in the wrong place")
    return _Checked(kinds, types, letters, texts)


def decode_pages(
    rows: Sequence[tuple[object, object]], *, outlines: bool = False
) -> list[list[Article] | None]:
    """The articles of each (shape, body) row, or None for a row that fails its checks;
    with `outlines`, each article's outline (`tui.library.outline`), made as such.

    The rows are checked one by one, then all their articles are made at once: per row,
    the making would cost more than the checks.
    """
    checked: list[_Checked | None] = []
    for shape, body in rows:
        try:
            checked.append(_check(shape, body))
        except CacheError:
            checked.append(None)
    articles = iter(_make_articles([c for c in checked if c is not None], outlines=outlines))
    return [None if c is None else [next(articles) for _ in c.kinds] for c in checked]


def decode_page(shape: object, body: object) -> list[Article]:
    """The articles of one row; CacheError if it fails its checks."""
    return _make_articles([_check(shape, body)])


def _make_articles(pages: Sequence[_Checked], *, outlines: bool = False) -> list[Article]:
    """The articles of checked rows, in order, built column by column (`outlines`: only
    each article's blocks up to the first that holds text)."""
    heads: list[str] = []
    texts: list[str] = []
    for page in pages:
        end = _HEADS * len(page.kinds)
        heads += page.texts[:end]
        texts += page.texts[end:]
    letters = "".join(page.letters for page in pages)
    types = [t for page in pages for t in page.types]
    bounds: Iterable[int] = accumulate(map(len, types), initial=0)
    title, kicker, subtitle, byline, dateline, column = (
        list(map(_none_or_text, values, values))
        for values in (heads[i::_HEADS] for i in range(1, _HEADS))
    )
    if outlines:
        letters, texts, bounds = _outlined(letters, texts, bounds, title)
    blocks = _make(Block, map(_BLOCK_TYPES.__getitem__, letters), texts)
    return _make(
        Article,
        heads[::_HEADS],
        map(_KINDS.__getitem__, "".join(page.kinds for page in pages)),
        title,
        [tuple(blocks[start:stop]) for start, stop in pairwise(bounds)],
        kicker,
        subtitle,
        byline,
        dateline,
        column,
    )


def _outlined(
    letters: str, texts: list[str], bounds: Iterable[int], titles: Sequence[str | None]
) -> tuple[str, list[str], list[int]]:
    """The blocks of each article (between two bounds) as `tui.library.outline` keeps
    them: none if it has a title, else up to the first that holds text (all if none does)."""
    kept_letters: list[str] = []
    kept_texts: list[str] = []
    kept_bounds = [0]
    for (start, stop), title in zip(pairwise(bounds), titles, strict=True):
        end = start if title else next((i + 1 for i in range(start, stop) if texts[i]), stop)
        kept_letters.append(letters[start:end])
        kept_texts += texts[start:end]
        kept_bounds.append(kept_bounds[-1] + end - start)
    return "".join(kept_letters), kept_texts, kept_bounds


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


class _NotOurs(Exception):
    """What is at the cache's path is not our cache: it is left as it is."""


class _Damaged(Exception):
    """What is at the cache's path is a damaged cache, or no database at all: replaced."""


@functools.cache
def _version() -> bytes:
    return parser_version().encode()


def _checksum(
    path: object,
    size: object,
    mtime_ns: object,
    ctime_ns: object,
    version: object,
    shape: object,
    body: object,
) -> int | None:
    """A CRC-32 of a row's fields; None if one is not of the type written (bytes or int).

    A CRC, made to find changed bits (any one or two in a row of any size here, any run of
    up to 32): the cache guards against damage, not against someone who can write it.
    blake2b took 55 ms of a 0.35 s warm load of the benchmark archive (48 MB of rows);
    this takes 13.
    """
    try:
        lengths = (len(path), len(version), len(shape), len(body))  # type: ignore[arg-type]
        crc = zlib.crc32(struct.pack("<3q4Q", size, mtime_ns, ctime_ns, *lengths))
        for part in (path, version, shape, body):
            crc = zlib.crc32(part, crc)  # type: ignore[arg-type]
    except (TypeError, struct.error):
        return None
    return crc


class PageCache:
    """One load's use of the cache: `load` what it has, `add` pages read, then `save`."""

    def __init__(
        self, db: sqlite3.Connection | None, path: Path, on_note: NoteCallback | None
    ) -> None:
        self._db = db
        self.path = path
        self._on_note = on_note
        # Paths as keys: os.fsencode'd.
        self._wanted: set[bytes] = set()
        self._stale: set[bytes] = set()
        self._added: set[bytes] = set()
        self._pending: dict[bytes, tuple[Stamp, bytes, bytes]] = {}
        self._other_version = 0
        self._damaged = 0
        self._rebuilt = False  # and said so: nothing more to say about damage

    @classmethod
    def open(cls, on_note: NoteCallback | None = None) -> PageCache | None:
        """The cache, or None when there can be none (a folder that cannot be written, a
        file at its path that is not ours)."""
        try:
            path = cache_folder() / CACHE_FILE
        except OSError:
            return None
        try:
            return cls(_connect(path, on_note), path, on_note)
        except _NotOurs as e:
            _note(
                on_note,
                f"{path} is not dubao's page cache ({e}): left as it is; no page cache"
                " until it is moved away",
            )
            return None
        except (_Damaged, *_ERRORS) as e:
            if not _broken(e):
                return None
            cache = cls(None, path, on_note)
            cache._replace(e)
            return cache if cache._db is not None else None
        except OSError:
            return None

    # -- reading ---------------------------------------------------------------

    def load(
        self, stamps: Mapping[str, Stamp], *, outlines: bool = False
    ) -> dict[str, list[Article]]:
        """The cached articles of those files (resolved path → stamp) that are unchanged
        (`outlines`: as `decode_pages`)."""
        paths = {os.fsencode(path): path for path in stamps}
        self._wanted.update(paths)
        keys = list(paths)
        version = _version()
        loaded: dict[str, list[Article]] = {}
        for start in range(0, len(keys), _CHUNK):
            fresh: list[bytes] = []
            texts: list[tuple[str, str]] = []
            for row in self._select(_COLUMNS, keys[start : start + _CHUNK]):
                path = paths.get(row[0])
                if path is None:
                    continue
                checked = self._checked(row, stamps[path], version)
                if checked is None:
                    self._stale.add(row[0])
                else:
                    fresh.append(row[0])
                    texts.append(checked)
            for key, articles in zip(fresh, decode_pages(texts, outlines=outlines), strict=True):
                if articles is None:
                    self._damaged += 1
                    self._stale.add(key)
                else:
                    loaded[paths[key]] = articles
        return loaded

    def _checked(
        self, row: tuple[Any, ...], current: Stamp, version: bytes
    ) -> tuple[str, str] | None:
        """The (shape, body) of a row that is fresh and whole, decoded; else None."""
        _, size, mtime_ns, ctime_ns, row_version, shape, body, checksum = row
        if (size, mtime_ns, ctime_ns) != (current.size, current.mtime_ns, current.ctime_ns):
            if any(type(n) is not int for n in (size, mtime_ns, ctime_ns)):
                self._damaged += 1
            return None
        computed = _checksum(*row[:7])
        whole = computed is not None and checksum == computed
        if whole and row_version != version:
            self._other_version += 1
            return None
        if not whole:
            self._damaged += 1
            return None
        try:
            return shape.decode(), body.decode()
        except UnicodeDecodeError:  # whole, so written so: not by this code
            self._damaged += 1
            return None

    def fresh(self, stamps: Mapping[str, Stamp]) -> set[str]:
        """Those of the files (resolved path → stamp) whose rows are unchanged, by their
        stamps and version alone: `load` may still find a row damaged."""
        paths = {os.fsencode(path): path for path in stamps}
        keys = list(paths)
        version = _version()
        found: set[str] = set()
        for start in range(0, len(keys), _CHUNK):
            part = keys[start : start + _CHUNK]
            for key, *row in self._select("path, size, mtime_ns, ctime_ns, version", part):
                path = paths.get(key)
                if path is None:
                    continue
                current = stamps[path]
                if row == [current.size, current.mtime_ns, current.ctime_ns, version]:
                    found.add(path)
        return found

    def _select(self, columns: str, keys: list[bytes]) -> list[tuple[Any, ...]]:
        """`columns` of the rows of those paths."""
        if self._db is None:
            return []
        marks = ",".join("?" * len(keys))
        try:
            return self._db.execute(
                f"SELECT {columns} FROM pages WHERE path IN ({marks})", keys
            ).fetchall()
        except _ERRORS as e:
            self._give_up(e)
            return []

    def _give_up(self, error: Exception) -> None:
        """After an error: a damaged file is replaced by an empty one; else, no cache."""
        if _broken(error):
            self._replace(error)
        else:
            self.close(checkpoint=False)

    def _replace(self, why: object) -> None:
        """Replace the damaged file with a new, empty cache (or none, if that fails)."""
        self.close(checkpoint=False)
        if not self._rebuilt:
            _note(
                self._on_note, f"the page cache {self.path} was unreadable ({why}): rebuilding it"
            )
        self._rebuilt = True
        _remove(self.path)
        with contextlib.suppress(_NotOurs, _Damaged, OSError, *_ERRORS):
            self._db = _connect(self.path, None)

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
            with contextlib.suppress(UnicodeEncodeError):  # a lone surrogate: not kept
                shape, body = encoded[0].encode(), encoded[1].encode()
                key = os.fsencode(path)
                self._pending[key] = (current, shape, body)
                self._added.add(key)
        if len(self._pending) >= _CHUNK:
            try:
                self._write()
            except _ERRORS as e:
                # Read-only, full, or locked by another dubao for longer than BUSY_TIMEOUT:
                # no cache for the rest of this load. Damaged: a new one.
                self._give_up(e)

    def save(self, folders: Iterable[str] = ()) -> None:
        """Write the pages added, forget the files gone from `folders` and the libraries
        used longest ago, and close. `folders`: those the library was opened with.

        Rows of files that changed and could not be read again are forgotten too.
        Failing to write is not an error: the pages are read again next time.
        """
        keys = [os.fsencode(folder) for folder in folders]
        try:
            if self._db is not None:
                stale = [key for key in self._stale if key not in self._added]
                self._write(stale + self._missing(keys))
                self._forget_other_libraries(self._roots(keys))
                if self._damaged:
                    # Rows that fail their checksums: is more of the file damaged? (quick_check
                    # does not compare the path index with the rows: a damaged one made
                    # lookups miss, and pages read again on every run.)
                    found = [row[0] for row in self._db.execute("PRAGMA integrity_check")]
                    if found != [b"ok"]:
                        first = found[0] if isinstance(found[0], bytes) else b"?"
                        self._replace(first.decode(errors="replace"))
        except _ERRORS as e:
            self._give_up(e)
        finally:
            self._give_notes()
            self.close()

    def _missing(self, folders: list[bytes]) -> list[bytes]:
        """Cached paths inside `folders` that this load did not find."""
        assert self._db is not None
        sep = os.sep.encode()
        missing = []
        for folder in folders:
            # Every path that starts with "folder/" sorts between these two.
            prefix = folder.rstrip(sep)
            low, high = prefix + sep, prefix + bytes([sep[0] + 1])
            query = "SELECT path FROM pages WHERE path >= ? AND path < ?"
            missing += [p for (p,) in self._db.execute(query, (low, high)) if p not in self._wanted]
        return missing

    def _roots(self, folders: list[bytes]) -> bytes:
        """This library, as the `libraries` table has it: its folders, and the files it
        loaded outside them (files given alone, and those linked from elsewhere)."""
        inside = _prefixes(folders)
        files = {key for key in self._wanted if not key.startswith(inside)}
        return b"\0".join(sorted({*folders, *files}))

    def _forget_other_libraries(self, roots: bytes) -> None:
        """Note this library's use, and delete the rows of files under none of the KEEP
        libraries used last whose folders or files are still there."""
        assert self._db is not None
        db = self._db
        with _transaction(db):
            if roots:
                db.execute(
                    "INSERT OR REPLACE INTO libraries (roots, used)"
                    " VALUES (?, (SELECT coalesce(max(used), 0) + 1 FROM libraries))",
                    (roots,),
                )
            kept: list[bytes] = []
            libraries = 0
            for (found,) in db.execute("SELECT roots FROM libraries ORDER BY used DESC"):
                there = [
                    path
                    for path in (found.split(b"\0") if type(found) is bytes else ())
                    if path and os.path.exists(path)
                ]
                if there and libraries < KEEP:
                    kept += there
                    libraries += 1
                else:
                    db.execute("DELETE FROM libraries WHERE roots = ?", (found,))
            exact, inside = set(kept), _prefixes(kept)
            gone = [
                (path,)
                for (path,) in db.execute("SELECT path FROM pages")
                if type(path) is not bytes or not (path in exact or path.startswith(inside))
            ]
            db.executemany("DELETE FROM pages WHERE path = ?", gone)

    def _write(self, stale: Sequence[bytes] = ()) -> None:
        """Write the pending rows and delete the stale ones, in one transaction."""
        if self._db is None or not (self._pending or stale):
            return
        version = _version()
        rows = []
        for key, (s, shape, body) in self._pending.items():
            fields = (key, s.size, s.mtime_ns, s.ctime_ns, version, shape, body)
            rows.append((*fields, _checksum(*fields)))
        with _transaction(self._db):
            self._db.executemany("DELETE FROM pages WHERE path = ?", ((p,) for p in stale))
            self._db.executemany(
                f"INSERT OR REPLACE INTO pages ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows
            )
        self._pending.clear()

    def _give_notes(self) -> None:
        if self._other_version:
            _note(
                self._on_note,
                "the page cache was written by another version of dubao:"
                f" {self._other_version} {'page' if self._other_version == 1 else 'pages'}"
                " read again",
            )
        if self._damaged and not self._rebuilt:
            _note(
                self._on_note,
                f"the page cache {self.path} had {self._damaged} damaged"
                f" entr{'y' if self._damaged == 1 else 'ies'}: read again",
            )
        self._other_version = self._damaged = 0

    def close(self, *, checkpoint: bool = True) -> None:
        """Close, first moving the write-ahead log into the file and emptying it (unless
        another dubao reads for more than CLOSE_TIMEOUT_MS): SQLite deletes it only when
        the last connection closes, and the search process may keep one open."""
        if self._db is not None:
            if checkpoint:
                with contextlib.suppress(*_ERRORS):
                    self._db.execute(f"PRAGMA busy_timeout = {CLOSE_TIMEOUT_MS}")
                    self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            with contextlib.suppress(*_ERRORS):
                self._db.close()
            self._db = None


def _prefixes(roots: Iterable[bytes]) -> tuple[bytes, ...]:
    """What the paths inside these folders start with."""
    sep = os.sep.encode()
    return tuple(root.rstrip(sep) + sep for root in roots)


def _note(on_note: NoteCallback | None, message: str) -> None:
    if on_note is not None:
        # SQLite's messages may quote a damaged file's names: nothing that drives a terminal.
        on_note("".join(c if c.isprintable() else "?" for c in message[:500]))


def _broken(error: BaseException) -> bool:
    if isinstance(error, (_Damaged, UnicodeError)):
        return True
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _BROKEN


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE … COMMIT on an autocommit connection, rolled back on any error."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        with contextlib.suppress(*_ERRORS):
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _claim(path: Path) -> None:
    """Return if what is at `path` is our cache (of any FORMAT) or nothing; _NotOurs if it
    is to be left as it is; _Damaged if it is to be replaced. Nothing is written."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        raise _NotOurs("it is a symbolic link")
    if not stat.S_ISREG(st.st_mode):
        raise _NotOurs("it is not a regular file")
    with open(os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC), "rb") as file:
        header = file.read(100)
    if not header:
        return  # an empty database
    if len(header) < 100 or not header.startswith(_MAGIC):
        raise _Damaged("not an SQLite database")
    application_id = int.from_bytes(header[68:72], "big")
    if application_id == APPLICATION_ID:
        return
    if application_id:
        raise _NotOurs("an SQLite database of another program")
    _claim_unmarked(path)


def _claim_unmarked(path: Path) -> None:
    """`_claim` for an SQLite file without an application id in its header: empty, one of
    ours whose header is still in the write-ahead log, one of FORMAT 1, or another
    program's. SQLite is asked, read-only."""
    db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT)
    db.text_factory = bytes
    try:
        application_id, version = _header(db)
        tables = _tables(db)
        columns = [row[1] for row in db.execute("PRAGMA table_info(pages)")]
    except _ERRORS as e:
        if _broken(e):  # an SQLite file that SQLite cannot read: garbage
            raise _Damaged(str(e)) from e
        raise
    finally:
        db.close()
    if application_id == APPLICATION_ID or (application_id, version, tables) == (0, 0, []):
        return
    format_1 = (version, tables) == (_FORMAT_1, [b"pages"]) and columns == [
        name.encode() for name in _FORMAT_1_COLUMNS
    ]
    if application_id or not format_1:
        raise _NotOurs("an SQLite database of another program")


def _header(db: sqlite3.Connection) -> tuple[int, int]:
    application_id = db.execute("PRAGMA application_id").fetchone()[0]
    return application_id, db.execute("PRAGMA user_version").fetchone()[0]


def _tables(db: sqlite3.Connection) -> list[bytes]:
    query = (
        "SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 7) != 'sqlite_'"
    )
    return [name for (name,) in db.execute(query)]


def _connect(path: Path, on_note: NoteCallback | None) -> sqlite3.Connection:
    """An open cache database with this FORMAT's tables. _NotOurs or _Damaged as `_claim`
    says; sqlite3.Error or UnicodeError if it cannot be opened."""
    _claim(path)
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)
    db.text_factory = bytes  # nothing is decoded before it is checked
    try:
        db.execute("PRAGMA journal_mode=WAL")
        # WAL: a crash loses at most the last transaction, never the database's sanity.
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA temp_store=MEMORY")  # never a file in the shared temp folder
        db.execute(f"PRAGMA journal_size_limit={JOURNAL_LIMIT}")
        if _header(db) != (APPLICATION_ID, FORMAT):
            _create(db, on_note)
        # A database that claims our format must also have our tables and columns.
        db.execute(f"SELECT {_COLUMNS} FROM pages LIMIT 0")
        db.execute("SELECT roots, used FROM libraries LIMIT 0")
    except BaseException:
        db.close()
        raise
    return db


def _create(db: sqlite3.Connection, on_note: NoteCallback | None) -> None:
    """This FORMAT's tables, in place of those of another (the file is ours: `_claim`)."""
    with _transaction(db):
        # Another dubao may have made it while this one waited for the lock.
        application_id, version = _header(db)
        if (application_id, version) == (APPLICATION_ID, FORMAT):
            return
        tables = _tables(db)
        if application_id not in (0, APPLICATION_ID):
            raise _NotOurs("an SQLite database of another program")
        if tables:
            _note(on_note, "the page cache was written by another version of dubao: rebuilding it")
        for name in tables:
            db.execute(f'DROP TABLE "{name.decode().replace(chr(34), chr(34) * 2)}"')
        for statement in _TABLES.values():
            db.execute(statement)
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute(f"PRAGMA user_version = {FORMAT}")


def _remove(path: Path) -> None:
    """Delete the cache's files; a symbolic link put in its place is left."""
    with contextlib.suppress(OSError):
        if stat.S_ISREG(os.lstat(path).st_mode):
            path.unlink()
    for suffix in ("-wal", "-shm", "-journal"):
        with contextlib.suppress(OSError):
            Path(f"{path}{suffix}").unlink()
