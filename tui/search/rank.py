"""Which matches to score, and their BM25 over field-weighted term counts (BM25F-like).

`candidates` picks the articles worth scoring: every match when there are at most
`size`; else those with every term in the title, newest first (looking through at most
TITLE_SCAN * size titles that hold the rarest term, found in the titles' own postings),
then the newest of the rest.

A term's count in an article weighs each occurrence by where it is: the title counts
TITLE_WEIGHT times, the kicker, subtitle, column and subheads HEAD_WEIGHT times (a column
names a kind of article, as a kicker does), everything else (paragraphs, captions, byline)
once. An occurrence in the title that starts and ends on jieba word boundaries (the term
is one or more whole words there, not part of a longer word) adds WORD_BONUS. The
weighted count is saturated and length-normalised as in BM25 and multiplied by the term's
idf, where a term's document frequency is the exact number of articles it matches.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from itertools import compress, filterfalse, islice, takewhile

from tui.search import bitset
from tui.search.indexlayout import IndexView
from tui.search.postings import common_ids
from tui.search.termcache import Matches
from tui.search.tokenize import is_exact, term_codes
from tui.search.words import WORDS_WITHIN, is_word_aligned

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 5.0
HEAD_WEIGHT = 2.0
BODY_WEIGHT = 1.0
WORD_BONUS = 2.0
TITLE_SCAN = 4

# The rarest term, with its own matches' ids and where it first occurs in each, if known.
Lead = tuple[str, Sequence[int] | None, Sequence[int] | None]


def idf(matching: int, total: int) -> float:
    """BM25's idf of a term found in `matching` of `total` articles (always positive)."""
    return math.log(1.0 + (total - matching + 0.5) / (matching + 0.5))


def scores(
    data: IndexView,
    doc_ids: Iterable[int],
    terms: Sequence[str],
    idfs: Sequence[float],
    avg_len: float,
) -> list[tuple[float, int]]:
    """(-score, id) of each article, ready to sort best first, ties to the smaller id."""
    text, title_ends, heads, bounds = data.docs.text, data.title_ends, data.heads, data.title_bounds
    base, slope = K1 * (1.0 - B), K1 * B / avg_len
    weighted = list(zip(terms, idfs, strict=True))
    ranked = []
    for doc_id in doc_ids:
        doc, title_end, head = text(doc_id), title_ends[doc_id], heads.get(doc_id)
        length_norm = base + slope * len(doc)
        total = 0.0
        for term, weight in weighted:
            everywhere = doc.count(term)
            in_title = doc.count(term, 0, title_end) if title_end else 0
            in_heads = head.count(term) if head else 0
            tf = (
                TITLE_WEIGHT * in_title
                + HEAD_WEIGHT * in_heads
                + BODY_WEIGHT * (everywhere - in_title - in_heads)
            )
            if in_title and _word_in_title(doc, title_end, bounds[doc_id], term):
                tf += WORD_BONUS
            total += weight * tf * (K1 + 1.0) / (tf + length_norm)
        ranked.append((-total, doc_id))
    return ranked


def _word_in_title(doc: str, title_end: int, bounds: str, term: str) -> bool:
    # Only the title's first WORDS_WITHIN characters have word boundaries: a headline of a
    # million characters is not walked match by match past them.
    end = min(title_end, WORDS_WITHIN)
    start = doc.find(term, 0, end)
    while start >= 0:
        if is_word_aligned(bounds, start, start + len(term)):
            return True
        start = doc.find(term, start + 1, end)
    return False


def candidates(
    data: IndexView,
    terms: list[str],
    lead: Lead,
    matches: Matches,
    size: int,
) -> list[int]:
    """The ids worth scoring among the articles `matches` of all the `terms`, as the module
    says; `lead` is the rarest term."""
    bits, ids = matches.bits, matches.ids
    total = bits.bit_count()
    if total <= size:
        return list(ids) if ids is not None else bitset.smallest(bits, total)
    chosen = _title_ids(data, terms, lead, bits, size)
    if len(chosen) < size:
        taken = set(chosen)
        first = ids[:size] if ids is not None else bitset.smallest(bits, size)
        chosen.extend(islice(filterfalse(taken.__contains__, first), size - len(chosen)))
    return chosen


def _title_ids(
    data: IndexView,
    terms: list[str],
    lead: Lead,
    matching: int,
    limit: int,
) -> list[int]:
    """The first `limit` ids of articles whose title holds every term, looking at no more
    than TITLE_SCAN * limit titles that hold the lead term."""
    term, ids, firsts = lead
    with_lead: Iterator[int]
    if ids is not None and firsts is not None:
        # A term in the title first occurs there: the title comes first in an article.
        ends = map(data.title_ends.__getitem__, ids)
        with_lead = compress(ids, map(int.__lt__, firsts, ends))
    else:  # no title past the last match's can hold every term
        with_lead = _titles_with(data, term, matching.bit_length())
    scanned = islice(with_lead, TITLE_SCAN * limit)
    others = [other for other in terms if other is not term]
    if not others:
        return _among(list(islice(scanned, limit)), matching, len(data.docs))
    titles, starts = str(data.titles), data.title_starts  # decoded once
    found: list[int] = []
    for doc_id in scanned:
        start, end = starts[doc_id], starts[doc_id + 1] - 1
        for other in others:
            if titles.find(other, start, end) < 0:
                break
        else:
            found.append(doc_id)
            if len(found) >= limit:
                break
    return _among(found, matching, len(data.docs))


def _among(ids: list[int], matching: int, size: int) -> list[int]:
    """`ids` less those not in `matching`. A title that holds every term is one of the
    matches, unless a crafted index's titles disagree with its postings."""
    if not bitset.from_few_ids(ids, size) & ~matching:
        return ids
    return [doc_id for doc_id in ids if matching >> doc_id & 1]


def _titles_with(data: IndexView, term: str, end: int) -> Iterator[int]:
    """The ids below `end` of the articles whose title holds `term`, ascending: those
    filed under its keys in the titles' postings (exactly them for a term of one or two
    units, else tested in the joined titles)."""
    size = len(data.docs)
    known, runs = data.title_postings.keyed(term_codes(term))
    held = common_ids(runs, known, size) if runs else bitset.ids(known, size)
    below = takewhile(end.__gt__, held)
    if is_exact(term):
        return below
    titles, starts = str(data.titles), data.title_starts  # decoded once
    return (i for i in below if titles.find(term, starts[i], starts[i + 1] - 1) >= 0)
