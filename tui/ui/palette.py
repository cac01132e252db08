"""Textual's command palette, saying "no matches" in the reader's language."""

from __future__ import annotations

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette
from textual.widgets.option_list import Option


class Palette(CommandPalette):
    def __init__(self, no_matches: str, **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self.no_matches = no_matches

    def _start_no_matches_countdown(self, search_value: str) -> None:
        # Textual's own, whose English words are fixed inside it.
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(
                        Align.center(Text(self.no_matches, style="not bold")),
                        disabled=True,
                        id=self._NO_MATCHES,
                    )
                )
                self._list_visible = True
            else:  # listing, not searching: nothing to say
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)
