"""The saved articles of the library being read, newest saved first; Enter opens one."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from tui.core.i18n import Strings
from tui.core.text import one_line
from tui.store.state import SavedArticle
from tui.ui.screens.sized import SizedModal


class SavedScreen(SizedModal[str | None]):
    """Chooses a saved article: its id, or None (Esc)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,S,q", "cancel", show=False),
    ]

    def __init__(self, strings: Strings, saved: list[SavedArticle], elsewhere: int) -> None:
        """`saved`: those in this library, newest first; `elsewhere`: how many more are
        saved from other libraries."""
        super().__init__()
        self.strings = strings
        self.saved = saved
        self.elsewhere = elsewhere

    def compose(self) -> ComposeResult:
        with Vertical(id="saved-box"):
            yield Label(Content(self.strings("saved.title")), id="saved-title")
            yield Label(Content(self._status()), id="saved-status")
            yield OptionList(
                *(Option(_prompt(article), id=article.id) for article in self.saved),
                id="saved-list",
            )

    def _status(self) -> str:
        if not self.saved and not self.elsewhere:
            return self.strings("saved.none")
        total = len(self.saved) + self.elsewhere
        if self.elsewhere:
            return self.strings("saved.elsewhere", n=total, m=self.elsewhere)
        return self.strings("saved.count", n=total)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _prompt(article: SavedArticle) -> Content:
    where = " · ".join(
        one_line(part) for part in (article.paper, article.date, article.page) if part
    )
    return (
        Content.styled(one_line(article.title), "bold")
        + Content("\n")
        + Content.styled(where, "dim")
    )
