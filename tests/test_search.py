"""The search index against a brute-force oracle on the seed library, and its API."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.test_search_oracle import oracle
from tui.core.model import Article, Library
from tui.core.text import normalise
from tui.library import load_library
from tui.search import (
    BYLINE,
    COLUMN,
    HEADER_FIELDS,
    KICKER,
    SUBTITLE,
    TITLE,
    BuildCancelled,
    SearchIndex,
)
from tui.search import build as build_module
from tui.search.tokenize import compatibility_fold, normalise_blocks


@pytest.fixture(scope="module")
def seed() -> Library:
    return load_library()


@pytest.fixture(scope="module")
def index(seed: Library, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    # Module-scoped, so the per-test cache directory is not set up yet: use a private one.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        yield SearchIndex.build(seed)


def block_text(article: Article, block: int) -> str:
    """The original text a (block, start, end) of the search API refers to."""
    fields = {TITLE: article.title, KICKER: article.kicker, SUBTITLE: article.subtitle}
    fields[BYLINE], fields[COLUMN] = article.byline, article.column
    return (fields[block] or "") if block < 0 else article.blocks[block].text


def substrings(text: str, length: int) -> list[str]:
    text = "".join(text.split())
    return sorted({text[i : i + length] for i in range(len(text) - length + 1)})


def seed_queries(seed: Library) -> list[str]:
    titles = [a.title for a in seed.articles() if a.title][:4]
    queries = [s for title in titles for n in (1, 2, 3) for s in substrings(title, n)]
    queries += ["李静", "李 静", "ＦＭＧ", "fmg", "FMG", "Fmg", "山西 太原", "山西  李俊华 防风险"]
    queries += ["的 了", "二〇二三", "zzz", "量子纠缠", "山西 zzz", "。", "，", ",", "17所"]
    return queries


def check(index: SearchIndex, library: Library, query: str) -> None:
    expected = oracle(library, query)
    result = index.search(query, limit=0)
    assert result.total == len(expected), query
    assert {hit.article_id for hit in result.hits} == expected, query
    assert set(index.matching_ids(query)) == expected, query
    assert index.search(query).total == len(expected)
    assert len(index.search(query, limit=3).hits) == min(3, len(expected))


def test_every_short_substring_of_titles_finds_what_a_scan_finds(
    index: SearchIndex, seed: Library
) -> None:
    queries = seed_queries(seed)
    assert len(queries) > 100
    for query in queries:
        check(index, seed, query)


def test_substrings_of_every_block_are_found(index: SearchIndex, seed: Library) -> None:
    for article in seed.articles():
        for block in article.blocks[:3]:
            for length in (1, 2, 4, 7):
                for term in substrings(block.text, length)[::7]:
                    assert article.id in index.matching_ids(term), term
                    check(index, seed, term)


def test_byline_with_a_space_and_full_width_latin_are_found(
    index: SearchIndex, seed: Library
) -> None:
    (by_li,) = index.search("李静").hits
    assert seed.article(by_li.article_id).byline == "李 静"
    assert by_li.snippet.block == BYLINE
    fmg = {hit.article_id for hit in index.search("ＦＭＧ").hits}
    assert fmg == {hit.article_id for hit in index.search("fmg").hits}
    assert len(fmg) == 1


def test_a_term_spanning_two_blocks_does_not_match(index: SearchIndex, seed: Library) -> None:
    article = seed.articles()[0]
    pairs = [
        (article.title or "")[-2:] + (article.kicker or "")[:2],
        (article.kicker or "")[-1:] + (article.subtitle or "")[:1],
        article.blocks[0].text[-2:] + article.blocks[1].text[:2],
    ]
    for term in pairs:
        assert oracle(seed, term) == set(), term  # the test means something
        assert index.search(term).total == 0, term


def test_empty_and_blank_queries_find_nothing(index: SearchIndex) -> None:
    for query in ("", " ", "\t\n ", "\u3000"):
        result = index.search(query)
        assert (result.total, result.hits, result.terms) == (0, [], [])


def test_hits_carry_what_a_result_line_shows(index: SearchIndex, seed: Library) -> None:
    hit = index.search("建设平安").hits[0]
    article = seed.article(hit.article_id)
    assert (hit.title, hit.label) == (article.title, article.label)
    assert hit.issue == seed.issues[0].title
    assert hit.section == seed.issues[0].sections[0].title
    assert hit.date is None  # the seed issue has no date
    assert hit.snippet.block == TITLE
    assert isinstance(hit.score, float) and hit.score > 0


def test_limit_zero_returns_every_hit_and_limit_caps(index: SearchIndex) -> None:
    everything = index.search("的", limit=0)
    assert everything.total > 3
    assert len(everything.hits) == everything.total
    assert len({hit.article_id for hit in everything.hits}) == everything.total
    assert len(index.search("的", limit=2).hits) == 2
    scores = [hit.score for hit in everything.hits]
    assert scores == sorted(scores, reverse=True)


def test_article_count_and_memory(index: SearchIndex, seed: Library) -> None:
    assert index.article_count == len(seed.articles())
    assert index.memory_bytes() > sum(len(a.blocks) for a in seed.articles())


def test_matches_in_points_at_every_occurrence(index: SearchIndex, seed: Library) -> None:
    article = seed.articles()[0]
    found = index.matches_in(article.id, "山西 安全")
    assert {block for block, _, _ in found} >= {TITLE, SUBTITLE, 0}
    for block, start, end in found:
        assert normalise(block_text(article, block)[start:end]) in ("山西", "安全")
    for i, block in enumerate(article.blocks):
        expected = block.text.count("山西") + block.text.count("安全")
        assert len([m for m in found if m[0] == i]) == expected
    li = next(a for a in seed.articles() if a.byline == "李 静")
    assert (BYLINE, 0, 3) in index.matches_in(li.id, "李静")
    assert index.matches_in("no such article", "山西") == []
    assert index.matches_in(article.id, "  ") == []


def with_columns(seed: Library) -> Library:
    """The seed, its first article run under the column 新语 and its second under 大使随笔."""
    columns = iter(("新语", "大使随笔"))
    issues = []
    for issue in seed.issues:
        sections = []
        for section in issue.sections:
            articles = tuple(replace(a, column=next(columns, None)) for a in section.articles)
            sections.append(replace(section, articles=articles))
        issues.append(replace(issue, sections=tuple(sections)))
    return Library(tuple(issues))


def test_a_word_only_in_a_column_is_found_there(seed: Library) -> None:
    library = with_columns(seed)
    first, second = library.articles()[:2]
    assert oracle(seed, "新语") == set() and oracle(seed, "随笔") == set()  # only in columns
    index = SearchIndex.build(library)
    for query, article in (("新语", first), ("随笔", second), ("大使 随笔", second)):
        check(index, library, query)
        (hit,) = index.search(query).hits
        assert hit.article_id == article.id
        assert (hit.snippet.block, hit.snippet.field) == (COLUMN, "column")
        assert [hit.snippet.text[s:e] for s, e in hit.snippet.marks] == query.split()
    assert index.matches_in(second.id, "使随") == [(COLUMN, 1, 3)]
    # Terms across the column and the fields beside it in the index's text: no match.
    for term in (first.byline[-1:] + "新", "语" + first.blocks[0].text[:2]):
        assert oracle(library, term) == set() and index.search(term).total == 0, term
    # A query whose other term is elsewhere in the article: the column is one of its blocks.
    check(index, library, "新语 平安山西")
    assert [h.article_id for h in index.search("新语 平安山西").hits] == [first.id]


def test_header_fields_are_named_by_block_number() -> None:
    assert HEADER_FIELDS == {
        TITLE: "title",
        KICKER: "kicker",
        SUBTITLE: "subtitle",
        BYLINE: "byline",
        COLUMN: "column",
    }


def test_should_stop_cancels_the_build_and_progress_is_reported(seed: Library) -> None:
    reports: list[tuple[int, int]] = []
    SearchIndex.build(seed, on_progress=lambda done, total: reports.append((done, total)))
    assert reports[-1][0] == reports[-1][1] > 0
    assert [done for done, _ in reports] == sorted(done for done, _ in reports)
    with pytest.raises(BuildCancelled):
        SearchIndex.build(seed, should_stop=lambda: True)
    calls = []

    def stop_later() -> bool:
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(BuildCancelled):
        SearchIndex.build(seed, should_stop=stop_later)


def test_fast_normalising_of_blocks_equals_normalise() -> None:
    samples = [
        ["建设平安山西 守护幸福生活", "", "李 静", "本报讯 12月9日，ＦＭＧ（福德士河）"],
        [" a ", "ß ﬁ", "Ｆｍｇ "],
        [" ", "\u3000x\u3000", "A\u00a0B", "e\u0301", "a \u0301", "x"],
        ["单独一块"],
    ]
    for texts in samples:
        assert normalise_blocks(texts) == [normalise(t) for t in texts]


def test_the_compatibility_fold_replaces_each_character_nfkc_changes_and_no_other() -> None:
    """Every BMP character, alone and between Chinese text, with astral ones beside it:
    what NFKC makes of each character on its own, as `str.translate` with that table."""
    bmp = [chr(code) for code in range(0x20, 0x10000) if not 0xD800 <= code < 0xE000]
    table = {ord(ch): unicodedata.normalize("NFKC", ch) for ch in bmp}
    every = "".join(bmp)
    for text in [every, f"本报讯{every}𠀀，记者𨟠。", "", "，", "新闻联播", "𠀀"]:
        assert compatibility_fold(text) == text.translate(table)
    assert compatibility_fold("１２月９日，ＦＭＧ（福德士河）") == "12月9日,FMG(福德士河)"


def test_importing_search_loads_neither_jieba_nor_numpy_nor_textual() -> None:
    code = "import sys, tui.search; print(sorted({'jieba', 'numpy', 'textual'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_package_is_small_modules(tmp_path: Path) -> None:
    package = Path(build_module.__file__).parent
    for path in package.glob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) < 400, path.name


def test_hot_terms_keep_answers_exact(seed: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    # Make the seed library "large" so hot terms are computed.
    monkeypatch.setattr(build_module, "HOT_MIN_ARTICLES", 0)
    monkeypatch.setattr(build_module, "SAMPLE_EVERY", 1)
    monkeypatch.setattr(build_module, "HOT_MIN_MATCHES", 2)
    index = SearchIndex.build(seed)
    hot = index._data.hot
    assert {len(term) for term in hot} >= {3, 4}
    for term in list(hot)[:40]:
        assert set(index.matching_ids(term)) == oracle(seed, term), term
    for query in [*seed_queries(seed)[::3], "山西公安", "习近平总书记", "的 山西公"]:
        check(index, seed, query)


def test_frequent_terms_are_every_string_in_enough_docs(monkeypatch: pytest.MonkeyPatch) -> None:
    import random
    from collections import Counter

    monkeypatch.setattr(build_module, "HOT_MIN_MATCHES", 4 * build_module.SAMPLE_EVERY)
    lengths = range(min(build_module.HOT_MOST), max(build_module.HOT_MOST) + 1)
    monkeypatch.setattr(build_module, "HOT_MOST", dict.fromkeys(lengths, 10**6))
    rng = random.Random(7)
    sizes = [rng.randint(0, 40) for _ in range(60)]
    sample = ["".join(rng.choice("新闻联播北京\n") for _ in range(size)) for size in sizes]
    sample += ["习近平主席会见外宾"] * 5 + ["习近平主席"] * 3  # 习近平主 in 8, 平主席会见 in 5
    sample += ["人民日报社论"] * 4  # each of its strings in just enough docs
    sample += ["中国特色社会主义"] * 4  # as long as a hot term can be
    found = build_module.frequent_terms(sample)
    counts: Counter[str] = Counter()
    for doc in sample:
        counts.update({doc[i : i + n] for n in lengths for i in range(len(doc) - n + 1)})
    expected = {term for term, count in counts.items() if count >= 4 and "\n" not in term}
    assert set(found) == expected and len(found) == len(expected)
    assert {"习近平主", "平主席会见", "人民日报社论", "中国特色社会主义"} <= expected
    assert [len(term) for term in found] == sorted(len(term) for term in found)
