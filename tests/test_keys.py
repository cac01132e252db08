"""The reader's own keys: `[keys]` in settings.toml, checked, applied, shown."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.dom import DOMNode

import tui.ui
from tui.core.i18n import Strings
from tui.core.model import Library
from tui.library import load_library
from tui.store.settings import Settings, load_settings
from tui.ui.app import DubaoApp
from tui.ui.keys import default_keys, normal_key, read_keys
from tui.ui.screens.help import HELP_DIR, HelpScreen
from tui.ui.widgets.help_text import HelpText
from tui.ui.widgets.keybar import KeyBar
from tui.ui.widgets.sidebar import Sidebar

from .test_app import _page, notes, title

DEFAULTS = default_keys(DubaoApp.REMAPPABLE)


@pytest.fixture
def library(tmp_path: Path) -> Library:
    """Two issues of two pages, as test_app's: 十日一版甲, 十日一版乙, 十日二版甲…"""
    files = {
        "2025-12-10/01_要闻.md": _page("十日一版甲", "十日一版乙"),
        "2025-12-10/02_经济.md": _page("十日二版甲"),
        "2025-12-09/01_要闻.md": _page("九日一版甲", "九日一版乙"),
    }
    for name, text in files.items():
        path = tmp_path / "paper" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return load_library([tmp_path / "paper"])


def _settings(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path)


# -- settings.toml's [keys] --------------------------------------------------------------


def test_the_keys_table_is_read(tmp_path: Path) -> None:
    loaded = _settings(tmp_path, 'measure = 60\n[keys]\nnext_article = "n,right"\nquit = "x"\n')
    assert dict(loaded.keys) == {"next_article": "n,right", "quit": "x"}
    assert loaded.measure == 60 and loaded.note is None


def test_keys_not_in_quotes_are_one_problem_and_the_rest_is_read(tmp_path: Path) -> None:
    loaded = _settings(tmp_path, '[keys]\nquit = "x"\nsearch = 5\nhelp = ["h"]\n')
    assert dict(loaded.keys) == {"quit": "x"}
    assert loaded.note is not None and "\n" not in loaded.note
    assert loaded.note.startswith(str(tmp_path / "settings.toml"))
    assert "keys.search must be keys in quotes" in loaded.note
    assert "keys.help must be keys in quotes" in loaded.note


def test_keys_that_are_not_a_table_are_a_problem(tmp_path: Path) -> None:
    loaded = _settings(tmp_path, 'keys = "n"\nmeasure = 60\n')
    assert dict(loaded.keys) == {} and loaded.measure == 60
    assert loaded.note and "keys must be a table" in loaded.note


def test_problems_join_the_settings_note_on_one_line(tmp_path: Path) -> None:
    loaded = _settings(tmp_path, "measure = 3\n")
    noted = loaded.noting(["keys.x: no such action"])
    path = tmp_path / "settings.toml"
    assert noted.note == f"{path}: measure must be a whole number ≥ 20; keys.x: no such action"
    fine = _settings(tmp_path, "measure = 60\n").noting(["keys.x: no such action"])
    assert fine.note == f"{path}: keys.x: no such action"
    assert Settings().noting([]).note is None


# -- the ids and the keys, checked --------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("x", "x"),
        ("N", "N"),
        ("?", "question_mark"),
        ("]", "right_square_bracket"),
        ("+", "plus"),
        (" right ", "right"),
        ("Right", "right"),
        ("F5", "f5"),
        ("pagedown", "pagedown"),
        ("space", "space"),
        ("question_mark", "question_mark"),
        ("ctrl+x", "ctrl+x"),
        ("Ctrl+X", "ctrl+X"),
        ("shift+ctrl+left", "ctrl+shift+left"),
        ("ctrl+/", "ctrl+slash"),
        ("alt+right", "alt+right"),
        ("中", "中"),
    ],
)
def test_keys_are_named_as_textual_names_them(written: str, key: str) -> None:
    assert normal_key(written) == key


@pytest.mark.parametrize(
    "written", ["", " ", "rigth", "esc", "pgdn", "control+x", "ctrl+", "ctrl++", "ctrl+rigth"]
)
def test_what_is_not_a_key(written: str) -> None:
    assert normal_key(written) is None


def test_a_good_entry_makes_the_keymap() -> None:
    keymap, problems = read_keys(
        {"next_article": "n, Right", "quit": "x", "help": "?,F1,?"}, DEFAULTS
    )
    assert keymap == {"next_article": "n,right", "quit": "x", "help": "question_mark,f1"}
    assert problems == []


def test_an_unknown_action_is_left_out_with_a_hint() -> None:
    keymap, problems = read_keys({"next_artcle": "n", "quit": "x"}, DEFAULTS)
    assert keymap == {"quit": "x"}
    assert problems == ["keys.next_artcle: no such action (did you mean next_article?)"]


def test_a_bad_key_leaves_the_entry_out_whole() -> None:
    keymap, problems = read_keys({"next_article": "n,rigth", "search": ""}, DEFAULTS)
    assert keymap == {}
    assert problems[0].startswith("keys.next_article: 'rigth' is not a key")
    assert problems[0].endswith("next_article keeps its keys")
    assert problems[1] == "keys.search: no key given; search keeps its keys"


def _ui_classes() -> list[type[DOMNode]]:
    for module in pkgutil.walk_packages(tui.ui.__path__, "tui.ui."):
        importlib.import_module(module.name)
    found, todo = [], [DOMNode]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("tui.ui."):
            found.append(cls)
    return found


def test_every_binding_with_an_id_can_be_given_keys_and_has_a_label() -> None:
    # A binding with an id is all a new key needs: the id is its name in [keys] and its
    # label's (`key.<id>`), and its class is one the app reads ids from.
    english, chinese = Strings("en"), Strings("zh")
    ids = set()
    for cls in _ui_classes():
        for binding in Binding.make_bindings(cls.__dict__.get("BINDINGS", [])):
            if binding.id is not None:
                ids.add(binding.id)
                assert re.fullmatch(r"[a-z][a-z_]*", binding.id), (cls, binding.id)
                assert binding.id in DEFAULTS, (cls, binding.id)
    assert ids == set(DEFAULTS)
    for name in ids:
        assert english(f"key.{name}") and chinese(f"key.{name}")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_help_names_only_actions_that_exist(language: str) -> None:
    text = (HELP_DIR / f"help.{language}.md").read_text(encoding="utf-8")
    named = set(re.findall(r"\{([a-z_]+)\}", text))
    assert named and named <= set(DEFAULTS)


# -- in the reader --------------------------------------------------------------------------


def _app(library: Library, keys: dict[str, str], language: str = "en") -> DubaoApp:
    settings = Settings(theme="dubao-dark", keys=keys)
    return DubaoApp(library, settings=settings, language=language)


def _footer(app: DubaoApp) -> dict[str, str]:
    keys = app.screen.query_one(KeyBar).keys
    assert keys is not None
    shown = [*keys.left, *([keys.palette] if keys.palette else [])]
    return {k.description: k.display for k in shown}


async def test_a_key_given_works_and_the_one_it_replaces_does_not(library: Library) -> None:
    app = _app(library, {"next_article": "n,right"})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert title(app) == "十日一版甲"
        await pilot.press("right_square_bracket")  # replaced: nothing
        await pilot.pause()
        assert title(app) == "十日一版甲"
        await pilot.press("n")
        await pilot.pause()
        assert title(app) == "十日一版乙"
        # `right` is the article pane's too (it does nothing there): given, it is taken.
        await pilot.press("right")
        await pilot.pause()
        assert title(app) == "十日二版甲"
        assert _footer(app)["Next"] == "n"
        assert notes(app) == []


async def test_the_footer_shows_the_keys_in_force(library: Library) -> None:
    app = _app(library, {"search": "f", "quit": "x"})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        shown = _footer(app)
        assert shown["Search"] == "f" and shown["Quit"] == "x"
        await pilot.press("q")
        await pilot.pause()
        assert not app._exit
        await pilot.press("x")
        await pilot.pause()
        assert app._exit


async def test_a_key_taken_from_another_action_leaves_it(library: Library) -> None:
    # `j` is the article's and the sidebar's line down; given to next_article, it is
    # next_article's wherever the focus is, and the help says line down has `↓` only.
    app = _app(library, {"next_article": "j"})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("j")
        await pilot.pause()
        assert title(app) == "十日一版乙"
        app.query_one(Sidebar).focus()
        await pilot.pause()
        await pilot.press("j")
        await pilot.pause()
        assert title(app) == "十日二版甲"
        await pilot.press("question_mark")
        await pilot.pause()
        source = app.screen.query_one(HelpText).source
        assert "- `↓` / `k` `↑` — line down / up" in source
        assert "- `j` / `[` — next / previous article" in source


async def test_the_help_shows_the_keys_in_force(library: Library) -> None:
    app = _app(library, {"next_article": "n,right", "help": "h"}, language="zh")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")  # replaced
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        source = app.screen.query_one(HelpText).source
        assert "- `n` `→` / `[` — 下一篇 / 上一篇" in source
        assert "- （无按键） / `N` — 文中下一处 / 上一处匹配" in source  # n was next match's
        # → was unfold's, h fold's
        assert "- `←` / `l` — 在版面栏中折叠 / 展开" in source
        assert "- `h` — 本帮助" in source
        assert not re.search(r"\{[a-z_]+\}", source)  # every {id} filled
        await pilot.press("h")  # the help key closes the help too
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_the_help_shows_the_default_keys(library: Library) -> None:
    app = _app(library, {})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        source = app.screen.query_one(HelpText).source
        assert "- `Space` `PgDn` / `b` `PgUp` — page down / up" in source
        assert "- `Backspace` `Ctrl+O` `Alt+←` / `Alt+→` — back" in source
        assert "- `?` `F1` — this help" in source
        assert "- `Ctrl+P` — find an article" in source


async def test_a_bad_entry_is_one_line_and_its_defaults(library: Library) -> None:
    app = _app(library, {"next_article": "rigth", "nope": "x", "quit": "x"})
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        [note] = notes(app)
        assert "keys.next_article: 'rigth' is not a key" in note
        assert "keys.nope: no such action" in note
        assert "\n" not in note
        assert _footer(app)["Next"] == "]"
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert title(app) == "十日一版乙"
        await pilot.press("x")  # the good entry is applied
        await pilot.pause()
        assert app._exit
