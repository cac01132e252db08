"""Ranking (title above body, newer issue first) and jieba's manners."""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from collections.abc import Callable
from dataclasses import replace
from itertools import accumulate
from pathlib import Path

import platformdirs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.model import Article, Block, Issue, Library, Section
from tui.core.text import normalise
from tui.library import load_library
from tui.search import SearchIndex, words
from tui.search import index as index_module
from tui.search.build import build_data
from tui.search.indexfile import view_of
from tui.search.rank import _titles_with
from tui.search.tokenize import SEPARATOR
from tui.search.words import TitleWords

from .conftest import printed_by_fresh_python
from .test_search_store import make_library

BODY = "今天天气很好，大家出门散步。"


def article(article_id: str, title: str, text: str = BODY) -> Article:
    return Article(article_id, "article", title, (Block("paragraph", text),))


def issue(issue_id: str, date: dt.date | None, *articles: Article) -> Issue:
    return Issue(issue_id, issue_id, date, (Section(f"{issue_id}s", "第1版", "p.txt", articles),))


def ids(index: SearchIndex, query: str) -> list[str]:
    return [hit.article_id for hit in index.search(query, limit=0).hits]


def test_a_title_match_ranks_above_a_body_only_match() -> None:
    in_body = article("body", "城市新闻", "今天山西天气很好，大家出门散步。")
    in_title = article("title", "山西新闻")
    library = Library((issue("i", dt.date(2020, 1, 1), in_body, in_title),))
    assert ids(SearchIndex.build(library), "山西") == ["title", "body"]


def test_a_column_weighs_as_a_kicker_above_the_body() -> None:
    """The same texts, the term in the column, the kicker or a paragraph."""
    column = replace(article("column", "城市新闻"), column="山西纪行")
    kicker = replace(article("kicker", "城市新闻"), kicker="山西纪行")
    in_body = article("body", "城市新闻", BODY + "山西纪行")
    library = Library((issue("i", dt.date(2020, 1, 1), in_body, kicker, column),))
    hits = SearchIndex.build(library).search("山西", limit=0).hits
    score = {hit.article_id: hit.score for hit in hits}
    assert score["column"] == pytest.approx(score["kicker"])
    assert score["kicker"] > score["body"]
    assert [hit.article_id for hit in hits] == ["kicker", "column", "body"]


def test_a_whole_word_in_the_title_ranks_above_part_of_a_word() -> None:
    # jieba cuts 人民日报 as one word and 中国人民 as 中国/人民; both titles are 4 long.
    assert not words.is_word_aligned(TitleWords(["人民日报"]).boundaries("人民日报"), 0, 2)
    assert words.is_word_aligned(TitleWords(["中国人民"]).boundaries("中国人民"), 2, 4)
    inside = article("inside", "人民日报")
    whole = article("whole", "中国人民")
    library = Library((issue("i", dt.date(2020, 1, 1), inside, whole),))
    assert ids(SearchIndex.build(library), "人民") == ["whole", "inside"]


def test_equal_content_goes_to_the_newer_issue_then_library_order() -> None:
    old = issue("old", dt.date(2018, 5, 1), article("old-1", "山西新闻"))
    undated = issue("undated", None, article("undated-1", "山西新闻"))
    new = issue(
        "new", dt.date(2021, 5, 1), article("new-1", "山西新闻"), article("new-2", "山西新闻")
    )
    library = Library((old, undated, new))
    ranked = ids(SearchIndex.build(library), "山西")
    assert ranked == ["new-1", "new-2", "old-1", "undated-1"]


def test_many_matches_keep_an_exact_total_and_put_title_matches_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(index_module, "POOL", 5)
    body_only = [article(f"b{i}", "城市新闻", "今天山西下雨。") for i in range(20)]
    titled = [article(f"t{i}", "山西新闻") for i in range(3)]
    library = Library((issue("i", dt.date(2020, 1, 1), *body_only, *titled),))
    index = SearchIndex.build(library)
    result = index.search("山西", limit=4)
    assert result.total == 23
    assert [hit.article_id for hit in result.hits][:3] == ["t0", "t1", "t2"]
    assert len(index.search("山西", limit=0).hits) == 23


def test_jieba_says_nothing_and_keeps_no_file(
    capfd: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where jieba would keep a cache
    library = load_library()
    index = SearchIndex.build(library)
    index.search("山西")
    index.search("李静 防风险")
    captured = capfd.readouterr()
    assert captured.err == ""
    assert captured.out == ""
    assert list(tmp_path.iterdir()) == []
    cache = Path(platformdirs.user_cache_dir("dubao"))
    assert not cache.exists() or [p.name for p in cache.iterdir()] == []


@pytest.fixture(scope="module")
def whole_jieba(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], str]:
    """jieba's own cut, with its whole dictionary, as boundaries."""
    import jieba

    jieba.setLogLevel(60)
    whole = jieba.Tokenizer()
    whole.tmp_dir = str(tmp_path_factory.mktemp("jieba"))  # out of the shared temp folder
    whole.initialize()

    def bounds(text: str) -> str:
        if not text:
            return ""
        return "".join(map(chr, accumulate(map(len, whole.cut(text, HMM=False)), initial=0)))

    return bounds


def test_title_words_cut_as_jieba_with_its_whole_dictionary(
    whole_jieba: Callable[[str], str],
) -> None:
    library = load_library()
    titles = [normalise(a.title) for a in library.articles() if a.title]
    titles += ["习近平会见外宾", "中华人民共和国成立", "nba总决赛g7", "2022年北京冬奥会"]
    titles += ["c++与c#语言[新]^-\\版", "１２３ａｂｃ"]  # a regular expression's own characters
    titles += ["平等相待美人之美美美与共开放包容"]  # two paths equally likely: the longer word
    titles += [title[1:-1] for title in titles]  # words cut short at either end
    words = TitleWords(titles)
    for title in titles:
        assert words.boundaries(title) == whole_jieba(title), title


def test_title_words_use_jiebas_patterns_and_file_without_importing_it() -> None:
    import jieba

    for ours, its in [
        (words._HAN, jieba.re_han_default),
        (words._SKIP, jieba.re_skip_default),
        (words._ENG, jieba.re_eng),
    ]:
        assert (ours.pattern, ours.flags) == (its.pattern, its.flags)
    with jieba.Tokenizer().get_dict_file() as dictionary:
        assert words._dictionary() == dictionary.read().decode("utf-8")
    imported = printed_by_fresh_python(
        "import sys",
        "from tui.search.words import TitleWords",
        "assert TitleWords(['习近平会见外宾']).boundaries('习近平会见外宾')",
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('jieba', 'pkg_resources')))",
    )
    assert imported == "[]"


# Characters of news titles, and the others jieba treats apart: letters and digits (run
# together when single), its word characters +#&._%-, spaces, punctuation.
TITLE_CHARACTERS = "中国人民共和北京市长江大桥会见外宾习近平新闻联播经济发展的了在和是" + (
    "abcXYZ0129+#&._%- \t\n，。、《》“”（）！？１ａ"
)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.text(alphabet=TITLE_CHARACTERS, max_size=24), min_size=1, max_size=30))
def test_title_words_of_any_text_are_jiebas(
    whole_jieba: Callable[[str], str], titles: list[str]
) -> None:
    words = TitleWords(titles)
    assert [words.boundaries(title) for title in titles] == [whole_jieba(t) for t in titles]


def test_jieba_boundaries_are_words() -> None:
    bounds = TitleWords(["习近平会见外宾"]).boundaries("习近平会见外宾")
    assert words.is_word_aligned(bounds, 0, 3)  # 习近平
    assert not words.is_word_aligned(bounds, 2, 3)  # 平
    assert TitleWords([""]).boundaries("") == ""


def test_a_headline_of_any_length_is_indexed_and_found() -> None:
    # A boundary is kept as chr(offset), which exists only below 0x110000: a longer title
    # once stopped the whole library's index from being built.
    headline = "山西新闻" + "长" * 1_200_000 + "太钢福德士河"
    library = Library(
        (issue("i", dt.date(2020, 1, 1), article("huge", headline), article("other", "太钢")),)
    )
    index = SearchIndex.build(library)
    assert sorted(ids(index, "太钢")) == ["huge", "other"]
    assert ids(index, "福德士河") == ["huge"]
    assert ids(index, "山西") == ["huge"]
    bounds = TitleWords([headline]).boundaries(headline)
    start = headline[: words.WORDS_WITHIN]  # cut as a title of its own; its end is no word's
    assert bounds == TitleWords([start]).boundaries(start)[:-1]
    assert words.is_word_aligned(bounds, 0, 2)  # 山西, within the words cut
    assert not words.is_word_aligned(bounds, len(headline) - 6, len(headline) - 4)


def test_the_titles_postings_find_the_titles_that_hold_a_term() -> None:
    view = view_of(build_data(make_library(200)))  # searched as its file would be
    titles = [doc.split(SEPARATOR)[0] for doc in view.docs]
    _, codes, _, _, dense = view.title_postings.parts()
    assert len(codes) > 50 and len(dense) > 5  # sparse and dense keys both
    rng = random.Random(3)
    terms = ["", "zz", "中国人"]
    for title in rng.sample(titles, 40):
        for length in (1, 2, 3, 4):
            start = rng.randint(0, max(len(title) - length, 0))
            terms += [title[start : start + length], title[start : start + length][::-1]]
    for term in filter(None, terms):
        for end in (len(titles), len(titles) // 2, 1):
            expected = [i for i in range(end) if term in titles[i]]
            assert list(_titles_with(view, term, end)) == expected, (term, end)
