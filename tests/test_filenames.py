"""What page files' names say: one article of a dated issue, its page and order."""

from __future__ import annotations

import datetime as dt

import pytest

from tui.library.filenames import ArticleName, article_name, paper_in

FEB_4 = dt.date(2019, 2, 4)


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        ("20190204-01-02", ArticleName(FEB_4, 1, 2)),
        ("20190204-12-003", ArticleName(FEB_4, 12, 3)),
        ("2019-02-04-05-01", ArticleName(FEB_4, 5, 1)),
        ("20190204_05_01", ArticleName(FEB_4, 5, 1)),
        # People's Daily's own naming: the order on the page, then the page.
        ("renmrb_20171204_1-24", ArticleName(dt.date(2017, 12, 4), 24, 1, "人民日报")),
        ("RENMRB_20171204_3-02", ArticleName(dt.date(2017, 12, 4), 2, 3, "人民日报")),
        ("nw.D110000renmrb_20171204_2-01.htm", ArticleName(dt.date(2017, 12, 4), 1, 2, "人民日报")),
        ("gmrb_20180105_4-07", ArticleName(dt.date(2018, 1, 5), 7, 4, "光明日报")),
        ("jjrb_20180105_1-01", ArticleName(dt.date(2018, 1, 5), 1, 1, "经济日报")),
        # A code dubao does not know: the page and order still count, the paper is unknown.
        ("xyzb_20180105_2-03", ArticleName(dt.date(2018, 1, 5), 3, 2, None)),
    ],
)
def test_names_of_one_article(stem: str, expected: ArticleName) -> None:
    assert article_name(stem) == expected


@pytest.mark.parametrize(
    "stem",
    [
        "20190204",  # a daily page
        "20190204-01",  # a page file
        "000_9d98c7fe781bce98",  # the seed's page
        "03_要闻",
        "20191304-01-02",  # no 13th month
        "20190230-01-02",
        "2019-02-04-01_02",  # separators that disagree
        "renmrb_20171204_1-24-x",
        "第1版",
    ],
)
def test_other_names_are_not_one_article(stem: str) -> None:
    assert article_name(stem) is None


@pytest.mark.parametrize(
    ("stem", "paper"),
    [
        ("renmrb_20171204_1-24", "人民日报"),
        ("gmrb-20180105-03", "光明日报"),
        ("20180105_jjrb_01", "经济日报"),
        ("20190204-01-02", None),
        ("03_要闻", None),
        ("grrbx_20180105", None),  # not a code, only like one
    ],
)
def test_the_paper_a_name_gives(stem: str, paper: str | None) -> None:
    assert paper_in(stem) == paper
