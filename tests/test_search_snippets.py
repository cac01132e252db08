"""Snippets: one block's original text around the first match, every term marked."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_search_properties import ALPHABET
from tui.core.model import Article, Block, Issue, Library, Section
from tui.core.text import cell_width, normalise
from tui.library import load_library
from tui.search import BYLINE, COLUMN, KICKER, SUBTITLE, TITLE, SearchIndex, Snippet
from tui.search.snippet import NARROW_RUN, WIDE_RUN

ELLIPSIS = "…"


def library_of(*articles: Article) -> Library:
    return Library((Issue("i", "issue", None, (Section("s", "第1版", "p.txt", articles),)),))


def original_block(article: Article, block: int) -> str:
    fields = {TITLE: article.title, KICKER: article.kicker, SUBTITLE: article.subtitle}
    fields[BYLINE], fields[COLUMN] = article.byline, article.column
    return (fields[block] or "") if block < 0 else article.blocks[block].text


def check_snippet(snippet: Snippet, article: Article, terms: list[str], width: int) -> None:
    text = snippet.text
    source = original_block(article, snippet.block)
    body = text.removeprefix(ELLIPSIS).removesuffix(ELLIPSIS)
    start = len(text) - len(text.removeprefix(ELLIPSIS))
    assert snippet.marks, "the first match is in the window"
    # The window is a run of the block's own text, cut only where "…" says so; the first
    # mark is the match at `offset` (a body such as "111" can occur more than once).
    clean_source = "".join(" " if unicodedata.category(c) == "Cc" else c for c in source)
    window_start = snippet.offset - (snippet.marks[0][0] - start)
    window_end = window_start + len(body)
    assert clean_source[window_start:window_end] == body
    assert text.startswith(ELLIPSIS) == (window_start > 0)
    assert text.endswith(ELLIPSIS) == (window_end < len(clean_source))
    assert not any(unicodedata.category(c) == "Cc" for c in text)
    if text.startswith(ELLIPSIS):  # a cut never separates a mark from its base
        assert not unicodedata.combining(body[:1] or "x")
    # Every mark is a term (or the characters it was folded out of, as "ﬁ" for "f").
    for s, e in snippet.marks:
        marked = normalise(text[s:e])
        assert marked in terms or any(term in marked for term in terms)
    if cell_width(text) > width:  # only when a single match is wider than the window
        assert len(snippet.marks) == 1


@pytest.fixture(scope="module")
def seed() -> Library:
    return load_library()


def test_seed_snippets_hold_their_marks(seed: Library) -> None:
    index = SearchIndex.build(seed)
    for query in ("山西", "李静", "ＦＭＧ", "安全 山西", "的", "。", "科普阅读", "2023", "本报讯"):
        terms = [normalise(w) for w in query.split()]
        for hit in index.search(query, limit=0).hits:
            check_snippet(hit.snippet, seed.article(hit.article_id), terms, 60)


def test_a_long_paragraph_is_cut_on_both_sides_around_the_match() -> None:
    text = "前" * 100 + "目标词" + "后" * 100
    article = Article("a", "article", "题目", (Block("paragraph", text),))
    (hit,) = SearchIndex.build(library_of(article)).search("目标词").hits
    snippet = hit.snippet
    assert snippet.text.startswith(ELLIPSIS) and snippet.text.endswith(ELLIPSIS)
    assert cell_width(snippet.text) <= 60
    s, e = snippet.marks[0]
    assert snippet.text[s:e] == "目标词"
    assert (snippet.block, snippet.offset, snippet.field) == (0, 100, "paragraph")
    check_snippet(snippet, article, ["目标词"], 60)


def test_width_is_configurable_and_latin_counts_one_cell() -> None:
    text = "x" * 50 + " needle " + "y" * 50
    article = Article("a", "article", None, (Block("caption", text),))
    index = SearchIndex.build(library_of(article), snippet_width=20)
    snippet = index.search("NEEDLE").hits[0].snippet
    assert cell_width(snippet.text) <= 20
    assert snippet.field == "caption"
    check_snippet(snippet, article, ["needle"], 20)


def test_marks_cover_every_term_in_the_window_and_map_through_normalising() -> None:
    text = "李 静报道：ＦＭＧ与fmg合作，Straße上的ﬁle。李 静"
    article = Article("a", "article", "标题", (Block("paragraph", text),))
    index = SearchIndex.build(library_of(article), snippet_width=100)
    hit = index.search("李静 fmg strasse").hits[0]
    assert hit.snippet.text == text
    marked = [hit.snippet.text[s:e] for s, e in hit.snippet.marks]
    assert marked == ["李 静", "ＦＭＧ", "fmg", "Straße", "李 静"]


def test_control_characters_never_reach_the_snippet() -> None:
    text = "第一行\n第二行\t目标\x1b[31m红\x07色"
    article = Article("a", "article", None, (Block("paragraph", text),))
    snippet = SearchIndex.build(library_of(article)).search("目标").hits[0].snippet
    assert not any(unicodedata.category(c) == "Cc" for c in snippet.text)
    assert len(snippet.text) == len(text)
    s, e = snippet.marks[0]
    assert snippet.text[s:e] == "目标"


def test_a_block_match_is_preferred_to_a_title_match() -> None:
    article = Article("a", "article", "山西新闻", (Block("paragraph", "今天山西下雨"),))
    snippet = SearchIndex.build(library_of(article)).search("山西").hits[0].snippet
    assert (snippet.block, snippet.field) == (0, "paragraph")
    only_title = Article("b", "article", "山西新闻", (Block("paragraph", "今天下雨"),))
    snippet = SearchIndex.build(library_of(only_title)).search("山西").hits[0].snippet
    assert (snippet.block, snippet.field, snippet.text) == (TITLE, "title", "山西新闻")


def test_a_match_only_in_the_column_is_shown_from_the_column() -> None:
    blocks = (Block("paragraph", "正文写北京"),)
    article = Article("a", "article", "讲好文创的时代故事", blocks, column="人民 论坛")
    index = SearchIndex.build(library_of(article))
    snippet = index.search("人民论坛").hits[0].snippet
    assert (snippet.block, snippet.field, snippet.text, snippet.marks) == (
        COLUMN,
        "column",
        "人民 论坛",
        [(0, 5)],
    )
    check_snippet(snippet, article, ["人民论坛"], 60)
    snippet = index.search("论坛 北京").hits[0].snippet  # the paragraph, before the column
    assert (snippet.block, snippet.field) == (0, "paragraph")
    snippet = index.search("论坛 文创").hits[0].snippet  # the title, before the column
    assert (snippet.block, snippet.field) == (TITLE, "title")


def test_the_block_with_most_terms_is_chosen() -> None:
    blocks = (Block("paragraph", "只有山西"), Block("subhead", "山西和太原都在"))
    article = Article("a", "article", None, blocks)
    snippet = SearchIndex.build(library_of(article)).search("山西 太原").hits[0].snippet
    assert (snippet.block, snippet.field) == (1, "subhead")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(alphabet=ALPHABET + "\n\t", min_size=1, max_size=120), min_size=1, max_size=3),
    st.data(),
)
def test_generated_snippets(blocks: list[str], data: st.DataObject) -> None:
    article = Article("a", "article", None, tuple(Block("paragraph", t) for t in blocks))
    normalised = [normalise(t) for t in blocks if normalise(t)]
    if not normalised:
        return
    chosen = data.draw(st.sampled_from(normalised))
    start = data.draw(st.integers(0, len(chosen) - 1))
    term = chosen[start : start + data.draw(st.integers(1, 6))].strip(" ")
    # Casefolding can leave text NFKC would change ("ß\u0301" → "ss\u0301"), so a piece of
    # normalised text is not always its own normal form: such a term is not a query's.
    if not term or " " in term or normalise(term) != term:
        return
    width = data.draw(st.integers(10, 70))
    index = SearchIndex.build(library_of(article), snippet_width=width)
    (hit,) = index.search(term).hits
    check_snippet(hit.snippet, article, [term], width)


def test_the_runs_a_window_grows_over_have_the_width_they_claim() -> None:
    for run, cells in ((WIDE_RUN, 2), (NARROW_RUN, 1)):
        members = [chr(code) for code in range(0x10000) if run.fullmatch(chr(code))]
        assert members
        assert all(cell_width(ch) == cells for ch in members)


def test_a_match_that_starts_with_a_combining_mark_keeps_its_base_character() -> None:
    text = "111111\u030111\u3000\u3000一"
    article = Article("a", "article", None, (Block("paragraph", text),))
    snippet = SearchIndex.build(library_of(article), snippet_width=10).search("\u030111一").hits
    assert snippet
    body = snippet[0].snippet.text.lstrip("…")
    assert not unicodedata.combining(body[:1] or "x")
