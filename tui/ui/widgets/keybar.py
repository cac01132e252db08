"""The reader's keys on the bottom line, as Textual's compact Footer shows them, in one widget.

Textual's Footer is a container with a widget for each key (eight here), each styled,
measured, laid out and painted on its own: about a quarter of the Python calls of a
reader's start, and a forked reader of `dubao serve` pays them for every session. Here the
line is one `Text`: each action's first shown binding (key, then description), the command
palette's key on the right where everything fits. A key is pressed by clicking it, and lit
under the mouse. The line is set again only when the keys it shows change (the screen's
bindings change with every focus change; what they show seldom does).
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import RenderResult
from textual.screen import Screen
from textual.widget import Widget


class Key(NamedTuple):
    """A key as the bar shows it."""

    key: str  # as `App.simulate_key` takes it
    display: str  # as the app shows it
    description: str
    enabled: bool


class Keys(NamedTuple):
    """What the bar shows: the keys from the left, and the command palette's (or None)."""

    left: tuple[Key, ...]
    palette: Key | None


BORDER = "▏"  # before the palette's key, as Textual's `vkey` border draws it


class KeyBar(Widget):
    ALLOW_SELECT = False
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        .keybar--item { background: $footer-item-background; }
        .keybar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .keybar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .keybar--hover { color: $footer-key-foreground; background: $block-hover-background; }
        .keybar--border { color: $foreground 20%; background: $footer-item-background; }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "keybar--item",
        "keybar--key",
        "keybar--description",
        "keybar--hover",
        "keybar--border",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.keys: Keys | None = None
        self._spans: list[tuple[int, int, Key]] = []  # where each key is on the line
        self._hover: Key | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if screen is not self.screen or not screen.app.app_focus:
            return
        keys = keys_shown(screen)
        if keys != self.keys:
            self.keys = keys
            self.refresh()

    # -- the line -----------------------------------------------------------------------

    def render(self) -> RenderResult:
        if self.keys is None:
            self.keys = keys_shown(self.screen)
        width = self.size.width
        spans: list[tuple[int, int, Key]] = []
        line = Text(no_wrap=True, overflow="crop", end="")
        for key in self.keys.left:
            start = line.cell_len
            line.append_text(self._key(key))
            spans.append((start, line.cell_len, key))
            line.append(" ")  # the gap: the bar's own colours
        palette = self.keys.palette
        if palette is not None:
            shown = Text.assemble((BORDER, self.get_component_rich_style("keybar--border")))
            shown.append_text(self._key(palette))
            shown.append(" ")
            if line.cell_len + shown.cell_len <= width:  # else keys would run under it
                start = width - shown.cell_len
                line.append(" " * (start - line.cell_len))
                spans.append((start + len(BORDER), width - 1, palette))
                line.append_text(shown)
        line.truncate(width, overflow="crop")
        self._spans = spans
        return line

    def _key(self, key: Key) -> Text:
        """A key and its description in their styles, lit under the mouse, dim if disabled.
        Their styles are partial, over the item's: a background they leave transparent is
        the item's, or the light's."""
        style = self.get_component_rich_style
        text = Text.assemble((key.display, style("keybar--key", partial=True)))
        if key.description:
            text.append(f" {key.description}", style("keybar--description", partial=True))
        lit = "keybar--hover" if key == self._hover else "keybar--item"
        text.stylize_before(style(lit))
        if not key.enabled:
            text.stylize(Style(dim=True))
        return text

    # -- the mouse --------------------------------------------------------------------------

    def _at(self, x: int) -> Key | None:
        return next((key for start, end, key in self._spans if start <= x < end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._light(self._at(event.x))

    def on_leave(self) -> None:
        self._light(None)

    def _light(self, key: Key | None) -> None:
        if key != self._hover:
            self._hover = key
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        key = self._at(event.x)
        if key is None:
            return
        if key.enabled:
            self.app.simulate_key(key.key)
        else:
            self.app.bell()


def keys_shown(screen: Screen[object]) -> Keys:
    """The keys a bar on `screen` shows: each action's first binding that is shown, in
    the order of the screen's bindings, as Textual's Footer takes them; and the command
    palette's key, where the app has one."""
    app = screen.app
    active = screen.active_bindings
    first: dict[str, Key] = {}
    for _, binding, enabled, _tooltip in active.values():
        if binding.show and binding.action not in first:
            first[binding.action] = Key(
                binding.key, app.get_key_display(binding), binding.description, enabled
            )
    palette = None
    found = active.get(app.COMMAND_PALETTE_BINDING) if app.ENABLE_COMMAND_PALETTE else None
    if found is not None:
        palette = Key(
            found.binding.key,
            app.get_key_display(found.binding),
            found.binding.description,
            found.enabled,
        )
    return Keys(tuple(first.values()), palette)
