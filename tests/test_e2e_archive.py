"""The real `dubao` in tmux on an archive of one article per file: pages, in order."""

from __future__ import annotations

from pathlib import Path

from .dubao_term import DUBAO, showing, user_dirs
from .tmux import Tmux

# page → the headlines of its articles, in their order on the page
PAGES = {
    1: ["春耕备耕有序展开", "冬奥场馆迎来首批游客", "边境口岸恢复通关"],
    2: ["农村电商助力增收"],
    3: ["图书馆延长开放时间", "老街区焕发新活力"],
}


def _write_day(root: Path) -> None:
    day = root / "2019年2月" / "20190204"
    day.mkdir(parents=True)
    for page, titles in PAGES.items():
        for order, title in enumerate(titles, start=1):
            body = f"\r\n{title}\r\n\r\n　　本报北京2月3日电  {title}，记者今天从有关部门获悉。\r\n"
            # Written in an order unlike the page's, so the order shown comes from the names.
            (day / f"20190204-{page:02}-{len(titles) - order + 1:02}.txt").write_bytes(
                body.replace(title, titles[len(titles) - order]).encode()
            )


def test_one_article_files_page_by_page(home: Path) -> None:
    _write_day(home / "archive")
    argv = [DUBAO, str(home / "archive")]
    with Tmux(argv, 100, 30, env=user_dirs(home), socket_dir=home) as term:
        term.wait_for(showing("第1版", "Article 1 of 3", "春耕备耕有序展开"))
        term.send("]")
        term.wait_for(showing("Article 2 of 3", "冬奥场馆迎来首批游客"))
        term.send("}")
        term.wait_for(showing("第2版", "Article 1 of 1", "农村电商助力增收"))
        term.send("}")
        screen = term.wait_for(showing("第3版", "Article 1 of 2", "图书馆延长开放时间"))
        term.send("q")
        assert term.wait_for_exit(10) == 0
    assert "20190204-0" not in screen  # no file name stands for a page
    assert screen.count("第1版") <= 1
