"""What every reader `dubao serve`'s zygote forks would do before its first screen, done
once in the zygote instead (`prepare`), where the readers share it copy-on-write.

- The modules a reader imports only as it starts (the terminal's driver, its input parser,
  layouts, scroll bars; the cell widths of the latest Unicode, which rich imports when
  first asked, by the name UNICODE_VERSION gives: only imported here, never chosen).
- Textual's parsed CSS. A `Stylesheet` keeps the rules it parsed in a cache of its own, but
  Textual makes a new stylesheet each time it parses again (a theme set), and a widget's
  CSS lowers the tie breaker of CSS parsed already: a reader parses 17 pieces of CSS 42
  times before its first screen, some 25 ms of CPU. `share_parsed_css` keeps what any
  stylesheet parsed for the whole process, by source and variables; `prepare` fills it
  for the CSS of every widget class imported, under each of dubao's themes. A reader with
  another theme, or CSS not parsed here, parses its own. A reader started afresh keeps
  its own parses so too (`tui.ui.app.run`): each piece once for each theme it shows.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path
from typing import Any

from textual.app import App
from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet
from textual.dom import DOMNode

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

# (css, the other arguments, the variables) → the rules parsed
_parsed: dict[object, list[RuleSet]] = {}


def prepare(app_class: type[App[object]]) -> None:
    """Import what a reader of `app_class` imports late, and parse its CSS. Never fails: a
    reader does whatever is not done here itself."""
    for name in LATER_IMPORTS:
        with contextlib.suppress(ImportError):
            import_module(name)
    with contextlib.suppress(Exception):
        from rich._unicode_data import VERSIONS

        import_module(f"rich._unicode_data.unicode{VERSIONS[-1].replace('.', '-')}")
    share_parsed_css()
    with contextlib.suppress(Exception):
        _parse_css(app_class)


def share_parsed_css() -> None:
    """Every stylesheet of the process takes the rules any other parsed from the same CSS
    with the same variables (Textual never changes rules once parsed: its own stylesheet
    hands the same ones out again)."""
    own = Stylesheet._parse_rules
    if getattr(own, "shared", False):
        return

    def _parse_rules(self: Stylesheet, css: str, *args: Any, **kwargs: Any) -> list[RuleSet]:
        # Keyed on the arguments as given, whatever they are: a Textual that adds one
        # misses the cache, and parses as it would without it.
        known = self.__dict__.get("_shared_variables")
        if known is None or known[0] is not self._variables:  # a dict of some 170
            known = self._shared_variables = (self._variables, frozenset(self._variables.items()))
        key = (css, args, tuple(sorted(kwargs.items())), known[1])
        try:
            rules = _parsed.get(key)
        except TypeError:  # an argument that cannot be a key
            return own(self, css, *args, **kwargs)
        if rules is None:
            rules = _parsed[key] = own(self, css, *args, **kwargs)
        return rules

    _parse_rules.shared = True  # type: ignore[attr-defined]
    Stylesheet._parse_rules = _parse_rules  # type: ignore[method-assign]


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
