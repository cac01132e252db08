"""What shows through a modal is tinted as Textual tints it, each style once."""

from __future__ import annotations

import pytest
from rich.segment import ControlType, Segment
from rich.style import Style
from textual.color import Color
from textual.renderables.background_screen import BackgroundScreen

from tui.ui.screens.tinted import TintedScreen, tinted

STYLES = [
    None,
    Style(),
    Style(color="red"),
    Style(bgcolor="#102030"),
    Style(color="rgb(1,2,3)", bgcolor="blue", bold=True, italic=True),
    Style(color="default", bgcolor="default"),
    Style(color="color(100)", underline=True),
    Style(color="bright_yellow", link="https://example.com/a"),
    Style(bgcolor="black") + Style.from_meta({"@click": "app.bell", "offset": (1, 2)}),
]


def segments() -> list[Segment]:
    found = [Segment(f"第{n}版", style) for n, style in enumerate(STYLES * 3)]
    found.insert(4, Segment("", None, [(ControlType.CURSOR_MOVE_TO, 3, 4)]))
    return found


@pytest.mark.parametrize(
    "color", [Color(0, 0, 0, 0.6), Color(255, 240, 220, 0.25), Color(10, 20, 30, 1.0)]
)
def test_what_shows_through_is_tinted_as_textual_tints_it(color: Color) -> None:
    tinted.cache_clear()
    ours = list(TintedScreen.process_segments(segments(), color))
    assert ours == list(BackgroundScreen.process_segments(segments(), color))
    assert [segment.style for segment in ours] == [
        segment.style for segment in BackgroundScreen.process_segments(segments(), color)
    ]  # a Style equals another of the same hash: compared again as what they render
    assert [str(segment.style) for segment in ours if not segment.control] == [
        str(segment.style)
        for segment in BackgroundScreen.process_segments(segments(), color)
        if not segment.control
    ]
    assert tinted.cache_info().misses == len(STYLES)  # each style tinted once


def test_a_transparent_tint_only_clears_links_and_meta() -> None:
    clear = Color(0, 0, 0, 0)
    ours = list(TintedScreen.process_segments(segments(), clear))
    assert ours == list(BackgroundScreen.process_segments(segments(), clear))
    assert all(segment.style is None or not segment.style.link for segment in ours)
