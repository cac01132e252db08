"""What folding Traditional to Simplified costs search: the index's build time and size,
with the fold and without it (an empty table), on the same library, in one process.

    .venv/bin/python tests/benchmarks/folding.py CORPUS [--runs R]

Each run builds the whole index (`build_data`) from the loaded library; prints the median
and p95 of each, the ratio, and the index file's size both ways.
"""

from __future__ import annotations

import argparse
import gc
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.search import percentile  # noqa: E402
from tui.core import text  # noqa: E402
from tui.library import load_library  # noqa: E402
from tui.search.build import build_data  # noqa: E402
from tui.search.indexfile import save  # noqa: E402

NO_FOLD = ({}, re.compile("(?!x)x"))  # a table of nothing, a pattern that never matches
FOLD = text._traditional


def build(library, fold: bool) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    text._traditional = FOLD if fold else lambda: NO_FOLD  # type: ignore[assignment]
    gc.collect()
    began = time.perf_counter()
    data = build_data(library)
    elapsed = time.perf_counter() - began
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "index.bin"
        save(path, data, b"\0" * 32)
        size = path.stat().st_size
    return elapsed, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    library = load_library([options.corpus])
    print(f"{sum(1 for _ in library.articles()):,} articles; {options.runs} builds each way")
    times: dict[bool, list[float]] = {False: [], True: []}
    sizes: dict[bool, int] = {}
    for _ in range(options.runs):
        for fold in (False, True):
            elapsed, sizes[fold] = build(library, fold)
            times[fold].append(elapsed)
    for fold in (False, True):
        t = times[fold]
        name = "with the fold" if fold else "without"
        print(
            f"{name:<14} build median {statistics.median(t):6.2f} s"
            f"  p95 {percentile(t, 95):6.2f} s  file {sizes[fold] / 1e6:6.1f} MB"
        )
    ratio = statistics.median(times[True]) / statistics.median(times[False])
    print(f"ratio (fold / without): time {ratio:.3f}, file {sizes[True] / sizes[False]:.3f}")


if __name__ == "__main__":
    main()
