"""A disk cache of the search index, so that a library opened again is searchable at once.

    index = open_index(library, on_progress, should_stop, on_note=print)
    index = open_stored_index(Pages(paths))       # None unless the cache has it

Building takes ~10 s for 34,000 articles; reading the index back a fraction of a second.
`open_stored_index` does not even need the library loaded: where its files' stamps say
it is the library the index was made for, it reads the article of a hit from its page
(the page cache) when the hit is shown.
A library's file (`indexfile`) is `cache_folder()/index-<key>.bin`, the key a digest of the
folder holding all its pages (their longest common folder): a library that grows in place
replaces its own file, and each folder opened gets one. Files are big (~70 MB for 34,000
articles), so only the KEEP most recently used are kept.

A file is used only when its header says this code wrote it for this library (its
`fingerprint`) and it is whole. Else the index is built and the file replaced, and
`on_note` hears why in one line; failing to save is no error either.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING

from tui.core import collector
from tui.core.model import Library
from tui.search import align, indexfile
from tui.search.build import (
    Entry,
    Header,
    HeadersMade,
    ProgressCallback,
    StopCheck,
    build_data,
    build_entries,
    header_of,
    ranked_entries,
)
from tui.search.fingerprint import files_fingerprint, library_fingerprint
from tui.search.index import SearchIndex
from tui.search.indexfile import TEMP_SUFFIX, EntriesFor, IndexView, Unusable, load, save
from tui.search.places import Places, StoredEntries
from tui.search.snippet import DEFAULT_WIDTH
from tui.store.folders import cache_folder

if TYPE_CHECKING:
    from tui.library import Pages

NoteCallback = Callable[[str], None]
# Has the headers' part of the index of the articles with these headers made elsewhere
# (`build_headers`); None where it cannot.
HeadersElsewhere = Callable[[list[Header]], HeadersMade | None]

KEEP = 3  # index files kept, the most recently used
STALE_TEMP = 3600  # seconds: an older temporary file is a crashed save's
PREFIX, SUFFIX = "index-", ".bin"


def open_index(
    library: Library,
    on_progress: ProgressCallback | None = None,
    should_stop: StopCheck | None = None,
    *,
    cache: bool = True,
    verify: bool = False,
    on_note: NoteCallback | None = None,
    snippet_width: int = DEFAULT_WIDTH,
) -> SearchIndex:
    """The library's index: read from the cache if it holds this library's, else built
    (`SearchIndex.build`'s progress and cancellation) and saved. With `cache=False`,
    built and not saved. With `verify`, a file is used only once its whole CRC is
    checked (`indexfile.verify`, ~40 ms for the benchmark archive's 74 MB); else that is
    for the caller to do, in the background."""
    if not cache:
        return SearchIndex(build_data(library, on_progress, should_stop), snippet_width)
    entries, ids, fingerprint = _identified(library)
    found = partial(_same_ids, entries, ids)
    with collector.paused():
        data = _cached(_home(library), fingerprint, found, on_note, verify=verify)
    if data is not None:
        align.warm_up()  # as a build does: else the first search would
        return SearchIndex(data, snippet_width)
    data = build_entries(entries, on_progress, should_stop)
    try:
        path = _index_path(_home(library))
        save(path, data, fingerprint)
        prune(path.parent)
    except OSError as e:
        _note(on_note, f"could not save the search index: {e.strerror or e}")
        return SearchIndex(data, snippet_width)
    with collector.paused():  # the file just written, mapped: not encoded a second time
        saved = _cached(_home(library), fingerprint, found, on_note)
    return SearchIndex(saved if saved is not None else data, snippet_width)


def build_index_file(
    load: Callable[[], Library],
    pages: Pages,
    *,
    on_note: NoteCallback | None = None,
    on_progress: ProgressCallback | None = None,
    headers: HeadersElsewhere | None = None,
) -> bool:
    """For a process that needs the library for nothing else (the index worker): whether
    the library's index file is there, whole (its CRC checked), or was built and saved;
    `headers`: its headers' part made elsewhere meanwhile (see `build_entries`).

    The library is loaded, outlined (its ids, where each article is, its fingerprint) into
    a few large objects, and let go before the build; the articles are then read again
    from their pages (`pages`, the page cache), a page at a time. Kept while building, the
    library's ~90 MB would sit beside the build's arrays: the outline is packed so that no
    small object of its shares CPython's blocks of small objects with the library's, which
    then go back to the system."""
    with collector.paused():
        library = load()
        packed = _Packed.of(library)
        del library
    collector.give_back_memory()
    fingerprint, home, ids, header_list, places = packed.unpacked()
    found = partial(_same_ids, StoredEntries(places, ids, pages.articles), ids)
    with collector.paused():
        if _cached(home, fingerprint, found, on_note, verify=True) is not None:
            return True
    made = headers(header_list) if headers is not None else None
    del header_list  # sent, or not needed
    data = build_entries(StoredEntries(places, ids, pages.articles), on_progress, headers=made)
    try:
        path = _index_path(home)
        save(path, data, fingerprint)
        prune(path.parent)
    except OSError as e:
        _note(on_note, f"could not save the search index: {e.strerror or e}")
        return False
    return True


@dataclass(frozen=True, slots=True)
class _Packed:
    """A library's outline in a few large objects (see `build_index_file`): its strings
    end to end, with their lengths."""

    fingerprint: bytes
    home: str
    pages: array
    positions: array
    # The ids, each article's title, kicker and subtitle ("" for none), then per page its
    # source, section, issue and date (ISO or "").
    strings: str
    lengths: array

    @classmethod
    def of(cls, library: Library) -> _Packed:
        entries, ids, fingerprint = _identified(library)
        places = Places.of(entries)
        headers = [text or "" for entry in entries for text in header_of(entry.article)]
        pages = [*places.sources, *places.sections, *places.issues, *places.dates]
        items = [*ids, *headers, *pages]
        return cls(
            fingerprint,
            _home(library),
            places.pages,
            places.positions,
            "".join(items),
            array("Q", map(len, items)),
        )

    def unpacked(self) -> tuple[bytes, str, list[str], list[Header], Places]:
        ends = list(accumulate(self.lengths))
        items = list(map(self.strings.__getitem__, map(slice, [0, *ends], ends)))
        size = len(self.pages)
        ids, headers, rest = items[:size], items[size : 4 * size], items[4 * size :]
        header_list: list[Header] = list(zip(*[iter(headers)] * 3, strict=True))
        count = len(rest) // 4
        columns = [rest[i * count : (i + 1) * count] for i in range(4)]
        places = Places(self.pages, self.positions, *columns)
        return self.fingerprint, self.home, ids, header_list, places


def open_cached_index(
    library: Library,
    *,
    verify: bool = False,
    on_note: NoteCallback | None = None,
    snippet_width: int = DEFAULT_WIDTH,
) -> SearchIndex | None:
    """The library's index if the cache holds it (`on_note` hears why one it holds is not
    used), else None. `verify`: as for `open_index`."""
    entries, ids, fingerprint = _identified(library)
    found = partial(_same_ids, entries, ids)
    with collector.paused():
        data = _cached(_home(library), fingerprint, found, on_note, verify=verify)
    if data is None:
        return None
    align.warm_up()
    return SearchIndex(data, snippet_width)


def _identified(library: Library) -> tuple[list[Entry], list[str], bytes]:
    """The library's entries in ranking order, their ids, and its fingerprint."""
    with collector.paused():
        entries = ranked_entries(library)
        return (
            entries,
            [entry.article.id for entry in entries],
            library_fingerprint(library, entries),
        )


def open_stored_index(
    pages: Pages, *, verify: bool = False, snippet_width: int = DEFAULT_WIDTH
) -> SearchIndex | None:
    """The index of the library at `pages` from the cache, without loading the library:
    its articles are read from their pages when a search shows them. None if the cache
    does not hold it: then load the library and `open_index`, which says why. `verify`:
    as for `open_index`."""
    if not pages.files_digest:
        return None
    with collector.paused():
        fingerprint = files_fingerprint(pages.files_digest)
        stored = partial(StoredEntries, page_articles=pages.articles)
        data = _cached(_common_folder(pages.paths), fingerprint, stored, None, verify=verify)
    if data is None:
        return None
    align.warm_up()
    return SearchIndex(data, snippet_width)


def _same_ids(
    entries: Sequence[Entry], entry_ids: list[str], places: Places, ids: Sequence[str]
) -> Sequence[Entry]:
    """The library's entries (with `entry_ids`), if they are the articles the index file
    holds."""
    if ids != entry_ids:
        raise ValueError("articles of another library")
    return entries


def _cached(
    home: str,
    fingerprint: bytes,
    entries: EntriesFor,
    on_note: NoteCallback | None,
    *,
    verify: bool = False,
) -> IndexView | None:
    try:
        path = _index_path(home)
    except OSError:
        return None
    if not path.exists():
        return None
    try:
        data = load(path, fingerprint, entries)
        if verify:
            indexfile.verify(data)
    except Unusable as e:
        _note(on_note, f"the search index cache {path.name} {e}: rebuilding it")
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # now the most recently used
    return data


def index_path(library: Library) -> Path:
    """The file the library's index is kept in (OSError without a cache folder)."""
    return _index_path(_home(library))


def stored_index_path(pages: Pages) -> Path:
    """The file the index of the library at `pages` is kept in, as `open_stored_index` looks
    for it (OSError without a cache folder)."""
    return _index_path(_common_folder(pages.paths))


def _index_path(home: str) -> Path:
    key = hashlib.blake2b(home.encode("utf-8", "surrogatepass"), digest_size=8)
    return cache_folder() / f"{PREFIX}{key.hexdigest()}{SUFFIX}"


def _home(library: Library) -> str:
    """The deepest folder holding every page of the library (the page, if only one)."""
    return _common_folder(
        [
            source
            for issue in library.issues
            for section in issue.sections
            for source in ((section.source,) if section.source else section.article_sources)
        ]
    )


def _common_folder(sources: list[str]) -> str:
    if not sources:
        return ""
    # Every string between the least and the greatest starts as both do.
    try:
        return os.path.abspath(os.path.commonpath([min(sources), max(sources)]))
    except ValueError:  # relative and absolute paths mixed
        return ""


def prune(folder: Path, keep: int = KEEP) -> None:
    """Delete all but the `keep` most recently used index files, and old temporary ones."""
    found: list[tuple[float, Path]] = []
    with contextlib.suppress(OSError):
        for path in folder.iterdir():
            if path.name.startswith(PREFIX):
                with contextlib.suppress(OSError):
                    found.append((path.stat().st_mtime, path))
    now = time.time()
    indexes = sorted((item for item in found if item[1].suffix == SUFFIX), reverse=True)
    stale = [path for _, path in indexes[keep:]]
    stale += [p for mtime, p in found if p.suffix == TEMP_SUFFIX and mtime < now - STALE_TEMP]
    for path in stale:
        with contextlib.suppress(OSError):
            path.unlink()


def _note(on_note: NoteCallback | None, message: str) -> None:
    if on_note is not None:
        on_note(message)
