"""What every reader `dubao serve`'s zygote forks would do before its first screen, done
once in the zygote instead (`prepare`), where the readers share it copy-on-write.

- The modules a reader imports only as it starts (the terminal's driver, its input parser,
  layouts, scroll bars; the cell widths of the latest Unicode, which rich imports when
  first asked, by the name UNICODE_VERSION gives: only imported here, never chosen).
- Textual's parsed CSS, shared by every stylesheet of the process (`tui.ui.parsed_css`):
  `prepare` parses the CSS of every widget class imported, under each of dubao's themes.
  A reader with another theme, or CSS not parsed here, parses its own.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path

from textual.app import App
from textual.css.stylesheet import Stylesheet
from textual.dom import DOMNode

from tui.ui import parsed_css
from tui.ui.themes import THEMES

# As a reader imports them from `App.run` to its first screen (`sys.modules` compared).
LATER_IMPORTS = (
    "textual.drivers.linux_driver",
    "textual.drivers.headless_driver",
    "textual._xterm_parser",
    "textual._keyboard_protocol",
    "textual.layouts.factory",
    "textual.layouts.horizontal",
    "textual.layouts.stream",
    "textual.scrollbar",
    "textual.pilot",
    "rich._emoji_codes",
    "tui.ui.terminal_mouse",
)


def prepare(app_class: type[App[object]]) -> None:
    """Import what a reader of `app_class` imports late, and parse its CSS. Never fails: a
    reader does whatever is not done here itself."""
    for name in LATER_IMPORTS:
        with contextlib.suppress(ImportError):
            import_module(name)
    with contextlib.suppress(Exception):
        from rich._unicode_data import VERSIONS

        import_module(f"rich._unicode_data.unicode{VERSIONS[-1].replace('.', '-')}")
    parsed_css.share_parsed_css()  # not kept in the cache folder: the readers have it all
    with contextlib.suppress(Exception):
        _parse_css(app_class)


def _parse_css(app_class: type[App[object]]) -> None:
    """The CSS of `app_class` and of every widget class imported, as a reader's stylesheet
    parses it, under each of dubao's themes (the variables as the app makes them)."""
    app = app_class()
    sources = list(_default_css())
    for path in app.css_path:
        css = Path(path).read_text(encoding="utf-8")
        sources.append(((os.path.abspath(path), ""), css, 0, "", False))  # as `read` has it
    for theme in THEMES:
        app.theme = theme.name
        sheet = Stylesheet(variables=app.get_css_variables())
        for read_from, css, tie_breaker, scope, is_default in sources:
            sheet._parse_rules(  # as `Stylesheet.parse` calls it
                css,
                read_from=read_from,
                is_default_rules=is_default,
                tie_breaker=tie_breaker,
                scope=scope,
            )


def _default_css() -> Iterator[tuple[tuple[str, str], str, int, str, bool]]:
    """Every (where from, css, tie breaker, scope) a node of an imported class adds to its
    app's stylesheet: a base's CSS comes with as many tie breakers as it has subclasses at
    different depths, and a stylesheet parses it with the lowest of those it has seen."""
    seen: set[tuple[tuple[str, str], str, int, str]] = set()
    classes: list[type[DOMNode]] = [DOMNode]
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        try:  # `_get_default_css` asks only for the class's bases
            found = cls.__new__(cls)._get_default_css()
        except Exception:
            continue
        for source in found:
            if source not in seen:
                seen.add(source)
                yield (*source, True)
