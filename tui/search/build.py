"""Turning a library into the arrays the index searches.

Articles get ids in ranking order: the newest issue first (issues without a date last),
then library order, so a smaller id wins a tie and every posting list is already sorted
by recency. Building makes PASSES passes, reporting progress and checking for
cancellation every PROGRESS_EVERY articles:

1. normalise every article (its segments joined by SEPARATOR);
2. and 3. file every unit and unit pair under its code (`build_postings`, reported per
   chunk of text and per partition);
4. the headers' part: cut the titles into words with jieba, read the headers in pinyin.

In a large library, the 3- to 8-character strings most frequent in a sample also get
exact bitmaps ("hot" terms) after step 3: 习近平 or 新闻联播 would otherwise need
thousands of candidates verified at each keystroke.

The headers' part (`Headers`: the titles cut into words, each header's pinyin and its
keys' bitmaps) needs only the articles' headers: `build_headers` makes it alone, so that
another process can make it while this one does the rest (`build_entries`'s `headers`;
the reader's index worker has a second one do so, `tui.background.indexer`). Else it is
made here, after the rest.

The cyclic garbage collector is off while building: the build allocates millions of
objects and none of them form cycles, but every collection would walk the library.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate, compress, repeat
from operator import contains
from typing import TypeVar

from tui.core import collector
from tui.core.model import Article, Library
from tui.core.text import normalise
from tui.search import align, bitset
from tui.search.pinyin import forget_readings, header_pinyin, initials, pinyin_bits
from tui.search.postings import Postings, build_postings
from tui.search.segments import COLUMN, FIRST_BLOCK, KICKER, SUBTITLE, segment_of, segment_texts
from tui.search.tokenize import SEPARATOR, normalise_blocks, term_codes
from tui.search.words import TitleWords

PROGRESS_EVERY = 1000
PASSES = 4
SAMPLE_EVERY = 32  # one article in this many is sampled for hot terms
# A term that is not hot is verified in each candidate's text as it is typed, ~1 µs a
# candidate; a hot one costs its build ~1 µs a candidate instead, once, and 1 bit an article.
HOT_MIN_MATCHES = 1200  # a hot term is estimated to be in at least this many articles...
HOT_MOST = {3: 600, 4: 300, 5: 200, 6: 120, 7: 100, 8: 80}  # ...and among the most frequent
HOT_MIN_ARTICLES = 5000  # below this, no hot terms
# The fields ranked as heads (`rank.HEAD_WEIGHT`), with the subheads.
HEAD_FIELDS = (KICKER, SUBTITLE, COLUMN)

ProgressCallback = Callable[[int, int], None]
StopCheck = Callable[[], bool]
T = TypeVar("T")


class BuildCancelled(Exception):
    """`should_stop()` returned True while the index was being built."""


@dataclass(frozen=True, slots=True)
class Entry:
    """An article, where it is in its library, and what a search result says of that."""

    article: Article
    section: str  # the section's title
    issue: str  # the issue's title
    date: dt.date | None  # the issue's
    source: str  # the file the article is in
    position: int  # its place among that file's articles


@dataclass(frozen=True, slots=True)
class Headers:
    """What the index keeps of the articles' headers, by article id (see `IndexData`)."""

    title_bounds: list[str]
    pinyin: list[str]
    pinyin_initials: list[str]
    pinyin_bits: dict[str, int]


Header = tuple[str, str | None, str | None]  # an article's title, kicker and subtitle
# Where the headers' part is being made elsewhere: waits for it; None if it failed.
HeadersMade = Callable[[], Headers | None]


@dataclass(slots=True)
class IndexData:
    """Everything the index keeps, by article id (= position in `entries`)."""

    entries: Sequence[Entry]  # a list, or read on demand (`places.StoredEntries`)
    ids: list[str]  # each article's id
    # The article's normalised segments joined by SEPARATOR; the title comes first.
    docs: list[str]
    title_ends: array
    # All normalised titles joined by SEPARATOR, and where each starts.
    titles: str
    title_starts: array
    # Kicker, subtitle, column and subheads, normalised and joined, for the articles with any.
    heads: dict[int, str]
    # jieba word boundaries of each normalised title (see words.TitleWords.boundaries).
    title_bounds: list[str]
    postings: Postings
    # The same of the normalised titles alone: which articles' titles hold a key.
    title_postings: Postings
    # Exact bitmaps of frequent terms of three to eight characters.
    hot: dict[str, int]
    # Each article's header in pinyin (`pinyin.header_pinyin`), its initials (`initials`),
    # and the bitmaps of their keys.
    pinyin: list[str]
    pinyin_initials: list[str]
    pinyin_bits: dict[str, int]


class _Progress:
    def __init__(
        self, count: int, on_progress: ProgressCallback | None, should_stop: StopCheck | None
    ) -> None:
        self.count = count
        self.on_progress = on_progress
        self.should_stop = should_stop

    def track(self, items: Iterable[T], pass_number: int) -> Iterator[T]:
        """`items`, reporting progress and checking for cancellation as they are consumed."""
        done = pass_number * self.count
        for i, item in enumerate(items):
            if i % PROGRESS_EVERY == 0:
                self.tick(done + i)
            yield item
        self.tick(done + self.count)

    def tick(self, done: int) -> None:
        if self.should_stop is not None and self.should_stop():
            raise BuildCancelled("the search index build was cancelled")
        if self.on_progress is not None:
            self.on_progress(done, PASSES * self.count)


def ranked_entries(library: Library) -> list[Entry]:
    """Every article, newest issue first (undated last), then in library order."""
    entries = [
        Entry(article, section.title, issue.title, issue.date, source, position)
        for issue in library.issues
        for section in issue.sections
        for article, (source, position) in zip(
            section.articles, section.file_positions(), strict=True
        )
    ]
    order = sorted(range(len(entries)), key=lambda i: _recency_key(entries[i].date, i))
    return [entries[i] for i in order]


def _recency_key(date: dt.date | None, position: int) -> tuple[int, int, int]:
    if date is None:
        return (1, 0, position)
    return (0, -date.toordinal(), position)


def build_data(
    library: Library,
    on_progress: ProgressCallback | None = None,
    should_stop: StopCheck | None = None,
) -> IndexData:
    return build_entries(ranked_entries(library), on_progress, should_stop)


def build_entries(
    entries: Sequence[Entry],
    on_progress: ProgressCallback | None = None,
    should_stop: StopCheck | None = None,
    headers: HeadersMade | None = None,
) -> IndexData:
    """The index of `entries` (`ranked_entries`, or read from their pages on demand:
    `places.StoredEntries`, read once, in order); `headers`: its headers' part is being
    made elsewhere (of the same entries), else here."""
    align.warm_up()
    try:
        with collector.paused():
            return _build(entries, _Progress(0, on_progress, should_stop), headers)
    finally:
        collector.give_back_memory()


def build_headers(header_list: Sequence[Header]) -> Headers:
    """The headers' part of the index of articles with these headers (`header_of`, in
    the index's order), made alone (see `build_entries`)."""
    with collector.paused():
        return _headers(header_list, [normalise(title or "") for title, _, _ in header_list])


def _build(entries: Sequence[Entry], progress: _Progress, made: HeadersMade | None) -> IndexData:
    size = progress.count = len(entries)
    docs, heads, ids, header_list = _normalise_all(entries, progress, keep_headers=made is None)
    # Before the postings, whose arrays are the build's largest (~90 MB): by then a worker
    # making the headers' part elsewhere has mostly let go of its own.
    frequent = frequent_terms(docs[::SAMPLE_EVERY]) if size >= HOT_MIN_ARTICLES else []
    postings = build_postings(docs, lambda done: progress.tick(size + int(2 * size * done)))
    hot = hot_terms(docs, postings, frequent) if frequent else {}
    title_list = [doc[: doc.index(SEPARATOR)] for doc in docs]
    headers = made() if made is not None else None
    if headers is None:  # made here; where they failed elsewhere, the pages read again
        if made is not None:
            header_list = [header_of(entry.article) for entry in entries]
        headers = _headers(header_list, title_list)
    progress.tick(PASSES * len(docs))
    title_ends = array("I", map(len, title_list))
    title_starts = array("I", accumulate((end + 1 for end in title_ends), initial=0))
    titles_joined = SEPARATOR.join(title_list)
    return IndexData(
        entries,
        ids,
        docs,
        title_ends,
        titles_joined,
        title_starts,
        heads,
        headers.title_bounds,
        postings,
        build_postings(title_list),
        hot,
        headers.pinyin,
        headers.pinyin_initials,
        headers.pinyin_bits,
    )


def header_of(article: Article) -> Header:
    return article.title, article.kicker, article.subtitle


def _headers(header_list: Sequence[Header], titles: list[str]) -> Headers:
    """The headers' part, of the articles' headers and their normalised titles: pypinyin's
    data let go (~28 MB) before jieba's is read."""
    pinyins = [header_pinyin(*header) for header in header_list]
    forget_readings()
    collector.give_back_memory()
    return Headers(
        _title_bounds(titles),
        pinyins,
        [initials(pinyin) for pinyin in pinyins],
        pinyin_bits(pinyins, len(header_list)),
    )


def _normalise_all(
    entries: Sequence[Entry], progress: _Progress, *, keep_headers: bool
) -> tuple[list[str], dict[int, str], list[str], list[Header]]:
    """Each article's normalised text, its heads (where it has any) and its id; and its
    header, if `keep_headers`."""
    docs: list[str] = []
    heads: dict[int, str] = {}
    ids: list[str] = []
    header_list: list[Header] = []
    for doc_id, entry in enumerate(progress.track(entries, 0)):
        article = entry.article
        doc, head = _normalised(article)
        docs.append(doc)
        ids.append(article.id)
        if keep_headers:
            header_list.append(header_of(article))
        if head:
            heads[doc_id] = head
    return docs, heads, ids, header_list


def _normalised(article: Article) -> tuple[str, str]:
    """The article's normalised segments joined, and its heads (`HEAD_FIELDS`, subheads)."""
    segments = normalise_blocks(segment_texts(article))
    subheads = (i for i, block in enumerate(article.blocks) if block.type == "subhead")
    fields = (segments[segment_of(field)] for field in HEAD_FIELDS)
    heads = [*fields, *(segments[FIRST_BLOCK + i] for i in subheads)]
    return SEPARATOR.join(segments), SEPARATOR.join(h for h in heads if h)


def _title_bounds(titles: list[str]) -> list[str]:
    words = TitleWords(titles)
    return [words.boundaries(title) for title in titles]


def frequent_terms(sample: list[str]) -> list[str]:
    """The most frequent 3- to 8-character strings in `sample`, one in SAMPLE_EVERY of
    the docs, shorter ones first.

    A string is in no more docs than either of its two substrings one character shorter:
    only strings whose two are frequent are counted. On the benchmark archive's sample
    this takes ~1.2 s and 13 MB at most (879 terms kept), where counting every string of
    3 to 6 characters took 3.5 s and 97 MB.
    """
    least = HOT_MIN_MATCHES / SAMPLE_EVERY
    terms: list[str] = []
    frequent: set[str] | None = None  # the strings one character shorter in `least` docs
    for length in (2, *HOT_MOST):
        counts: Counter[str] = Counter()
        for doc in sample:
            found = {doc[i : i + length] for i in range(len(doc) - length + 1)}
            if frequent is not None:
                found = {s for s in found if s[:-1] in frequent and s[1:] in frequent}
            counts.update(found)
        frequent = {term for term, count in counts.items() if count >= least}
        for term, count in counts.most_common(HOT_MOST.get(length, 0)):
            if count < least:
                break
            if SEPARATOR not in term:
                terms.append(term)
    return terms


def hot_terms(docs: list[str], postings: Postings, terms: list[str]) -> dict[str, int]:
    """Exact bitmaps of `terms` (`frequent_terms`, shorter ones first).

    A string's candidates are the articles with all its character pairs and (where they
    are hot) its two substrings one character shorter.
    """
    hot: dict[str, int] = {}
    for term in terms:
        known = hot.get(term[:-1], -1) & hot.get(term[1:], -1)
        for code in term_codes(term):
            known &= postings.bits(code)
        candidates = bitset.ids(known, len(docs))
        hot[term] = bitset.from_ids(_verified(docs, candidates, term), len(docs))
    return hot


def _verified(docs: list[str], candidates: Iterable[int], term: str) -> list[int]:
    """The candidates whose text holds `term`."""
    ids = list(candidates)
    return list(compress(ids, map(contains, map(docs.__getitem__, ids), repeat(term))))
