"""The core is a library: it never imports Textual; and imports go one way, layer to layer."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import tui

PACKAGE = Path(tui.__file__).parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


# The layers of dubao, bottom up, and the modules in each ("tui.search.*": the package and
# every module in it). A module imports only from its own layer and those named for it in
# MAY_IMPORT: imports go from the UI down to the model, never back. Every module is in one.
LAYERS = {
    "model": ["tui.core.text", "tui.core.model"],
    "alone": [
        "tui",
        "tui.core",
        "tui.store",
        "tui.background",
        "tui.store.folders",
        "tui.core.collector",
        "tui.core.time_left",
    ],
    "processes": ["tui.background.pool"],
    "files": ["tui.library.*", "tui.background.readahead"],
    "search": ["tui.search.*"],
    "reader": [
        "tui.core.layout",
        "tui.core.clipboard",
        "tui.core.navigation",
        "tui.core.dates",
        "tui.core.i18n",
        "tui.store.settings",
        "tui.store.state",
        "tui.store.transfer",
    ],
    "workers": ["tui.background.loader", "tui.background.indexer"],
    "serve": ["tui.serve", "tui.serve.server", "tui.serve.reader"],
    # the zygote forks readers: it runs the reader's code, as the command does
    "command": ["tui.cli", "tui.cli_state", "tui.__main__", "tui.serve.zygote"],
    "ui": ["tui.ui.*"],
}
_CORE = ["model", "alone", "processes", "files", "search", "reader", "workers", "serve"]
MAY_IMPORT: dict[str, list[str]] = {
    "model": ["model"],  # text and model: nothing of dubao but each other
    "alone": [],  # the version, the user's folders, the collector, time left
    "processes": ["alone"],  # the process pool: a fresh Python's environment (`tui`)
    "files": ["model", "alone", "processes", "files"],
    "search": ["model", "alone", "files", "search"],
    "reader": ["model", "alone", "reader"],
    "workers": ["model", "alone", "processes", "files", "search", "workers"],
    # `dubao serve`: the user's folders and text, never the reader's code (it runs its own)
    "serve": ["model", "alone", "serve"],
    "command": [*_CORE, "command", "ui"],  # cli starts the UI (`tui.ui.app.run`, imported late)
    "ui": [*_CORE, "ui"],
}
# The layers whose modules import nothing, not even one another.
_IMPORT_NOTHING = {"alone"}


def _modules() -> dict[str, Path]:
    """Every module of the package by its dotted name."""
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _in(module: str, member: str) -> bool:
    package = member.removesuffix(".*")
    return module == package or (member != package and module.startswith(f"{package}."))


def _layer(module: str) -> str | None:
    for layer, members in LAYERS.items():
        if any(_in(module, member) for member in members):
            return layer
    return None


def _dubao_imports(
    path: Path, module: str, known: set[str], *, on_import: bool = False
) -> set[str]:
    """The modules of dubao that a module imports, anywhere in its source (at the top, in a
    function, under TYPE_CHECKING): `from a.b import c` is `a.b.c` when that is a module.
    `on_import`: only those imported as the module is, not inside its functions."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in _outside_functions(tree) if on_import else ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.update(
                f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names
            )
    return {name for name in found if name.split(".")[0] == "tui"}


def _outside_functions(node: ast.AST) -> Iterator[ast.AST]:
    yield node
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from _outside_functions(child)


def _against_the_layers(imports: dict[str, set[str]]) -> list[str]:
    """Each import, `importer → imported`, that goes against MAY_IMPORT."""
    wrong = []
    for module, imported in sorted(imports.items()):
        layer = _layer(module)
        for name in sorted(imported):
            theirs = _layer(name)
            if layer is None or theirs is None:
                wrong.append(f"{module} → {name}: a module in no layer")
            elif layer in _IMPORT_NOTHING or (theirs != layer and theirs not in MAY_IMPORT[layer]):
                wrong.append(f"{module} ({layer}) → {name} ({theirs})")
    return wrong


def _imports_by_module() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _dubao_imports(path, name, set(modules)) for name, path in modules.items()}


def test_core_modules_do_not_import_textual_in_their_source() -> None:
    core = {name: path for name, path in _modules().items() if _layer(name) != "ui"}
    assert {
        "tui.core.model",
        "tui.search.index",
        "tui.store.state",
        "tui.store.folders",
    } <= core.keys()
    for name, path in core.items():
        assert "textual" not in _imports(path), name


def test_every_module_is_in_one_layer() -> None:
    """A new module is given its place: the check cannot tell its direction otherwise."""
    members = [member for members in LAYERS.values() for member in members]
    placed = {name: [m for m in members if _in(name, m)] for name in _modules()}
    assert {name: found for name, found in placed.items() if len(found) != 1} == {}


def test_imports_go_one_way_between_the_layers() -> None:
    assert _against_the_layers(_imports_by_module()) == []


def test_the_command_imports_the_ui_only_to_start_the_reader() -> None:
    """`dubao list` and `dubao search` must not pay for Textual."""
    modules = _modules()
    for name in LAYERS["command"]:
        imported = _dubao_imports(modules[name], name, set(modules), on_import=True)
        assert [each for each in imported if _layer(each) == "ui"] == [], name


def test_the_table_keeps_the_rules_the_architecture_page_states() -> None:
    """So that an import against them is not let through by widening the table."""
    core = {layer for layer in LAYERS if layer != "ui"} - {"command"}
    assert all("ui" not in MAY_IMPORT[layer] for layer in core)
    assert MAY_IMPORT["model"] == ["model"] and LAYERS["model"] == [
        "tui.core.text",
        "tui.core.model",
    ]
    assert "tui.store.folders" in LAYERS["alone"] and "alone" in _IMPORT_NOTHING
    assert not {"workers", "reader", "command", "ui"} & {*MAY_IMPORT["search"]}


def test_the_direction_check_can_fail() -> None:
    imports = {
        "tui.search.store": {"tui.ui.app", "tui.background.loader", "tui.library"},
        "tui.core.model": {"tui.core.text", "tui.core.layout"},
        "tui.store.folders": {"tui.core.text"},
        "tui.library.cache": {"tui.search.build"},
        "tui.store.state": {"tui.ui.screens.search"},
        "tui.ui.widgets.sidebar": {"tui.cli"},
        "tui.new_module": {"tui.core.model"},
    }
    assert _against_the_layers(imports) == [
        "tui.core.model (model) → tui.core.layout (reader)",
        "tui.library.cache (files) → tui.search.build (search)",
        "tui.new_module → tui.core.model: a module in no layer",
        "tui.search.store (search) → tui.background.loader (workers)",
        "tui.search.store (search) → tui.ui.app (ui)",
        "tui.store.folders (alone) → tui.core.text (model)",
        "tui.store.state (reader) → tui.ui.screens.search (ui)",
        "tui.ui.widgets.sidebar (ui) → tui.cli (command)",
    ]


def test_imports_are_read_wherever_they_are_and_however_spelt(tmp_path: Path) -> None:
    source = tmp_path / "x.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "from tui import __version__\n"
        "from tui.core import text\n"
        "import tui.search.build\n"
        "from . import store\n"
        "from ..ui import app as ui\n"
        "if TYPE_CHECKING:\n"
        "    from tui.library import Pages\n"
        "def f():\n"
        "    from ..ui.widgets.sidebar import Sidebar\n",
        encoding="utf-8",
    )
    known = set(_modules())
    assert _dubao_imports(source, "tui.search.x", known) == {
        "tui",
        "tui.core.text",
        "tui.search.build",
        "tui.search.store",
        "tui.ui.app",
        "tui.library",
        "tui.ui.widgets.sidebar",
    }


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


def test_the_package_ships_only_files_the_program_reads() -> None:
    """Package data is what dubao opens: its styles, its help and search's fold table, not
    notes for its maintainers (ARCHITECTURE.md)."""
    import tomllib

    config = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    data = config["tool"]["setuptools"]["package-data"]
    shipped = {
        path.name
        for package, patterns in data.items()
        if package != "tui.seeds"
        for pattern in patterns
        for path in (PACKAGE.parent / package.replace(".", "/")).glob(pattern)
    }
    assert shipped == {"app.tcss", "help.en.md", "help.zh.md", "t2s.txt"}
    sources = "\n".join(path.read_text(encoding="utf-8") for path in PACKAGE.rglob("*.py"))
    assert "app.tcss" in sources and 'f"help.{' in sources and '"t2s.txt"' in sources


def test_every_module_imports_first_in_a_fresh_interpreter() -> None:
    """No import cycle that only an import order hides: a worker's forkserver, `dubao list`
    and a test may each import a different module first."""
    from concurrent.futures import ThreadPoolExecutor

    def imported_alone(module: str) -> tuple[str, str]:
        out = subprocess.run(
            [sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=60
        )
        return module, out.stderr.strip().splitlines()[-1] if out.returncode else ""

    modules = [name for name in _modules() if not name.endswith("__main__")]
    with ThreadPoolExecutor(4) as pool:
        failures = {module: error for module, error in pool.map(imported_alone, modules) if error}
    assert failures == {}
