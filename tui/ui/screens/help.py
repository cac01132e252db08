"""The help screen: a modal that shows the packaged key reference (`HelpText`), each
`{id}` in it replaced by the keys of that binding in force (`tui.ui.keys.fill_keys`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll

from tui.core.i18n import Strings
from tui.ui.keys import fill_keys
from tui.ui.screens.sized import SizedModal
from tui.ui.widgets.help_text import HelpText

HELP_DIR = Path(__file__).resolve().parent.parent


def help_text(language: str) -> str:
    return (HELP_DIR / f"help.{language}.md").read_text(encoding="utf-8")


class HelpScreen(SizedModal[None]):
    # The reader's ids: keys given to help, the lines and the pages in `[keys]` work here too.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss", "Close"),
        Binding("question_mark,f1", "dismiss", "Close", id="help"),
        Binding("j,down", "scroll(1)", show=False, id="line_down"),
        Binding("k,up", "scroll(-1)", show=False, id="line_up"),
        Binding("space,pagedown", "scroll(10)", show=False, id="page_down"),
        Binding("b,pageup", "scroll(-10)", show=False, id="page_up"),
    ]

    def __init__(self, strings: Strings, keys: Mapping[str, list[str]]) -> None:
        """`keys`: each binding id's keys in force, which the help's `{id}`s show."""
        super().__init__()
        self.strings = strings
        self.keys = keys

    def compose(self) -> ComposeResult:
        strings = self.strings
        with VerticalScroll(id="help") as scroll:
            scroll.border_subtitle = strings("help.close")
            yield HelpText(fill_keys(help_text(strings.language), self.keys, strings))

    def action_scroll(self, lines: int) -> None:
        self.query_one("#help", VerticalScroll).scroll_relative(y=lines, animate=False)
