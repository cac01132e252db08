"""Two readers of one library: what the second adds, warm.

    .venv/bin/python tests/benchmarks/readers.py CORPUS [--runs N] [--query TEXT]

The cache folder (a temporary one, never the user's) is made warm first: a reader is run
until it has read every page and its search has answered, and quit. Then, for each run,
reader A starts (the real `dubao CORPUS` in tmux, 80x24), and `/` and the query are typed
as soon as an article is on screen; "first screen" and "search" are seconds from its
start. The panel is then closed (under it the status line holds still). Once every page
is read and the reader has settled (it gives freed memory back SETTLED seconds after its
library is loaded: ~5 MB), the proportional set size (PSS) of A and all its
descendants is taken ("one reader"). Reader B then starts the same way, beside A, and
the PSS of both families together is taken once B has read every page ("two readers");
"second adds" is the difference. PSS counts a page shared by n processes as 1/n in each,
so pages of the index file that both map are counted once between them.

Goals (issue 16): one reader ≤ 200 MB; a second adds ≤ 100 MB; search ≤ 0.5 s after the
launch; first screen ≤ 0.7 s.
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

from tests.benchmarks.library import (  # noqa: E402
    ANSWERED,
    SCREEN_MARKER,
    Watch,
    compile_package,
    descendants,
    pss_mb,
)
from tests.tmux import Tmux  # noqa: E402
from tui.ui.screens.reader import SETTLED  # noqa: E402

GOALS = {"first screen": 0.7, "search": 0.5, "one reader": 200.0, "second adds": 100.0}


def family_pss(pid: int) -> float:
    return sum(map(pss_mb, descendants(pid)))


class Reader:
    """`dubao CORPUS` in a tmux session of its own, its search typed at the first screen."""

    def __init__(self, corpus: str, cache_home: Path, query: str) -> None:
        self.state = Path(tempfile.mkdtemp(prefix="readers-"))
        env = {
            "XDG_CACHE_HOME": str(cache_home),
            "XDG_DATA_HOME": str(self.state / "data"),
            "XDG_CONFIG_HOME": str(self.state / "config"),
            "DUBAO_LANG": "en",
            "PYTHONPATH": str(ROOT),  # the tree this script is in, whatever is installed
        }
        self.term = Tmux(["sleep", "86400"], 80, 24, socket_dir=self.state)
        self.term.__enter__()
        os.kill(self.term.pane_pid(), signal.SIGKILL)
        self.term.wait_for_exit(timeout=10)
        dubao = Path(sys.executable).parent / "dubao"
        start = time.perf_counter()
        self.term.respawn([str(dubao), corpus], env=env)
        self.pid = self.term.pane_pid()
        self.watch = Watch(self.pid, start)
        self.term.wait_for(
            lambda text: self.watch.sample(text) and SCREEN_MARKER in text,
            timeout=120,
            interval=0.005,
        )
        self.screen = time.perf_counter() - start
        self.term.send("/")
        self.term.wait_for("Search:", timeout=30, interval=0.005)
        self.term.send(query, literal=True)
        self.term.wait_for(lambda text: bool(ANSWERED.search(text)), timeout=300, interval=0.005)
        self.search = time.perf_counter() - start
        self.term.send("Escape")  # under the panel, the status line shows no progress
        self.term.wait_for(
            lambda text: self.watch.sample(text) and self.watch.done(), timeout=300, interval=0.05
        )
        time.sleep(SETTLED + 1.0)  # settled: the index opened, freed memory given back

    def close(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        self.term.wait_for_exit(timeout=10)
        self.term.__exit__(None, None, None)


def stats(values: Sequence[float], unit: str, goal: float) -> str:
    ordered = sorted(values)
    median = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"median {median:7.2f} {unit}  p95 {p95:7.2f} {unit}  goal {goal:g} {unit}"
        f"  ratio {median / goal:.2f}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Two readers of one library, warm.")
    parser.add_argument("corpus")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--query", default="经济")
    args = parser.parse_args(argv)
    corpus = str(Path(args.corpus).resolve())
    compile_package()
    cache_home = Path(tempfile.mkdtemp(prefix="readers-cache-"))
    warming = Reader(corpus, cache_home, args.query)  # cold: fills the caches
    print(f"cold: first screen {warming.screen:.2f} s, search {warming.search:.2f} s")
    warming.close()
    figures: dict[str, list[float]] = {key: [] for key in GOALS}
    for run in range(args.runs):
        first = Reader(corpus, cache_home, args.query)
        one = family_pss(first.pid)
        second = Reader(corpus, cache_home, args.query)
        two = family_pss(first.pid) + family_pss(second.pid)
        for reader in (first, second):
            reader.close()
        figures["first screen"] += [first.screen, second.screen]
        figures["search"] += [first.search, second.search]
        figures["one reader"].append(one)
        figures["second adds"].append(two - one)
        print(
            f"run {run + 1}: first screen {first.screen:.2f}/{second.screen:.2f} s, "
            f"search {first.search:.2f}/{second.search:.2f} s, one reader {one:.0f} MB, "
            f"two {two:.0f} MB"
        )
    for key, values in figures.items():
        unit = "MB" if key in ("one reader", "second adds") else "s"
        print(f"{key:>13}: {stats(values, unit, GOALS[key])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
