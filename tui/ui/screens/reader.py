"""The reader's screen: the topbar, the sidebar, the article pane, the status line and the
footer, and everything one does while reading.

It owns the library and its reading order, loads it (the loader's `Loaded` and `LoadNote`
are posted here, by `tui.ui.loading.MessageSink`), opens places and moves between them (asking
`navigation.ReadingOrder` where a key goes), keeps read marks and positions in the app's
state store, runs the search flow and copies (`y`, `Y`). Widgets report upward with messages
(`Sidebar.ArticleChosen`, `ArticleView.Position`, `Searcher.Ready`) and the screen decides
what is shown. The app around it keeps what every screen shares: settings, strings, themes,
notices, the state store, help, quitting, the palette and a load's failure (`LoadFailed`
is not handled here: it goes on up to the app).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.containers import Horizontal
from textual.content import Content
from textual.dom import DOMNode
from textual.geometry import Offset
from textual.reactive import Reactive
from textual.widget import Widget
from textual.widgets import Label, ProgressBar
from textual.widgets._progress_bar import Bar

from tui.core.clipboard import MAX_BASE64, TMUX_CONF_LINE, article_text, citation
from tui.core.collector import give_back_memory
from tui.core.dates import DateRange, nearest, parse_date
from tui.core.i18n import Strings
from tui.core.layout import HEADER, MIN_MEASURE, Anchor
from tui.core.model import Article, Library
from tui.core.navigation import History, Place, ReadingOrder
from tui.core.text import one_line
from tui.library import PageChanged, WholeArticles, seeds_path
from tui.store.settings import Settings
from tui.store.state import ArticleState, SavedArticle, StateStore
from tui.ui.keys import give_way
from tui.ui.loading import Loaded, LoadNote, MessageSink
from tui.ui.screens.sized import SizedScreen
from tui.ui.searcher import Searcher
from tui.ui.widgets.article_view import ArticleView
from tui.ui.widgets.keybar import KeyBar
from tui.ui.widgets.sidebar import UNREAD, ReadingMark, Sidebar

if TYPE_CHECKING:
    from textual.timer import Timer

    from tui.background.loader import Loader
    from tui.search import SearchIndex
    from tui.ui.screens.search import Choice

MEASURE_STEP = 4
INDEX_DELAY = 0.3  # seconds between the first screen and the start of the index
# Seconds between two updates of the progress bar. Each one lays out the screen again, on
# the thread the loader needs too: at 0.1 s the corpus's cold load took 7.5 s, not 6.3 s.
PROGRESS_INTERVAL = 0.25
SETTLED = 2.0  # seconds after a large library is loaded
SEARCH_FIRST = 0.5  # seconds a loading library waits once the search panel opens


def localise_bindings(node: DOMNode, strings: Strings) -> None:
    """Footer and help descriptions of `node`'s keys in the reader's language: a binding's
    id (the name readers give it in `[keys]`) is its label's, `key.<id>`."""
    bindings = node._bindings.key_to_bindings
    for key, entries in bindings.items():
        bindings[key] = [
            dataclasses.replace(b, description=strings(f"key.{b.id}")) if b.id else b
            for b in entries
        ]


class ReaderScreen(SizedScreen[None]):
    """The reader's screen.

    Textual's `Screen.focused` is a repainting reactive: every focus change redraws the whole
    terminal (~7 KB more at 80x24). The widgets whose look depends on focus refresh themselves.
    """

    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    # The article has the focus from the start: Textual's first focusable widget, the
    # sidebar, would be styled for it and then again without it, before the first screen.
    AUTO_FOCUS = "#article"

    # Every key of the reader, in the footer's order: the footer lists the screen's keys
    # before the app's, so quit, help and the theme are here too, as the app's actions.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "app.quit", "Quit", id="quit"),
        Binding("backspace,ctrl+o,alt+left", "back", "Back", id="back", key_display="⌫"),
        Binding("alt+right", "forward", "Forward", id="forward", show=False),
        Binding("question_mark,f1", "app.help", "Help", id="help", key_display="?"),
        Binding("slash", "search", "Search", id="search", key_display="/"),
        Binding("space,pagedown", "page(1)", "Page down", id="page_down", key_display="␣"),
        Binding("b,pageup", "page(-1)", "Page up", id="page_up", show=False),
        Binding("right_square_bracket", "next_article", "Next", id="next_article"),
        Binding("left_square_bracket", "prev_article", "Previous", id="prev_article", show=False),
        Binding("right_curly_bracket", "next_section", "Next page", id="next_section", show=False),
        Binding(
            "left_curly_bracket", "prev_section", "Previous page", id="prev_section", show=False
        ),
        # Screen's own tab (focus_next) gives way to this one.
        Binding("tab", "switch_pane", "Switch pane", id="switch_pane", show=False),
        Binding("s", "toggle_sidebar", "Sidebar", id="sidebar"),
        Binding("u", "next_unread", "Next unread", id="next_unread", show=False),
        Binding("m", "toggle_read", "Mark read", id="toggle_read", show=False),
        Binding("M", "mark_page_read", "Mark page read", id="mark_page", show=False),
        Binding("U", "toggle_unread_only", "Unread only", id="unread_only", show=False),
        Binding("asterisk", "toggle_saved", "Save", id="save", show=False, key_display="*"),
        Binding("S", "show_saved", "Saved articles", id="saved", show=False),
        Binding("n", "next_match(1)", "Next match", id="next_match", show=False),
        Binding("N", "next_match(-1)", "Previous match", id="prev_match", show=False),
        Binding("y", "copy", "Copy", id="copy", show=False),
        Binding("Y", "cite", "Copy citation", id="cite", show=False),
        Binding("t", "app.next_theme", "Theme", id="next_theme", show=False),
        Binding("d", "jump_to_date", "Go to date", id="jump_to_date", show=False),
        Binding("plus,equals_sign", "measure(1)", "Wider", id="wider", show=False),
        Binding("minus", "measure(-1)", "Narrower", id="narrower", show=False),
    ]

    def __init__(
        self,
        library: Library | None,
        *,
        strings: Strings,
        settings: Settings,
        store: StateStore | None,
        paths: Sequence[str] | None = None,
        library_paths: Sequence[Path] | None = None,
        loader: Loader | None = None,
        index: SearchIndex | None = None,
        keymap: Mapping[str, str] | None = None,
        id: str | None = None,
    ) -> None:
        """Read `library`; or, when it is None, load the pages at `paths` (None: the seeds)
        in a thread, with a progress bar, the screen being up meanwhile. With a `loader`
        already loading them, `library` is the part it has loaded (or None). `index`: its
        search index, opened and checked already. Reading marks and positions go to `store`
        (None: kept nowhere)."""
        super().__init__(id=id)
        self.strings = strings
        self.settings = settings
        self.store = store
        self._loading = library is None or loader is not None
        self._paths = paths
        self._loader = loader
        self._index = index
        self.library = library or Library(issues=())
        given = library_paths or ([Path(p) for p in paths] if paths else [seeds_path()])
        self.library_key = StateStore.library_key(given)
        # What a citation calls a library whose issues name no paper: its folder.
        self.library_name = one_line(given[0].resolve().name or str(given[0]))
        self.order = ReadingOrder.of(self.library)
        self.current = 0
        self._article_open = False
        self.history = History()
        self._last_query = ""
        self._whole_articles = WholeArticles()
        self._keymap = keymap or {}
        self._covered = False  # another screen is over this one (search, help)
        self._index_timer: Timer | None = None  # the index looked for once the screen settles
        self._held: Loaded | None = None  # the newest part of the library, while covered
        localise_bindings(self, strings)

    @property
    def places(self) -> list[Place]:
        """Every article in reading order (the reading order's)."""
        return self.order.places

    @property
    def _index_of(self) -> dict[str, int]:
        return self.order.index_of

    # -- layout -------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="topbar"):
            yield Label(id="masthead")
            yield Label(id="dateline")
        with Horizontal(id="main"):
            yield Sidebar(
                self.library,
                self.strings("label.photo"),
                order=self.order,
                day=self.strings.day,
                id="sidebar",
            )
            yield ArticleView(
                self.strings("status.photo"),
                column_label=self.strings("label.column"),
                id="article",
            )
        with Horizontal(id="status"):
            yield Label(id="where")
            if self._loading:  # a library given whole needs no bar, nor its styles parsed
                yield ProgressBar(id="progress", show_eta=True)
            yield Label(id="percent")
        yield KeyBar()  # every key fits at 80 columns, in both languages
        stored = self._loader.stored_index if self._loader is not None else None
        yield Searcher(
            self._paths,
            by_paths=self._paths is not None,
            stored=stored,
            index=self._index,
            id="searcher",
        )

    @property
    def article_view(self) -> ArticleView:
        return self.query_one("#article", ArticleView)

    @property
    def sidebar(self) -> Sidebar:
        return self.query_one("#sidebar", Sidebar)

    @property
    def searcher(self) -> Searcher:
        return self.query_one("#searcher", Searcher)

    @property
    def index(self) -> SearchIndex | None:
        """The search index, once it can answer."""
        return self.searcher.index

    def on_unmount(self) -> None:
        self._whole_articles.close()

    def on_mount(self) -> None:
        for node in self.walk_children(with_self=True):
            give_way(node, self._keymap)
        view = self.article_view
        view.measure = self._chosen_measure() or self.settings.measure
        view.animate_scroll = self.settings.animation
        view.focus()
        if self._loading:
            self.query_one("#where", Label).update(Content(self.strings("load.start")))
            self._progress_timer = self.set_interval(PROGRESS_INTERVAL, self._show_progress)
            self._show_progress()  # how far the loader is: a bar with nothing to animate
            if self.library.issues:  # the newest issue, loaded before the window
                self._mark()
                self._open_first()
            # After the first screen has painted: until then the loader waits.
            self.call_after_refresh(self._attach_loader)
        else:
            self._library_ready()

    # -- loading ----------------------------------------------------------------------------

    def _attach_loader(self) -> None:
        """Hear the loader from now on (it reads the pages off the UI thread, so keys work
        while it runs), and apply what it did meanwhile."""
        from tui.background.loader import Loader  # only a large library needs it: startup

        if self._loader is None:
            self._loader = Loader.start(self._paths)
        here = MessageSink(self, in_thread=False)
        for event in self._loader.attach(MessageSink(self)):
            event.to(here)

    # While another screen is over this one, its changes are held back: each would have
    # the screen on top paint itself whole again (Textual renders what shows through it
    # anew), and write it all again over SSH: 15 times a second for a bar with no progress.

    def on_screen_suspend(self) -> None:
        self._covered = True
        if self._loading:
            self._progress_timer.pause()
            self.query_one("#progress #bar", Bar).auto_refresh = None

    def on_screen_resume(self) -> None:
        if not self._covered:
            return
        self._covered = False
        if self._held is not None:  # a whole library would have replaced it
            self._loaded(self._held)
        if self._loading:
            self._progress_timer.resume()
            self._show_progress()
            bar = self.query_one("#progress #bar", Bar)
            bar.watch_percentage(bar.percentage)  # animated again while it has none

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if self._covered and not message.whole and message.painted is None:
            self._held = message
            return
        self._held = None
        if message.whole:
            self._library_loaded(message.library, message.order)
        else:
            self._show_library(message.library, message.order)
        if message.painted is not None:
            self.call_after_refresh(message.painted.set)

    @on(LoadNote)
    def _load_note(self, message: LoadNote) -> None:
        self.notify(message.text, severity="warning")

    def _show_progress(self) -> None:
        p = self._loader.progress if self._loader is not None else None
        if p is None:
            return
        self.query_one("#progress", ProgressBar).update(total=p.total, progress=p.done)
        where = self.strings("load.progress", done=p.done, total=p.total, articles=p.articles)
        self.query_one("#where", Label).update(Content(where))

    def _library_loaded(self, library: Library, order: ReadingOrder) -> None:
        self._progress_timer.stop()
        self._show_progress()
        self._loading = False
        self.query_one("#progress", ProgressBar).add_class("-done")
        self._show_library(library, order)
        _keep_out_of_collections()
        if self.places:  # the status line showed the loading; now where the reader is
            self._show_place(self.places[self.current])
        self._library_ready()
        # What loading and laying out the library freed, given back once that has settled.
        self.set_timer(SETTLED, give_back_memory)

    def _show_library(self, library: Library, order: ReadingOrder) -> None:
        """Show `library`, whole or the issues loaded so far: the article open stays open."""
        shown = self.places[self.current].article.id if self._article_open else None
        marked = self._index_of
        self.library = library
        self.order = order
        self.current = self._index_of.get(shown or "", 0)
        self.sidebar.set_library(library, order)
        self._mark(i for i in self._index_of if i not in marked)  # the ones just arrived
        if not self._article_open:
            self._open_first()

    def _mark(self, article_ids: Iterable[str] | None = None) -> None:
        """Read and saved marks in the sidebar for these articles (None: all), from the
        store."""
        if self.store is not None:
            if article_ids is None:
                states = self.store.states_among(self._index_of)
            else:
                states = self.store.states(article_ids)
            self.sidebar.set_marks({i: _reading_mark(s) for i, s in states.items()})
            self.sidebar.set_saved(self.store.marked("saved"))

    def _open_first(self) -> None:
        """The article read last, else the first of the newest issue. While loading, wait
        for the one read last to arrive rather than open another and then jump."""
        last = self.store.last_article(self.library_key) if self.store else None
        if last in self._index_of:
            self.open_place(self._index_of[last])
        elif last is None or not self._loading:
            self.open_place(0)

    def _look_for_index(self) -> None:
        self._index_timer = None
        self.searcher.library_ready(self.library)

    def _library_ready(self) -> None:
        """The library is here: marks in the sidebar, the last article open, the index."""
        self._loading = False
        if not self._article_open:  # a library given whole, not loaded here
            self._mark()
            self._open_first()
        # Opening or building the index holds the GIL for a while: after a library read
        # before the window, let the first screen paint and settle first, so that it never
        # holds back the first keys. A library loaded in a thread comes after the first paint.
        if self._loader is None:
            self._index_timer = self.set_timer(INDEX_DELAY, self._look_for_index)
        else:
            self.searcher.library_ready(self.library)
        if self.library.problems:
            first = self.library.problems[0]
            self.notify(
                self.strings.count(
                    "msg.problems", len(self.library.problems), first=one_line(first.source)
                ),
                severity="warning",
            )

    # -- reading marks ------------------------------------------------------------------

    def _current_mark(self, article_id: str) -> ReadingMark:
        state = self.store.position(article_id) if self.store else None
        return _reading_mark(state) if state else UNREAD

    def action_toggle_read(self) -> None:
        """The open article read or unread; in the sidebar, what the cursor is on: an
        article, or every article of a page or an issue (all read: all unread again)."""
        if self.store is None or not self.places:
            return
        under = self.sidebar.articles_under_cursor() if self.sidebar.has_focus else None
        if under is not None and under[0] != "article":
            self._mark_many(under[1])
            return
        article_id = under[1][0] if under else self.places[self.current].article.id
        read = not self._current_mark(article_id).read
        self.store.mark_read(article_id, read)
        self.sidebar.update_mark(article_id, self._current_mark(article_id))
        self.notify(self.strings("msg.read" if read else "msg.unread"), timeout=2)

    def action_mark_page_read(self) -> None:
        """Every article of the page (section) open, read."""
        if self.store is None or not self.places:
            return
        section = self.places[self.current].section
        self._mark_many([a.id for a in section.articles], read=True)

    def _mark_many(self, article_ids: list[str], read: bool | None = None) -> None:
        """Mark `article_ids` read (None: read, unless all are, then unread)."""
        assert self.store is not None
        if read is None:
            states = self.store.states(article_ids)
            read = not all((s := states.get(i)) is not None and s.read for i in article_ids)
        self.store.mark_many_read(article_ids, read)
        states = self.store.states(article_ids)
        self.sidebar.set_marks({i: _reading_mark(s) for i, s in states.items()})
        key = "msg.marked_many" if read else "msg.unmarked_many"
        self.notify(self.strings.count(key, len(article_ids)), timeout=2)

    def action_toggle_unread_only(self) -> None:
        unread_only = not self.sidebar.unread_only
        self.sidebar.show_unread_only(unread_only)
        if self.places:
            self.sidebar.select_article(self.places[self.current].article.id)
        self.notify(self.strings("msg.unread_only" if unread_only else "msg.all_articles"))

    def commands(self) -> Iterable[SystemCommand]:
        """The reader's commands for the palette, in the reader's language."""
        for name, about, action in (
            ("key.saved", "command.saved.about", self.action_show_saved),
            ("key.save", "command.save.about", self.action_toggle_saved),
            ("key.mark_page", "command.mark_page.about", self.action_mark_page_read),
            ("key.unread_only", "command.unread_only.about", self.action_toggle_unread_only),
            ("key.copy", "command.copy.about", self.action_copy),
            ("key.cite", "command.cite.about", self.action_cite),
        ):
            yield SystemCommand(self.strings(name), self.strings(about), action)

    # -- saved articles ---------------------------------------------------------------------

    def action_toggle_saved(self) -> None:
        """Save the open article, or no longer (in the sidebar: the one under the cursor)."""
        if self.store is None or not self.places:
            return
        under = self.sidebar.articles_under_cursor() if self.sidebar.has_focus else None
        article_id = under[1][0] if under and under[0] == "article" else None
        place = self.places[self._index_of.get(article_id or "", self.current)]
        article = place.article
        title = self.article_label(article)
        saved = self.store.marked("saved")
        if article.id in saved:
            self.store.unsave_article(article.id)
            saved.discard(article.id)
            self.notify(self.strings("msg.unsaved", title=title), timeout=2)
        else:
            issue = place.issue
            self.store.save_article(
                SavedArticle(
                    id=article.id,
                    library=self.library_key,
                    paper=issue.paper_name(self.library_name),
                    date=issue.date.isoformat() if issue.date else "",
                    page=place.section.title,
                    title=title,
                )
            )
            saved.add(article.id)
            self.notify(self.strings("msg.saved", title=title), timeout=2)
        self.sidebar.set_saved(saved)

    def action_show_saved(self) -> None:
        from tui.ui.screens.saved import SavedScreen

        if self.store is None or isinstance(self.app.screen, SavedScreen):
            return
        saved = self.store.saved_articles()
        here = [article for article in saved if article.id in self._index_of]
        self.app.push_screen(
            SavedScreen(self.strings, here, len(saved) - len(here)), self._saved_chosen
        )

    def _saved_chosen(self, article_id: str | None) -> None:
        index = self._index_of.get(article_id or "")
        if index is not None:
            self.open_place(index)
            self.article_view.focus()

    def action_next_unread(self) -> None:
        if not self.places or self.store is None:
            return
        states = self.store.states(self._index_of)
        index = self.order.next_unread(
            self.current, lambda article_id: (s := states.get(article_id)) is not None and s.read
        )
        if index is None:
            self.notify(self.strings("msg.all_read"), timeout=2)
            return
        self.open_place(index)

    # -- what is shown --------------------------------------------------------------

    def article_label(self, article: Article) -> str:
        if article.kind == "photo":
            return f"{self.strings('label.photo')} {article.label}"
        return article.label or self.strings("label.untitled")

    def open_place(self, index: int, anchor: Anchor | None = None, *, keep: bool = True) -> None:
        """Open the article at `index` (at `anchor`, else where it was left); `keep`: the
        place left goes into the history (`Backspace` returns to it)."""
        if not self.places:
            return
        index = max(0, min(index, len(self.places) - 1))
        if keep and self._article_open and index != self.current:
            left = self.places[self.current].article.id
            self.history.left(left, self.article_view.top_anchor())
        self._article_open = True
        self.current = index
        place = self.places[self.current]
        if self.store is not None:
            state = self.store.open_article(self.library_key, place.article.id)
            if anchor is None and state is not None:
                anchor = state.anchor
        self.article_view.show(self._whole(place), anchor)
        self.sidebar.select_article(place.article.id)
        self._show_place(place)

    def _whole(self, place: Place) -> Article:
        """The article at `place`, whole: read from its page where the library holds its
        outline; the outline, said in one line, where the page no longer holds it."""
        if not self.library.outline:
            return place.article
        try:
            return self._whole_articles.article(place.section, place.position - 1)
        except PageChanged:
            self.notify(self.strings("msg.page_changed"), severity="warning")
            return place.article

    def open_issue(self, index: int) -> None:
        """Open the first article of an issue (`index` is its place) and unfold it."""
        self.open_place(index)
        self.sidebar.show_issue(self.places[index].issue.id)

    def issue_of_date(self, typed: str) -> DateJump | None:
        """The issue a typed date names (`tui.core.dates`): that day's, the month's or the
        year's first, else the nearest; None if `typed` is not a date or no issue is dated."""
        shown = self.places[self.current].issue.date if self.places else None
        wanted = parse_date(typed, today=dt.date.today(), year=shown.year if shown else None)
        if wanted is None:
            return None
        starts: dict[dt.date, int] = {}
        for index in self.order.issue_starts():
            date = self.places[index].issue.date
            if date is not None:
                starts.setdefault(date, index)
        found = nearest(list(starts), wanted)
        if found is None:
            return None
        label = self.places[starts[found]].issue.label_with(self.strings.day)
        if wanted.first <= found <= wanted.last:
            return DateJump(starts[found], self.strings("date.go", label=label), "")
        said = self.strings("date.nearest", wanted=_said(wanted), label=label)
        return DateJump(starts[found], said, said)

    def open_date_jump(self, jump: DateJump) -> None:
        self.open_issue(jump.index)
        if jump.note:
            self.notify(jump.note, timeout=4)

    def _show_place(self, place: Place) -> None:
        issue, day = place.issue, self.strings.day
        issue_date = day(issue.date) if issue.date else ""
        title = issue.title
        if issue.date and title == issue.date.isoformat():
            title, issue_date = issue_date, ""
        paper = issue.paper or self.strings("app.title")
        masthead = f"{paper} · {title} · {place.section.title}"
        self.query_one("#masthead", Label).update(Content(masthead))
        self.query_one("#dateline", Label).update(Content(issue_date))
        where = self.strings("status.position", i=place.position, n=len(place.section.articles))
        self.query_one("#where", Label).update(Content(where))

    @on(ArticleView.Position)
    def _position(self, event: ArticleView.Position) -> None:
        percent = Content(self.strings("status.percent", p=event.percent))
        self.query_one("#percent", Label).update(percent, layout=False)  # its width is set
        if self.store is not None:
            article_id = event.article.id
            self.store.update_position(
                article_id, event.anchor, event.percent, event.at_end, by_reader=event.by_reader
            )
            self.sidebar.update_mark(article_id, self._current_mark(article_id))

    @on(Sidebar.ArticleChosen)
    def _chosen(self, event: Sidebar.ArticleChosen) -> None:
        index = self._index_of.get(event.article_id)
        if index is None:
            return
        if index != self.current:
            self.open_place(index)
        if self.has_class("-narrow"):
            self._hide_overlay()
        self.article_view.focus()

    # -- moves ------------------------------------------------------------------------

    def action_page(self, direction: int) -> None:
        view = self.article_view
        if direction > 0 and view.at_end() and self.places:
            if self.current + 1 < len(self.places):
                self.open_place(self.current + 1)  # reading on: space at the end turns the page
            else:
                self.notify(self.strings("msg.the_end"), timeout=2)
            return
        view.page(direction)

    def action_back(self) -> None:
        self._through_history(self.history.back, "msg.no_back")

    def action_forward(self) -> None:
        self._through_history(self.history.forward, "msg.no_forward")

    def _through_history(self, step: HistoryStep, nowhere: str) -> None:
        if not self._article_open:
            return
        here = self.places[self.current].article.id
        there = step(here, self.article_view.top_anchor(), self._index_of.__contains__)
        if there is None:
            self.notify(self.strings(nowhere), timeout=2)
            return
        article_id, anchor = there
        self.open_place(self._index_of[article_id], anchor, keep=False)

    def action_next_article(self) -> None:
        self._go(self.order.next_article, "msg.last_article")

    def action_prev_article(self) -> None:
        self._go(self.order.previous_article, "msg.first_article")

    def action_next_section(self) -> None:
        self._go(self.order.next_section, "msg.last_page")

    def action_prev_section(self) -> None:
        self._go(self.order.previous_section, "msg.first_page")

    def _go(self, move: Callable[[int], int | None], nowhere: str) -> None:
        """Open where `move` goes from the open article; say `nowhere` if it goes nowhere."""
        if not self.places:
            return
        index = move(self.current)
        if index is None:
            self.notify(self.strings(nowhere), timeout=2)
            return
        self.open_place(index)

    def action_jump_to_date(self) -> None:
        from tui.ui.app import IssueCommands  # the app's palette providers (app imports this)
        from tui.ui.palette import Palette

        if not CommandPalette.is_open(self.app):
            dated = any(issue.date for issue in self.library.issues)
            palette = Palette(
                self.strings("palette.none" if dated else "date.undated"),
                providers=[IssueCommands],
                placeholder=self.strings("palette.date"),
            )
            self.app.push_screen(palette)

    # -- copying ------------------------------------------------------------------------

    def action_copy(self) -> None:
        """The text selected with the mouse, else the whole article, to the clipboard."""
        selected = self.get_selected_text()
        if selected:
            self._copy(selected, "msg.copied_selection")
            return
        article = self.article_view.article
        if self._article_open and article is not None:
            self._copy(article_text(article), "msg.copied_article")

    def action_cite(self) -> None:
        if not self._article_open:
            return
        place = self.places[self.current]
        label = self.article_label(place.article)
        line = citation(place.issue, place.section, label, self.library_name)
        self._copy(line, "msg.copied_citation", citation=line)

    def _copy(self, text: str, done: str, **values: object) -> None:
        from tui.ui.app import DubaoApp  # the app imports this module

        app = self.app
        assert isinstance(app, DubaoApp)
        copied = app.send_to_clipboard(text)
        if copied == "too_long":
            size = len(text.encode("utf-8"))
            most = MAX_BASE64 * 3 // 4 // 1000  # base64 holds 3 bytes in 4
            self.notify(
                self.strings("msg.copy_too_long", kb=round(size / 1000), most=most),
                severity="warning",
            )
        elif copied == "tmux_fallback":
            self.notify(self.strings("msg.copy_tmux", line=TMUX_CONF_LINE), timeout=10)
        else:
            self.notify(self.strings(done, **values), timeout=3)

    def get_widget_and_offset_at(self, x: int, y: int) -> tuple[Widget | None, Offset | None]:
        """Where a mouse selection starts and ends. The article pane marks no offsets in
        the lines it draws, as Textual's widgets do (a style more on each line, in bytes
        sent over SSH): it tells where its text is itself."""
        widget, offset = super().get_widget_and_offset_at(x, y)
        if isinstance(widget, ArticleView):
            return widget, widget.text_offset_at(x, y)
        return widget, offset

    # -- panes ----------------------------------------------------------------------------

    def action_switch_pane(self) -> None:
        sidebar, view = self.sidebar, self.article_view
        if view.has_focus and sidebar.display and sidebar.styles.display != "none":
            sidebar.focus()
        else:
            if self.has_class("-narrow"):
                self._hide_overlay()
            view.focus()

    def action_toggle_sidebar(self) -> None:
        sidebar = self.sidebar
        if self.has_class("-narrow"):
            if sidebar.has_class("-shown"):
                self._hide_overlay()
                self.article_view.focus()
            else:
                sidebar.add_class("-shown")
                sidebar.focus()
            return
        sidebar.toggle_class("-hidden")
        if sidebar.has_class("-hidden"):
            self.article_view.focus()

    def _hide_overlay(self) -> None:
        self.sidebar.remove_class("-shown")

    def _chosen_measure(self) -> int | None:
        """The text width the reader chose with `+`/`-`, kept over settings.toml's."""
        chosen = self.store.preference("measure") if self.store is not None else None
        if chosen is None or not (chosen.isascii() and chosen.isdigit() and len(chosen) < 5):
            return None  # not written by this code: the store's text is untrusted
        return int(chosen) if int(chosen) >= MIN_MEASURE else None

    def action_measure(self, direction: int) -> None:
        view = self.article_view
        widest = max(MIN_MEASURE, view.scrollable_content_region.width - 2)
        view.measure = max(MIN_MEASURE, min(widest, view.column_width + direction * MEASURE_STEP))
        if self.store is not None:
            self.store.set_preference("measure", str(view.measure))
        self.notify(self.strings("msg.measure", n=view.measure), timeout=2)

    # -- search ---------------------------------------------------------------------------

    @on(Searcher.Ready)
    def _index_ready(self, message: Searcher.Ready) -> None:
        from tui.ui.screens.search import SearchScreen

        _keep_out_of_collections()
        screen = self.app.screen
        if isinstance(screen, SearchScreen):
            screen.index_ready(message.index)

    @on(Searcher.Indexing)
    def _indexing(self, message: Searcher.Indexing) -> None:
        from tui.ui.screens.search import SearchScreen

        screen = self.app.screen
        if isinstance(screen, SearchScreen):
            screen.show_indexing()

    def action_search(self) -> None:
        from tui.ui.screens.search import SearchScreen  # its widgets load when first asked for

        if isinstance(self.app.screen, SearchScreen):
            return
        if self._index_timer is not None:  # the first keys are a search: no wait for it
            self._index_timer.stop()
            self._look_for_index()
        # The first answer before the rest, where there is one to give before a build.
        if self._loading and self._loader is not None and self.searcher.answers_soon():
            self._loader.give_way(SEARCH_FIRST)
        screen = SearchScreen(self.strings, self.searcher, self._last_query, self._marks)
        self.app.push_screen(screen, self._search_done)

    def _marks(self) -> Callable[[str], set[str]]:
        """The read and saved articles, for the search's `is:` filters."""
        if self.store is None:
            return lambda mark: set()
        marked = {mark: self.store.marked(mark) for mark in ("read", "saved")}
        return marked.__getitem__

    def _search_done(self, choice: Choice | None) -> None:
        if choice is None:
            return  # Esc: everything stays as it was
        self._last_query = choice.query
        index = self._index_of.get(choice.article_id)
        if index is None or self.index is None:
            return
        in_body = choice.block >= 0
        self.open_place(
            index, Anchor(choice.block, choice.offset) if in_body else Anchor(HEADER, 0)
        )
        from tui.search import HEADER_FIELDS
        from tui.search.places import Misplaced

        view = self.article_view
        try:
            matches = self.index.matches_in(choice.article_id, choice.query)
        except Misplaced:  # a page changed since the index was made
            self.searcher.stale()
            matches = []
        view.set_field_matches(
            [
                (block if block >= 0 else HEADER_FIELDS[block], start, end)
                for block, start, end in matches
            ]
        )
        # The first match at or after the one the reader chose; header matches come first.
        target = (choice.block, choice.offset) if in_body else (HEADER, 0)
        first = next((n for n, m in enumerate(view.matches) if (m[0], m[1]) >= target), 0)
        view.go_to_match(first)
        view.focus()

    def action_next_match(self, direction: int) -> None:
        view = self.article_view
        if not view.next_match(direction):
            self.notify(self.strings("msg.no_matches"), timeout=2)


HistoryStep = Callable[[str, Anchor, Callable[[str], bool]], "tuple[str, Anchor] | None"]


@dataclasses.dataclass(frozen=True, slots=True)
class DateJump:
    """Where a typed date goes: the issue's place, what the palette offers, and what to
    say once there (where the date had no issue)."""

    index: int
    label: str
    note: str


def _said(wanted: DateRange) -> str:
    """A typed date as it reads back: the day, the month or the year."""
    if wanted.is_day:
        return wanted.first.isoformat()
    if wanted.first.month == wanted.last.month:
        return wanted.first.isoformat()[:7]
    return str(wanted.first.year)


def _keep_out_of_collections() -> None:
    """The library and the index live as long as the app: a large one is 10⁶ objects, and
    each full collection would walk them all, holding up the keys for a tenth of a second."""
    gc.freeze()


def _reading_mark(state: ArticleState) -> ReadingMark:
    return ReadingMark(started=state.max_percent > 0 or state.anchor.block >= 0, read=state.read)
