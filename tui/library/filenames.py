"""What a page file's name says: one article of a dated issue, with its page and order.

Archives of one article per file name each file by its date, page and order:

    20190204-01-02.txt            the crawler's: page 1, the 2nd article on it
    20190204-01-002.txt           the same, with three-digit orders
    2019-02-04-01-02.txt          the same, the date with dashes
    renmrb_20171204_1-24.txt      People's Daily's e-paper: the 1st article on page 24
    nw.D110000renmrb_20171204_1-24.htm.txt   the same, as its web page was named

A name of any other shape (`03_要闻.md`, `20190204.md`) is a page file or a daily page:
it may hold many articles.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

# The codes central dailies use in their e-paper file names.
PAPERS = {
    "rmrb": "人民日报",
    "renmrb": "人民日报",
    "rmrbhwb": "人民日报海外版",
    "gmrb": "光明日报",
    "jjrb": "经济日报",
    "jfjb": "解放军报",
    "zgqnb": "中国青年报",
    "grrb": "工人日报",
    "nmrb": "农民日报",
    "kjrb": "科技日报",
    "fzrb": "法治日报",
    "jcrb": "检察日报",
    "rmfyb": "人民法院报",
    "zgjyb": "中国教育报",
    "zgfnb": "中国妇女报",
    "zgwhb": "中国文化报",
    "jkb": "健康报",
    "xhmrdx": "新华每日电讯",
    "zgrb": "中国日报",
    "qsrb": "求是",
}

_DAY = r"(?P<year>(?:19|20)\d\d)(?P<sep>-?)(?P<month>\d\d)(?P=sep)(?P<day>\d\d)"
# date, page, order
_BY_PAGE = re.compile(
    rf"(?:(?P<code>[a-z]{{2,12}})[_-])?{_DAY}(?P<by>[-_])(?P<page>\d{{1,3}})(?P=by)(?P<order>\d{{1,3}})"
)
# code, date, order, page: People's Daily's naming, maybe with its web page's prefix.
_BY_ORDER = re.compile(
    rf"(?:nw\.d\d+)?(?P<code>[a-z]{{2,12}})_{_DAY}_(?P<order>\d{{1,3}})-(?P<page>\d{{1,3}})"
    r"(?:\.html?)?"
)


@dataclass(frozen=True, slots=True)
class ArticleName:
    """One article's file name: the issue's date, the page, the article's order on it, and
    the paper's name where the name carries a known code."""

    date: dt.date
    page: int
    order: int
    paper: str | None = None


def article_name(stem: str) -> ArticleName | None:
    """What a file name without its suffix says, if it names one article of a dated issue."""
    lowered = stem.lower()
    m = _BY_ORDER.fullmatch(lowered) or _BY_PAGE.fullmatch(lowered)
    if m is None:
        return None
    try:
        date = dt.date(int(m["year"]), int(m["month"]), int(m["day"]))
    except ValueError:
        return None
    code = m["code"]
    return ArticleName(date, int(m["page"]), int(m["order"]), PAPERS.get(code) if code else None)


_TOKENS = re.compile(r"[^a-z]+")


def paper_in(stem: str) -> str | None:
    """The paper a file name names by its code (`renmrb_20171204_1-24`, `gmrb-20180105-03`)."""
    name = article_name(stem)
    if name is not None:
        return name.paper
    for token in _TOKENS.split(stem.lower()):
        if token in PAPERS:
            return PAPERS[token]
    return None
