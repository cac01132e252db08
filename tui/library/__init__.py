"""Finding page files, decoding them, and grouping them into issues and sections.

`load_library(paths)` is the entry point: files and folders in, a `Library` out.
A file that cannot be read is reported in `Library.problems` and skipped; only a
path that does not exist, or a library with no readable page at all, is an error.
Pages parsed before come from the page cache (`tui.library.cache`) while their files are unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import stat
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from tui.core import collector
from tui.core.model import Article, Issue, Library, Problem, Section
from tui.core.text import one_line

if TYPE_CHECKING:
    from tui.background.readahead import Encoded, ReadAhead
from tui.library.cache import (
    NoteCallback,
    PageCache,
    Stamp,
    encode_page,
    parser_version,
    stamp,
    stamps_of,
)
from tui.library.filenames import PAPERS, ArticleName, article_name, paper_in

PAGE_SUFFIXES = (".md", ".markdown", ".txt")
# Below both, a library is parsed before the first screen (see `is_small`).
SMALL_FILES = 16
SMALL_BYTES = 256 * 1024
# A printed page is at most a few hundred KB of text; a larger file is not a page (and would
# take seconds to parse and hundreds of MB to hold).
MAX_PAGE_BYTES = 16 * 2**20


class LibraryError(Exception):
    """A problem the user can fix; its message is one line that says what and where, and
    `problems` the files that could not be read, when that is why."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True)
class Progress:
    done: int  # files
    total: int
    path: str
    articles: int = 0  # articles in the files done


ProgressCallback = Callable[[Progress], None]
PartialCallback = Callable[[Library], None]
PARTIAL_EVERY = 1.0  # seconds between two partial libraries (see `load_library`)
# Pages read from the page cache at a time. A part is read without a pause, and the loader
# gives way to a search only between pages: a part of 500 held it ~170 ms, one of 100 ~35 ms,
# loading as fast (tests/benchmarks/load_pauses.py).
FIRST_CACHE_PART, CACHE_PART = 50, 100
# With this many pages to parse, a worker process parses the oldest share of them (`readahead`):
# it parses and encodes, this process decodes, which costs it about a fifth as much.
READ_AHEAD_MIN, READ_AHEAD_SHARE = 200, 0.55


def seeds_path() -> Path:
    """The bundled newspaper pages: inside the installed package, or beside it in a checkout."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "seeds"
    return installed if installed.is_dir() else package.parent / "seeds"


# ---------------------------------------------------------------------------
# Finding files
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Found:
    path: str  # as found (a library has thousands: strings, not Paths)
    # The path's parts from the folder the user named (inclusive) down to the file.
    parts: tuple[str, ...]
    # The resolved path, which names the file in the page cache.
    key: str


def _given(paths: Sequence[str | os.PathLike[str]] | None) -> list[Path]:
    """The paths to look in: those given, else the seeds."""
    return [Path(p) for p in paths] if paths else [seeds_path()]


@dataclass(frozen=True, slots=True)
class PageFiles:
    """The page files at some paths, found once (`find_pages`) for whatever looks at them
    next (`load_library`, `Pages`): a large library's folders take ~40 ms to walk."""

    given: list[Path]
    found: list[_Found]
    unreadable: list[Problem]  # folders that could not be listed


def find_pages(paths: Sequence[str | os.PathLike[str]] | None) -> PageFiles:
    """The page files at `paths` (None: the seeds); LibraryError for a path that does not
    exist."""
    given = _given(paths)
    unreadable: list[Problem] = []
    return PageFiles(given, _find(given, unreadable), unreadable)


def _find(paths: Sequence[Path], unreadable: list[Problem] | None = None) -> list[_Found]:
    """The page files at `paths`, each once; folders that cannot be listed go to
    `unreadable`."""
    found: list[_Found] = []
    seen: set[str] = set()
    folders: dict[str, str] = {}
    for given in paths:
        if not given.exists():
            raise LibraryError(f"no such file or folder: {given}")
        if not given.is_dir():  # a file, or anything else named: `read_page` says what it is
            top = given.parent
            candidates = [(str(given), given.is_symlink(), (given.name,))]
        else:
            top = given
            skip = len(os.path.join(str(given), ""))
            walked = _walk(str(given), unreadable)
            candidates = [(path, link, tuple(path[skip:].split(os.sep))) for path, link in walked]
            candidates.sort(key=itemgetter(2))  # by folder, then name
        top_name = top.resolve().name
        for path, link, rel in candidates:
            resolved = os.path.realpath(path) if link else _resolve(path, folders)
            if resolved in seen:
                continue
            seen.add(resolved)
            found.append(_Found(path, (top_name, *rel), resolved))
    return found


def is_small(
    paths: Sequence[str | os.PathLike[str]] | None,
    max_files: int = SMALL_FILES,
    max_bytes: int = SMALL_BYTES,
) -> bool:
    """Whether the pages at `paths` (None: the seeds) are few and short enough to parse
    before the first screen, faster than a progress bar could be shown. Stops looking at
    the first file past either limit, so a large library costs a few directory reads."""
    given = _given(paths)
    files = 0
    size = 0
    try:
        for path in given:
            pages = [str(path)] if not path.is_dir() else (page for page, _ in _walk(str(path)))
            for page in pages:
                files += 1
                size += os.stat(page).st_size
                if files > max_files or size > max_bytes:
                    return False
    except OSError:
        return False
    return True


def _resolve(path: str, folders: dict[str, str]) -> str:
    """The real path of a file that is not a symlink, resolving each folder once."""
    folder, sep, name = path.rpartition(os.sep)
    if sep and not folder:
        folder = sep  # a file in the root
    real = folders.get(folder)
    if real is None:
        real = folders[folder] = os.path.realpath(folder)  # "": the current folder
    return real + name if real.endswith(os.sep) else f"{real}{os.sep}{name}"


def _walk(folder: str, unreadable: list[Problem] | None = None) -> Iterator[tuple[str, bool]]:
    """The page files under `folder`, hidden ones and symlinked folders left out, each with
    whether it is a symlink. Folders that cannot be listed are added to `unreadable`."""
    folders = [folder]  # a stack, not recursion: a tree may be thousands of folders deep
    while folders:
        current = folders.pop()
        try:
            with os.scandir(current) as scan:
                entries = list(scan)
        except OSError as e:
            if unreadable is not None:
                unreadable.append(Problem(current, f"cannot read the folder: {_reason(e)}"))
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()
                is_link = entry.is_symlink()
            except OSError:
                continue
            if is_dir:
                if not is_link:
                    folders.append(entry.path)
            elif name.lower().endswith(PAGE_SUFFIXES):
                yield entry.path, is_link


# ---------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


class DecodeError(Exception):
    pass


def read_bytes(path: str | os.PathLike[str], limit: int = MAX_PAGE_BYTES) -> bytes:
    """A page file's bytes: only a regular file (a FIFO or a device such as /dev/zero would
    block or never end), and at most `limit` bytes. DecodeError or OSError otherwise."""
    # O_NONBLOCK: opening a FIFO with no writer would wait for one.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with open(fd, "rb", closefd=True) as file:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise DecodeError("not a regular file")
        if info.st_size > limit:
            raise DecodeError(_too_large(limit))
        data = file.read(limit + 1)  # the file may have grown since
    if len(data) > limit:
        raise DecodeError(_too_large(limit))
    return data


def _too_large(limit: int) -> str:
    return f"too large for a page (over {limit // 2**20} MB)"


def decode(data: bytes) -> str:
    """Page bytes → text: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as e:
                raise DecodeError(f"not valid {encoding.upper()} text") from e
            return _checked(text)
    if not data.strip():
        raise DecodeError("empty file")
    kind = binary_kind(data)
    if kind:
        raise DecodeError(f"{kind}, not a text page")
    if b"\x00" in data:
        raise DecodeError("binary data, not a text page")
    try:
        return _checked(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as e:
        raise DecodeError("cannot decode as UTF-8, UTF-16 or GB18030") from e
    # GB18030 decodes many byte strings: ask more of what it gives.
    if not _looks_like_text(text, limit=0.02):
        raise DecodeError("cannot decode as UTF-8, UTF-16 or GB18030")
    return text


# What the first bytes of a file say it is, when it is not text (a PDF named `.txt`…).
_MAGIC = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or a Word, EPUB… file)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x7fELF", "a program"),
)


def binary_kind(data: bytes) -> str:
    """What a file's first bytes say it is, if they name a format that is not text."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "a WebP image"
    return ""


def _checked(text: str) -> str:
    if not text.strip():
        raise DecodeError("empty file")
    if not _looks_like_text(text):
        raise DecodeError("binary data, not a text page")
    return text


# Controls (but whitespace), private-use characters and replacement characters.
_NOT_TEXT = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ue000-\uf8ff\ufffd]")


def _looks_like_text(text: str, limit: float = 0.1) -> bool:
    """Text, not binary data: few control, private-use or replacement characters.

    A handful of control characters is hostile or damaged text, which `clean` removes;
    binary data decoded as text is full of them.
    """
    sample = text[:20000]
    return len(_NOT_TEXT.findall(sample)) <= limit * len(sample)


# ---------------------------------------------------------------------------
# Issues and sections
# ---------------------------------------------------------------------------

_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d\d)([-_/.]?)(0[1-9]|1[0-2]|[1-9](?=\D))\2"
    r"(0[1-9]|[12]\d|3[01]|[1-9](?!\d))(?!\d)"
)


def path_date(parts: Sequence[str]) -> dt.date | None:
    """The date a path names, nearest the file first: 20251210, 2025-12-10, 2025/12/10."""
    joined = "/".join(parts)
    for m in reversed(list(_DATE.finditer(joined))):
        year, sep, month, day = m.groups()
        if not sep and (len(month) != 2 or len(day) != 2):
            continue
        try:
            return dt.date(int(year), int(month), int(day))
        except ValueError:
            continue
    return None


_HASHLIKE = re.compile(r"^(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{8,}$|^[0-9a-f]{16,}$", re.I)
_TOKEN_SPLIT = re.compile(r"[\s_\-.·]+")


def _page_name(stem: str) -> tuple[int | None, str]:
    """(page number, page name) from a file name: `03_要闻` → (3, "要闻").

    Dates and hash-like tokens (`9d98c7fe781bce98`) are not names.
    """
    stem = _DATE.sub(" ", stem)
    number: int | None = None
    words = []
    for token in _TOKEN_SPLIT.split(stem):
        if not token or _HASHLIKE.match(token) or token.lower() in PAPERS:
            continue
        if token.isdigit():
            if number is None:
                number = int(token)
            continue
        words.append(token)
    return number, " ".join(words)


def _natural_key(name: str) -> tuple[object, ...]:
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name.lower()))


def _short_hash(*parts: str) -> str:
    return hashlib.blake2b(
        "\x1f".join(parts).encode("utf-8", "surrogateescape"), digest_size=6
    ).hexdigest()


@dataclass(slots=True)
class _Page:
    found: _Found
    articles: list[Article]

    @property
    def name(self) -> ArticleName | None:
        """What the file's name says, when it names one article."""
        return article_name(_stem(self.found.path))


def _stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def _section_titles(pages: list[_Page]) -> list[tuple[int, str]]:
    """Each page file's page number (its place, for a name without one) and title."""
    named = [_page_name(one_line(_stem(p.found.path))) for p in pages]
    # Page files numbered from 000 count from zero; readers count from one.
    offset = 1 if any(n == 0 for n, _ in named) else 0
    titles = []
    for position, (number, words) in enumerate(named, start=1):
        shown = number + offset if number is not None else position
        page = f"第{shown}版"
        titles.append((shown, f"{page} {words}" if words and number is not None else words or page))
    return titles


# A folder named for a page: `01_要闻`, `第01版：要闻`, `02版 国内`.
_PAGE_FOLDER = re.compile(r"^第?0*(\d{1,3})版?[\s_:：\-·.]*(\D.*)$")


def _named_page_title(number: int, pages: list[_Page]) -> str:
    """`第N版`, with the page's name where the folder holding its files gives one."""
    folder = pages[0].found.parts[-2] if len(pages[0].found.parts) > 2 else ""
    m = _PAGE_FOLDER.match(one_line(folder))
    if m and int(m.group(1)) == number and not _DATE.search(folder):
        return f"第{number}版 {m.group(2).strip()}"
    return f"第{number}版"


def _section_of_files(number: int, pages: list[_Page]) -> Section:
    """The section of one page's article files, articles in the order their names give."""
    pages.sort(key=lambda p: (p.name.order if p.name else 0, _natural_key(p.found.path)))
    articles = tuple(a for p in pages for a in p.articles)
    several = len(pages) > 1
    return Section(
        id=_short_hash("section", *(a.id for a in articles)),
        title=_named_page_title(number, pages),
        source=None if several else pages[0].found.path,
        articles=articles,
        article_sources=tuple(p.found.path for p in pages for _ in p.articles) if several else (),
    )


def _build_issue(key: str, date: dt.date | None, pages: list[_Page]) -> Issue:
    """An issue's sections, by page number: a page file each, and one per page of the
    files named as one article each."""
    files = sorted(
        (p for p in pages if p.name is None),
        key=lambda p: (_natural_key(os.path.basename(p.found.path)), p.found.path),
    )
    numbered = [
        (
            number,
            Section(
                id=_short_hash("section", *(a.id for a in page.articles)),
                title=title,
                source=page.found.path,
                articles=tuple(page.articles),
            ),
        )
        for page, (number, title) in zip(files, _section_titles(files), strict=True)
    ]
    by_number: dict[int, list[_Page]] = {}
    for page in pages:
        name = page.name
        if name is not None:
            by_number.setdefault(name.page, []).append(page)
    paper = paper_in(_stem(pages[0].found.path)) if date is not None else None
    numbered += [(n, _section_of_files(n, group)) for n, group in by_number.items()]
    numbered.sort(key=lambda item: item[0])  # stable: page files keep their name order
    sections = [section for _, section in numbered]
    if date is not None:
        issue_id = date.isoformat() if paper is None else f"{date.isoformat()}-{paper}"
        title = date.isoformat()
    else:
        folder = pages[0].found.parts[-2] if len(pages[0].found.parts) > 1 else key
        issue_id, title = "f-" + _short_hash("issue", folder), one_line(folder)
    return Issue(id=issue_id, title=title, date=date, sections=tuple(sections), paper=paper)


def _unique_ids(issues: list[Issue]) -> list[Issue]:
    """Articles, sections and issues whose content ids collide get -2, -3… in library order."""
    seen: dict[str, int] = {}

    def unique(id_: str) -> str:
        n = seen.get(id_, 0) + 1
        seen[id_] = n
        return id_ if n == 1 else f"{id_}-{n}"

    out = []
    for issue in issues:
        sections = []
        for section in issue.sections:
            articles = tuple(_with_id(a, unique(a.id)) for a in section.articles)
            section_id = unique(section.id)
            if articles != section.articles:  # compares by identity first: cheap
                section = replace(section, articles=articles)
            sections.append(_with_id(section, section_id))
        out.append(replace(issue, id=unique(issue.id), sections=tuple(sections)))
    return out


_Item = TypeVar("_Item", Article, Section)


def _with_id(item: _Item, id_: str) -> _Item:
    # Most ids are unique already, and `replace` is slow: a large library has 10⁴ articles.
    return item if item.id == id_ else replace(item, id=id_)


def read_page(path: str | os.PathLike[str]) -> list[Article]:
    """The articles of one file; DecodeError or OSError when it cannot be read. A file
    named as one article (`tui.library.filenames`) is one article, whatever its text looks like."""
    # The parsers load when a page is first read: a warm start reads none (~30 ms).
    from tui.library.article_file import parse_article_file
    from tui.library.parse import parse_page

    text = decode(read_bytes(path))
    if article_name(_stem(os.fspath(path))) is not None:
        return [parse_article_file(text)]
    articles = parse_page(text)
    if not articles:
        raise DecodeError("no text found in it")
    return articles


def load_library(
    paths: Sequence[str | os.PathLike[str]] | None = None,
    on_progress: ProgressCallback | None = None,
    *,
    cache: bool = True,
    on_note: NoteCallback | None = None,
    on_partial: PartialCallback | None = None,
    bodies: bool = True,
    read_ahead: bool = True,
    files: PageFiles | None = None,
) -> Library:
    """Read, parse and group pages. With no paths, the bundled seeds; `files`: those found
    at `paths` already.

    With `read_ahead`, a worker process parses the oldest pages meanwhile, where many are
    not in the page cache (`tui.background.readahead`); without, none is started (a process
    that forks without exec: a worker's pool leaves a thread and a forkserver behind).

    Without `bodies`, each article is kept as its `outline` (the library is marked
    `outline`): what a reader of a large library lists, its bodies read again from their
    pages when shown (`WholeArticles`). The page cache gets whole articles either way.

    With `cache`, pages whose files are unchanged come from the page cache (see
    `tui.library.cache`), and pages read are added to it; the seeds are always parsed. A cache
    that cannot be trusted (damaged, from another version) is rebuilt, and `on_note`
    hears why, in one line; a cache that cannot be written is none. Neither is an error.

    Files are read newest issue first. `on_partial` gets the issues complete so far as a
    library: as soon as there is one, then every PARTIAL_EVERY seconds. Each is the start
    of the next and of the final library, with the same ids, so a reader can open an
    article before loading ends and keep it open.
    """
    files = files or find_pages(paths)
    given, found = files.given, files.found
    # The seeds are one small page, parsed faster than the cache opens.
    page_cache = PageCache.open(on_note) if cache and paths else None
    with collector.paused():
        try:
            groups, problems, built, stamps = _read_pages(
                found, page_cache, on_progress, on_partial, bodies, read_ahead
            )
            problems[:0] = files.unreadable
            if page_cache is not None:
                page_cache.save(str(p.resolve()) for p in given if p.is_dir())
        finally:
            if page_cache is not None:
                page_cache.close()
        if not groups:
            names = ", ".join(str(p) for p in given)
            raise LibraryError(f"no readable pages in {names}", problems)
        issues = [
            built.get(key) or _build_issue(key, date, pages)
            for key, (date, pages) in groups.items()
        ]
        # Only where every file was stamped before it was read (as with a page cache), and
        # read: a file that could not be read this time may be read next time.
        digest = b"" if problems or page_cache is None else stamps_digest(found, stamps)
        return _library(issues, problems, digest, outline=not bodies)


def _library(
    issues: list[Issue],
    problems: Sequence[Problem],
    files_digest: bytes = b"",
    *,
    outline: bool = False,
) -> Library:
    dated = sorted((i for i in issues if i.date), key=lambda i: i.date, reverse=True)  # type: ignore[arg-type,return-value]
    undated = sorted((i for i in issues if not i.date), key=lambda i: _natural_key(i.title))
    issues = _unique_ids(dated + undated)
    return Library(
        issues=tuple(issues), problems=tuple(problems), files_digest=files_digest, outline=outline
    )


def outline(article: Article) -> Article:
    """The article as a list of articles needs it: its id, its header, and, untitled, its
    blocks up to the first that holds text (its `label` is made from that block); a titled
    one keeps no block. Its id, header and `label` are the whole article's."""
    if article.title:
        return _cut(article, 0) if article.blocks else article
    for n, block in enumerate(article.blocks):
        if block.text:
            return article if n + 1 == len(article.blocks) else _cut(article, n + 1)
    return article


def _cut(article: Article, blocks: int) -> Article:
    # As `replace` would, without its cost (a large library has 10⁴ articles).
    a = article
    return Article(
        a.id,
        a.kind,
        a.title,
        a.blocks[:blocks],
        a.kicker,
        a.subtitle,
        a.byline,
        a.dateline,
        a.column,
    )


def stamps_digest(found: Sequence[_Found], stamps: Mapping[str, Stamp]) -> bytes:
    """What a library read from the `found` files holds, told without reading them: the
    parser's version, and each file's path, its parts and its stamp, in order. b"" if a
    file has no stamp. Parsing is deterministic, so equal digests mean equal libraries
    (as far as stamps tell a file unchanged: the page cache trusts them as far)."""
    lines = []
    for f in found:
        s = stamps.get(f.key)
        if s is None:
            return b""
        lines.append("\0".join((f.path, f.key, *f.parts, f"{s.size} {s.mtime_ns} {s.ctime_ns}")))
    lines.append("")  # each line ends with a newline
    digest = hashlib.blake2b(parser_version().encode(), digest_size=16)
    digest.update("\n".join(lines).encode("utf-8", "surrogatepass"))
    return digest.digest()


_Groups = dict[str, tuple[dt.date | None, list[_Page]]]
_Issued = tuple[dt.date | None, str]  # a page's date, and the key of its issue


def _issue_key(f: _Found, date: dt.date | None) -> str:
    """What groups pages into an issue: their date and paper, or else their folder."""
    if date is None:
        return os.path.dirname(f.key)
    paper = paper_in(_stem(f.path))
    return date.isoformat() if paper is None else f"{date.isoformat()} {paper}"


def _newest_first(found: list[_Found]) -> tuple[list[_Found], dict[str, _Issued]]:
    """Dated pages newest first, then the others by folder: the pages of an issue together,
    and issues in the order the final library shows dated ones; and each page's date and
    issue, by its key."""
    issued: dict[str, _Issued] = {}
    for f in found:
        date = path_date(f.parts)
        issued[f.key] = (date, _issue_key(f, date))
    dated = [f for f in found if issued[f.key][0]]
    undated = [f for f in found if not issued[f.key][0]]
    dated.sort(key=lambda f: issued[f.key][1], reverse=True)
    undated.sort(key=lambda f: issued[f.key][1])
    return dated + undated, issued


class _Partials:
    """Libraries of the issues complete so far, for `on_partial`. Pages come newest issue
    first, so every issue but the one being read is complete, and issues are built once."""

    def __init__(self, on_partial: PartialCallback | None, *, outline: bool = False) -> None:
        self._on_partial = on_partial
        self._outline = outline
        self.built: dict[str, Issue] = {}  # by group key: complete issues do not change
        self._next = 0.0  # monotonic time of the next one; the first comes at once
        self._sent = 0

    def offer(self, groups: _Groups, reading: str) -> None:
        if self._on_partial is None or time.monotonic() < self._next:
            return
        for key, (date, pages) in groups.items():
            if key != reading and key not in self.built:
                self.built[key] = _build_issue(key, date, pages)
        if len(self.built) == self._sent:
            return
        self._next = time.monotonic() + PARTIAL_EVERY
        self._sent = len(self.built)
        issues = list(self.built.values())
        if issues[-1].date is None:
            return  # undated issues sort by title: this one may not be the last in the end
        self._on_partial(_library(issues, (), outline=self._outline))


def _read_pages(
    found: list[_Found],
    page_cache: PageCache | None,
    on_progress: ProgressCallback | None,
    on_partial: PartialCallback | None = None,
    bodies: bool = True,
    read_ahead: bool = True,
) -> tuple[_Groups, list[Problem], dict[str, Issue], dict[str, Stamp]]:
    """Every found page's articles (whole, or without `bodies` their outlines), grouped by
    issue; the files that could not be read; the issues built for `on_partial`, by group;
    and the stamps taken (with a page cache, every file that could be stat'ed, before it
    was read)."""
    problems: list[Problem] = []
    groups: _Groups = {}
    partials = _Partials(on_partial, outline=not bodies)
    articles_done = 0
    ordered, issued = _newest_first(found)
    stamps: dict[str, Stamp] = {}
    ahead: ReadAhead | None = None
    parsed = 0
    try:
        newest = _newest_pages(ordered, issued)
        pages = _with_cached(ordered, page_cache, stamps, outlines=not bodies, first=newest + 1)
        for done, (f, cached) in enumerate(pages, start=1):
            parsed += cached is None
            try:
                articles, encoded = _page(f, cached, ahead)
            except (DecodeError, OSError) as e:
                problems.append(Problem(f.path, _reason(e)))
            else:
                if page_cache is not None and not cached and f.key in stamps:
                    page_cache.add(f.key, stamps[f.key], articles, encoded)
                if not bodies and cached is None:  # the page cache's come outlined
                    articles = list(map(outline, articles))
                date, key = issued[f.key]
                if key not in groups:
                    partials.offer(groups, key)
                groups.setdefault(key, (date, []))[1].append(_Page(f, articles))
                articles_done += len(articles)
            if on_progress is not None:
                on_progress(Progress(done, len(found), f.path, articles_done))
            # The newest issues are in. If all came from the page cache, so will most others:
            # not worth stat'ing every page to find out (0.2 s beside the reader's start).
            if done == FIRST_CACHE_PART and parsed and read_ahead:
                ahead = _read_ahead(ordered[done:], page_cache, stamps)
    finally:
        if ahead is not None:
            ahead.cancel()
    return groups, problems, partials.built, stamps


def _read_ahead(
    ordered: list[_Found], page_cache: PageCache | None, stamps: dict[str, Stamp]
) -> ReadAhead | None:
    """A worker process parsing the oldest READ_AHEAD_SHARE of those pages that are not in
    the page cache, when there are at least READ_AHEAD_MIN. With a cache, every page is
    stamped first (into `stamps`), before the worker reads it."""
    if len(ordered) < READ_AHEAD_MIN:
        return None
    missing = ordered
    if page_cache is not None:
        stamps.update(_stamps(ordered))
        fresh = page_cache.fresh(stamps)
        missing = [f for f in ordered if f.key not in fresh]
    if len(missing) < READ_AHEAD_MIN:
        return None
    theirs = missing[len(missing) - int(len(missing) * READ_AHEAD_SHARE) :]
    # Here, not at the top: the read-ahead imports the page cache, in this package.
    from tui.background.readahead import ReadAhead

    return ReadAhead.start([f.path for f in theirs], _read_encoded)


def _page(
    f: _Found, cached: list[Article] | None, ahead: ReadAhead | None
) -> tuple[list[Article], Encoded | None]:
    """The page's articles, and their encoding where the worker made it; DecodeError or
    OSError when it cannot be read."""
    if cached is not None:
        return cached, None
    taken = ahead.take(f.path) if ahead is not None else None
    if taken is None:
        return read_page(f.path), None
    if isinstance(taken, str):
        raise DecodeError(taken)
    return taken


def _read_encoded(path: str) -> Encoded | str | None:
    """In the read-ahead worker: the page's articles as the page cache keeps them (None if
    they cannot be kept), or why it cannot be read."""
    try:
        return encode_page(read_page(path))
    except (DecodeError, OSError) as e:
        return _reason(e)


def _reason(error: DecodeError | OSError) -> str:
    """Why a page cannot be read, in one line."""
    return error.strerror if isinstance(error, OSError) and error.strerror else str(error)


def _newest_pages(ordered: list[_Found], issued: dict[str, _Issued]) -> int:
    """How many pages the first issue of `ordered` has."""
    newest = issued[ordered[0].key][1] if ordered else None
    return next((n for n, f in enumerate(ordered) if issued[f.key][1] != newest), len(ordered))


def _with_cached(
    ordered: list[_Found],
    page_cache: PageCache | None,
    stamps: dict[str, Stamp],
    *,
    outlines: bool = False,
    first: int = FIRST_CACHE_PART,
) -> Iterator[tuple[_Found, list[Article] | None]]:
    """Each page, with its articles from the page cache where they are there, adding the
    stamps of the pages not in `stamps` yet. The files are stat'ed and the cache read a
    part at a time, the first of `first` pages at most FIRST_CACHE_PART, so that the
    newest issue is ready (for `on_partial`: the newest issue's pages and the next one's
    first) before the whole library has been looked at."""
    start, size = 0, min(first, FIRST_CACHE_PART)
    while start < len(ordered):
        part = ordered[start : start + size]
        if page_cache is not None:
            stamps.update(_stamps([f for f in part if f.key not in stamps]))
        wanted = {f.key: stamps[f.key] for f in part if f.key in stamps}
        cached = {}
        if page_cache is not None and wanted:
            cached = page_cache.load(wanted, outlines=outlines)
        for f in part:
            yield f, cached.get(f.key)
        start, size = start + size, CACHE_PART


def _stamps(found: list[_Found]) -> dict[str, Stamp]:
    """The stamps of the files that can be stat'ed, taken before they are read: a file
    that changes while it is read is read again next time."""
    return stamps_of(f.key for f in found)


class Pages:
    """A library's files, looked at without reading them: what they hold (`files_digest`,
    as `load_library` gives it while they are unchanged), and a page's articles on demand,
    from the page cache where it has them. The search process opens an index from the
    cache with these, and reads only the pages of the articles that searches show."""

    RECENT = 64  # pages kept, the most recently asked for

    def __init__(
        self, paths: Sequence[str | os.PathLike[str]] | None, files: PageFiles | None = None
    ) -> None:
        """LibraryError as `load_library`, for a path that does not exist; `files`: those
        found at `paths` already."""
        self._found = (files or find_pages(paths)).found
        self._stamps = _stamps(self._found)
        self.files_digest = stamps_digest(self._found, self._stamps)
        self._by_path = {f.path: f for f in self._found}
        self._page_cache: PageCache | None = None
        self._opened = False
        self._recent: dict[str, list[Article]] = {}

    @property
    def paths(self) -> list[str]:
        """Every page's path, as its `Section.source` has it."""
        return list(self._by_path)

    def articles(self, path: str) -> list[Article]:
        """The articles of the page at `path` (a `Section.source`), as `load_library` reads
        them; KeyError for a path not among these pages, DecodeError or OSError for one
        that cannot be read."""
        articles = self._recent.pop(path, None)
        if articles is None:
            articles = self._read(self._by_path[path])
        self._recent[path] = articles
        if len(self._recent) > self.RECENT:
            del self._recent[next(iter(self._recent))]
        return articles

    def uncached(self) -> int:
        """How many of the pages the page cache does not hold as they are (all of them,
        where there is no page cache)."""
        page_cache = self._cache()
        fresh = page_cache.fresh(self._stamps) if page_cache is not None else ()
        return len(self._found) - len(fresh)

    def _cache(self) -> PageCache | None:
        if not self._opened:
            self._opened = True
            self._page_cache = PageCache.open()
        return self._page_cache

    def _read(self, f: _Found) -> list[Article]:
        page_cache = self._cache()
        current = self._stamps.get(f.key)
        if page_cache is not None and current is not None:
            cached = page_cache.load({f.key: current}).get(f.key)
            if cached is not None:
                return cached
        return read_page(f.path)


class PageChanged(Exception):
    """An article's page no longer holds it (it changed since it was loaded), or cannot be
    read again."""


class WholeArticles:
    """The whole articles of a library loaded as outlines (`load_library(bodies=False)`):
    each read again from its page when asked for, from the page cache while the file is
    unchanged (its stamp taken now), and checked to be the article loaded (the same id).
    The pages asked for last are kept (a page is ~15 articles). Use it from one thread."""

    RECENT = 8  # pages

    def __init__(self) -> None:
        self._page_cache: PageCache | None = None
        self._opened = False
        self._recent: dict[str, list[Article]] = {}

    def article(self, section: Section, position: int) -> Article:
        """The whole of `section.articles[position]`; PageChanged when its page does not
        hold it any more, or cannot be read."""
        loaded = section.articles[position]
        path, at = section.file_positions()[position]
        try:
            articles = self._page(path)
        except (DecodeError, OSError) as e:
            raise PageChanged(f"{path} could not be read again ({_reason(e)})") from e
        if at >= len(articles) or not _same_article(articles[at].id, loaded.id):
            raise PageChanged(f"{path} changed since it was loaded")
        whole = articles[at]
        return whole if whole.id == loaded.id else replace(whole, id=loaded.id)

    def close(self) -> None:
        if self._page_cache is not None:
            self._page_cache.close(checkpoint=False)
            self._page_cache = None

    def _page(self, path: str) -> list[Article]:
        articles = self._recent.pop(path, None)
        if articles is None:
            articles = self._read(path)
        self._recent[path] = articles
        if len(self._recent) > self.RECENT:
            del self._recent[next(iter(self._recent))]
        return articles

    def _read(self, path: str) -> list[Article]:
        if not self._opened:
            self._opened = True
            self._page_cache = PageCache.open()
        key = os.path.realpath(path)  # as `_find` names it in the page cache
        if self._page_cache is not None:
            cached = self._page_cache.load({key: stamp(key)}).get(key)
            if cached is not None:
                return cached
        return read_page(path)


def _same_article(page_id: str, library_id: str) -> bool:
    """Whether the library's id is the page's, or it made unique (`-2`, `-3`…, `_unique_ids`)."""
    if page_id == library_id:
        return True
    head, dash, number = library_id.rpartition("-")
    return bool(dash) and head == page_id and number.isdigit()
