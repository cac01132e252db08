"""The search index: exact substring matching, BM25-like ranking, snippets; searched in
its file's bytes, mapped (`indexfile.load`) or in memory (an index just built is encoded
as its file would be: one way of searching).

A term's matches are a bitmap of article ids (`bitset`), found so:

- one character (one UTF-16 unit): its posting list, exact;
- two characters: the posting list of the pair, exact;
- three or more: an exact bitmap if it is a hot term (see `build`); otherwise the
  candidates are the articles holding all its character pairs, its hot substrings and
  (if cached) the term minus its last character, each then verified with a substring
  test on its normalised text. Testing notes where the term first occurs in each text
  and the few characters after it, so that the next keystroke (the term one character
  longer) mostly reads those characters instead of searching the texts again.

Terms' matches are cached (LRU), so the other terms of a query, and keystrokes that
leave a term alone, cost nothing. Terms combine with `&`, so `total` is one popcount.
Where a term's matches came as ids (a sparse posting list, or verified candidates), the
ids are kept too: picking the articles to score then needs no pass over a bitmap.

Ranking (`rank`) scores every match when there are at most POOL, so the order is exact.
Past that (a very common term such as 的 or 中国), `total` stays exact but only POOL
articles are scored: those with every term in the title, newest first (looking through
at most `rank.TITLE_SCAN` * POOL titles that hold the rarest term), then the newest of
the rest.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import cached_property
from itertools import compress, islice, repeat
from operator import getitem, not_

from tui.core.model import Library
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
from tui.search.filters import FilterColumns, Marks, parse_query
from tui.search.indexfile import IndexView, view_of
from tui.search.pinyin import PinyinMatcher, pinyin_query
from tui.search.places import Places
from tui.search.postings import common_ids
from tui.search.rank import candidates, idf, scores
from tui.search.results import Hit, SearchResult, make_hit
from tui.search.segments import block_number, segment_texts
from tui.search.snippet import DEFAULT_WIDTH, occurrences
from tui.search.termcache import Matches, TermCache
from tui.search.tokenize import SEPARATOR, is_exact, query_terms, term_codes
from tui.search.views import Strings

__all__ = ["POOL", "BuildCancelled", "Hit", "SearchIndex", "SearchResult"]

POOL = 60
CACHE_SIZE = 256
HOT_SHORTEST, HOT_LONGEST = min(HOT_MOST), max(HOT_MOST)
NOWHERE = -1  # str.find's answer when a term is not there
# Testing a term where its prefix starts is cheap: its candidates are narrowed down by the
# articles its pairs and hot substrings rule out only from this many on.
NARROW_LEAST = 512
TAIL = 8  # characters kept after a term's first occurrence in each text


class SearchIndex:
    """Every article of a library, searchable by exact normalised substrings."""

    def __init__(self, data: IndexData | IndexView, snippet_width: int = DEFAULT_WIDTH) -> None:
        """The index `indexfile.load` read, or one just built (as its file would be read:
        one way of searching)."""
        if isinstance(data, IndexData):
            data = view_of(data)
        self._data = data
        self._size = len(data.docs)
        self._snippet_width = snippet_width
        self._positions: dict[str, int] | None = None  # by id, in memory: made when first asked
        self._avg_len = max(data.docs.characters() / max(self._size, 1), 1.0)
        self._cache = TermCache(CACHE_SIZE)

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

    @property
    def index_file(self) -> IndexView:
        """What the index searches: its file's bytes (`indexfile.verify` checks them)."""
        return self._data

    def clear_cache(self) -> None:
        """Forget the cached matches of recent terms (benchmarks use it to start cold)."""
        self._cache.clear()

    # --- Matching ------------------------------------------------------------------

    def search(
        self,
        query: str,
        limit: int = 20,
        *,
        snippet_width: int | None = None,
        marks: Marks | None = None,
    ) -> SearchResult:
        """The articles matching every term of `query` that its filters let through
        (`filters`: `is:` asks `marks`), best first; then, for a query of Latin letters,
        those whose headline reads so in pinyin (`pinyin`), newest first; a filter alone
        lists its articles newest first. `limit=0`: all. Snippets are `snippet_width`
        cells wide (else the width the index was made with)."""
        parsed = parse_query(query)
        terms, problems = query_terms(parsed.terms), parsed.problems
        width = snippet_width or self._snippet_width
        if not self._size or not (terms or parsed.filters):
            return SearchResult(query, terms, 0, [], problems)
        allowed = self._columns.bits(parsed.filters, marks) if parsed.filters else -1
        if not terms:
            return self._listed(query, allowed, limit, width, problems)
        result = self._ranked(query, terms, allowed, limit, width, problems)
        letters = pinyin_query(parsed.terms)
        if letters is None:
            return result
        return self._with_pinyin(result, letters, allowed, limit, width)

    def _ranked(
        self,
        query: str,
        terms: list[str],
        allowed: int,
        limit: int,
        width: int,
        problems: tuple[str, ...],
    ) -> SearchResult:
        """The articles holding every term, of those `allowed` (-1: all), best first."""
        per_term = [self._matches(term) for term in terms]
        matching = allowed
        for matches in per_term:
            matching &= matches.bits
        total = matching.bit_count()
        wanted = total if limit <= 0 else min(limit, total)
        if not wanted:
            return SearchResult(query, terms, total, [], problems)
        idfs = [idf(matches.bits.bit_count(), self._size) for matches in per_term]
        rarest = max(zip(idfs, terms, strict=True))[1]
        ids = per_term[0].ids if len(terms) == 1 and allowed == -1 else None
        lead = per_term[terms.index(rarest)]
        size = max(POOL, wanted)
        pool = candidates(
            self._data, terms, (rarest, lead.ids, lead.starts), Matches(matching, ids), size
        )
        ranked = sorted(scores(self._data, pool, terms, idfs, self._avg_len))[:wanted]
        hits = [self._hit(i, -negative, terms, width) for negative, i in ranked]
        return SearchResult(query, terms, total, hits, problems)

    def _with_pinyin(
        self, result: SearchResult, letters: str, allowed: int, limit: int, width: int
    ) -> SearchResult:
        """`result`, then those found only by pinyin, newest first, as many as `limit`
        leaves room for."""
        exact = allowed
        for term in result.terms:
            exact &= self.term_bits(term)
        found = self._pinyin.matches(letters, allowed) & ~exact
        room = limit - len(result.hits) if limit > 0 else None
        hits = [
            make_hit(self._data, i, 0.0, [], width, self._pinyin.span(i, letters))
            for i in islice(bitset.ids(found, self._size), room)
        ]
        total = result.total + found.bit_count()
        return replace(result, total=total, hits=[*result.hits, *hits])

    @cached_property
    def _pinyin(self) -> PinyinMatcher:
        return PinyinMatcher(self._data, self._size)

    @cached_property
    def _columns(self) -> FilterColumns:  # for the first filter
        return FilterColumns(Places.of(self._data.entries), self._data.ids)

    def _listed(
        self, query: str, allowed: int, limit: int, width: int, problems: tuple[str, ...]
    ) -> SearchResult:
        """The articles the filters let through, newest first (their ids' order)."""
        shown = islice(bitset.ids(allowed, self._size), limit if limit > 0 else None)
        hits = [self._hit(i, 0.0, [], width) for i in shown]
        return SearchResult(query, [], allowed.bit_count(), hits, problems)

    def matching_ids(self, query: str) -> list[str]:
        """Every article matching `query`'s terms or pinyin (not its filters), newest first."""
        terms = query_terms(query)
        if not terms or not self._size:
            return []
        matching = -1
        for term in terms:
            matching &= self.term_bits(term)
        if (letters := pinyin_query(parse_query(query).terms)) is not None:
            matching |= self._pinyin.matches(letters)
        return [self._data.ids[i] for i in bitset.ids(matching, self._size)]

    def term_bits(self, term: str) -> int:
        """The articles with the normalised `term` inside one block, as a bitmap."""
        return self._matches(term).bits

    def _matches(self, term: str) -> Matches:
        matches = self._cache.get(term)
        if matches is None:
            matches = self._find(term)
            self._cache.put(term, matches)
        return matches

    def _find(self, term: str) -> Matches:
        postings = self._data.postings
        codes = term_codes(term)
        if is_exact(term):
            if postings.is_dense(codes[0]):
                return Matches(postings.bits(codes[0]))
            run = postings.sparse(codes[0])
            return Matches(self._bitmap(run), run)
        hot = self._data.hot.get(term)
        if hot is not None:
            return Matches(hot)
        ids, bits, prefix = self._candidates(term, codes)
        found, tails = self._first_occurrences(term, ids, prefix)
        if min(found, default=0) >= 0:
            return Matches(bits if bits is not None else self._bitmap(ids), ids, found, tails)
        kept = list(map(NOWHERE.__lt__, found))
        matching = list(compress(ids, kept))
        if bits is not None and (len(ids) - len(matching)) * 32 <= self._size:
            missing = compress(ids, map(not_, kept))
            bits ^= bitset.from_few_ids(missing, self._size)
        else:
            bits = self._bitmap(matching)
        return Matches(bits, matching, list(compress(found, kept)), list(compress(tails, kept)))

    def _first_occurrences(
        self, term: str, ids: Sequence[int], prefix: tuple[list[int], list[bytes]] | None
    ) -> tuple[list[int], list[bytes]]:
        """Where `term` first occurs in the text of each of `ids` (negative if it does not),
        and the tail after it (UTF-16-LE); `prefix` is where the term minus its last
        character first occurs in each, and the tail after that, if known."""
        docs, length = self._data.docs, len(term)
        if prefix is None:
            return docs.first(ids, term, TAIL)
        starts, after = prefix
        found = list(starts)
        last = term[-1].encode("utf-16-le", "surrogatepass")
        tails = list(map(getitem, after, repeat(slice(len(last), None))))
        if "\ud800" <= term[-1] <= "\udfff":  # half of a pair in UTF-16: no shortcut
            elsewhere: Iterable[bool] = repeat(True)
        else:
            elsewhere = map(not_, map(bytes.startswith, after, repeat(last)))
        for i in compress(range(len(found)), elsewhere):
            doc_id, start = ids[i], found[i]
            # An empty tail was used up, or the text ends there.
            at = start if not after[i] and docs.startswith(doc_id, term, start) else NOWHERE
            if at == NOWHERE:
                at = docs.find(doc_id, term, start + 1)
            found[i] = at
            tails[i] = docs.tail(doc_id, at + length, TAIL) if at >= 0 else b""
        return found, tails

    def _candidates(
        self, term: str, codes: list[int]
    ) -> tuple[Sequence[int], int | None, tuple[list[int], list[bytes]] | None]:
        """Ascending ids of a superset of the matches of a term of 3+ units: those holding
        all its pairs, its hot substrings and (if cached) the term minus its last unit;
        with their bitmap, and the prefix's starts and tails, where they are at hand."""
        known = -1  # as a bitmap
        for length in range(min(len(term) - 1, HOT_LONGEST), HOT_SHORTEST - 1, -1):
            for i in range(len(term) - length + 1):
                known &= self._data.hot.get(term[i : i + length], -1)
        dense, runs = self._data.postings.keyed(codes)
        known &= dense
        prefix = self._cache.get(term[:-1])
        if prefix is not None and prefix.starts is not None:
            return self._narrowed(prefix, runs, known)
        if prefix is not None:
            known &= prefix.bits
        if not runs:
            if known == -1:
                return range(self._size), None, None
            if known.bit_count() <= self._size // 16:
                return bitset.smallest(known, self._size), known, None
            return list(bitset.ids(known, self._size)), known, None
        candidates = common_ids(runs, known, self._size)
        # The prefix's ids and no starts: an exact pair, whose run, if it is the only one,
        # is already in `known`, so the candidates are exactly `known`.
        own = prefix is not None and prefix.ids is not None and len(runs) == 1
        return candidates, known if own and term_codes(term[:-1]) == codes[:1] else None, None

    def _narrowed(
        self, prefix: Matches, runs: list[Sequence[int]], known: int
    ) -> tuple[Sequence[int], int | None, tuple[list[int], list[bytes]]]:
        """The prefix's matches, with its starts and tails (testing the term there is
        cheap), less those missing from the runs shorter than them, or from `known` if
        enough are missing from it to pay for looking."""
        ids: Sequence[int] = prefix.ids or ()
        bits: int | None = prefix.bits
        starts, tails = prefix.starts or [], prefix.tails or []
        for run in runs:
            if len(run) >= len(ids):
                break
            keep = set(run)
            ids, starts, tails = _kept(list(map(keep.__contains__, ids)), ids, starts, tails)
            bits = None
        if bits is None:
            worth = len(ids) >= NARROW_LEAST
        else:
            worth = known != -1 and (bits & ~known).bit_count() >= NARROW_LEAST // 8
        if worth and known != -1:
            flags = bitset.flags(known, self._size)
            ids, starts, tails = _kept([flags[i] for i in ids], ids, starts, tails)
            bits = None if bits is None else bits & known
        return ids, bits, (starts, tails)

    def _bitmap(self, ids: Sequence[int]) -> int:
        if len(ids) * 32 <= self._size:
            return bitset.from_few_ids(ids, self._size)
        return bitset.from_ids(ids, self._size)

    # --- Presenting ----------------------------------------------------------------

    def _hit(self, doc_id: int, hit_score: float, terms: list[str], width: int) -> Hit:
        return make_hit(self._data, doc_id, hit_score, terms, width)

    def matches_in(self, article_id: str, query: str) -> list[tuple[int, int, int]]:
        """Every occurrence of every term of `query` in the article, as (block, start, end)
        in the original text: segment order (title, kicker, subtitle, byline, column, blocks),
        then by start. Each term's occurrences do not overlap one another. Block numbers
        are as in `Snippet.block`; an unknown article has none."""
        doc_id = self._doc_id(article_id)
        terms = query_terms(query)
        if doc_id is None or not terms:
            return []
        originals = segment_texts(self._data.entries[doc_id].article)
        found: list[tuple[int, int, int]] = []
        segments = self._data.docs[doc_id].split(SEPARATOR)
        # More segments than the article has: a crafted index file, whose text is not this
        # article's (a sound one never is). Its matches would point at nothing.
        for segment, text in enumerate(segments[: len(originals)]):
            spans = sorted(set(occurrences(text, terms)))
            if spans:
                alignment = align(originals[segment], text)
                block = block_number(segment)
                mapped = (alignment.to_original(*span) for span in spans)
                found.extend(dict.fromkeys((block, s, e) for s, e in mapped))
        return found

    def _doc_id(self, article_id: str) -> int | None:
        ids = self._data.ids
        if isinstance(ids, Strings):  # in the file: found in its bytes, the others not decoded
            return ids.position(article_id)
        if self._positions is None:
            self._positions = dict(zip(ids, range(self._size), strict=True))
        return self._positions.get(article_id)

    # --- Size ----------------------------------------------------------------------

    def memory_bytes(self) -> int:
        """An estimate of the memory the index holds of its own (not counting the library,
        nor its file's bytes, mapped and shared, or in memory)."""
        data = self._data
        listed_ids = isinstance(data.ids, list)  # else decoded from the file when asked for
        ids = sum(map(sys.getsizeof, data.ids)) + sys.getsizeof(data.ids) if listed_ids else 0
        listed = isinstance(data.entries, list) and data.entries  # else read on demand
        entries = self._size * sys.getsizeof(data.entries[0]) if listed else 0
        bitmaps = sum(p.made_bytes() for p in (data.hot, data.postings, data.title_postings))
        index = sys.getsizeof(self._positions) if self._positions is not None else 0
        return ids + entries + bitmaps + index + data.titles.decoded_bytes()


def _kept(
    flags: Sequence[object], ids: Sequence[int], starts: list[int], tails: list[bytes]
) -> tuple[list[int], list[int], list[bytes]]:
    """The ids, starts and tails whose flag is true."""
    return list(compress(ids, flags)), list(compress(starts, flags)), list(compress(tails, flags))
