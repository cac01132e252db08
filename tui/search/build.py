"""Turning a library into the arrays the index searches.

Articles get ids in ranking order: the newest issue first (issues without a date last),
then library order, so a smaller id wins a tie and every posting list is already sorted
by recency. Building makes PASSES passes, reporting progress and checking for
cancellation every PROGRESS_EVERY articles:

1. normalise every article (its segments joined by SEPARATOR);
2. collect each article's unit and unit-pair codes;
3. invert them into posting lists (reported per partition);
4. cut the titles into words with jieba.

In a large library, a forked child builds the posting lists of the partitions from SPLIT
on while this process builds the others (steps 2 and 3 on both sides).

In a large library, the 3- to 6-character strings most frequent in a sample also get
exact bitmaps ("hot" terms) after step 3: 习近平 or 新闻联播 would otherwise need
thousands of candidates verified at each keystroke. Step 4, and counting those strings,
run in a forked child from step 2 on where it can (`forked`): they take ~7 s of one core,
and jieba's ~80 MB dictionary, which the index does not keep. Otherwise it runs here, and jieba's
dictionary stays loaded for the next build.

The cyclic garbage collector is off while building: the build allocates millions of
objects and none of them form cycles, but every collection would walk the library.
"""

from __future__ import annotations

import contextlib
import sys
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from itertools import accumulate, compress, repeat
from operator import contains
from typing import TypeVar

from tui import collector
from tui.model import Article, Issue, Library, Section
from tui.search import align, bitset, forked
from tui.search.postings import PARTITIONS, Postings, PostingsBuilder, Run, join
from tui.search.segments import FIRST_BLOCK, segment_texts
from tui.search.tokenize import SEPARATOR, normalise_blocks, term_codes, text_codes
from tui.search.words import boundaries

PROGRESS_EVERY = 1000
PASSES = 4
SAMPLE_EVERY = 32  # one article in this many is sampled for hot terms
HOT_MIN_MATCHES = 1500  # a hot term is estimated to be in at least this many articles...
HOT_MOST = {3: 200, 4: 100, 5: 60, 6: 40}  # ...and among the most frequent of its length
FORK_MIN_ARTICLES = 5000  # below this, forking costs more than it saves; no hot terms
SPLIT = 3  # postings partitions built here when a child builds the rest (measured: fastest)

ProgressCallback = Callable[[int, int], None]
StopCheck = Callable[[], bool]
T = TypeVar("T")


class BuildCancelled(Exception):
    """`should_stop()` returned True while the index was being built."""


@dataclass(frozen=True, slots=True)
class Entry:
    """An article with the section and issue it appears in."""

    article: Article
    section: Section
    issue: Issue


@dataclass(slots=True)
class IndexData:
    """Everything the index keeps, by article id (= position in `entries`)."""

    entries: list[Entry]
    # The article's normalised segments joined by SEPARATOR; the title comes first.
    docs: list[str]
    title_ends: array
    # All normalised titles joined by SEPARATOR, and where each starts.
    titles: str
    title_starts: array
    # Kicker, subtitle and subheads, normalised and joined, for the articles with any.
    heads: dict[int, str]
    # jieba word boundaries of each normalised title (see words.boundaries).
    title_bounds: list[str]
    postings: Postings
    # Exact bitmaps of frequent three-character terms.
    hot: dict[str, int]


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
        Entry(article, section, issue)
        for issue in library.issues
        for section in issue.sections
        for article in section.articles
    ]
    order = sorted(range(len(entries)), key=lambda i: _recency_key(entries[i].issue, i))
    return [entries[i] for i in order]


def _recency_key(issue: Issue, position: int) -> tuple[int, int, int]:
    if issue.date is None:
        return (1, 0, position)
    return (0, -issue.date.toordinal(), position)


def build_data(
    library: Library,
    on_progress: ProgressCallback | None = None,
    should_stop: StopCheck | None = None,
) -> IndexData:
    align.warm_up()
    try:
        with collector.paused():
            return _build(library, _Progress(0, on_progress, should_stop))
    finally:
        _give_back_memory()


def _build(library: Library, progress: _Progress) -> IndexData:
    entries = ranked_entries(library)
    progress.count = len(entries)
    docs, heads = _normalise_all(entries, progress)
    title_list = [doc[: doc.index(SEPARATOR)] for doc in docs]
    large = len(docs) >= FORK_MIN_ARTICLES
    child = forked.start(partial(_words_and_frequent, title_list, docs)) if large else None
    try:
        postings = _postings(docs, progress, share=large)
        from_child = child.result() if child is not None else None
        child = None
    finally:
        if child is not None:
            child.cancel()
    title_bounds, frequent = from_child or (None, None)
    if large and frequent is None:  # no child, or it failed: counted here
        frequent = frequent_terms(docs)
    hot = hot_terms(docs, postings, frequent) if frequent else {}
    if title_bounds is None or len(title_bounds) != len(docs):
        title_bounds = _title_bounds(progress.track(title_list, 3))
    progress.tick(PASSES * len(docs))
    title_ends = array("I", map(len, title_list))
    title_starts = array("I", accumulate((end + 1 for end in title_ends), initial=0))
    titles = SEPARATOR.join(title_list)
    return IndexData(
        entries, docs, title_ends, titles, title_starts, heads, title_bounds, postings, hot
    )


def _normalise_all(entries: list[Entry], progress: _Progress) -> tuple[list[str], dict[int, str]]:
    docs: list[str] = []
    heads: dict[int, str] = {}
    for doc_id, entry in enumerate(progress.track(entries, 0)):
        doc, head = _normalised(entry.article)
        docs.append(doc)
        if head:
            heads[doc_id] = head
    return docs, heads


def _normalised(article: Article) -> tuple[str, str]:
    """The article's normalised segments joined, and its heads (kicker, subtitle, subheads)."""
    segments = normalise_blocks(segment_texts(article))
    subheads = (i for i, block in enumerate(article.blocks) if block.type == "subhead")
    heads = [segments[1], segments[2], *(segments[FIRST_BLOCK + i] for i in subheads)]
    return SEPARATOR.join(segments), SEPARATOR.join(h for h in heads if h)


def _give_back_memory() -> None:
    """Return the build's freed scratch memory to the system (glibc keeps it otherwise)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)


def _postings(docs: list[str], progress: _Progress, share: bool) -> Postings:
    """The postings; with `share`, the partitions from SPLIT on are built by a forked
    child at the same time (each side reads every text, and files only its own codes)."""
    size = len(docs)
    theirs = range(SPLIT, PARTITIONS)
    child = forked.start(partial(_run, docs, theirs)) if share else None
    builder = PostingsBuilder(size, range(SPLIT) if child is not None else range(PARTITIONS))
    try:
        for doc in progress.track(docs, 1):
            builder.add(sorted(text_codes(doc)))
        runs = [builder.build_run(lambda i: progress.tick(2 * size + size * (i + 1) // PARTITIONS))]
        if child is not None:
            run = child.result()
            child = None
            runs.append(run if run is not None else _run(docs, theirs))
    finally:
        if child is not None:
            child.cancel()
    return join(size, runs)


def _run(docs: list[str], partitions: range) -> Run:
    builder = PostingsBuilder(len(docs), partitions)
    for doc in docs:
        builder.add(sorted(text_codes(doc)))
    return builder.build_run()


def _title_bounds(titles: Iterable[str]) -> list[str]:
    return [boundaries(title) for title in titles]


def _words_and_frequent(titles: list[str], docs: list[str]) -> tuple[list[str], list[str]]:
    """What the child computes: the titles' word boundaries, and `frequent_terms`."""
    return _title_bounds(titles), frequent_terms(docs)


def frequent_terms(docs: list[str]) -> list[str]:
    """The sample's most frequent 3- to 6-character strings, shorter ones first."""
    sample = docs[::SAMPLE_EVERY]
    least = HOT_MIN_MATCHES / SAMPLE_EVERY
    terms: list[str] = []
    for length, most in HOT_MOST.items():
        counts: Counter[str] = Counter()
        for doc in sample:
            counts.update({doc[i : i + length] for i in range(len(doc) - length + 1)})
        for term, count in counts.most_common(most):
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
