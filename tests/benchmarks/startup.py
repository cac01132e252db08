"""Time to first paint of `dubao` against a minimal Textual app, in tmux at 80x24.

    .venv/bin/python tests/benchmarks/startup.py [--runs N] [--marker TEXT] [--state cold|warm]

"First paint" is the time from just before tmux starts the program until the screen first
shows the program's marker text. The two programs alternate (A B A B ...) after one warm-up
run each, so that a noisy machine weighs on both alike.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import math
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.library import compile_package  # noqa: E402
from tests.tmux import Tmux, tmux_version  # noqa: E402

DESCRIPTION = "Time to first paint of dubao against a minimal Textual app, in tmux at 80x24."
WIDTH, HEIGHT = 80, 24
POLL = 0.005
DEFAULT_MARKER = "建设平安山西"
MINIMAL_MARKER = "最小应用就绪"

MINIMAL_APP = f'''\
"""The smallest app with dubao's parts: header, tree, scrolling text, footer."""

from textual.app import App, ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Header, Static, Tree

PARAGRAPH = "{MINIMAL_MARKER}。" + "本报讯 这是一段用来衡量启动时间的正文，没有别的用处。" * 8


class Minimal(App[None]):
    TITLE = "minimal"
    CSS = "Tree {{ width: 30; }}"
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            tree: Tree[None] = Tree("报纸")
            for day in ("十二月九日", "十二月十日"):
                issue = tree.root.add(day, expand=True)
                for page in ("一版", "二版", "三版"):
                    issue.add_leaf(page)
            tree.root.expand()
            yield tree
            with VerticalScroll():
                yield Static(PARAGRAPH)
        yield Footer()


if __name__ == "__main__":
    Minimal().run()
'''


@dataclass
class Program:
    name: str
    command: list[str]
    marker: str
    times: list[float] = field(default_factory=list)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each (default 15)")
    parser.add_argument(
        "--marker",
        default=DEFAULT_MARKER,
        help=f"text that means dubao has painted ({DEFAULT_MARKER})",
    )
    parser.add_argument(
        "--state",
        choices=("cold", "warm"),
        default="cold",
        help="cold: fresh XDG data/cache/config dirs for every run; warm: one set for all runs",
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for a paint")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def xdg_env(base: Path) -> dict[str, str]:
    """XDG data, cache and config dirs under `base` (platformdirs follows them on Linux)."""
    env: dict[str, str] = {}
    for kind in ("data", "cache", "config"):
        path = base / kind
        path.mkdir(parents=True, exist_ok=True)
        env[f"XDG_{kind.upper()}_HOME"] = str(path)
    return env


def stop(term: Tmux, timeout: float) -> None:
    """End the program in the pane and wait until it is gone, so it costs the next run nothing."""
    if not term.is_dead():
        os.kill(term.pane_pid(), signal.SIGTERM)
    term.wait_for_exit(timeout=timeout)


def first_paint(term: Tmux, program: Program, env: dict[str, str], timeout: float) -> float:
    """Seconds from respawning the pane with the program until its marker is on screen."""
    start = time.perf_counter()
    term.respawn(program.command, env=env)
    term.wait_for(program.marker, timeout=timeout, interval=POLL)
    elapsed = time.perf_counter() - start
    stop(term, timeout)
    return elapsed


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: with few runs, an observed value rather than an interpolation."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def summary(times: Sequence[float]) -> tuple[float, float, float, float]:
    """(median, p95, min, max) in milliseconds."""
    ms = [t * 1000 for t in times]
    return statistics.median(ms), percentile(ms, 0.95), min(ms), max(ms)


def report(programs: Sequence[Program], args: argparse.Namespace) -> None:
    print(
        f"time to first paint in tmux at {WIDTH}x{HEIGHT} (screen polled every "
        f"{POLL * 1000:g} ms), {args.runs} runs each, in ms"
    )
    print(f"{'program':<10}{'median':>9}{'p95':>9}{'min':>9}{'max':>9}")
    for program in programs:
        cells = "".join(f"{value:9.1f}" for value in summary(program.times))
        print(f"{program.name:<10}{cells}")
    dubao, minimal = (summary(p.times) for p in programs)
    print(
        f"ratio dubao/minimal: median {dubao[0] / minimal[0]:.2f}, p95 {dubao[1] / minimal[1]:.2f}"
    )
    if args.state == "cold":
        state = "cold: fresh XDG_DATA_HOME/XDG_CACHE_HOME/XDG_CONFIG_HOME for every run"
    else:
        state = "warm: one set of XDG dirs for all runs, filled by the warm-up run"
    print(f"state and caches {state}; OS file cache warm (one warm-up run of each first)")
    print(f"markers: dubao {programs[0].marker!r}, minimal {programs[1].marker!r}")
    print(
        f"{tmux_version()}, Python {platform.python_version()}, "
        f"Textual {importlib.metadata.version('textual')}"
    )


def run(args: argparse.Namespace, tmp: Path) -> list[Program]:
    app_file = tmp / "minimal_app.py"
    app_file.write_text(MINIMAL_APP, encoding="utf-8")
    # The console script beside this interpreter, not whatever `dubao` PATH finds first.
    dubao = Path(sys.executable).parent / "dubao"
    if not dubao.exists():
        raise SystemExit(f"no {dubao}: install the project first (pip install -e .)")
    programs = [
        Program("dubao", [str(dubao)], args.marker),
        Program("minimal", [sys.executable, str(app_file)], MINIMAL_MARKER),
    ]
    shared = xdg_env(tmp / "state-shared") if args.state == "warm" else None
    with Tmux(["sleep", "86400"], WIDTH, HEIGHT, socket_dir=tmp) as term:
        stop(term, args.timeout)
        for round_ in range(args.runs + 1):  # round 0 is the warm-up
            for program in programs:
                env = shared or xdg_env(tmp / f"state-{round_}-{program.name}")
                elapsed = first_paint(term, program, env, args.timeout)
                if round_ > 0:
                    program.times.append(elapsed)
    return programs


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    compile_package()
    with tempfile.TemporaryDirectory(prefix="dubao-bench-") as tmp:
        programs = run(args, Path(tmp))
    report(programs, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
