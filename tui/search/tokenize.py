"""Queries into terms; texts into their normalised form and the keys they are filed under.

A query is split on whitespace and each term normalised like the text it is matched
against (`tui.core.text.normalise`). A normalised text is filed under every UTF-16 code unit
and every pair of neighbouring units it contains: for the BMP (all of Chinese in
practice) a unit is a character, and a substring test on units is a substring test on
characters, as UTF-16 never matches a surrogate half against a whole character. The
units come out of `str.encode` and `memoryview.cast` in C: a pair of units `a, b` is the
32-bit code `a | b << 16`, a lone unit is its value, below 2**16.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from tui.core.text import normalise
from tui.search.filters import is_filter

# Normalised block texts are joined with this: normalising turns every whitespace run into
# "" or " ", so it never occurs inside a block, nor inside a term (split on whitespace).
SEPARATOR = "\n"
# Joins original blocks for normalising one article in one call; never in clean text.
_JOINER = "\x00"


def query_terms(query: str) -> list[str]:
    """The query's distinct normalised terms, in order; terms that normalise to "" are
    dropped, and so are its filters (`date:2019-02`: see `filters`)."""
    terms: list[str] = []
    for word in query.split():
        if is_filter(word):
            continue
        term = normalise(word)
        if term and term not in terms:
            terms.append(term)
    return terms


@cache
def _compatibility() -> tuple[dict[str, str], re.Pattern[str]]:
    """Each BMP character that NFKC changes, mapped to its NFKC form; and a pattern that
    splits a text around such characters.

    Replacing characters by their NFKC forms leaves the NFKC form of the whole text
    unchanged (both have the same compatibility decomposition), and the result usually
    passes NFKC's quick check, which is much faster than normalising full-width
    punctuation character by character.
    """
    table: dict[str, str] = {}
    for code in range(0xA0, 0x10000):
        if 0xD800 <= code < 0xE000:
            continue
        ch = chr(code)
        folded = unicodedata.normalize("NFKC", ch)
        if folded != ch:
            table[ch] = folded
    return table, re.compile(f"([{''.join(map(re.escape, table))}])")


def compatibility_fold(text: str) -> str:
    """`text` with each character of `_compatibility`'s table replaced, as `str.translate`
    would, but 4-5 times as fast on Chinese text: translate looks every character up in
    a dict, where the regex engine finds the few to replace (full-width punctuation)."""
    table, pattern = _compatibility()
    parts = pattern.split(text)
    parts[1::2] = map(table.__getitem__, parts[1::2])
    return "".join(parts)


def normalise_blocks(texts: list[str]) -> list[str]:
    """`[normalise(t) for t in texts]`, faster: one call for all of them."""
    joined = _JOINER.join(texts)
    if joined.count(_JOINER) != len(texts) - 1:
        return [normalise(t) for t in texts]
    folded = normalise(compatibility_fold(joined))
    # A whitespace run next to the joiner became " " where a block's end would drop it.
    folded = folded.replace(" " + _JOINER, _JOINER).replace(_JOINER + " ", _JOINER)
    blocks = folded.split(_JOINER)
    if len(blocks) != len(texts):  # not expected; never trade correctness for speed
        return [normalise(t) for t in texts]
    return blocks


def units(text: str) -> memoryview:
    """The UTF-16 code units of `text`."""
    return memoryview(text.encode("utf-16-le", "surrogatepass")).cast("H")


def text_codes(text: str) -> set[int]:
    """The code of every unit and every pair of neighbouring units of `text`: what a text
    is filed under. `postings.build_postings` computes the same for many texts at once."""
    data = text.encode("utf-16-le", "surrogatepass")
    count = len(data) // 2
    codes = set(memoryview(data).cast("H"))
    if count >= 2:
        codes.update(memoryview(data[: 4 * (count // 2)]).cast("I"))
        codes.update(memoryview(data[2 : 2 + 4 * ((count - 1) // 2)]).cast("I"))
    return codes


def term_codes(term: str) -> list[int]:
    """The codes a term's matches are all filed under: its unit for a one-unit term, its
    pair for a two-unit term, and each distinct pair of a longer one."""
    u = units(term)
    if len(u) == 1:
        return [u[0]]
    return list(dict.fromkeys(u[i] | u[i + 1] << 16 for i in range(len(u) - 1)))


def is_exact(term: str) -> bool:
    """Whether the posting list of `term_codes(term)` is exactly the term's matches.

    True for one or two units, except a pair ending in U+0000, whose code would be
    that of its first unit alone (clean text never has U+0000).
    """
    u = units(term)
    return len(u) == 1 or (len(u) == 2 and u[1] != 0)
