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
