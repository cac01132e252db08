"""The search panel: a field that answers on every keystroke, and the results under it.

Keys that come together are asked about once. Searches run in an exclusive thread
worker; each answer carries the number of the keystroke it answers, and an answer older
than the one shown is dropped, so a slow stale search never replaces a newer result.
Esc leaves everything as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from tui.core.i18n import Strings
from tui.core.text import cell_width, one_line, truncate, wrap_spans
from tui.ui.screens.sized import SizedModal
from tui.ui.widgets.query_field import QueryField
from tui.ui.widgets.result_list import ResultList

if TYPE_CHECKING:
    from tui.search import Hit, SearchIndex, SearchResult
    from tui.search.filters import Marks
    from tui.ui.searcher import Searcher


@dataclass(frozen=True, slots=True)
class Choice:
    """The result the reader opened: the article and where its first match is."""

    article_id: str
    query: str
    block: int
    offset: int


class SearchScreen(SizedModal[Choice | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", show=False),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
        Binding("pagedown", "move(5)", show=False),
        Binding("pageup", "move(-5)", show=False),
    ]

    LIMIT = 20
    NARROW = 60  # below this many cells a snippet takes two lines, else one

    def __init__(
        self,
        strings: Strings,
        searcher: Searcher,
        query: str = "",
        marks: Callable[[], Marks] | None = None,
    ) -> None:
        """`marks`: what the `is:` filters read, asked for (on this thread) the first time
        a query has one."""
        super().__init__()
        self.strings = strings
        self.searcher = searcher
        self.index = searcher.index
        self.initial_query = query
        self._asked = 0  # keystrokes asked about
        self._shown = -1  # the keystroke whose answer is on screen
        self._result: SearchResult | None = None
        self._ask_marks = marks
        self._marks: Marks | None = None
        self._width = 0  # the results' text width the answer shown was set for
        self._mounted = False  # its widgets are there: news of the index may come before
        self._typing = False  # the field changed, and will be asked about
        # The last search started (index, query, snippet width, marks), until the field
        # is emptied or the index goes: its answer, shown or coming, is the one to show.
        self._searching: tuple[SearchIndex, str, int, Marks | None] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box"):
            yield QueryField(
                value=self.initial_query,
                placeholder=self.strings("search.placeholder"),
                id="search-field",
                select_on_focus=True,
            )
            yield Label(id="search-status")
            yield ResultList(id="search-results")

    def on_mount(self) -> None:
        self.query_one(OptionList).can_focus = False  # typing always goes to the field
        self.query_one(Input).focus()
        self._mounted = True
        self._ask(self.initial_query)

    # -- asking ---------------------------------------------------------------------

    @on(Input.Changed, "#search-field")
    def _changed(self) -> None:
        # Keys that come together (a word an input method commits, a paste) are asked
        # about once, after the field has shown them: the first one's search would only
        # share the CPU with the last one's.
        if not self._typing:
            self._typing = True
            self.call_after_refresh(self._ask_typed)

    def _ask_typed(self) -> None:
        self._typing = False
        self._ask(self.query_one(Input).value)

    def _ask(self, query: str) -> None:
        self._asked += 1
        if not query.strip():
            self._searching = None
            self._show(None, self._asked)
            return
        if self.index is None:
            self._searching = None
            self.show_indexing()
            return
        if self._marks is None and self._ask_marks is not None and "is:" in query.lower():
            self._marks = self._ask_marks()  # the store is this thread's: read here, once
        index, width, marks = self.index, self._snippet_width(), self._marks
        if self._searching == (index, query, width, marks):
            return  # asked already (the index came as the field changed): that answer will do
        self._searching = (index, query, width, marks)
        self._search(index, query, self._asked, width, marks)

    class _Answer(Message):
        """A search's result (None: the index no longer matches the pages)."""

        def __init__(self, result: SearchResult | None, asked: int) -> None:
            super().__init__()
            self.result = result
            self.asked = asked

    @work(thread=True, exclusive=True, group="search")
    def _search(
        self,
        index: SearchIndex,
        query: str,
        asked: int,
        snippet_width: int,
        marks: Marks | None,
    ) -> None:
        # Here, where the index is open: the package imported at the top of this module,
        # by the UI thread, could meet the loader importing it (a cycle of import locks).
        from tui.search.places import Misplaced

        try:
            result = index.search(query, limit=self.LIMIT, snippet_width=snippet_width, marks=marks)
        except Misplaced:  # a page changed since the index was made: it is made again
            result = None
        self.post_message(self._Answer(result, asked))

    @on(_Answer)
    def _answered(self, message: _Answer) -> None:
        if not self._has_widgets():
            return
        if message.result is not None:
            self._show(message.result, message.asked)
            return
        self.index = None
        self.searcher.stale()
        self.show_indexing()

    def show_indexing(self) -> None:
        """Say the index is being made, and how far it is where its build says."""
        if self.index is not None or not self._has_widgets():
            return  # not mounted: mounting asks, and says this
        progress = self.searcher.indexing
        if progress is None:
            self._status(self.strings("search.indexing"))
            return
        percent = progress.done * 100 // max(progress.total, 1)
        if progress.seconds_left is None or progress.done >= progress.total:
            self._status(self.strings("search.indexing.done", percent=percent))
        else:
            left = max(1, round(progress.seconds_left))
            self._status(self.strings("search.indexing.left", percent=percent, seconds=left))

    def index_ready(self, index: SearchIndex) -> None:
        """The index finished building: answer what the reader has typed so far."""
        self.index = index
        if self._has_widgets():  # else mounting asks, with this index
            self._ask(self.query_one(Input).value)

    def _has_widgets(self) -> bool:
        """Its widgets are there and stay: mounted, and not being removed (the panel
        closing, the app quitting), when Textual's `display` turns False."""
        return self._mounted and self.display

    # -- answering --------------------------------------------------------------------

    def _show(self, result: SearchResult | None, asked: int) -> None:
        if asked < self._shown:
            return  # an older keystroke's answer, arriving late
        self._shown = asked
        self._result = result
        results = self.query_one(OptionList)
        results.clear_options()
        if result is None:
            self._status("")
            return
        said = self.strings.count("search.total", result.total)
        self._status("  ".join([said, *result.problems]))
        self._width = width = self._text_width()
        results.add_options(
            Option(result_prompt(hit, width, self._snippet_lines(width)), id=hit.article_id)
            for hit in result.hits
        )
        if result.hits:
            results.highlighted = 0

    def _status(self, text: str) -> None:
        # The line is the panel's width whatever it says: a new text needs no layout of
        # the panel and the reader under it (a second one for each answer, beside the list's).
        self.query_one("#search-status", Label).update(Content(text), layout=False)

    def _text_width(self) -> int:
        """The cells a result's line has: the list's width, less its padding."""
        results = self.query_one(OptionList)
        padding = results.get_component_styles("option-list--option").padding.width
        return max(10, results.scrollable_content_region.width - padding)

    def _snippet_lines(self, width: int) -> int:
        return 1 if width >= self.NARROW else 2

    def _snippet_width(self) -> int:
        width = self._text_width()
        return width * self._snippet_lines(width)

    def on_resize(self) -> None:
        if self._result is not None and self._text_width() != self._width:
            self._ask(self.query_one(Input).value)  # set again for the new width

    # -- choosing -------------------------------------------------------------------------

    def action_move(self, delta: int) -> None:
        results = self.query_one(OptionList)
        if results.option_count == 0:
            return
        current = results.highlighted if results.highlighted is not None else -1
        results.highlighted = max(0, min(results.option_count - 1, current + delta))

    @on(Input.Submitted, "#search-field")
    def _submitted(self) -> None:
        self._choose(self.query_one(OptionList).highlighted)

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option_index)

    def _choose(self, position: int | None) -> None:
        result = self._result
        if result is None or position is None or not (0 <= position < len(result.hits)):
            return
        hit = result.hits[position]
        snippet = hit.snippet
        self.dismiss(Choice(hit.article_id, result.query, snippet.block, snippet.offset))

    def action_cancel(self) -> None:
        self.dismiss(None)


def result_prompt(hit: Hit, width: int, snippet_lines: int) -> Content:
    """A result as the list shows it, in lines of at most `width` cells broken as an
    article's are: the headline (bold) and where it is (dim), then the snippet, at most
    `snippet_lines` lines, every match reversed."""
    title = one_line(hit.title or hit.label)
    lines = [Content.styled(title[s:e], "bold") for s, e in wrap_spans(title, width)]
    where = " · ".join(one_line(part) for part in (hit.date, hit.section) if part)
    if where:
        tail = f"  {where}"
        if lines and cell_width(lines[-1].plain) + cell_width(tail) <= width:
            lines[-1] += Content.styled(tail, "dim")
        else:
            lines.append(Content.styled(truncate(where, width), "dim"))
    lines.extend(_snippet_content(hit, width, snippet_lines))
    return Content("\n").join(lines)


def _snippet_content(hit: Hit, width: int, most: int) -> list[Content]:
    """The snippet in at most `most` lines of `width` cells, its matches reversed."""
    snippet = hit.snippet
    text = one_line(snippet.text)
    marks = snippet.marks if len(text) == len(snippet.text) else []  # offsets still hold
    spans = wrap_spans(text, width)
    lines = []
    for n, (start, end) in enumerate(spans[:most]):
        shown = text[start:end]
        if n == most - 1 and len(spans) > most:
            shown = truncate(shown + "…", width)
        line = Content(shown)
        for mark_start, mark_end in marks:
            s, e = max(mark_start, start) - start, min(mark_end, end) - start
            if s < e:
                line = line.stylize("reverse", s, min(e, len(shown)))
        lines.append(line)
    return lines
