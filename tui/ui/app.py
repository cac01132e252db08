"""The reader: a Textual app around the reader's screen (`tui.ui.screens.reader`).

The screen owns what one does while reading: the library, loading it, the moves, marks,
positions and search. The app keeps what every screen shares: settings, strings, themes,
notices (cleaned, never markup), the state store and its signal handlers, help, quitting,
the command palette's entries (asked of the reader's screen), and a load's failure.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.dom import DOMNode
from textual.driver import Driver
from textual.filter import Monochrome, NoColor
from textual.markup import escape
from textual.notifications import SeverityLevel
from textual.screen import Screen

from tui.core.i18n import Strings
from tui.core.model import Library
from tui.core.text import one_line
from tui.library import LibraryError, is_small, load_library
from tui.store.settings import Settings, load_settings
from tui.store.state import StateStore, install_signal_handlers
from tui.ui import parsed_css
from tui.ui.keys import default_keys, give_way, keys_in_force, read_keys
from tui.ui.loading import LoadFailed
from tui.ui.screens.reader import ReaderScreen, localise_bindings
from tui.ui.terminal_clipboard import Copied, copy_text
from tui.ui.terminal_input import decode_input_leniently
from tui.ui.themes import THEMES, default_theme
from tui.ui.widgets.article_view import ArticleView
from tui.ui.widgets.sidebar import Sidebar

if TYPE_CHECKING:
    from tui.background.loader import Loader
    from tui.search import SearchIndex

WIDE = 72  # columns: the article's text column is 40 wide there, beside the sidebar
FIRST_ISSUE_WAIT = 0.5  # seconds the window waits, at most, for a large library's newest issue


class _ReaderProvider(Provider):
    """Palette entries that open something in the reader, matched on plain labels."""

    @property
    def reader(self) -> ReaderScreen:
        app = self.app
        assert isinstance(app, DubaoApp)
        return app.reader

    def entries(self) -> list[tuple[str, str | None, int]]:
        """(label, help, index of the article to open), in the order they are offered."""
        raise NotImplementedError

    async def discover(self) -> Hits:
        for label, help_text, index in self.entries()[:200]:
            opener = partial(self.open, index)
            yield DiscoveryHit(Content(label), opener, text=label, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, help_text, index in self.entries():
            score, offsets = matcher.fuzzy_search.match(query, label)
            if score > 0:
                display = Content(label)  # plain text: a title is never markup
                for offset in offsets:
                    display = display.stylize(matcher.match_style, offset, offset + 1)
                opener = partial(self.open, index)
                yield Hit(score, display, opener, text=label, help=help_text)

    def open(self, index: int) -> None:
        self.reader.open_place(index)


class ArticleCommands(_ReaderProvider):
    """Every article, found by its title."""

    def entries(self) -> list[tuple[str, str | None, int]]:
        reader = self.reader
        return [
            (
                reader.article_label(place.article),
                escape(f"{place.issue.title} · {place.section.title}"),  # help is markup
                index,
            )
            for index, place in enumerate(reader.places)
        ]


class IssueCommands(_ReaderProvider):
    """The issues, newest first, found by date or title: how to jump to a day."""

    def entries(self) -> list[tuple[str, str | None, int]]:
        reader = self.reader
        day = reader.strings.day
        return [
            (reader.places[i].issue.label_with(day), None, i) for i in reader.order.issue_starts()
        ]

    async def search(self, query: str) -> Hits:
        jump = self.reader.issue_of_date(query)
        if jump is not None:  # first: fuzzy scores have no upper bound
            opener = partial(self.reader.open_date_jump, jump)
            yield Hit(float("inf"), Content(jump.label), opener, text=jump.label)
        async for hit in super().search(query):
            yield hit

    def open(self, index: int) -> None:
        self.reader.open_issue(index)


KEEP_CSS_AFTER = 2.0  # seconds after the start


class DubaoApp(App[None]):
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "dubao"
    # Below WIDE the sidebar opens over the article: beside it, it would leave the text
    # fewer than 40 columns (at 60, 28: fifteen Chinese characters a line).
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [
        (0, "-narrow"),
        (WIDE, "-wide"),
        (110, "-very-wide"),
    ]
    COMMANDS = App.COMMANDS | {ArticleCommands}

    # The reader's keys are its screen's (`ReaderScreen.BINDINGS`); the palette's works on
    # every screen.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+p", "command_palette", "Find article", id="palette", show=False, priority=True
        ),
        # Readers press it to quit: as `q` (the place saved), not Textual's "press ctrl+q".
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]
    # Where the reader's bindings are: their ids are what `[keys]` in settings.toml may
    # name (the help screen shares the help's and the moves' ids, so needs no place here).
    REMAPPABLE: ClassVar[tuple[type[DOMNode], ...]] = ()

    def __init__(
        self,
        library: Library | None = None,
        *,
        paths: Sequence[str] | None = None,
        settings: Settings | None = None,
        language: str | None = None,
        library_paths: Sequence[Path] | None = None,
        store: StateStore | None = None,
        loader: Loader | None = None,
        index: SearchIndex | None = None,
    ) -> None:
        """Read `library`; or, when it is None, load the pages at `paths` (None: the seeds)
        in a thread, with a progress bar, the window being up meanwhile. With a `loader`
        already loading them, `library` is the part it has loaded (or None). `index`: the
        library's search index, opened and checked already."""
        decode_input_leniently()
        super().__init__()
        # The reader's screen, made once the store is open (`get_default_screen`).
        self._make_reader = partial(
            ReaderScreen,
            library,
            paths=paths,
            library_paths=library_paths,
            loader=loader,
            index=index,
        )
        self._reader: ReaderScreen | None = None
        self.load_error: str | None = None
        self.store = store
        self._restore_signals: Callable[[], None] | None = None
        settings = settings or load_settings()
        # The names `[keys]` may use: every binding id of the reader's keys.
        self.default_keys = default_keys(self.REMAPPABLE)
        self.keymap, problems = read_keys(settings.keys, self.default_keys)
        self.settings = settings.noting(problems)
        self.strings = Strings(language)
        self.animation_level = "full" if self.settings.animation else "none"
        if self.no_color:
            # NO_COLOR means no colour at all: bold, dim and reverse only, not greys.
            self._filters = [NoColor() if isinstance(f, Monochrome) else f for f in self._filters]
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = default_theme(
            self.settings.theme,
            color_system=self.console.color_system,
            no_color=self.no_color,
            available=self.available_themes,
        )
        self.title = self.strings("app.title")
        localise_bindings(self, self.strings)
        self.set_keymap(self.keymap)
        give_way(self, self.keymap)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every message on one line, as plain text, cleaned: messages carry file names and
        notes from caches, all untrusted. Never markup. One at a time: a message replaces
        the one before, rather than stack over the article."""
        self.clear_notifications()
        super().notify(
            one_line(message),
            title=one_line(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def copy_to_clipboard(self, text: str) -> None:
        """Every copy, Textual's own too, the way `y` copies: through tmux and screen."""
        self.send_to_clipboard(text)

    def send_to_clipboard(self, text: str) -> Copied:
        """Put `text` on the clipboard of the terminal the reader sits at (OSC 52, over SSH
        too); what was done, for the reader to be told."""
        copied = copy_text(text, self._write_to_terminal)
        if copied != "too_long":
            self._clipboard = text
        return copied

    def _write_to_terminal(self, sequence: str) -> None:
        if self._driver is not None:
            self._driver.write(sequence)

    def get_default_screen(self) -> ReaderScreen:
        self._reader = self._make_reader(
            strings=self.strings,
            settings=self.settings,
            store=self.store,
            keymap=self.keymap,
            id="_default",
        )
        return self._reader

    @property
    def reader(self) -> ReaderScreen:
        """The reader's screen (the default one, under any other)."""
        assert self._reader is not None, "the app has not started"
        return self._reader

    def on_load(self) -> None:
        # Before any screen: the reader's screen reads the store as it mounts.
        self._open_store()
        if self.settings.note:
            self.notify(self.settings.note, severity="warning")
        # The CSS parsed for the first screen, kept for the next reader however this one
        # ends (`run` keeps the rest as it returns).
        self.set_timer(KEEP_CSS_AFTER, parsed_css.save)

    @on(LoadFailed)
    def _load_failed(self, message: LoadFailed) -> None:
        """Posted to the reader's screen by its loader; `run` raises it once the app is over."""
        self.load_error = message.reason
        self.exit(return_code=1)

    # -- reading state --------------------------------------------------------------------

    def _open_store(self) -> None:
        if self.store is None:
            self.store = StateStore.open()
        chosen = self.store.preference("theme")  # with `t`, over settings.toml's
        if chosen in self.available_themes:
            self.theme = chosen
        self._restore_signals = install_signal_handlers(self.store, self._exit_on_signal)
        self.set_interval(1.0, self._tick)
        self._tell_store_notice()

    def _tick(self) -> None:
        if self.store is not None:
            self.store.tick()
            self._tell_store_notice()

    def _tell_store_notice(self) -> None:
        notice = self.store.take_notice() if self.store else None
        if notice:
            self.notify(notice, severity="warning", timeout=8)

    def _exit_on_signal(self, signum: int) -> None:
        """The position is saved already. A hung-up terminal cannot be restored: just go."""
        if signum == signal.SIGHUP:
            os._exit(0)
        self.exit()

    def on_unmount(self) -> None:
        # Widgets are gone by now: save what the store holds, never what they show.
        if self.store is not None:
            self.store.close()
        if self._restore_signals is not None:
            self._restore_signals()

    # -- app-wide keys (bound on the reader's screen, in the footer's order) ---------------

    def action_next_theme(self) -> None:
        names = [t.name for t in THEMES]
        current = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(current + 1) % len(names)]
        if self.store is not None:
            self.store.set_preference("theme", self.theme)
        self.notify(self.strings("msg.theme", name=self.theme), timeout=2)

    def get_driver_class(self) -> type[Driver]:
        driver = super().get_driver_class()
        if driver.__name__ == "LinuxDriver":  # not Windows', nor one named in TEXTUAL_DRIVER
            from tui.ui.terminal_mouse import ButtonMouseDriver

            return ButtonMouseDriver
        return driver

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """dubao's own commands in the palette, in the reader's language (not Textual's
        Keys, Maximize, Screenshot)."""
        strings = self.strings
        if isinstance(screen, ReaderScreen):
            yield from screen.commands()
        for name, action in (
            ("command.help", self.action_help),
            ("command.theme", self.action_next_theme),
            ("command.quit", self.action_quit),
        ):
            yield SystemCommand(strings(name), strings(f"{name}.about"), action)

    def action_command_palette(self) -> None:
        from tui.ui.palette import Palette  # wanted only now: not on the way to the first screen

        if not CommandPalette.is_open(self):
            self.push_screen(
                Palette(
                    self.strings("palette.none"),
                    id="--command-palette",
                    placeholder=self.strings("palette.find"),
                )
            )

    def action_help(self) -> None:
        from tui.ui.screens.help import HelpScreen  # Markdown loads when help is first asked for

        if not isinstance(self.screen, HelpScreen):
            reader = self.reader
            nodes = [self, *reader.walk_children(with_self=True)]
            in_force = keys_in_force(nodes, self.keymap, self.default_keys)
            self.push_screen(HelpScreen(self.strings, in_force))


def run(
    paths: Sequence[str] | None = None,
    *,
    mouse: bool = True,
    library: Library | None = None,
    index: SearchIndex | None = None,
) -> int:
    """The reader on `paths`. A small library is read before the first screen, which then
    shows an article at once; a larger one in a thread, the first screen showing its newest
    issue if it is read in time, with a progress bar until the rest is. A `library` given
    (`dubao serve`'s zygote loaded it) is shown whole at once, with its `index` if given."""
    parsed_css.load()  # the CSS as the last reader parsed it, shared by every stylesheet
    loader = None
    if library is None and is_small(paths):
        library = load_library(paths, cache=False)
    elif library is None:
        from tui.background.loader import Loader

        loader = Loader.start(paths)
        library = loader.first(FIRST_ISSUE_WAIT)
    app = DubaoApp(library, paths=paths, loader=loader, index=index)
    app.run(mouse=mouse)
    parsed_css.save()
    if app.load_error:
        raise LibraryError(app.load_error)
    return 0


# The app's own class is only whole once defined.
DubaoApp.REMAPPABLE = (DubaoApp, ReaderScreen, ArticleView, Sidebar)
