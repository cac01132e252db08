"""A brute-force reading of DESIGN.md's "what a match means", to check the index against."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import opencc

from tui.core.model import Article, Block, Issue, Library, Section
from tui.core.text import is_cjk

_T2S = opencc.OpenCC("t2s")


@cache
def _simplified(ch: str) -> str:
    """OpenCC's Simplified form of one character, where it is one character."""
    converted = _T2S.convert(ch)
    return converted if len(converted) == 1 else ch


def folded(text: str) -> str:
    """The definition's normal form, read literally: NFKC and casefold, then each
    Traditional character as OpenCC's t2s gives it alone (until it no longer changes),
    then the whitespace rule. Not NFKC again: casefold can leave what NFKC would compose
    (ß with an acute accent folds to s, s and the accent; composed, the second s is ś)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    out = []
    for ch in text:
        while (simplified := _simplified(ch)) != ch:
            ch = simplified
        out.append(ch)
    return _SPACES.sub(_space_or_nothing, "".join(out))


_SPACES = re.compile(r"\s+")


def _space_or_nothing(m: re.Match[str]) -> str:
    """A run of whitespace: gone at either end and where it touches CJK, else one space."""
    text, start, end = m.string, m.start(), m.end()
    if start == 0 or end == len(text) or is_cjk(text[start - 1]) or is_cjk(text[end]):
        return ""
    return " "


def oracle_terms(query: str) -> list[str]:
    terms = [folded(word) for word in query.split()]
    return [t for t in terms if t]


def article_blocks(article: Article) -> list[str]:
    """Every text block of an article, as the definition lists them: its title, kicker,
    subtitle, byline, column, and each paragraph, subhead and caption."""
    fields = (article.title, article.kicker, article.subtitle, article.byline, article.column)
    return [text for text in fields if text] + [block.text for block in article.blocks]


def article_matches(article: Article, terms: list[str]) -> bool:
    blocks = [folded(text) for text in article_blocks(article)]
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


def test_the_oracle_reads_the_column_as_a_block_of_its_own() -> None:
    blocks = (Block("paragraph", "正文"),)
    article = Article("a", "article", "讲好文创的时代故事", blocks, column="新语")
    library = Library((Issue("i", "i", None, (Section("s", "s", "p", (article,)),)),))
    assert oracle(library, "新语") == {"a"}
    assert oracle(library, "新语 正文") == {"a"}
    assert oracle(library, "语正") == set()  # across the column and the paragraph
