"""BM25 over field-weighted term counts (a BM25F-like score).

A term's count in an article weighs each occurrence by where it is: the title counts
TITLE_WEIGHT times, the kicker, subtitle and subheads HEAD_WEIGHT times, everything else
(paragraphs, captions, byline) once. An occurrence in the title that starts and ends on
jieba word boundaries (the term is one or more whole words there, not part of a longer
word) adds WORD_BONUS. The weighted count is saturated and length-normalised as in BM25
and multiplied by the term's idf, where a term's document frequency is the exact number
of articles it matches.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from tui.search.build import IndexData
from tui.search.words import is_word_aligned

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 5.0
HEAD_WEIGHT = 2.0
BODY_WEIGHT = 1.0
WORD_BONUS = 2.0


def idf(matching: int, total: int) -> float:
    """BM25's idf of a term found in `matching` of `total` articles (always positive)."""
    return math.log(1.0 + (total - matching + 0.5) / (matching + 0.5))


def scores(
    data: IndexData,
    doc_ids: Iterable[int],
    terms: Sequence[str],
    idfs: Sequence[float],
    avg_len: float,
) -> list[tuple[float, int]]:
    """(-score, id) of each article, ready to sort best first, ties to the smaller id."""
    docs, title_ends, heads, bounds = data.docs, data.title_ends, data.heads, data.title_bounds
    base, slope = K1 * (1.0 - B), K1 * B / avg_len
    weighted = list(zip(terms, idfs, strict=True))
    ranked = []
    for doc_id in doc_ids:
        doc, title_end, head = docs[doc_id], title_ends[doc_id], heads.get(doc_id)
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
    start = doc.find(term, 0, title_end)
    while start >= 0:
        if is_word_aligned(bounds, start, start + len(term)):
            return True
        start = doc.find(term, start + 1, title_end)
    return False
