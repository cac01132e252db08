"""A screen laid out once for each size of the terminal.

Textual lays a screen out again, and paints it whole, for every Resize the screen gets,
whether its size changed or not: three times as the reader starts (the app's first size,
the screen's own first layout, the size the terminal driver reads). Its breakpoint classes
(`App.HORIZONTAL_BREAKPOINTS`) come with those events too, after the first paint, which is
then styled again. Here they are set before the first layout, and a Resize to the size the
screen has is dropped. Not for a modal screen: its Resize also lays out the screen under
it, which shows through.
"""

from __future__ import annotations

from textual import events
from textual.geometry import Size
from textual.screen import Screen, ScreenResultType

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


class SizedScreen(Screen[ScreenResultType]):
    def on_mount(self) -> None:
        # Styled with them as it is resumed, before its first layout.
        self.update_classes(breakpoint_classes(self, self.app.size), update=False)

    def on_resize(self, event: events.Resize) -> None:
        if event.size == self.outer_size:
            event.prevent_default()  # Textual's handler: the layout again, at the same size
