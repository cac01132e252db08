"""How soon after its launch a search can answer in a Textual app at all, beside dubao.

    .venv/bin/python tests/benchmarks/search_floor.py CORPUS [--runs N] [--query TEXT]

The programs are started in tmux at 80x24 and driven the same way as `readers.py` drives
dubao: as soon as the first screen is up, `/` is typed, then, once the search field shows,
the query; "search" is the time from the launch until the count of matches is on screen.

- dubao: `dubao CORPUS`, its caches warm (one run first fills them).
- minimal: a small Textual app that does the same steps: a tree, a text and a footer;
  `/` opens a modal with a field and a line under it; each change of the field counts the
  matching lines of a list of 33,917 short texts held in memory and shows "N articles".
  It imports, loads and draws nothing else.

- bare: the least a Textual app does on the way: one line of text; `/` opens a modal with
  a field and a line under it, which shows "N articles" (N: the characters typed) as the
  field changes. No tree, text, footer or list.

The minimal and bare apps are floors for any reader on Textual on this machine, not
targets: the ratios say how much of dubao's time is Textual's own. The runs alternate
(dubao, minimal, bare, dubao, ...), so that a noisy machine weighs on all alike.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.library import ANSWERED, SCREEN_MARKER, compile_package  # noqa: E402
from tests.tmux import Tmux  # noqa: E402

GOAL = 0.5  # seconds from launch to an answer (issue 16)
MINIMAL_MARKER = "最小阅读器 · "
BARE_MARKER = "空白阅读器 · "

MINIMAL_APP = f'''\
"""A tree, a text, a footer; `/` opens a search panel that counts matching lines."""

from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Static, Tree

LINES = [f"第{{n % 20}}版 经济 {{n}}" if n % 4 == 0 else f"新闻 {{n}}" for n in range(33917)]


class Search(ModalScreen[None]):
    CSS = "#box {{ width: 90%; height: 90%; border: round $primary; background: $surface; }}"
    BINDINGS = [("escape", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Input(placeholder="Search: words")
            yield Label(id="count")

    def on_input_changed(self, event: Input.Changed) -> None:
        found = sum(event.value in line for line in LINES) if event.value else 0
        self.query_one("#count", Label).update(f"{{found:,}} articles")


class Minimal(App[None]):
    CSS = "Tree {{ width: 30; }}"
    BINDINGS = [("q", "quit", "Quit"), ("slash", "search", "Search")]

    def compose(self) -> ComposeResult:
        yield Label("{MINIMAL_MARKER}2022-12-31")
        with Horizontal():
            tree: Tree[None] = Tree("报纸")
            for day in range(30):
                issue = tree.root.add(f"12月{{day + 1}}日", expand=day == 0)
                for page in range(8):
                    issue.add_leaf(f"第{{page + 1}}版")
            tree.root.expand()
            yield tree
            with VerticalScroll():
                yield Static("本报讯 这是一段正文，用来占据文章的位置。" * 30)
        yield Footer()

    def action_search(self) -> None:
        self.push_screen(Search())


if __name__ == "__main__":
    Minimal().run()
'''


def launch(
    term: Tmux, command: list[str], env: dict[str, str], marker: str, query: str
) -> tuple[float, float]:
    """(first screen, search answered): seconds from the launch."""
    start = time.perf_counter()
    term.respawn(command, env=env)
    term.wait_for(marker, timeout=120, interval=0.005)
    screen = time.perf_counter() - start
    term.send("/")
    term.wait_for("Search:", timeout=30, interval=0.005)
    term.send(query, literal=True)
    term.wait_for(lambda text: bool(ANSWERED.search(text)), timeout=300, interval=0.005)
    answered = time.perf_counter() - start
    os.kill(term.pane_pid(), signal.SIGKILL)
    term.wait_for_exit(timeout=10)
    return screen, answered


def stats(values: Sequence[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered):5.2f} s  p95 {p95:5.2f} s"


BARE_APP = f'''\
"""One line of text; `/` opens a modal with a field and a line that counts what is typed."""

from textual.app import App, ComposeResult
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class Search(ModalScreen[None]):
    def compose(self) -> ComposeResult:
        yield Input(placeholder="Search: words")
        yield Label(id="count")

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#count", Label).update(f"{{len(event.value)}} articles")


class Bare(App[None]):
    BINDINGS = [("q", "quit", "Quit"), ("slash", "search", "Search")]

    def compose(self) -> ComposeResult:
        yield Label("{BARE_MARKER}2022-12-31")

    def action_search(self) -> None:
        self.push_screen(Search())


if __name__ == "__main__":
    Bare().run()
'''


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Search after launch: dubao and two floors.")
    parser.add_argument("corpus")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--query", default="经济")
    args = parser.parse_args(argv)
    compile_package()
    tmp = Path(tempfile.mkdtemp(prefix="search-floor-"))
    env = {
        "XDG_CACHE_HOME": str(tmp / "cache"),
        "XDG_DATA_HOME": str(tmp / "data"),
        "XDG_CONFIG_HOME": str(tmp / "config"),
        "DUBAO_LANG": "en",
        "PYTHONPATH": str(ROOT),  # the tree this script is in, whatever is installed
    }
    app_file = tmp / "minimal_app.py"
    app_file.write_text(MINIMAL_APP, encoding="utf-8")
    bare_file = tmp / "bare_app.py"
    bare_file.write_text(BARE_APP, encoding="utf-8")
    programs = {
        "dubao": (
            [str(Path(sys.executable).parent / "dubao"), str(Path(args.corpus).resolve())],
            SCREEN_MARKER,
        ),
        "minimal": ([sys.executable, str(app_file)], MINIMAL_MARKER),
        "bare": ([sys.executable, str(bare_file)], BARE_MARKER),
    }
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in programs}
    with Tmux(["sleep", "86400"], 80, 24, socket_dir=tmp) as term:
        os.kill(term.pane_pid(), signal.SIGKILL)
        term.wait_for_exit(timeout=10)
        for run in range(args.runs + 1):  # run 0 warms the caches and the OS's file cache
            for name, (command, marker) in programs.items():
                figures = launch(term, command, env, marker, args.query)
                if run > 0:
                    times[name].append(figures)
                    time.sleep(1.0)  # the last one's files written, its processes gone
    print(f"launch in tmux at 80x24, {args.runs} runs each, alternating; query {args.query!r}")
    for name, figures in times.items():
        screens, answers = zip(*figures, strict=True)
        print(f"{name:>8}: first screen {stats(screens)};  search {stats(answers)}")
    dubao, minimal, bare = (statistics.median(a for _, a in times[name]) for name in programs)
    print(
        f"search: dubao/minimal {dubao / minimal:.2f}, dubao/bare {dubao / bare:.2f}; "
        f"goal {GOAL:g} s: dubao {dubao / GOAL:.2f}, minimal {minimal / GOAL:.2f}, "
        f"bare {bare / GOAL:.2f} (ratio to the goal)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
