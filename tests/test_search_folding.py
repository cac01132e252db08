"""Traditional and Simplified as one in search (issue 19, item 1): the fold, the index
against the oracle, snippets that show the text as printed."""

from __future__ import annotations

import json
import random
import unicodedata
from pathlib import Path

import opencc
import pytest

from tui.core.model import Article, Block, Issue, Library, Section
from tui.core.text import FOLD_WHOLE, _fold_table, normalise
from tui.search import SearchIndex

from .make_fold_table import OUT, fold_table, text_of
from .test_cli import run
from .test_search_oracle import folded, oracle

TRADITIONAL = [
    "臺灣經濟持續發展，兩岸關係備受關注",
    "國務院總理會見來訪的澳門特區行政長官",
    "乾隆年間的後宮檔案對外開放",
    "香港維多利亞港煙花匯演",
]
SIMPLIFIED = [
    "台湾经济发展研讨会在京举行",
    "国务院召开常务会议",
    "乾隆皇帝与后宫",  # 乾 stays 乾 in Simplified: both fold to 干
    "维多利亚港的夜景",
]


def mixed_library() -> Library:
    articles = tuple(
        Article(f"a{n}", "article", text[:6], (Block("paragraph", text),))
        for n, text in enumerate(TRADITIONAL + SIMPLIFIED)
    )
    return Library((Issue("i", "i", None, (Section("s", "第1版", "p", articles),)),))


def test_the_shipped_table_is_opencc_t2s_character_by_character() -> None:
    table = fold_table()
    assert OUT.read_text(encoding="utf-8").split("\n", 3)[3] == text_of(table).split("\n", 3)[3]
    assert table["臺"] == "台" and table["灣"] == "湾" and table["乾"] == "干"


def test_folding_keeps_lengths_and_folding_twice_is_folding_once() -> None:
    table = _fold_table()
    every = "".join(map(chr, table))
    once = normalise(every)
    assert len(once) == len(every)
    assert normalise(once) == once
    assert normalise("臺灣") == normalise("台湾") == "台湾"
    assert normalise("ＡＢＣ 經濟") == "abc经济"


def test_short_and_long_text_fold_alike() -> None:
    """Up to FOLD_WHOLE characters a text is translated whole; past it, only once the
    pattern finds a character to fold: the same fold either way."""
    table = _fold_table()
    for text in TRADITIONAL + SIMPLIFIED:
        for length in range(FOLD_WHOLE - 3, FOLD_WHOLE + 4):
            piece = (text * 8)[:length]
            nfkc = unicodedata.normalize("NFKC", piece).casefold()
            assert normalise(piece) == nfkc.translate(table), (text, length)
    traditional_at_end = "台" * FOLD_WHOLE + "灣"  # past the length, one character to fold
    assert normalise(traditional_at_end) == "台" * FOLD_WHOLE + "湾"


def test_the_index_finds_what_the_oracle_finds_in_either_script() -> None:
    library = mixed_library()
    index = SearchIndex.build(library)
    to_traditional = opencc.OpenCC("s2t").convert
    rng = random.Random(19)
    queries = [
        "臺灣",
        "台湾",
        "經濟",
        "经济",
        "乾隆",
        "干隆",
        "後宮",
        "后宫",
        "維多利亞",
        "国务院 會見",
    ]
    for text in TRADITIONAL + SIMPLIFIED:
        for _ in range(6):
            start = rng.randrange(len(text) - 2)
            piece = text[start : start + rng.randint(1, 4)]
            queries += [piece, to_traditional(piece)]
    for query in queries:
        expected = oracle(library, query)
        result = index.search(query, limit=0)
        assert {hit.article_id for hit in result.hits} == expected, query
    assert oracle(library, "臺灣") == oracle(library, "台湾") == {"a0", "a4"}
    assert oracle(library, "乾隆") == {"a2", "a6"}


def test_the_snippet_shows_the_text_as_printed_with_the_match_marked() -> None:
    index = SearchIndex.build(mixed_library())
    hits = {hit.article_id: hit.snippet for hit in index.search("台湾经济", limit=0).hits}
    traditional = hits["a0"]
    assert traditional.text.startswith("臺灣經濟")  # never changed for display
    ((start, end),) = traditional.marks
    assert traditional.text[start:end] == "臺灣經濟"
    assert folded(traditional.text[start:end]) == "台湾经济"


def test_dubao_search_finds_either_script(tmp_path: Path) -> None:
    page = tmp_path / "2019-02-04" / "01_要闻.md"
    page.parent.mkdir()
    page.write_text(
        "## 臺灣經濟\n\n臺灣經濟持續發展。\n\n## 台湾来信\n\n台湾同胞的来信。\n", "utf-8"
    )
    for query in ("臺灣", "台湾"):
        done = run("search", query, str(tmp_path), "--json")
        assert done.returncode == 0, done.stderr
        found = json.loads(done.stdout)
        assert found["total"] == 2
        assert {hit["title"] for hit in found["hits"]} == {"臺灣經濟", "台湾来信"}


@pytest.mark.parametrize("traditional_newer", [True, False])
def test_a_folded_match_ranks_as_the_same_text_would(traditional_newer: bool) -> None:
    import datetime as dt

    def issue(day: int, title: str) -> Issue:
        article = Article(title, "article", title, (Block("paragraph", "正文。"),))
        date = dt.date(2019, 2, day)
        return Issue(
            str(day), date.isoformat(), date, (Section(str(day), "第1版", "p", (article,)),)
        )

    older, newer = ("台湾来信", "臺灣來信") if traditional_newer else ("臺灣來信", "台湾来信")
    index = SearchIndex.build(Library((issue(2, newer), issue(1, older))))
    for query in ("台湾", "臺灣"):
        assert [hit.title for hit in index.search(query).hits] == [newer, older]
