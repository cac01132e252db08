"""Headlines found by pinyin (issue 19, item 2): syllables from pypinyin's data, the index
against an oracle that reads each header with `pypinyin.lazy_pinyin` itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypinyin import Style, lazy_pinyin
from pypinyin.constants import RE_HANS

from tui.core.model import Article, Block, Issue, Library, Section
from tui.library import load_library
from tui.search import SearchIndex, pinyin
from tui.search.pinyin import header_text, pinyin_query, syllables

from .test_cli import run
from .test_search_oracle import oracle

HEADLINES = [
    "习近平会见外国领导人",
    "中国经济稳中向好",
    "银行行长谈经济形势",
    "GDP增长百分之六",
    "重庆火锅与长江",
    "绿色发展理念深入人心",
    "经济日报评论员文章",
    "APEC会议在京举行",
    "西安古城墙",
    "乐曲与快乐",
]
QUERIES = [
    "jingji", "jing ji", "jingj", "jj", "xjp", "xijinping", "zg", "zhongguo", "yinhang",
    "hangzhang", "yhhz", "gdp", "apec", "chongqing", "cq", "lvse", "xian", "xi an", "yuequ",
    "kuaile", "zz", "zhongguojingji", "q", "qq", "zzzzzz", "ab",
]  # fmt: skip


def library_of(titles: list[str]) -> Library:
    articles = tuple(
        Article(f"a{n}", "article", title, (Block("paragraph", "正文。"),))
        for n, title in enumerate(titles)
    )
    return Library((Issue("i", "i", None, (Section("s", "第1版", "p", articles),)),))


def read_aloud(text: str) -> list[str]:
    """Each character's syllable as pypinyin reads the run of Chinese (pypinyin's own
    `RE_HANS`: 〇 is líng) it is in; "" elsewhere."""
    tokens: list[str] = []
    run: list[str] = []
    for ch in [*text, "\n"]:
        if RE_HANS.match(ch):
            run.append(ch)
            continue
        if run:
            tokens += lazy_pinyin("".join(run), style=Style.NORMAL)
            run = []
        tokens.append("")
    return tokens[:-1]


def reads_as(tokens: list[str], letters: str) -> bool:
    for start in range(len(tokens)):
        rest, k = letters, start
        while k < len(tokens) and tokens[k]:
            if tokens[k].startswith(rest):
                return True
            if not rest.startswith(tokens[k]):
                break
            rest, k = rest[len(tokens[k]) :], k + 1
    initials = "".join(token[:1] or " " for token in tokens)
    return letters in initials


def pinyin_oracle(library: Library, query: str) -> set[str]:
    # The query's words, split on any whitespace (DESIGN.md), read as one run of letters.
    letters = pinyin_query(" ".join(query.split()))
    found = oracle(library, query)
    if letters is None:
        return found
    for article in library.articles():
        tokens = read_aloud(header_text(article.title, article.kicker, article.subtitle))
        if reads_as(tokens, letters):
            found.add(article.id)
    return found


def test_syllables_follow_pypinyins_phrases_and_write_u_umlaut_as_v() -> None:
    assert syllables("银行行长") == ["yin", "hang", "hang", "zhang"]
    assert syllables("重庆长江") == ["chong", "qing", "chang", "jiang"]
    assert syllables("绿色GDP") == ["lv", "se", "", "", ""]
    for title in [*HEADLINES, *(a.title or "" for a in load_library().articles())]:
        assert syllables(title) == read_aloud(title), title


@pytest.mark.parametrize("query", QUERIES)
def test_the_index_finds_what_the_oracle_finds(query: str) -> None:
    library = library_of(HEADLINES)
    index = SearchIndex.build(library)
    result = index.search(query, limit=0)
    assert {hit.article_id for hit in result.hits} == pinyin_oracle(library, query), query
    assert result.total == len(result.hits)


def test_words_split_by_any_whitespace_read_as_pinyin() -> None:
    """An ideographic space or a tab between words is a space, as it is for terms: the
    case Hypothesis found, `x\u3000\u3000x`, reads as `xx` (新西兰) beside the term x."""
    library = library_of(["新西兰", "x光", "北京", "经济日报"])
    index = SearchIndex.build(library)
    for spaced, plain, ids in (
        ("x\u3000\u3000x", "x x", {"a0", "a1"}),
        ("b\tj", "b j", {"a2"}),
        ("jing\u3000ji", "jing ji", {"a3"}),
    ):
        found = {hit.article_id for hit in index.search(spaced, limit=0).hits}
        assert found == ids == {hit.article_id for hit in index.search(plain, limit=0).hits}
        assert index.search(spaced, limit=0).total == len(ids)
        assert pinyin_oracle(library, spaced) == ids


def test_the_seeds_headlines_against_the_oracle_for_every_pinyin_prefix() -> None:
    library = load_library()
    index = SearchIndex.build(library)
    for article in library.articles():
        tokens = [t for t in read_aloud(article.title or "") if t][:4]
        for query in ("".join(tokens), " ".join(tokens[:2]), "".join(t[0] for t in tokens)):
            if pinyin_query(query):
                found = {hit.article_id for hit in index.search(query, limit=0).hits}
                assert found == pinyin_oracle(library, query), query


def test_letters_themselves_rank_first_and_the_syllables_read_are_marked() -> None:
    index = SearchIndex.build(library_of(["GDP增长", "工地平安", "改革开放"]))
    hits = index.search("gdp").hits
    assert [hit.title for hit in hits] == ["GDP增长", "工地平安"]  # exact, then pinyin
    pinyin_hit = hits[1].snippet
    ((start, end),) = pinyin_hit.marks
    assert pinyin_hit.text[start:end] == "工地平"
    result = index.search("jingji xjp")  # two words: read as one run of letters
    assert result.total == 0


def test_dubao_search_finds_by_pinyin(tmp_path: Path) -> None:
    page = tmp_path / "2019-02-04" / "01_要闻.md"
    page.parent.mkdir()
    page.write_text("## 习近平会见客人\n\n正文。\n\n## 经济新闻\n\n正文。\n", encoding="utf-8")
    for query, title in (("xjp", "习近平会见客人"), ("jingji", "经济新闻"), ("jj", "经济新闻")):
        done = run("search", query, str(tmp_path), "--json")
        assert done.returncode == 0, done.stderr
        assert [hit["title"] for hit in json.loads(done.stdout)["hits"]] == [title], query


async def test_the_reader_finds_a_headline_by_pinyin_and_marks_it() -> None:
    from textual.widgets import OptionList

    from .test_search_ui import make_app, ready, search_for, status

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app, pilot)
        await search_for(app, pilot, "pingan")
        assert status(app) == "1 article"
        option = app.screen.query_one(OptionList).get_option_at_index(0)
        assert "建设平安山西" in option.prompt.plain
        marked = [span for span in option.prompt.spans if "reverse" in str(span.style)]
        assert [option.prompt.plain[s.start : s.end] for s in marked] == ["平安"]


def test_pypinyins_data_read_one_phrase_at_a_time_is_what_pypinyin_holds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

    readings, phrases = pinyin._read_data()
    first = pinyin._toneless
    assert readings == {code: first(read.split(",")[0]) for code, read in PINYIN_DICT.items()}
    assert phrases == {
        phrase: "'".join(first(reading[0]) for reading in readings_of)
        for phrase, readings_of in PHRASES_DICT.items()
    }
    assert phrases["银行"] == "yin'hang" and readings[ord("行")] == "xing"
    monkeypatch.setattr(pinyin.importlib.util, "find_spec", lambda name: None)
    assert pinyin._read_data() == (readings, phrases)  # no files found: pypinyin imported


def test_the_phrases_file_is_read_as_json_however_it_is_laid_out() -> None:
    text = '{ "一丁" :[ ["yī","yí"] , ["dīng"]],\n"\\u884c\\u957f": [["háng"], ["zhǎng"]] }'
    assert list(pinyin._phrase_readings(text)) == [("一丁", "yi'ding"), ("行长", "hang'zhang")]
    for broken in ['{"一丁" ["yī"]}', '{"一丁": [["yī"]]', '{"一丁": [["yī"]] "x"}']:
        with pytest.raises((ValueError, IndexError)):
            list(pinyin._phrase_readings(broken))
