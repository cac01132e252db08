"""The help screen: a modal that renders the packaged key reference (Markdown)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP_DIR = Path(__file__).resolve().parent.parent


def help_text(language: str) -> str:
    return (HELP_DIR / f"help.{language}.md").read_text(encoding="utf-8")


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close"),
        Binding("j,down", "scroll(1)", show=False),
        Binding("k,up", "scroll(-1)", show=False),
        Binding("space,pagedown", "scroll(10)", show=False),
        Binding("b,pageup", "scroll(-10)", show=False),
    ]

    def __init__(self, language: str, close_hint: str) -> None:
        super().__init__()
        self.language = language
        self.close_hint = close_hint

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help") as scroll:
            scroll.border_subtitle = self.close_hint
            yield Markdown(help_text(self.language))

    def action_scroll(self, lines: int) -> None:
        self.query_one("#help", VerticalScroll).scroll_relative(y=lines, animate=False)
