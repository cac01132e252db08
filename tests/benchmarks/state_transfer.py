"""`dubao state export` and `dubao state import` of a large store, timed end to end.

    .venv/bin/python tests/benchmarks/state_transfer.py [--records N] [--runs R]

Fills a store (in a temporary data folder) with N positions, N saved articles and N
libraries' last articles (default 50,000 each), then runs the real command R times each:
`dubao state export FILE`, and `dubao state import FILE` into an empty store and into the
full one (every record already there: the merge compares each). Prints the median and p95
of each against the goal (2 s), as a ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.search import percentile  # noqa: E402
from tui.core.layout import Anchor  # noqa: E402
from tui.store.state import SavedArticle, StateStore  # noqa: E402

GOAL = 2.0  # seconds, each way


def fill(path: Path, n: int) -> None:
    store = StateStore.open(path)
    rows = {
        "article": [(f"a{i:07d}", i % 40, 3, i % 101, i % 101, i % 2, 1e9 + i) for i in range(n)],
        "library": [(f"lib{i:07d}", f"a{i:07d}", 1e9 + i) for i in range(n)],
        "saved": [
            (f"a{i:07d}", 1, "lib", "人民日报", "2019-02-04", "第1版", f"标题{i}", 1e9 + i)
            for i in range(n)
        ],
    }
    store.merge(rows)
    store.save_article(SavedArticle("last", "lib", "人民日报", "2019-02-04", "第1版", "最后"))
    store.open_article("lib", "last")
    store.update_position("last", Anchor(1, 0), 5, False, by_reader=True)
    store.close()


def timed(args: list[str], data: Path) -> float:
    env = dict(os.environ, XDG_DATA_HOME=str(data))
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "tui", *args], env=env, capture_output=True)
    elapsed = time.perf_counter() - began
    if done.returncode:
        raise SystemExit(f"{args}: exit {done.returncode}: {done.stderr.decode()}")
    return elapsed


def report(name: str, times: list[float]) -> None:
    median = statistics.median(times)
    p95 = percentile(times, 95)
    print(
        f"{name:<28} median {median:5.2f} s  p95 {p95:5.2f} s  "
        f"goal {GOAL:.1f} s  ratio {median / GOAL:4.2f} (p95 {p95 / GOAL:4.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        full, export = Path(folder) / "full", Path(folder) / "state.json"
        fill(full / "dubao" / "state.sqlite3", options.records)
        print(f"{options.records:,} records each; export {options.runs} runs, import likewise")
        exports = [timed(["state", "export", str(export)], full) for _ in range(options.runs)]
        print(f"export file: {export.stat().st_size / 1e6:.1f} MB")
        empty = []
        for run in range(options.runs):
            empty.append(timed(["state", "import", str(export)], Path(folder) / f"empty{run}"))
        again = [timed(["state", "import", str(export)], full) for _ in range(options.runs)]
    report("export", exports)
    report("import into an empty store", empty)
    report("import into the same store", again)


if __name__ == "__main__":
    main()
