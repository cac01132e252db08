"""Screens that Textual lays out and paints no more often than their size and content ask.

`FirstLayoutPaints`: the first layout paints the whole screen, every widget at its new
size (laid out twice before that paint where a scroll bar came as a widget was given its
size: what it holds was placed without it). Textual then has it all painted again: the
screen asks for a whole repaint as it resumes, each widget mounted asked for a paint and
a layout as it was idle before that first paint, and each widget given its size asks
again. Those requests are dropped, once, as the first paint is done, and the regions they
marked with them (for the reader's screen at each start, three more paints of the whole
screen: ~11 KB written again over SSH). The reader's screen is laid out first as it
resumes; a modal as it resumes, or before, once its widgets are mounted.

`SizedScreen`, a screen laid out once for each size of the terminal: Textual lays a screen
out again, and paints it whole, for every Resize the screen gets, whether its size changed
or not: three times as the reader starts (the app's first size, the screen's own first
layout, the size the terminal driver reads). Its breakpoint classes
(`App.HORIZONTAL_BREAKPOINTS`) come with those events too, after the first paint, which is
then styled again. Here they are set before the first layout, and a Resize to the size the
screen has is dropped.

`SizedModal`, a modal screen laid out again for a Resize only where it or a screen under it
has another size: Textual's handler lays out every screen under it too, which has the
modal painted whole again, what shows through tinted anew. Each modal gets such a Resize
once its first layout is done, at the size it opened at. As it opens, Textual lays it out
(which paints it whole) and then asks for it to be painted whole again; and lays it out
again once its widgets are mounted, which paints it whole again too, what shows through
tinted anew (~6.5 KB at 80x24 each time). That repaint is dropped, the regions passed up
from under the modal since its first paint kept (left marked, the whole screen was
painted again with the first of them, as the first keys of a search came), and a later
layout marks only what it moves. A modal uncovered again (a screen over it closed) is
still painted whole. What shows through it is tinted a style at a time (`TintedScreen`).

Both tell a screen over them what changed once (`ChangesPassedOnce`): Textual (8.2) has a
screen under a modal pass the regions that changed up to the modal, and then mark itself
to be painted again, which at its next idle passes the same regions up again. Every
message the covered screen handles (the loader's news, the index opened) then has the
modal repaint them: the whole screen, from the push that covered it (~6.5 KB at 80x24,
~20 ms, as the first search answers).
"""

from __future__ import annotations

import math
from typing import Self

from rich.console import RenderableType
from textual import events, messages
from textual._time import get_time
from textual.geometry import Region, Size
from textual.renderables.background_screen import BackgroundScreen
from textual.screen import ModalScreen, Screen, ScreenResultType
from textual.widget import Widget

from tui.ui.screens.tinted import TintedScreen

Breakpoints = list[tuple[int, str]]


def breakpoint_classes(screen: Screen[object], size: Size) -> dict[str, bool]:
    """Each of the screen's breakpoint classes (its own, else its app's): whether it has
    it at `size`, as Textual's `Screen` decides (the largest breakpoint reached)."""
    app = screen.app
    horizontal = _or_else(screen.HORIZONTAL_BREAKPOINTS, app.HORIZONTAL_BREAKPOINTS)
    vertical = _or_else(screen.VERTICAL_BREAKPOINTS, app.VERTICAL_BREAKPOINTS)
    classes = {name: False for _, name in [*horizontal, *vertical]}
    for dimension, breakpoints in ((size.width, horizontal), (size.height, vertical)):
        reached = [(at, name) for at, name in breakpoints if dimension >= at]
        if reached:
            classes[max(reached)[1]] = True
    return classes


def _or_else(own: Breakpoints | None, app: Breakpoints | None) -> Breakpoints:
    return (app if own is None else own) or []


class ChangesPassedOnce(Screen[ScreenResultType]):
    _painting_held = False  # laid out, to be painted after (`FirstLayoutPaints`)

    def _compositor_refresh(self) -> None:
        if self._painting_held:
            return
        covered = self in self.app._background_screens
        super()._compositor_refresh()
        if covered:  # passed up to the screen on top, which paints them: not to pass again
            self._repaint_required = False


class FirstLayoutPaints(ChangesPassedOnce[ScreenResultType]):
    """Drops the requests to be painted or laid out that a screen's first layout, which
    paints it whole, has done: those made before it, those its widgets made as it gave
    them their sizes, and the whole repaint Textual asks for as the screen resumes."""

    # When the first layout began (it paints everything): until then, every request to be
    # painted or laid out is one that layout does.
    _first_paint = math.inf
    _resumed = False  # shown: painted whole, or about to be

    def _refresh_layout(self, size: Size | None = None, scroll: bool = False) -> None:
        # The first layout comes as the screen is resumed, or (a modal) before, once its
        # widgets are mounted: wherever it comes, it paints the screen whole.
        first = (
            self._first_paint == math.inf
            and self.is_current
            and bool(self.outer_size if size is None else size)
        )
        if not first:
            super()._refresh_layout(size, scroll)
            return
        self._first_paint = get_time()
        widgets = list(self.walk_children(Widget))
        gutters = [widget.scrollbar_gutter for widget in widgets]
        self._painting_held = True
        try:
            super()._refresh_layout(size, scroll)
            if gutters != [widget.scrollbar_gutter for widget in widgets]:
                # Scroll bars came or went as the widgets were given their sizes: what is
                # in them was placed without them, or with (the help's text in its full
                # width, no bar, until a later layout). Placed again before the paint.
                super()._refresh_layout(size, scroll)
        finally:
            self._painting_held = False
        if not self.app._batch_count:  # else Textual painted it later itself
            self._compositor_refresh()
        self._forget_repaints()

    def _forget_repaints(self) -> None:
        """What the screen and its widgets asked for while the first layout painted them."""
        self._repaint_required = self._layout_required = False
        self._repaint_regions.clear()
        self._layout_widgets.clear()
        self._dirty_widgets.clear()
        for widget in self.walk_children(Widget):
            widget._repaint_required = widget._layout_required = False

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        size = self._size
        opening = not self._resumed
        asked = set(self._repaint_regions)  # since the first paint (a modal: from under it)
        super()._on_screen_resume(event)  # ends by asking for the whole screen to be painted
        event.prevent_default()  # called here: not again
        self._resumed = True
        if self._size != size:  # laid out just now, and so painted whole: not again
            asked.clear()
        elif not (opening and self._first_paint < math.inf):  # uncovered again
            return
        # Laid out as it opened, before this: only what was asked for since.
        self._repaint_regions.clear()
        self._repaint_regions.update(asked)
        self._repaint_required = bool(asked)

    def _on_update(self, message: messages.Update) -> None:
        self._drop_if_painted(message)

    def _on_layout(self, message: messages.Layout) -> None:
        self._drop_if_painted(message)

    def _drop_if_painted(self, message: messages.Update | messages.Layout) -> None:
        if message.time < self._first_paint:
            message.stop()
            message.prevent_default()  # Textual's handler: the widget painted once more


class SizedScreen(FirstLayoutPaints[ScreenResultType]):
    def on_mount(self) -> None:
        # Styled with them as it is resumed, before its first layout.
        self.update_classes(breakpoint_classes(self, self.app.size), update=False)

    def on_resize(self, event: events.Resize) -> None:
        if event.size == self.outer_size:
            event.prevent_default()  # Textual's handler: the layout again, at the same size


class SizedModal(ModalScreen[ScreenResultType], FirstLayoutPaints[ScreenResultType]):
    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> Self:
        if layout and not regions and self._resumed:
            repaint = False  # a layout once painted marks what it moves
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def render(self) -> RenderableType:
        rendered = super().render()
        if type(rendered) is BackgroundScreen:  # what shows through, tinted
            return TintedScreen(rendered.screen, rendered.color)
        return rendered

    def on_resize(self, event: events.Resize) -> None:
        if all(screen.outer_size == event.size for screen in self.app.screen_stack):
            event.prevent_default()  # Textual's handler: every screen laid out again
