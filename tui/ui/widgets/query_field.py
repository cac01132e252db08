"""The search panel's field: Textual's `Input`, whose keystrokes lay out nothing while what
is typed fits in it.

`Input` sets its virtual size to the width of its text (plus the cursor's cell) at every
change of its value, and a virtual size that changes asks for a layout: the whole panel,
and the reader under it, laid out again for each key typed (5-9 ms at 80x24, before the
search could start). Its virtual size is only there to scroll the text sideways, which
text narrower than the field never does: here it is the field's width while the field is
empty (a placeholder is cut to the field) or its text fits, so it changes only once the
text is wider than the field, and it is set so as soon as the field has its width."""

from __future__ import annotations

from textual import events
from textual.geometry import Size
from textual.widgets import Input


class QueryField(Input):
    @property
    def content_width(self) -> int:
        width = self.scrollable_content_region.width
        if not self.value:  # a placeholder is cut to the field: nothing to scroll to
            return width
        return max(super().content_width, width)

    def _on_resize(self, event: events.Resize) -> None:
        # Quietly: text that fits, shown as it is, has nothing to lay out.
        self.set_reactive(Input.virtual_size, Size(self.content_width, 1))
