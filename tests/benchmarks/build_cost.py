"""What search's folds cost its index: build time and file size, with neither the
Traditional–Simplified fold nor pinyin, with the fold, and with both, on the same library,
in one process.

    .venv/bin/python tests/benchmarks/build_cost.py CORPUS [--runs R]

Each run builds the whole index (`build_data`) from the loaded library in each way, in
turn; prints the median and p95 of each, the file's size, and each against the first.
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
from tui.search import build  # noqa: E402
from tui.search.indexfile import save  # noqa: E402

NO_FOLD = re.compile("(?!x)x")  # a pattern that never matches, beside a table of nothing
FOLD = text._fold_pattern
FOLD_TABLE = text._fold_table
PINYIN = build.header_pinyin
WAYS = {"neither": (False, False), "the fold": (True, False), "fold + pinyin": (True, True)}


def built(library, fold: bool, pinyin: bool) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    text._fold_pattern = FOLD if fold else lambda: NO_FOLD  # type: ignore[assignment]
    text._fold_table = FOLD_TABLE if fold else dict  # type: ignore[assignment]
    build.header_pinyin = PINYIN if pinyin else lambda *_: "'"  # type: ignore[assignment]
    gc.collect()
    began = time.perf_counter()
    data = build.build_data(library)
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
    times: dict[str, list[float]] = {way: [] for way in WAYS}
    sizes: dict[str, int] = {}
    for _ in range(options.runs):
        for way, (fold, pinyin) in WAYS.items():
            elapsed, sizes[way] = built(library, fold, pinyin)
            times[way].append(elapsed)
    base = statistics.median(times["neither"])
    for way, t in times.items():
        median = statistics.median(t)
        print(
            f"{way:<14} build median {median:6.2f} s  p95 {percentile(t, 95):6.2f} s  "
            f"file {sizes[way] / 1e6:6.1f} MB  time ×{median / base:.3f}  "
            f"file ×{sizes[way] / sizes['neither']:.3f}"
        )


if __name__ == "__main__":
    main()
