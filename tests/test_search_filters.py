"""Filters in the query language (issue 19, item 3): date:, page:, is:, paper:."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui.core.model import Library
from tui.library import load_library
from tui.search import SearchIndex
from tui.search.filters import Filter, page_number, parse_query

from .conftest import write_pages
from .test_cli import run
from .test_search_oracle import oracle

PAGES = {
    "2019-01-31/01_要闻.md": ("一月经济形势", "二月之前的经济新闻。"),
    "2019-02-01/01_要闻.md": ("二月经济开局", "经济运行稳中有进。"),
    "2019-02-01/02_经济.md": ("二版经济观察", "第二版的经济评论。"),
    "2019-02-10/01_要闻.md": ("春节假期消费", "节日消费旺盛，经济活力足。"),
    "2019-02-20/01_要闻.md": ("体育新闻", "冬季运动会开幕。"),
    "2019-03-01/01_要闻.md": ("三月经济数据", "三月的经济数据发布。"),
}


def write_paper(root: Path) -> Path:
    return write_pages(root, {name: f"## {t}\n\n{b}\n" for name, (t, b) in PAGES.items()})


@pytest.fixture
def paper(tmp_path: Path) -> Library:
    return load_library([write_paper(tmp_path / "paper")])


def titles(index: SearchIndex, query: str, **options: object) -> list[str]:
    return [hit.title or "" for hit in index.search(query, limit=0, **options).hits]


def test_a_query_is_split_into_terms_filters_and_problems() -> None:
    parsed = parse_query("经济 date:2019-02 page:1 is:Unread foo:bar date:2019-13")
    assert parsed.terms == "经济 foo:bar"
    assert parsed.filters == (
        Filter("date", "2019-02-01..2019-02-28"),
        Filter("page", "1"),
        Filter("is", "unread"),
    )
    assert parsed.problems[0].startswith("unknown filter foo:")
    assert parsed.problems[1].startswith("date:2019-13 cannot be read")
    assert parse_query("date:2019-02-01..2019-02-10").filters == (
        Filter("date", "2019-02-01..2019-02-10"),
    )
    assert parse_query("date:2020").filters == (Filter("date", "2020-01-01..2020-12-31"),)
    assert parse_query("date:20190204").filters == (Filter("date", "2019-02-04..2019-02-04"),)
    assert parse_query("date:2019-03..2019-02").filters == ()  # backwards
    assert parse_query("page:0").filters == () and parse_query("page:x").problems


@pytest.mark.parametrize(
    ("title", "number"),
    [("第1版 要闻", 1), ("第03版：要闻", 3), ("01_要闻", 1), ("12", 12), ("要闻", None)],
)
def test_the_page_number_of_a_sections_title(title: str, number: int | None) -> None:
    assert page_number(title) == number


def test_terms_and_filters_combine_and_equal_the_oracle_narrowed(paper: Library) -> None:
    index = SearchIndex.build(paper)
    # Ranked as ever: the term in a title first.
    assert titles(index, "经济 date:2019-02 page:1") == ["二月经济开局", "春节假期消费"]
    assert titles(index, "经济 date:2019-02") == ["二月经济开局", "二版经济观察", "春节假期消费"]
    assert set(titles(index, "经济 page:2")) == {"二版经济观察"}
    in_february = {
        a.id
        for issue in paper.issues
        if issue.date and issue.date.strftime("%Y-%m") == "2019-02"
        for section in issue.sections
        for a in section.articles
    }
    found = {hit.article_id for hit in index.search("经济 date:2019-02", limit=0).hits}
    assert found == oracle(paper, "经济") & in_february
    assert index.search("经济 date:2019-02", limit=0).total == len(found)


def test_a_filter_alone_lists_its_articles_newest_first(paper: Library) -> None:
    index = SearchIndex.build(paper)
    result = index.search("date:2019-02-01..2019-02-10", limit=0)
    assert [hit.title for hit in result.hits] == ["春节假期消费", "二月经济开局", "二版经济观察"]
    assert result.total == 3
    assert result.hits[0].snippet.text.startswith("节日消费旺盛")
    assert index.search("page:1", limit=2).total == 5


def test_is_filters_read_the_marks_given(paper: Library) -> None:
    index = SearchIndex.build(paper)
    ids = {hit.title: hit.article_id for hit in index.search("date:2019", limit=0).hits}
    marks = {"read": {ids["二月经济开局"]}, "saved": {ids["三月经济数据"]}}
    given = marks.__getitem__
    assert titles(index, "经济 is:read", marks=given) == ["二月经济开局"]
    assert titles(index, "经济 is:saved", marks=given) == ["三月经济数据"]
    unread = titles(index, "经济 is:unread", marks=given)
    assert "二月经济开局" not in unread and len(unread) == 4
    assert titles(index, "经济 is:read") == []  # no marks given: nothing is known read


def test_problems_come_back_with_the_result(paper: Library) -> None:
    index = SearchIndex.build(paper)
    result = index.search("经济 colour:red")
    assert result.problems and "unknown filter colour:" in result.problems[0]
    assert result.total == 0  # "colour:red" searched as text: nowhere


def test_dubao_search_with_filters(tmp_path: Path) -> None:
    root = write_paper(tmp_path / "paper")
    done = run("search", "经济 date:2019-02 page:1", str(root), "--json")
    assert done.returncode == 0, done.stderr
    assert [hit["title"] for hit in json.loads(done.stdout)["hits"]] == [
        "二月经济开局",
        "春节假期消费",
    ]
    alone = run("search", "date:2019-03", str(root), "--json")
    assert alone.returncode == 0 and json.loads(alone.stdout)["total"] == 1
    unknown = run("search", "经济 colour:red", str(root))
    assert unknown.returncode == 2
    assert unknown.stderr.count("\n") == 1 and "unknown filter colour:" in unknown.stderr
    unread = run("search", "经济 is:unread", str(root), "--json")
    assert unread.returncode == 0 and json.loads(unread.stdout)["total"] == 5  # nothing read


async def test_the_reader_searches_with_filters_and_says_what_it_cannot_read(
    tmp_path: Path,
) -> None:
    from textual.widgets import OptionList

    from tui.store.settings import Settings
    from tui.ui.app import DubaoApp
    from tui.ui.screens.search import SearchScreen

    from .test_search_ui import ready, status

    app = DubaoApp(
        load_library([write_paper(tmp_path / "paper")]),
        settings=Settings(theme="dubao-dark"),
        language="en",
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app, pilot)
        store = app.store
        assert store is not None
        first = app.reader.places[0].article  # 三月经济数据, the newest
        store.mark_read(first.id)
        await pilot.press("slash")
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        assert "date:2019-02" in screen.query_one("#search-field").placeholder
        for query, expected in (
            ("经济 date:2019-02 page:1", ["二月经济开局", "春节假期消费"]),
            ("经济 is:read", ["三月经济数据"]),
        ):
            screen.query_one("#search-field").value = query
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            listed = screen.query_one(OptionList)
            prompts = [
                str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)
            ]
            assert [p.split("  ")[0].split("\n")[0] for p in prompts] == expected, query
        screen.query_one("#search-field").value = "经济 colour:red"
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "unknown filter colour:" in status(app)
