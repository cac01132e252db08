"""What opening the search index's file costs a reader: time, and memory (PSS), mapped
against the read-and-decode `load` of an earlier revision (the baseline).

    .venv/bin/python tests/benchmarks/index_memory.py CORPUS [--baseline-rev REV]

Builds the library's index with each code (this tree's, and the baseline's, extracted by
`git archive` into a temporary folder) and saves it. Then, for each, in fresh processes
that do not load the library (the articles of hits are read from their pages, as the
reader's stored index does):

- the time to open the file: `indexfile.load` five times in one process, the file in the
  page cache (median and p95);
- the PSS (`/proc/self/smaps_rollup`) of a process that opens it (and then) types ~300
  keystrokes of the search benchmark's queries, beside a process that only imports the
  same modules and looks at the pages (bare), and its parts: Pss_Anon (the process's
  own), Pss_File (file pages it shares: the mapped index among them), Shared_Clean;
- two such processes at once: what the second adds to the PSS of both.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FINGERPRINT = b"i" * 32
OPENINGS = 5
FIELDS = ("Pss", "Pss_Anon", "Pss_File", "Shared_Clean", "Private_Clean", "Private_Dirty")
BASELINE_REV = "4224a71^"  # the last revision that read the file whole


# --- In a child process (PYTHONPATH: the code measured) ---------------------------------


def smaps() -> dict[str, int]:
    """The rollup's fields, in kB."""
    found = {}
    with open("/proc/self/smaps_rollup") as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name in FIELDS:
                found[name] = int(rest.split()[0])
    return found


def keystrokes() -> list[str]:
    sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))
    import search as bench  # the search benchmark's queries

    words = " ".join((bench.NAMES, bench.PLACES, bench.TOPICS, bench.NUMBERS, bench.LATIN))
    queries = words.split() + list(bench.MULTI) + bench.NO_MATCH.split()
    return [q[:i] for q in queries for i in range(1, len(q) + 1)][:300]


def child(mode: str, corpus: str, path: str) -> None:
    from tui.library import Pages
    from tui.search import SearchIndex, indexfile
    from tui.search.places import StoredEntries

    if mode == "build":
        from tui.library import load_library
        from tui.search.build import build_data

        indexfile.save(Path(path), build_data(load_library([corpus])), FINGERPRINT)
        fd = os.open(path, os.O_RDONLY)
        os.fsync(fd)  # else its pages count as dirty in the processes that map it
        os.close(fd)
        return
    pages = Pages([corpus])

    def entries(places: object, ids: list[str]) -> StoredEntries:
        return StoredEntries(places, ids, pages.articles)  # type: ignore[arg-type]

    if mode == "bare":
        print(json.dumps(smaps()), flush=True)
        return
    if mode == "open":
        times = []
        for _ in range(OPENINGS):
            start = time.perf_counter()
            indexfile.load(Path(path), FINGERPRINT, entries)
            times.append(time.perf_counter() - start)
        print(json.dumps(times), flush=True)
        return
    index = SearchIndex(indexfile.load(Path(path), FINGERPRINT, entries))
    print(json.dumps(smaps()), flush=True)
    for prefix in keystrokes():
        index.search(prefix, limit=20)
    print(json.dumps(smaps()), flush=True)
    sys.stdin.readline()  # till the other process has searched too
    print(json.dumps(smaps()), flush=True)


# --- In the parent ---------------------------------------------------------------------


def spawn(code: Path, mode: str, corpus: str, path: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(code)}
    command = [sys.executable, __file__, "--child", mode, corpus, str(path)]
    return subprocess.Popen(
        command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )


def run_child(code: Path, mode: str, corpus: str, path: Path) -> object:
    process = spawn(code, mode, corpus, path)
    out, _ = process.communicate()
    if process.returncode:
        raise SystemExit(f"{mode} failed with {process.returncode}")
    return json.loads(out) if out.strip() else None


def two_at_once(code: Path, corpus: str, path: Path) -> tuple[dict, dict, dict, dict]:
    """(the first's PSS once it opened the index, once it searched, then with the second
    beside it, the second's)."""
    first = spawn(code, "search", corpus, path)
    assert first.stdout is not None and first.stdin is not None
    opened = json.loads(first.stdout.readline())
    alone = json.loads(first.stdout.readline())
    second = spawn(code, "search", corpus, path)
    assert second.stdout is not None and second.stdin is not None
    second.stdout.readline()
    theirs = json.loads(second.stdout.readline())
    first.stdin.write("\n")
    first.stdin.flush()
    together = json.loads(first.stdout.readline())
    second.stdin.write("\n")
    second.stdin.flush()
    second.communicate()
    first.communicate()
    return opened, alone, together, theirs


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def baseline_tree(rev: str, folder: Path) -> Path:
    archive = folder / "baseline.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "-C", str(ROOT), "archive", rev, "tui"], stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(folder / "baseline", filter="data")
    return folder / "baseline"


def mb(kb: int) -> str:
    return f"{kb / 1024:7.1f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("--baseline-rev", default=BASELINE_REV)
    args = parser.parse_args(argv)
    corpus = os.path.abspath(args.corpus)
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        codes = {"mapped": ROOT, "baseline": baseline_tree(args.baseline_rev, folder)}
        files = {name: folder / f"{name}.bin" for name in codes}
        for name, code in codes.items():
            run_child(code, "build", corpus, files[name])
            print(f"{name}: {files[name].stat().st_size / 1e6:.1f} MB index file")
        opening = {
            name: run_child(code, "open", corpus, files[name]) for name, code in codes.items()
        }
        bare = run_child(ROOT, "bare", corpus, files["mapped"])
        pss = {name: two_at_once(code, corpus, files[name]) for name, code in codes.items()}
    report(opening, bare, pss)  # type: ignore[arg-type]
    return 0


def report(opening: dict[str, list[float]], bare: dict, pss: dict[str, tuple]) -> None:
    print(f"\nopening the index file ({OPENINGS} times, ms): median, p95")
    new, old = (sorted(t * 1000 for t in opening[name]) for name in ("mapped", "baseline"))
    for name, times in (("mapped", new), ("baseline", old)):
        print(f"  {name:<9} {statistics.median(times):8.1f} {percentile(times, 95):8.1f}")
    ratio = statistics.median(new) / statistics.median(old)
    print(f"  ratio     {ratio:8.3f} {percentile(new, 95) / percentile(old, 95):8.3f}")
    print("\nPSS after opening it and ~300 keystrokes (MB)")
    print(f"  {'':<28}" + "".join(f"{field:>14}" for field in FIELDS))
    print(f"  {'bare (no index)':<28}" + "".join(f"{mb(bare[f]):>14}" for f in FIELDS))
    for name in ("mapped", "baseline"):
        opened, alone, together, second = pss[name]
        rows = {
            f"{name}: opened": opened,
            f"{name}: one process": alone,
            f"{name}: first, beside a second": together,
            f"{name}: the second": second,
        }
        for label, values in rows.items():
            print(f"  {label:<28}" + "".join(f"{mb(values[f]):>14}" for f in FIELDS))
    added = {}
    for name in ("mapped", "baseline"):
        _, alone, together, second = pss[name]
        added[name] = together["Pss"] + second["Pss"] - alone["Pss"]
        own = alone["Pss"] - bare["Pss"]
        print(
            f"  {name}: the index takes {mb(own)} MB of one process's PSS; a second process"
            f" adds {mb(added[name])} MB"
        )
    mapped_own, base_own = (pss[n][1]["Pss"] - bare["Pss"] for n in ("mapped", "baseline"))
    print(
        f"  ratio mapped/baseline: one process's index {mapped_own / base_own:.3f}, "
        f"the second's addition {added['mapped'] / added['baseline']:.3f}"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
    else:
        sys.exit(main())
