"""The search panel's list of results: Textual's `OptionList`, not painted again, blank,
when there is nothing in it to set again.

`OptionList` clears its lines, and paints itself again, for every Resize, and for every
`clear_options`, empty or not. The panel gets a Resize just after its first paint, and
cleared its list as it asked for the empty field: the empty list was written again, blank,
with the first keys typed (~2.5 KB at 80x24, of ~13 KB from `/` to the first answer). An
empty list has no lines to set again for a new width; the compositor paints the region of
a widget whose size changed."""

from __future__ import annotations

from typing import Self

from textual import events
from textual.widgets import OptionList


class ResultList(OptionList):
    def clear_options(self) -> Self:
        if not self.option_count:
            return self
        return super().clear_options()

    def _on_resize(self, event: events.Resize) -> None:
        if not self.option_count:
            event.prevent_default()  # OptionList's handler: its lines made again, and painted
