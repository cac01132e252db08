"""The in-memory search index: exact substring matching, BM25-like ranking, snippets.

A term's matches are a bitmap of article ids (`bitset`), found so:

- one character (one UTF-16 unit): its posting list, exact;
- two characters: the posting list of the pair, exact;
- three or more: an exact bitmap if it is a hot term (see `build`); otherwise the
  candidates are the articles holding all its character pairs, its hot substrings and
  (if cached) the term minus its last character, each then verified with a substring
  test on its normalised text.

Terms' bitmaps are cached (LRU), so the other terms of a query, and keystrokes that
leave a term alone, cost nothing. Terms combine with `&`, so `total` is one popcount.

Ranking (`rank`) scores every match when there are at most POOL, so the order is exact.
Past that (a very common term such as 的 or 中国), `total` stays exact but only POOL
articles are scored: those with every term in the title, newest first (looking through
at most TITLE_SCAN * POOL titles that hold the rarest term), then the newest of the rest.
"""

from __future__ import annotations

import sys
import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import compress, filterfalse, islice, repeat
from operator import contains

from tui.model import Library
from tui.search import bitset
from tui.search.align import align
from tui.search.build import (
    HOT_MOST,
    BuildCancelled,
    IndexData,
    ProgressCallback,
    StopCheck,
    build_data,
)
from tui.search.rank import idf, scores
from tui.search.segments import (
    FIRST_BLOCK,
    block_number,
    field_name,
    segment_text,
    segment_texts,
)
from tui.search.snippet import DEFAULT_WIDTH, Snippet, make_snippet
from tui.search.tokenize import SEPARATOR, is_exact, query_terms, term_codes

__all__ = ["POOL", "BuildCancelled", "Hit", "SearchIndex", "SearchResult"]

POOL = 60
TITLE_SCAN = 4
CACHE_SIZE = 256
HOT_SHORTEST, HOT_LONGEST = min(HOT_MOST), max(HOT_MOST)


@dataclass(frozen=True, slots=True)
class Hit:
    """One matching article, with what a result line shows."""

    article_id: str
    score: float
    snippet: Snippet
    title: str | None
    label: str  # the title, or the start of the text for an article without one
    section: str
    issue: str
    date: str | None  # the issue's date, YYYY-MM-DD


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str
    terms: list[str]  # the normalised terms the query was split into
    total: int  # how many articles match, however many hits were asked for
    hits: list[Hit]


class _Cache:
    """A small thread-safe LRU map from a term to its matches."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, term: str) -> int | None:
        with self._lock:
            bits = self._items.get(term)
            if bits is not None:
                self._items.move_to_end(term)
            return bits

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def put(self, term: str, bits: int) -> None:
        with self._lock:
            self._items[term] = bits
            self._items.move_to_end(term)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


class SearchIndex:
    """Every article of a library, searchable by exact normalised substrings."""

    def __init__(self, data: IndexData, snippet_width: int = DEFAULT_WIDTH) -> None:
        self._data = data
        self._size = len(data.docs)
        self._snippet_width = snippet_width
        self._positions = {entry.article.id: i for i, entry in enumerate(data.entries)}
        self._avg_len = max(sum(map(len, data.docs)) / max(self._size, 1), 1.0)
        self._cache = _Cache(CACHE_SIZE)

    @classmethod
    def build(
        cls,
        library: Library,
        on_progress: ProgressCallback | None = None,
        should_stop: StopCheck | None = None,
        *,
        snippet_width: int = DEFAULT_WIDTH,
    ) -> SearchIndex:
        """Index `library`. `on_progress(done, total)` is called every 1000 articles of each
        of the build's passes; `should_stop()` returning True raises BuildCancelled."""
        return cls(build_data(library, on_progress, should_stop), snippet_width)

    @property
    def article_count(self) -> int:
        return self._size

    def clear_cache(self) -> None:
        """Forget the cached matches of recent terms (benchmarks use it to start cold)."""
        self._cache.clear()

    # --- Matching ------------------------------------------------------------------

    def search(self, query: str, limit: int = 20) -> SearchResult:
        """The articles matching every term of `query`, best first; `limit=0`: all."""
        terms = query_terms(query)
        if not terms or not self._size:
            return SearchResult(query, terms, 0, [])
        per_term = [self.term_bits(term) for term in terms]
        matching = -1
        for bits in per_term:
            matching &= bits
        total = matching.bit_count()
        wanted = total if limit <= 0 else min(limit, total)
        if not wanted:
            return SearchResult(query, terms, total, [])
        idfs = [idf(bits.bit_count(), self._size) for bits in per_term]
        rarest = max(zip(idfs, terms, strict=True))[1]
        pool = self._pool(terms, rarest, matching, total, max(POOL, wanted))
        ranked = sorted(scores(self._data, pool, terms, idfs, self._avg_len))[:wanted]
        hits = [self._hit(i, -negative, terms) for negative, i in ranked]
        return SearchResult(query, terms, total, hits)

    def matching_ids(self, query: str) -> list[str]:
        """The ids of every article matching `query`, in ranking-tie order (newest first)."""
        terms = query_terms(query)
        if not terms or not self._size:
            return []
        matching = -1
        for term in terms:
            matching &= self.term_bits(term)
        return [self._data.entries[i].article.id for i in bitset.ids(matching, self._size)]

    def term_bits(self, term: str) -> int:
        """The articles with the normalised `term` inside one block, as a bitmap."""
        bits = self._cache.get(term)
        if bits is None:
            bits = self._find(term)
            self._cache.put(term, bits)
        return bits

    def _find(self, term: str) -> int:
        postings = self._data.postings
        codes = term_codes(term)
        if is_exact(term):
            return postings.bits(codes[0])
        hot = self._data.hot.get(term)
        if hot is not None:
            return hot
        known = -1  # a superset of the matches, as a bitmap
        for length in range(min(len(term) - 1, HOT_LONGEST), HOT_SHORTEST - 1, -1):
            for i in range(len(term) - length + 1):
                known &= self._data.hot.get(term[i : i + length], -1)
        prefix = self._cache.get(term[:-1])
        if prefix is not None:
            known &= prefix
        runs = []
        for code in codes:
            if postings.is_dense(code):
                known &= postings.bits(code)
            else:
                runs.append(postings.sparse(code))
        candidates = self._candidates(known, sorted(runs, key=len))
        docs = self._data.docs
        found = compress(candidates, map(contains, map(docs.__getitem__, candidates), repeat(term)))
        return bitset.from_ids(found, self._size)

    def _candidates(self, known: int, runs: list[Sequence[int]]) -> list[int]:
        """The ids in `known` and in every run (runs shortest first)."""
        if not runs:
            return list(bitset.ids(known, self._size) if known != -1 else range(self._size))
        candidates = runs[0]
        if len(runs) > 1 and candidates:
            keep = set(candidates)
            for run in runs[1:]:
                keep.intersection_update(run)
            candidates = list(compress(candidates, map(keep.__contains__, candidates)))
        if known != -1 and candidates:
            flags = bitset.flags(known, self._size)
            candidates = list(compress(candidates, map(flags.__getitem__, candidates)))
        return list(candidates)

    # --- Ranking -------------------------------------------------------------------

    def _pool(
        self, terms: list[str], rarest: str, matching: int, total: int, size: int
    ) -> list[int]:
        """The articles worth scoring: all of them, or `size` picked as the module says."""
        if total <= size:
            return list(bitset.ids(matching, self._size))
        chosen = self._title_ids(terms, rarest, size)
        if len(chosen) < size:
            taken = set(chosen)
            rest = filterfalse(taken.__contains__, bitset.ids(matching, self._size))
            chosen.extend(islice(rest, size - len(chosen)))
        return chosen

    def _title_ids(self, terms: list[str], lead: str, limit: int) -> list[int]:
        """The first `limit` ids of articles whose title holds every term, looking at no
        more than TITLE_SCAN * limit titles that hold `lead`."""
        titles, starts = self._data.titles, self._data.title_starts
        others = [term for term in terms if term is not lead]
        found: list[int] = []
        position = titles.find(lead)
        for _ in range(TITLE_SCAN * limit):
            if position < 0 or len(found) >= limit:
                break
            doc_id = bisect_right(starts, position) - 1
            end = starts[doc_id + 1] - 1
            title = titles[starts[doc_id] : end]
            if all(term in title for term in others):
                found.append(doc_id)
            position = titles.find(lead, end)
        return found

    # --- Presenting ----------------------------------------------------------------

    def _hit(self, doc_id: int, hit_score: float, terms: list[str]) -> Hit:
        entry = self._data.entries[doc_id]
        article = entry.article
        date = entry.issue.date
        return Hit(
            article_id=article.id,
            score=hit_score,
            snippet=self._snippet(doc_id, terms),
            title=article.title,
            label=article.label,
            section=entry.section.title,
            issue=entry.issue.title,
            date=date.isoformat() if date else None,
        )

    def _snippet(self, doc_id: int, terms: list[str]) -> Snippet:
        article = self._data.entries[doc_id].article
        doc = self._data.docs[doc_id]
        if len(terms) == 1:
            best, text = _first_segment_with(doc, terms[0])
        else:
            segments = doc.split(SEPARATOR)
            best = _best_segment(segments, terms)
            text = segments[best]
        spans = sorted(set(_occurrences(text, terms)))
        anchor = min(spans, key=lambda span: (span[0], -span[1]))
        alignment = align(segment_text(article, best), text)
        return make_snippet(
            alignment,
            anchor,
            spans,
            block_number(best),
            field_name(article, best),
            self._snippet_width,
        )

    def matches_in(self, article_id: str, query: str) -> list[tuple[int, int, int]]:
        """Every occurrence of every term of `query` in the article, as (block, start, end)
        in the original text: segment order (title, kicker, subtitle, byline, blocks),
        then by start. Each term's occurrences do not overlap one another. Block numbers
        are as in `Snippet.block`; an unknown article has none."""
        doc_id = self._positions.get(article_id)
        terms = query_terms(query)
        if doc_id is None or not terms:
            return []
        originals = segment_texts(self._data.entries[doc_id].article)
        found: list[tuple[int, int, int]] = []
        for segment, text in enumerate(self._data.docs[doc_id].split(SEPARATOR)):
            spans = sorted(set(_occurrences(text, terms)))
            if spans:
                alignment = align(originals[segment], text)
                block = block_number(segment)
                mapped = (alignment.to_original(*span) for span in spans)
                found.extend(dict.fromkeys((block, s, e) for s, e in mapped))
        return found

    # --- Size ----------------------------------------------------------------------

    def memory_bytes(self) -> int:
        """An estimate of the memory the index holds (not counting the library)."""
        data = self._data
        strings = sum(map(sys.getsizeof, data.docs)) + sum(map(sys.getsizeof, data.title_bounds))
        strings += sum(map(sys.getsizeof, data.heads.values())) + sys.getsizeof(data.titles)
        lists = sum(map(sys.getsizeof, (data.docs, data.title_bounds, data.entries, data.heads)))
        entries = self._size * (sys.getsizeof(data.entries[0]) if data.entries else 0)
        arrays = sum(a.buffer_info()[1] * a.itemsize for a in (data.title_ends, data.title_starts))
        bitmaps = sum(map(sys.getsizeof, data.hot.values())) + sys.getsizeof(data.hot)
        index = data.postings.nbytes() + sys.getsizeof(self._positions)
        return strings + lists + entries + arrays + bitmaps + index


def _first_segment_with(doc: str, term: str) -> tuple[int, str]:
    """`_best_segment` for one term, without splitting the article: the first block that
    holds it, else the first field above the blocks that does; and that segment's text."""
    blocks_start = 0
    for _ in range(FIRST_BLOCK):
        blocks_start = doc.find(SEPARATOR, blocks_start) + 1
        if not blocks_start:  # an article without blocks
            blocks_start = len(doc)
            break
    position = doc.find(term, blocks_start)
    if position < 0:
        position = doc.find(term)
    segment = doc.count(SEPARATOR, 0, position)
    start = doc.rfind(SEPARATOR, 0, position) + 1
    end = doc.find(SEPARATOR, position)
    return segment, doc[start : end if end >= 0 else len(doc)]


def _best_segment(segments: list[str], terms: list[str]) -> int:
    """The segment holding the most distinct terms; blocks before the title and fields
    above it (a result line shows the title anyway), earlier before later."""
    order = [*range(FIRST_BLOCK, len(segments)), *range(FIRST_BLOCK)]
    best, best_found = order[0], 0
    for segment in order:
        text = segments[segment]
        found = sum(term in text for term in terms) if text else 0
        if found > best_found:
            best, best_found = segment, found
            if found == len(terms):
                break
    return best


def _occurrences(text: str, terms: Iterable[str]) -> Iterator[tuple[int, int]]:
    """Each term's non-overlapping occurrences in `text`, as (start, end)."""
    for term in terms:
        start = text.find(term)
        while start >= 0:
            end = start + len(term)
            yield start, end
            start = text.find(term, end)
