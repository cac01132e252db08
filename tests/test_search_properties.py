"""Generated libraries and queries: the index finds exactly what a brute-force scan finds."""

from __future__ import annotations

import datetime as dt
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_search_oracle import oracle
from tui.model import Article, Block, Issue, Library, Section
from tui.search import SearchIndex
from tui.search.align import align
from tui.search.tokenize import normalise_blocks
from tui.text import normalise

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
        for text in (article.title, article.byline, *(b.text for b in article.blocks)):
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
        expected = oracle(library, query)
        result = index.search(query, limit=0)
        assert result.total == len(expected)
        assert {hit.article_id for hit in result.hits} == expected
        assert set(index.matching_ids(query)) == expected
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
