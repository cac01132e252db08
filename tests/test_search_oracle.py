"""A brute-force reading of DESIGN.md's "what a match means", to check the index against."""

from __future__ import annotations

from tui.model import Article, Library
from tui.search.segments import segment_texts
from tui.text import normalise


def oracle_terms(query: str) -> list[str]:
    terms = [normalise(word) for word in query.split()]
    return [t for t in terms if t]


def article_matches(article: Article, terms: list[str]) -> bool:
    blocks = [normalise(text) for text in segment_texts(article) if text]
    return all(any(term in block for block in blocks) for term in terms)


def oracle(library: Library, query: str) -> set[str]:
    """The ids of the articles in which every term occurs inside one block."""
    terms = oracle_terms(query)
    if not terms:
        return set()
    return {a.id for a in library.articles() if article_matches(a, terms)}


def test_the_oracle_reads_the_definition_literally() -> None:
    from tui.library import load_library

    seed = load_library()
    (li,) = oracle(seed, "李静")
    assert seed.article(li).byline == "李 静"
    assert oracle(seed, "ＦＭＧ") == oracle(seed, "fmg") != set()
    assert oracle(seed, "   ") == set()
