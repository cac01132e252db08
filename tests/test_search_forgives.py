"""Issue 19's five questions, on pages laid out as the public 人民日报 crawler writes them
(`YYYY年M月/YYYYMMDD/YYYYMMDD-PP-NN.txt`, one article a file): in `dubao search` and in
the reader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList

from tui.library import load_library
from tui.store.settings import Settings
from tui.ui.app import DubaoApp
from tui.ui.screens.search import SearchScreen

from .conftest import write_pages
from .test_cli import run
from .test_search_ui import ready

FILES = {
    "2019年2月/20190201/20190201-01-01.txt": (
        "习近平同卡塔尔埃米尔举行会谈",
        "本报北京1月31日电 塔米姆表示，卡塔尔对中国经济充满信心，重视同台湾同胞的交流。",
    ),
    "2019年2月/20190201/20190201-02-01.txt": (
        "臺灣同胞新春聯誼",
        "本报讯 兩岸同胞共話經濟發展。",
    ),
    "2019年2月/20190210/20190210-01-01.txt": (
        "经济形势分析会召开",
        "本报讯 会议分析了当前经济形势。",
    ),
    "2019年3月/20190301/20190301-01-01.txt": (
        "三月经济数据发布",
        "本报讯 三月的经济数据发布。",
    ),
}
ANSWERS = {
    "臺灣": {"习近平同卡塔尔埃米尔举行会谈", "臺灣同胞新春聯誼"},
    "台湾": {"习近平同卡塔尔埃米尔举行会谈", "臺灣同胞新春聯誼"},
    "jingji": {"经济形势分析会召开", "三月经济数据发布"},
    "jj": {"经济形势分析会召开", "三月经济数据发布"},
    "xjp": {"习近平同卡塔尔埃米尔举行会谈"},
    "经济 date:2019-02 page:1": {"习近平同卡塔尔埃米尔举行会谈", "经济形势分析会召开"},
}


def write_crawl(root: Path) -> Path:
    """Each file as the crawler writes it: a blank line, the headline, the indented text."""
    return write_pages(root, {name: f"\n{t}\n\u3000\u3000{b}\n" for name, (t, b) in FILES.items()})


@pytest.mark.parametrize(("query", "titles"), list(ANSWERS.items()))
def test_dubao_search_answers_each_question(tmp_path: Path, query: str, titles: set[str]) -> None:
    done = run("search", query, str(write_crawl(tmp_path / "rmrb")), "--json", "--limit", "0")
    assert done.returncode == 0, done.stderr
    assert {hit["title"] for hit in json.loads(done.stdout)["hits"]} == titles


async def test_the_reader_answers_each_question(tmp_path: Path) -> None:
    library = load_library([write_crawl(tmp_path / "rmrb")])
    app = DubaoApp(library, settings=Settings(theme="dubao-dark"), language="zh")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app, pilot)
        await pilot.press("slash")
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        for query, titles in ANSWERS.items():
            screen.query_one(Input).value = query
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            listed = screen.query_one(OptionList)
            shown = [listed.get_option_at_index(i).prompt.plain for i in range(listed.option_count)]
            assert {prompt.split("  ")[0].split("\n")[0] for prompt in shown} == titles, query
