"""The core is a library: it never imports Textual."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import tui

CORE = [
    "model",
    "text",
    "parse",
    "library",
    "cli",
    "layout",
    "i18n",
    "settings",
    "cache",
    "collector",
    "forked",
    "readahead",
    "loader",
    "remote_index",
]
PACKAGE = Path(tui.__file__).parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_modules_do_not_import_textual_in_their_source() -> None:
    core_files = [PACKAGE / f"{name}.py" for name in CORE]
    core_files += [p for sub in ("search",) for p in (PACKAGE / sub).glob("*.py")]
    core_files += [PACKAGE / "state.py"] if (PACKAGE / "state.py").exists() else []
    for path in core_files:
        assert "textual" not in _imports(path), path.name


def test_loading_a_library_and_listing_it_leaves_textual_unloaded() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from tui import cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert cli.main(['list', '--json']) == 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# Calls that put text in front of the reader: on the terminal, in a widget, in a notice.
_SHOWN_BY = {"write", "notify", "Label", "Static", "Content", "Text", "Hit", "DiscoveryHit"}
# Attributes that hold a file's path, which may hold any byte a file name can.
_PATHS = {"source", "path", "folder"}


def _unwrapped_paths(tree: ast.AST) -> list[int]:
    """Lines where a path attribute is passed, inside a call that shows text, without
    `one_line` around it."""
    lines = []

    def visit(node: ast.AST, shown: bool, wrapped: bool) -> None:
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            shown = shown or name in _SHOWN_BY
            wrapped = wrapped or name == "one_line"
        if isinstance(node, ast.Attribute) and node.attr in _PATHS and shown and not wrapped:
            lines.append(node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child, shown, wrapped)

    visit(tree, False, False)
    return lines


def test_every_path_shown_is_cleaned_onto_one_line() -> None:
    """A file name can hold ESC, BEL, a newline or bytes that are not UTF-8: wherever a path
    reaches the screen it goes through `one_line` (or the app's `notify`, which applies it)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if path.name == "app.py":
            # Notices are cleaned by DubaoApp.notify itself; check that it does.
            notify = next(
                n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "notify"
            )
            assert "one_line(message)" in ast.unparse(notify)
            for call in ast.walk(tree):
                if isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "notify":
                    call.func.attr = "notify_cleaned"  # type: ignore[union-attr]
        if lines := _unwrapped_paths(tree):
            found[path.relative_to(PACKAGE).as_posix()] = lines
    assert found == {}


def test_the_path_check_can_fail() -> None:
    shown = ast.parse("out.write(f'{section.source}')\nLabel(one_line(p.path))\nx = p.source")
    assert _unwrapped_paths(shown) == [1]
