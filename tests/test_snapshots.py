"""The reader's look, compared with SVG snapshots (pytest-textual-snapshot).

Regenerate after an intended change of look with `pytest tests/test_snapshots.py
--snapshot-update`, and look at the SVGs before committing them.
"""

from __future__ import annotations

from tui.library import load_library
from tui.store.settings import Settings
from tui.ui.app import DubaoApp

from .conftest import seed_under_a_column


def reader(theme: str = "dubao-dark", language: str = "en") -> DubaoApp:
    return DubaoApp(load_library(), settings=Settings(theme=theme), language=language)


def test_main_view_80x24(snap_compare) -> None:
    assert snap_compare(reader(), terminal_size=(80, 24))


def test_main_view_80x23(snap_compare) -> None:
    assert snap_compare(reader(), terminal_size=(80, 23))


def test_main_view_120x40(snap_compare) -> None:
    assert snap_compare(reader(), terminal_size=(120, 40))


def test_main_view_in_chinese(snap_compare) -> None:
    assert snap_compare(reader(language="zh"), terminal_size=(80, 24))


def test_an_article_under_a_column(snap_compare) -> None:
    """The seed's first article, as though its headline had ended in （新语）."""
    app = DubaoApp(seed_under_a_column(), settings=Settings(theme="dubao-dark"), language="zh")
    assert snap_compare(app, terminal_size=(80, 24))


def test_second_page_of_an_article_with_its_subhead(snap_compare) -> None:
    assert snap_compare(reader(), press=["space"], terminal_size=(80, 24))


def test_photo_item(snap_compare) -> None:
    keys = ["right_square_bracket", "right_square_bracket"]
    assert snap_compare(reader(), press=keys, terminal_size=(80, 24))


def test_help_screen(snap_compare) -> None:
    assert snap_compare(reader(), press=["question_mark"], terminal_size=(80, 24))


def test_light_theme(snap_compare) -> None:
    assert snap_compare(reader(theme="dubao-light"), terminal_size=(80, 24))


def test_terminal_colours_theme(snap_compare) -> None:
    assert snap_compare(reader(theme="dubao-terminal"), terminal_size=(80, 24))


def test_narrow_terminal_with_the_sidebar_over_the_article(snap_compare) -> None:
    assert snap_compare(reader(), press=["s"], terminal_size=(50, 24))
