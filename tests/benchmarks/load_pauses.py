"""How long a warm load runs without a pause, by the size of the page cache's parts.

    .venv/bin/python tests/benchmarks/load_pauses.py CORPUS [--runs N] [--parts 500,100]

A library loaded by the loader (as outlines, from a warm page cache) can only give way
to the reader's search (`Loader.give_way`) between two pages: the page cache is read a
part at a time (`tui.library.CACHE_PART` pages: stat'ed, selected, decoded), and a part
is read without a pause. For each part size, alternating, in a fresh process each run:
the load's wall time and its longest stretch without a page handed over (median and p95
over the runs), beside the first size's as a ratio. The cache folder is filled first by
one load of its own (XDG_CACHE_HOME in a temporary folder).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.library import compile_package  # noqa: E402


def child(corpus: str, part: int) -> dict[str, float]:
    import tui.library as library

    library.CACHE_PART = part
    gaps: list[float] = []
    with_cached = library._with_cached

    def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
        last = time.perf_counter()
        for page in with_cached(*args, **kwargs):
            gaps.append(time.perf_counter() - last)
            yield page
            last = time.perf_counter()

    library._with_cached = timed
    start = time.perf_counter()
    library.load_library([corpus], bodies=False)
    return {"load": time.perf_counter() - start, "longest": max(gaps), "pages": len(gaps)}


def run_child(corpus: str, part: int, env: dict[str, str]) -> dict[str, float]:
    command = [sys.executable, __file__, corpus, "--child", str(part)]
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def stats(seconds: Sequence[float]) -> str:
    from tests.benchmarks.search import percentile  # here: the children need none of it

    ms = [s * 1000 for s in seconds]
    return f"median {statistics.median(ms):6.1f}  p95 {percentile(ms, 95):6.1f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A warm load's longest stretch, by part size.")
    parser.add_argument("corpus")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--parts", default="500,100")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    corpus = str(Path(args.corpus).resolve())
    if args.child:
        print(json.dumps(child(corpus, args.child)))
        return 0
    compile_package()
    parts = [int(p) for p in args.parts.split(",")]
    env = {**os.environ, "XDG_CACHE_HOME": tempfile.mkdtemp(prefix="load-pauses-")}
    run_child(corpus, parts[0], env)  # fills the page cache
    figures: dict[int, list[dict[str, float]]] = {part: [] for part in parts}
    for _ in range(args.runs):
        for part in parts:
            figures[part].append(run_child(corpus, part, env))
    pages = int(figures[parts[0]][0]["pages"])
    print(f"warm load of {pages} pages as outlines, {args.runs} runs each, alternating (ms)")
    base = {
        key: statistics.median(f[key] for f in figures[parts[0]]) for key in ("load", "longest")
    }
    for part, runs in figures.items():
        load = [f["load"] for f in runs]
        longest = [f["longest"] for f in runs]
        print(
            f"part {part:>5}: load {stats(load)} ({statistics.median(load) / base['load']:.2f});"
            f"  longest stretch {stats(longest)}"
            f" ({statistics.median(longest) / base['longest']:.2f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
