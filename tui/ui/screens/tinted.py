"""The screen under a modal, shown through it tinted, each style tinted once.

Textual (8.2) draws a translucent modal's background by rendering the screen under it and
tinting every segment anew: a style cleared of its links, two colours parsed back from
rich, blended and made into rich colours again, and a style added, for each of the ~500
segments of an 80x24 page of Chinese text (some 25 ms as the search panel opens, while
the first keys arrive). A page has a few dozen styles: `TintedScreen` tints each once.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.renderables.background_screen import BackgroundScreen

_PLAIN = Style()


@lru_cache(maxsize=4096)
def tinted(style: Style | None, color: Color) -> Style:
    """`style` as Textual's `BackgroundScreen` tints it with `color` (not transparent)."""
    style = _PLAIN if style is None else style.clear_meta_and_links()
    return style + Style.from_color(
        None if style.color is None else (Color.from_rich_color(style.color) + color).rich_color,
        None
        if style.bgcolor is None
        else (Color.from_rich_color(style.bgcolor) + color).rich_color,
    )


class TintedScreen(BackgroundScreen):
    @classmethod
    def process_segments(cls, segments: Iterable[Segment], color: Color) -> Iterable[Segment]:
        if color.a == 0:  # cleared only, as Textual does it
            return BackgroundScreen.process_segments(segments, color)
        return (
            segment if segment.control else Segment(segment.text, tinted(segment.style, color))
            for segment in segments
        )
