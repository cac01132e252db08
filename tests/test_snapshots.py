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


def searched(query: str):  # type: ignore[no-untyped-def]
    """A `run_before` that waits for the index, then types `query` into the search panel."""

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        for _ in range(400):
            if app.reader.index is not None:
                break
            await pilot.pause(0.05)
        await pilot.press("slash", *query)
        await app.workers.wait_for_complete()
        await pilot.pause()

    return run_before


def test_search_results(snap_compare) -> None:
    assert snap_compare(reader(), run_before=searched("山西"), terminal_size=(80, 24))


def test_search_results_at_50x20_in_chinese(snap_compare) -> None:
    app = reader(language="zh")
    assert snap_compare(app, run_before=searched("山西"), terminal_size=(50, 20))
