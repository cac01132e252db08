"""The reading order and the moves between articles, without a screen."""

from __future__ import annotations

import datetime as dt

from tui.core.layout import Anchor
from tui.core.model import Article, Block, Issue, Library, Section
from tui.core.navigation import History, ReadingOrder


def _article(name: str) -> Article:
    return Article(name, "article", name, (Block("paragraph", f"{name}。"),))


def _issue(day: int, pages: list[list[str]]) -> Issue:
    sections = tuple(
        Section(f"{day}-{n}", f"第{n}版", f"{day}-{n}.md", tuple(map(_article, names)))
        for n, names in enumerate(pages, start=1)
    )
    return Issue(str(day), str(day), dt.date(2019, 2, day), sections)


# Two issues, newest first: pages of 2, 1 and 3 articles, then one page of 2.
ORDER = ReadingOrder.of(
    Library((_issue(4, [["a", "b"], ["c"], ["d", "e", "f"]]), _issue(3, [["g", "h"]])))
)


def test_places_are_in_reading_order_with_their_position_on_the_page() -> None:
    assert [p.article.id for p in ORDER.places] == list("abcdefgh")
    assert [p.position for p in ORDER.places] == [1, 2, 1, 1, 2, 3, 1, 2]
    assert ORDER.index_of["e"] == 4


def test_article_moves_stop_at_the_ends() -> None:
    assert ORDER.next_article(0) == 1
    assert ORDER.next_article(7) is None
    assert ORDER.previous_article(3) == 2
    assert ORDER.previous_article(0) is None


def test_section_moves_go_page_by_page_across_issues() -> None:
    assert ORDER.section_start(5) == 3
    assert ORDER.next_section(0) == 2  # from a, page 1 → c, page 2
    assert ORDER.next_section(4) == 6  # from e, the last page of 4 Feb → g, 3 Feb
    assert ORDER.next_section(7) is None
    assert ORDER.previous_section(5) == 2  # from f → the first of the page before: c
    assert ORDER.previous_section(6) == 3  # from g → d, the first of 4 Feb's last page
    assert ORDER.previous_section(1) is None


def test_next_unread_goes_round_and_says_when_all_are_read() -> None:
    read = {"b", "c", "d"}
    assert ORDER.next_unread(0, read.__contains__) == 4
    assert ORDER.next_unread(6, {"h"}.__contains__) == 0  # round to the first
    assert ORDER.next_unread(2, set("abcdefgh").__contains__) is None


def test_each_issue_starts_once() -> None:
    assert ORDER.issue_starts() == [0, 6]


def at(block: int) -> Anchor:
    return Anchor(block, 0)


def everything(_: str) -> bool:
    return True


def test_history_goes_back_and_forward_as_a_browser_does() -> None:
    history = History()
    assert history.back("a", at(0), everything) is None
    history.left("a", at(3))  # a → b
    history.left("b", at(1))  # b → c
    assert history.back("c", at(2), everything) == ("b", at(1))
    assert history.back("b", at(5), everything) == ("a", at(3))
    assert history.back("a", at(3), everything) is None
    assert history.forward("a", at(4), everything) == ("b", at(5))  # where it was left
    assert history.forward("b", at(5), everything) == ("c", at(2))
    assert history.forward("c", at(2), everything) is None
    assert history.back("c", at(2), everything) == ("b", at(5))
    history.left("b", at(6))  # b → d: a new way forward
    assert history.forward("d", at(0), everything) is None
    assert history.back("d", at(0), everything) == ("b", at(6))


def test_history_keeps_the_last_hundred_and_passes_over_articles_gone() -> None:
    history = History()
    for n in range(150):
        history.left(str(n), at(n))
    went = []
    while (there := history.back("here", at(0), lambda i: i != "148")) is not None:
        went.append(there[0])
    assert went[:2] == ["149", "147"]  # 148 is gone
    assert len(went) == History.DEPTH - 1
    assert went[-1] == "50"
