"""Generated libraries and queries: the index finds exactly what a brute-force scan finds."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_search_oracle import oracle
from tests.test_search_pinyin import pinyin_oracle
from tui.core.model import Article, Block, Issue, Library, Section
from tui.core.text import normalise
from tui.search import SearchIndex, termcache
from tui.search import index as index_module
from tui.search.align import align
from tui.search.tokenize import normalise_blocks

# CJK, Latin, digits, spaces (ASCII and ideographic), full-width forms, and a few
# characters whose normal form is longer or shorter ("ß", "ﬁ", "e" + combining acute).
ALPHABET = "中国人民大会北京新闻山西的了一 aAbB12 ０１ＡＢａｂ\u3000ß ﬁé\u0301"
texts = st.text(alphabet=ALPHABET, max_size=24)
settings.register_profile(
    "search", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("search")


@st.composite
def articles(draw: st.DrawFn, number: int) -> Article:
    blocks = draw(st.lists(texts, min_size=0, max_size=3))
    kinds = draw(st.lists(st.sampled_from(["paragraph", "subhead", "caption"]), min_size=3))
    return Article(
        id=f"a{number}",
        kind="article",
        title=draw(st.none() | texts),
        blocks=tuple(Block(kinds[i % 3], text) for i, text in enumerate(blocks)),  # type: ignore[arg-type]
        kicker=draw(st.none() | texts),
        subtitle=draw(st.none() | texts),
        byline=draw(st.none() | texts),
        column=draw(st.none() | texts),
    )


@st.composite
def libraries(draw: st.DrawFn) -> Library:
    issues = []
    number = 0
    for i in range(draw(st.integers(1, 3))):
        count = draw(st.integers(0, 5))
        section_articles = tuple(draw(articles(number + k)) for k in range(count))
        number += count
        date = draw(st.none() | st.dates(dt.date(2017, 1, 1), dt.date(2022, 12, 31)))
        section = Section(f"s{i}", f"第{i}版", f"p{i}.txt", section_articles)
        issues.append(Issue(f"i{i}", f"issue {i}", date, (section,)))
    return Library(tuple(issues))


def pieces(library: Library) -> list[str]:
    """Substrings of the library's texts, which make queries likely to match."""
    found = []
    for article in library.articles():
        heads = (article.title, article.byline, article.column)
        for text in (*heads, *(b.text for b in article.blocks)):
            if text and len(text) > 1:
                found += [text[: len(text) // 2], text[len(text) // 3 :], text[1:3]]
    return found or ["中"]


@given(st.data())
def test_generated_queries_find_what_a_scan_finds(data: st.DataObject) -> None:
    library = data.draw(libraries())
    index = SearchIndex.build(library)
    from_texts = st.sampled_from(pieces(library))
    for _ in range(6):
        words = data.draw(st.lists(from_texts | texts, min_size=0, max_size=3))
        query = data.draw(st.sampled_from([" ", "\u3000", "  "])).join(words)
        # A query of Latin letters finds headlines that read so in pinyin too (issue 19).
        expected = pinyin_oracle(library, query)
        result = index.search(query, limit=0)
        assert result.total == len(expected)
        assert {hit.article_id for hit in result.hits} == expected
        assert set(index.matching_ids(query)) == oracle(library, query)
        assert len(index.search(query, limit=2).hits) == min(2, len(expected))


@given(st.lists(st.text(max_size=12), min_size=1, max_size=5))
def test_normalising_blocks_together_equals_normalising_each(blocks: list[str]) -> None:
    assert normalise_blocks(blocks) == [normalise(text) for text in blocks]


@given(st.text(alphabet=ALPHABET + "\t\n\u00a0Ａ", max_size=30), st.data())
def test_alignment_maps_normalised_spans_back_to_their_source(
    original: str, data: st.DataObject
) -> None:
    alignment = align(original)
    normalised = alignment.normalised
    assert normalised == normalise(original)
    if not normalised:
        return
    start = data.draw(st.integers(0, len(normalised) - 1))
    end = data.draw(st.integers(start + 1, len(normalised)))
    first, last = alignment.to_original(start, end)
    assert 0 <= first < last <= len(original)
    # A span's own edge spaces are dropped when it is normalised alone.
    assert normalised[start:end].strip(" ") in normalise(original[first:last])


def test_alignment_of_length_changing_text() -> None:
    original = "李 静 说：Straße ﬁle ＦＭＧ"
    alignment = align(original)
    text = alignment.normalised
    for term in ("李静", "strasse", "file", "fmg", "ss"):
        start = text.index(term)
        first, last = alignment.to_original(start, start + len(term))
        assert term in normalise(original[first:last])
    first, last = alignment.to_original(text.index("fmg"), text.index("fmg") + 3)
    assert original[first:last] == "ＦＭＧ"
    first, last = alignment.to_original(0, 2)
    assert original[first:last] == "李 静"


def test_a_composed_accent_maps_to_base_and_mark() -> None:
    original = "cafe\u0301 x"
    alignment = align(original)
    assert alignment.normalised == unicodedata.normalize("NFKC", original)
    start = alignment.normalised.index("é")
    assert alignment.to_original(start, start + 1) == (3, 5)


# Enough articles, most written with a few characters of their own, that many pairs are
# in few of them: the index then keeps their ids, and terms typed a character at a time
# go through every way of narrowing down a term from the one before it (the knobs make
# the thresholds kick in early).
WIDE_ALPHABET = ALPHABET + "东南西北上下左右前后 \U00020000\U0001f600ⅡⅠ·…xyz"


@st.composite
def large_libraries(draw: st.DrawFn) -> Library:
    count = draw(st.integers(48, 64))
    # Three articles share a few characters; some write with the same few throughout.
    alphabets = [
        "".join(draw(st.lists(st.sampled_from(WIDE_ALPHABET), min_size=2, max_size=4)))
        for _ in range(count // 3 + 1)
    ]
    alphabets[1::4] = ["中国人 "] * len(alphabets[1::4])

    def text(k: int) -> str:
        return draw(st.text(alphabet=alphabets[k // 3], min_size=1, max_size=40))

    section_articles = tuple(
        Article(f"a{k}", "article", text(k), (Block("paragraph", text(k)),)) for k in range(count)
    )
    section = Section("s", "第1版", "p.txt", section_articles)
    return Library((Issue("i", "issue", dt.date(2020, 1, 1), (section,)),))


KNOBS = (  # index: NARROW_LEAST, TAIL, POOL; termcache: LISTS_KEPT
    (512, 8, 60, 8),
    (1, 1, 3, 1),
    (2, 3, 3, 2),
)


@contextmanager
def turned(knobs: tuple[int, int, int, int]) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in zip(("NARROW_LEAST", "TAIL", "POOL"), knobs[:3], strict=True):
            patch.setattr(index_module, name, value)
        patch.setattr(termcache, "LISTS_KEPT", knobs[3])
        yield


def check_typing(library: Library, index: SearchIndex, query: str) -> None:
    for end in range(1, len(query) + 1):
        expected = pinyin_oracle(library, query[:end])  # Latin letters: pinyin too
        result = index.search(query[:end], limit=0)
        assert result.total == len(expected), query[:end]
        assert {hit.article_id for hit in result.hits} == expected, query[:end]
        assert len(index.search(query[:end], limit=2).hits) == min(2, len(expected))


@settings(max_examples=40)
@given(st.data(), st.sampled_from(KNOBS))
def test_typing_a_query_finds_what_a_scan_finds_at_every_keystroke(
    data: st.DataObject, knobs: tuple[int, int, int, int]
) -> None:
    library = data.draw(large_libraries())
    blocks = [a.blocks[0].text for a in library.articles()]
    words = []
    for block in data.draw(st.lists(st.sampled_from(blocks), min_size=1, max_size=2)):
        start = data.draw(st.integers(0, len(block) - 1))
        words.append(block[start : start + data.draw(st.integers(1, 8))])
    with turned(knobs):
        check_typing(library, SearchIndex.build(library), " ".join(words))


def test_typing_through_the_ways_a_term_is_narrowed_down() -> None:
    # Pairs in a few articles (kept as ids) or in many (bitmaps); a prefix whose first
    # occurrence is not where the term is; tails used up; titles holding the terms.
    filler = "东南西北上下左右前后春夏秋冬"
    texts = [filler[k % 14] + filler[(k * 5) % 14] * 3 for k in range(48)]
    texts += ["甲乙丙甲乙丁戊己庚辛壬癸", "甲乙丁戊己庚辛壬", "乙丁甲乙丙丁", "甲乙丙丁"]
    texts += ["中国人民" + filler[k] for k in range(14)] + ["中国 人民", "国人中"]
    articles = tuple(
        Article(f"a{k}", "article", text[:3], (Block("paragraph", text),))
        for k, text in enumerate(texts)
    )
    library = Library(
        (Issue("i", "issue", dt.date(2020, 1, 1), (Section("s", "1", "p", articles),)),)
    )
    queries = ("甲乙丁戊己庚辛壬", "甲乙丙丁", "中国人民东", "中国 人民", "国人中", "乙丁甲")
    for knobs in KNOBS:
        with turned(knobs):
            index = SearchIndex.build(library)
            for query in queries:
                index.clear_cache()
                check_typing(library, index, query)
