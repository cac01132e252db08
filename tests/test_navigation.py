"""The reading order and the moves between articles, without a screen."""

from __future__ import annotations

import datetime as dt

from tui.core.model import Article, Block, Issue, Library, Section
from tui.core.navigation import ReadingOrder


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
