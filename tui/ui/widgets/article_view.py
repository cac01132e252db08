"""The article pane: one article set in a centred text column, drawn line by line.

It is a ScrollView with the Line API: only the rows on screen are rendered, and a
re-layout on resize re-wraps the text with the CJK line breaker (tui.core.text), keeping
the paragraph at the top of the screen where it was.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Offset, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip

from tui.core.clipboard import selected_text
from tui.core.layout import (
    COLUMN_LABEL,
    DEFAULT_MEASURE,
    HEADER,
    Anchor,
    Line,
    anchor_at,
    header_offset,
    layout_article,
    row_of,
)
from tui.core.model import Article
from tui.core.text import cell_width


class ArticleView(ScrollView, can_focus=True):
    """Shows one article; posts `Position` whenever what is on screen changes."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "article--column",
        "article--kicker",
        "article--title",
        "article--subtitle",
        "article--byline",
        "article--rule",
        "article--subhead",
        "article--body",
        "article--dateline",
        "article--caption",
        "article--credit",
        "article--match",
        "article--match-current",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "line(1)", "Line down", show=False, id="line_down"),
        Binding("k,up", "line(-1)", "Line up", show=False, id="line_up"),
        Binding("g,home", "top", "Top", show=False, id="top"),
        Binding("G,end", "bottom", "Bottom", show=False, id="bottom"),
        Binding("left", "noop", show=False),
        Binding("right", "noop", show=False),
    ]

    measure: reactive[int] = reactive(DEFAULT_MEASURE)
    animate_scroll: bool = False

    class Position(Message):
        """Where the reader is in the article shown."""

        def __init__(
            self, article: Article, anchor: Anchor, percent: int, at_end: bool, by_reader: bool
        ) -> None:
            super().__init__()
            self.article = article
            self.anchor = anchor
            self.percent = percent
            self.at_end = at_end
            # Moved by a key since the article opened, not only laid out where it was left.
            self.by_reader = by_reader

    def __init__(
        self, photo_label: str = "[图]", *, column_label: str = COLUMN_LABEL, id: str | None = None
    ) -> None:
        """`photo_label` stands for a photo's picture; `column_label` names the column an
        article ran under, the column in place of its {column}."""
        super().__init__(id=id)
        self.photo_label = photo_label
        self.column_label = column_label
        self.article: Article | None = None
        self._lines: list[Line] = []
        self._laid_out_width = -1
        self._pending_anchor: Anchor | None = None
        self._last_position: tuple[str, Anchor, int, bool] | None = None
        self._by_reader = False
        self._matches: list[tuple[int, int, int]] = []
        self._current_match = -1
        # Keys pressed before the first layout (typed ahead at start-up) wait for it.
        self._waiting: list[Callable[[], None]] = []

    # -- showing ---------------------------------------------------------------

    def show(self, article: Article, anchor: Anchor | None = None) -> None:
        """Open an article at an anchor (its start when None)."""
        self.article = article
        self._matches = []
        self._current_match = -1
        self._pending_anchor = anchor or Anchor(-1, 0)
        self._by_reader = False
        self._laid_out_width = -1
        self._relayout()

    @property
    def column_width(self) -> int:
        width = self.scrollable_content_region.width or self.size.width
        return max(2, min(self.measure, width - 2))

    @property
    def lines(self) -> list[Line]:
        return self._lines

    def top_anchor(self) -> Anchor:
        return anchor_at(self._lines, round(self.scroll_y))

    def _relayout(self) -> None:
        if self.article is None or self.size.width <= 0:
            return
        if self.is_attached and self.text_selection is not None:
            self.screen.clear_selection()  # its rows are the old layout's
        anchor = self._pending_anchor or (self.top_anchor() if self._lines else None)
        self._pending_anchor = None
        width = self.column_width
        self._lines = layout_article(self.article, width, self.photo_label, self.column_label)
        self._laid_out_width = width
        self.virtual_size = Size(self.size.width, len(self._lines))
        self._styles_cache.clear()
        row = row_of(self._lines, anchor) if anchor else 0
        self.scroll_to(y=row, animate=False, immediate=True, force=True)
        self.refresh()
        self._report()
        waiting, self._waiting = self._waiting, []
        for action in waiting:
            action()

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        resized = super()._size_updated(size, virtual_size, container_size, layout)
        # Laid out as the screen is, before it is painted, scroll state and all: otherwise
        # the first screen comes with the pane empty, and the text is painted twice more
        # (once the Resize comes, and at the next layout, for its new height).
        if resized and self.article is not None and self.column_width != self._laid_out_width:
            self._relayout()
            self._scroll_update(self.virtual_size)
        return resized

    def on_resize(self, event: events.Resize) -> None:
        if self.column_width != self._laid_out_width or not self._lines:
            self._relayout()
        else:
            self.virtual_size = Size(self.size.width, len(self._lines))
            self._report()

    def watch_measure(self) -> None:
        if self.article is not None and self.column_width != self._laid_out_width:
            self._relayout()

    # Widget's own focus handlers repaint the whole widget; nothing here looks different
    # with focus (any `:focus` style would refresh it through the stylesheet anyway).
    def _on_focus(self, event: events.Focus) -> None:
        event.prevent_default()
        self.has_focus = True
        if self.parent is not None:
            self.parent.post_message(events.DescendantFocus(self))

    def _on_blur(self, event: events.Blur) -> None:
        event.prevent_default()
        self.has_focus = False
        if self.parent is not None:
            self.parent.post_message(events.DescendantBlur(self))

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._report()

    # -- position -------------------------------------------------------------

    def percent_read(self) -> int:
        total = len(self._lines)
        if total == 0:
            return 0
        seen = min(total, round(self.scroll_y) + self.scrollable_content_region.height)
        return max(0, min(100, round(100 * seen / total)))

    def at_end(self) -> bool:
        return round(self.scroll_y) >= self.max_scroll_y

    def _report(self) -> None:
        if self.article is None or not self._lines:
            return
        anchor, percent, at_end = self.top_anchor(), self.percent_read(), self.at_end()
        key = (self.article.id, anchor, percent, at_end)
        if key != self._last_position:
            self._last_position = key
            self.post_message(self.Position(self.article, anchor, percent, at_end, self._by_reader))

    # -- scrolling ---------------------------------------------------------------

    def _go(self, target: Callable[[], float]) -> None:
        if not self._lines:
            self._waiting.append(lambda: self._go(target))
            return
        self._by_reader = True
        animate = self.animate_scroll
        self.scroll_to(
            y=target(), animate=animate, duration=0.15, immediate=not animate, force=True
        )

    def action_line(self, delta: int) -> None:
        self._go(lambda: self.scroll_target_y + delta)

    def page(self, direction: int) -> None:
        def target() -> float:
            step = max(1, self.scrollable_content_region.height - 1)  # a line of context
            return self.scroll_target_y + direction * step

        self._go(target)

    def action_top(self) -> None:
        self._go(lambda: 0)

    def action_bottom(self) -> None:
        self._go(lambda: self.max_scroll_y)

    def action_noop(self) -> None:
        """Left and right do nothing here: the text never scrolls sideways."""

    # -- drawing -------------------------------------------------------------------

    def _style(self, kind: str) -> Style:
        return self.get_component_rich_style(f"article--{kind}")

    def _text_segments(self, line: Line, row: int, style: Style) -> list[Segment]:
        """A line's text, with its dateline, any search matches and the selection styled."""
        ranges: list[tuple[int, int, Style]] = []
        if line.lead:
            ranges.append((0, line.lead, self._style("dateline")))
        selection = self.text_selection
        span = selection.get_span(row) if selection is not None else None
        for n, (block, start, end) in enumerate(self._matches):
            if block == line.block and start < line.end and end > line.start:
                kind = "match-current" if n == self._current_match else "match"
                ranges.append(
                    (
                        max(start, line.start) - line.start,
                        min(end, line.end) - line.start,
                        self._style(kind),
                    )
                )
        if span is not None:
            start, end = span
            end = len(line.text) if end == -1 else min(end, len(line.text))
            if start < end:
                selected = self.screen.get_component_rich_style("screen--selection")
                ranges.append((start, end, selected))
        if not ranges:
            return [Segment(line.text, style)]
        cuts = sorted({0, len(line.text), *(b for r in ranges for b in r[:2])})
        segments = []
        for a, b in pairwise(cuts):
            piece_style = style
            for start, end, extra in ranges:
                if start <= a and b <= end:
                    piece_style = piece_style + extra
            segments.append(Segment(line.text[a:b], piece_style))
        return segments

    # -- search matches --------------------------------------------------------------

    def set_matches(self, matches: list[tuple[int, int, int]]) -> None:
        """Highlight these (block, start, end) ranges; n/N move between them."""
        self._matches = sorted(matches)
        self._current_match = -1
        self.refresh()

    def set_field_matches(self, matches: list[tuple[str | int, int, int]]) -> None:
        """Like set_matches, with header fields named ("title", …, "column") instead of a
        block index. A field the header does not show (a byline the text prints) has none."""
        assert self.article is not None
        placed = []
        for where, start, end in matches:
            if isinstance(where, int):
                placed.append((where, start, end))
                continue
            base = header_offset(self.article, where, self.photo_label, self.column_label)
            if base is not None:
                placed.append((HEADER, base + start, base + end))
        self.set_matches(placed)

    @property
    def matches(self) -> list[tuple[int, int, int]]:
        return self._matches

    def _row_of_match(self, n: int) -> int:
        block, start, _ = self._matches[n]
        return row_of(self._lines, Anchor(block, start))

    def go_to_match(self, n: int) -> None:
        """Scroll so that match n stands a few lines below the top, and mark it current."""
        if not self._matches:
            return
        self._current_match = n % len(self._matches)
        row = self._row_of_match(self._current_match)
        self._go(lambda: max(0, row - 2))
        self.refresh()

    def next_match(self, direction: int) -> bool:
        """Go to the next (1) or previous (-1) match after the current one; False if none."""
        if not self._matches:
            return False
        if self._current_match < 0:
            top = round(self.scroll_y)
            rows = [self._row_of_match(n) for n in range(len(self._matches))]
            after = [n for n, r in enumerate(rows) if r >= top]
            n = (after[0] if after else 0) if direction > 0 else (after[0] - 1 if after else -1)
        else:
            n = self._current_match + direction
        self.go_to_match(n)
        return True

    def _text_left(self, line: Line, width: int) -> int:
        """The cell, in a pane `width` wide, where a line's text starts."""
        column = self._laid_out_width
        margin = max(0, (width - column) // 2)
        text_width = line.indent + cell_width(line.text)
        if line.align == "center":
            margin += max(0, (column - text_width) // 2)
        elif line.align == "right":
            margin += max(0, column - text_width)
        return margin + line.indent

    def render_line(self, y: int) -> Strip:
        row = round(self.scroll_y) + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if row >= len(self._lines) or width <= 0:
            return Strip.blank(width, base)
        line = self._lines[row]
        segments: list[Segment] = []
        if line.kind == "rule":
            column = self._laid_out_width
            rule_width = min(column, 8)
            left = max(0, (width - column) // 2) + (column - rule_width) // 2
            segments += [
                Segment(" " * left, base),
                Segment("─" * rule_width, base + self._style("rule")),
            ]
        elif line.text:
            left = self._text_left(line, width)
            if left:
                segments.append(Segment(" " * left, base))
            segments += self._text_segments(line, row, base + self._style(line.kind))
        strip = Strip(segments).extend_cell_length(width, base).crop(0, width)
        # One SGR sequence per run of one style, not per segment: margin, text and padding
        # usually share a style, and every segment costs ~40 bytes on a truecolor terminal.
        return strip.simplify()

    # -- selection with the mouse -----------------------------------------------------

    def text_offset_at(self, x: int, y: int) -> Offset | None:
        """The place in the text at a cell of the screen: (character in the line's text,
        row among the lines), as a selection holds it; before a line's text, its start;
        past it, its end."""
        lines = self._lines
        if not lines:
            return None
        region = self.scrollable_content_region
        row = round(self.scroll_y) + y - region.y
        if row < 0:
            return Offset(0, 0)
        if row >= len(lines):
            return Offset(len(lines[-1].text), len(lines) - 1)
        line = lines[row]
        cell = x - region.x - self._text_left(line, region.width)
        seen = 0
        for index, character in enumerate(line.text):
            seen += cell_width(character)
            if seen > cell:
                return Offset(index, row)
        return Offset(len(line.text), row)

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The text selected, a paragraph's lines joined again."""
        lines = self._lines
        if not lines:
            return None
        start = selection.start or Offset(0, 0)
        end = selection.end or Offset(len(lines[-1].text), len(lines) - 1)
        return selected_text(lines, (start.y, start.x), (end.y, end.x)), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self._styles_cache.clear()
        self.refresh()
