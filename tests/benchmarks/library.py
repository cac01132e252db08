"""Loading a library with and without the page cache: time, peak memory, cache size.

    .venv/bin/python tests/benchmarks/library.py [CORPUS] [--runs N] [--query TEXT]

For the bundled seeds and for CORPUS (a folder of pages, e.g. the unpacked
xwlb-2017-2022 benchmark corpus), each scenario runs in a fresh Python process, in
this order:

    cold  the cache folder empty: parsing every page, then writing the page cache
    warm  the cache as the runs before left it (median of --runs)
    off   load_library(paths, cache=False): parsing every page; the index cache in the
          folder as warm as for `warm`

and reports the time `load_library` took (wall and CPU), the time from the process's
first import of `tui` until a first search answered (loading or building the index on
the way), the peak RSS after loading and at the end, and the size of the page cache
(pages.sqlite3 and its WAL files) and of the whole cache folder. The runs have a cache
folder of their own: the user's is never touched. The seeds never use the page cache.

Before each cold and warm run, the real `dubao` command starts in tmux at 80x24 with the
same cache folder: "1st screen" is the time until an article is on screen (the masthead
"dubao · …" appears with the first article shown). Then `/` and the query are typed, and
"reader search" is the time from the start until the search screen shows how many
articles match (looked for every 10 ms, past 3 s every 0.1 s: see QUICK_FOR); the panel
is then closed (under it the reader's status line holds still), and "pages read" is the
time until its status line stops showing that it is reading pages (the sidebar is whole;
"—" where every page was read before the panel closed); "reader RSS" is its peak
resident set by the answer, and "largest child" that of its largest descendant (the
worker building the index, or the read-ahead's). "all processes" is the peak, sampled at
every look at the screen until both, of the proportional set size (PSS: pages shared by
forked processes counted once) of the reader and all its descendants together: the
forkserver and its workers. The reader is then killed, and before a cold run the cache
folder is emptied again.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import json
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.tmux import Tmux  # noqa: E402

DESCRIPTION = "Loading a library with and without the page cache: time, peak memory, size."
MODES = ("cold", "warm", "off")
SCREEN_MARKER = "dubao · "  # the masthead, written when the first article is shown
# The search screen's count ("1,234 articles"), not the loading status ("… pages, N articles").
ANSWERED = re.compile(r"(?<!pages, )(?<![\d,])\d[\d,]* articles")
LOADING = re.compile(r"Reading [\d,]+/[\d,]+ pages")  # the status line while pages are read


# ---------------------------------------------------------------------------
# The child: one scenario in a fresh process
# ---------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """The process's peak resident set so far (VmHWM on Linux, else ru_maxrss)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def first_search(library: Any, query: str, cache: bool) -> tuple[float, str]:
    """(seconds until `query` answered, how the index came to be)."""
    from tui.search import open_index, store

    builds: list[int] = []
    build_data = store.build_data

    def counted(*args: Any, **kwargs: Any) -> Any:
        builds.append(1)
        return build_data(*args, **kwargs)

    store.build_data = counted  # type: ignore[assignment]
    start = time.perf_counter()
    notes: list[str] = []
    index = open_index(library, cache=cache, on_note=notes.append)
    how = "built" if builds or not cache else "read from the index cache"
    index.search(query)
    return time.perf_counter() - start, how + "".join(f" ({note})" for note in notes)


def child(mode: str, paths: Sequence[str], query: str | None) -> dict[str, Any]:
    started = time.perf_counter()
    from tui.library import load_library

    notes: list[str] = []
    wall, cpu = time.perf_counter(), time.process_time()
    library = load_library(paths or None, cache=mode != "off", on_note=notes.append)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rss_loaded = peak_rss_mb()
    search, how = (
        first_search(library, query, mode != "off") if query else (None, "no search (--no-search)")
    )
    return {
        "articles": len(library.articles()),
        "load": wall,
        "load_cpu": cpu,
        "to_search": None if search is None else time.perf_counter() - started,
        "index": how,
        "rss_loaded": rss_loaded,
        "rss": peak_rss_mb(),
        "notes": notes,
    }


# ---------------------------------------------------------------------------
# The parent: scenarios, a table
# ---------------------------------------------------------------------------


@dataclass
class Row:
    library: str
    mode: str
    runs: list[dict[str, Any]]
    page_cache_mb: float
    cache_mb: float


def size_mb(folder: Path, pattern: str = "*") -> float:
    return sum(p.stat().st_size for p in folder.rglob(pattern) if p.is_file()) / 1e6


# The answer is looked for every 10 ms for QUICK_FOR seconds, then every LONG_INTERVAL: each
# look (tmux's capture of the screen, the PSS of every process) takes ~4 ms of CPU, which on a
# two-core machine the reader and a cold start's two workers would share with it (a third
# of a core at 10 ms), and a cold start's answer takes seconds.
QUICK_FOR = 3.0
LONG_INTERVAL = 0.1


def in_reader(
    paths: Sequence[str], cache_home: Path, home: Path, query: str | None
) -> tuple[float, float | None, float | None, float | None, float | None]:
    """Seconds from starting `dubao PATHS` in tmux until an article is on screen, and until
    a search for `query` (typed once the article is there) answers, and until it has read
    every page; the peak RSS by the answer, in MB, of the reader and of its largest child
    (a worker); and the peak PSS of all its processes together until the end."""
    dubao = Path(sys.executable).parent / "dubao"
    state = Path(tempfile.mkdtemp(dir=home))
    env = {
        "XDG_CACHE_HOME": str(cache_home),
        "XDG_DATA_HOME": str(state / "data"),
        "XDG_CONFIG_HOME": str(state / "config"),
        "DUBAO_LANG": "en",
    }
    with Tmux(["sleep", "86400"], 80, 24, socket_dir=state) as term:
        os.kill(term.pane_pid(), signal.SIGKILL)
        term.wait_for_exit(timeout=10)
        start = time.perf_counter()
        term.respawn([str(dubao), *paths], env=env)
        watch = Watch(term.pane_pid(), start)
        term.wait_for(
            lambda text: watch.sample(text) and SCREEN_MARKER in text, timeout=120, interval=0.005
        )
        screen = time.perf_counter() - start
        search = None
        if query:
            term.send("/")
            term.wait_for("Search:", timeout=30, interval=0.005)  # the field has the focus
            term.send(query, literal=True)
            answered = lambda text: watch.sample(text) and bool(ANSWERED.search(text))  # noqa: E731
            try:
                term.wait_for(answered, timeout=QUICK_FOR, interval=0.01)
            except AssertionError:  # not yet (a cold start builds the index), or it ended
                term.wait_for(answered, timeout=300, interval=LONG_INTERVAL)
            search = time.perf_counter() - start
            term.send("Escape")  # under the panel, the status line shows no progress
        rss = process_peak_rss_mb(term.pane_pid())
        children = [process_peak_rss_mb(pid) for pid in child_pids(term.pane_pid())]
        child_rss = max((r for r in children if r is not None), default=None)
        term.wait_for(lambda text: watch.sample(text) and watch.done(), timeout=300, interval=0.02)
        os.kill(term.pane_pid(), signal.SIGKILL)
        term.wait_for_exit(timeout=10)
    return Reader(screen, search, watch.loaded, rss, child_rss, watch.peak or None)


@dataclass
class Reader:
    """What `in_reader` measured: seconds from the start, and MB."""

    screen: float
    search: float | None
    loaded: float | None  # every page read (None: its progress was never shown)
    rss: float | None
    search_process_rss: float | None
    together_pss: float | None


class Watch:
    """What is sampled each time the screen is polled (Linux): the peak PSS of the reader
    and all its descendants together, and when its status line stopped showing that it
    was reading pages."""

    def __init__(self, pid: int, start: float) -> None:
        self.pid = pid
        self.start = start
        self.peak = 0.0
        self.reading = False
        self.loaded: float | None = None

    def sample(self, screen: str) -> bool:
        """Take a sample; True, so that it can stand in a condition."""
        self.peak = max(self.peak, sum(map(pss_mb, descendants(self.pid))))
        if LOADING.search(screen):
            self.reading = True
        elif self.reading and self.loaded is None:
            self.loaded = time.perf_counter() - self.start
        return True

    def done(self) -> bool:
        """Every page read, or none shown being read."""
        return self.loaded is not None or not self.reading


def descendants(pid: int) -> list[int]:
    """The process and all its descendants."""
    found = [pid]
    for child in child_pids(pid):
        found += descendants(child)
    return found


def pss_mb(pid: int) -> float:
    """A running process's proportional set size, where /proc tells; else 0."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) a running process has used, where /proc tells; else 0."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def child_pids(pid: int) -> list[int]:
    """The children of a running process (Linux), from every one of its threads (e.g. the
    reader's forkserver)."""
    found: list[int] = []
    with contextlib.suppress(OSError):  # gone
        for children in Path(f"/proc/{pid}/task").glob("*/children"):
            with contextlib.suppress(OSError, ValueError):
                found += map(int, children.read_text().split())
    return found


def process_peak_rss_mb(pid: int) -> float | None:
    """A running process's peak resident set (VmHWM), where /proc tells."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def run_child(
    mode: str, paths: Sequence[str], query: str | None, cache_home: Path
) -> dict[str, Any]:
    env = dict(os.environ, XDG_CACHE_HOME=str(cache_home), PYTHONPATH=str(ROOT))
    search = ["--query", query] if query else ["--no-search"]
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, *search, *paths],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{mode} run failed:\n{out.stderr}")
    return json.loads(out.stdout)


def scenarios(
    name: str, paths: Sequence[str], runs: int, query: str | None, home: Path
) -> list[Row]:
    cache_home = home / name
    cache = cache_home / "dubao"
    rows = []
    for mode in MODES:
        if mode == "cold":
            shutil.rmtree(cache, ignore_errors=True)
        count = runs if mode == "warm" else 1
        results = []
        for _ in range(count):
            reader = in_reader(paths, cache_home, home, query) if mode != "off" else None
            if mode == "cold":
                shutil.rmtree(cache, ignore_errors=True)
            child = run_child(mode, paths, query, cache_home)
            results.append(
                child
                | {
                    "screen": reader and reader.screen,
                    "reader_search": reader and reader.search,
                    "reader_loaded": reader and reader.loaded,
                    "reader_rss": reader and reader.rss,
                    "search_process_rss": reader and reader.search_process_rss,
                    "together_pss": reader and reader.together_pss,
                }
            )
        rows.append(Row(name, mode, results, size_mb(cache, "pages.sqlite3*"), size_mb(cache)))
        print(f"  {name} {mode}: done", file=sys.stderr, flush=True)
    return rows


def median(runs: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in runs if r[key] is not None]
    return statistics.median(values) if values else None


def largest(runs: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in runs if r[key] is not None]
    return max(values) if values else None


def fmt(value: float | None, unit: str = "s", digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f} {unit}"


def print_table(rows: list[Row]) -> None:
    header = (
        "library",
        "mode",
        "articles",
        "1st screen",
        "reader search",
        "pages read",
        "reader RSS",
        "largest child",
        "all processes",
        "load_library",
        "(CPU)",
        "to 1st search",
        "RSS loaded",
        "peak RSS",
        "page cache",
        "cache folder",
    )
    table = [header]
    for row in rows:
        table.append(
            (
                row.library,
                row.mode if len(row.runs) == 1 else f"{row.mode} ×{len(row.runs)}",
                str(row.runs[0]["articles"]),
                fmt(median(row.runs, "screen")),
                fmt(median(row.runs, "reader_search")),
                fmt(median(row.runs, "reader_loaded")),
                fmt(largest(row.runs, "reader_rss"), "MB", 0),
                fmt(largest(row.runs, "search_process_rss"), "MB", 0),
                fmt(largest(row.runs, "together_pss"), "MB", 0),
                fmt(median(row.runs, "load")),
                fmt(median(row.runs, "load_cpu")),
                fmt(median(row.runs, "to_search")),
                fmt(max(r["rss_loaded"] for r in row.runs), "MB", 0),
                fmt(max(r["rss"] for r in row.runs), "MB", 0),
                fmt(row.page_cache_mb, "MB", 1),
                fmt(row.cache_mb, "MB", 1),
            )
        )
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for n, line in enumerate(table):
        # The two label columns to the left, the figures to the right.
        cells = [line[i].ljust(w) if i < 2 else line[i].rjust(w) for i, w in enumerate(widths)]
        print("  ".join(cells))
        if n == 0:
            print("  ".join("-" * w for w in widths))
    indexes = sorted({r["index"] for row in rows for r in row.runs})
    notes = sorted({note for row in rows for r in row.runs for note in r["notes"]})
    print(f"\nindex: {'; '.join(indexes)}")
    if notes:
        print("notes: " + "; ".join(notes))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("corpus", nargs="?", help="a folder of pages (default: only the seeds)")
    parser.add_argument("--runs", type=int, default=3, help="warm runs per library (median)")
    parser.add_argument("--query", default="北京", help="the first search (default: 北京)")
    parser.add_argument("--no-search", action="store_true", help="load only: no index, no search")
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def compile_package() -> None:
    """Byte-compile tui, as an installed dubao is: with PYTHONDONTWRITEBYTECODE set (as on
    this machine), a source changed since its .pyc was written would be compiled again
    at every start."""
    compileall.compile_dir(ROOT / "tui", quiet=1)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        paths = [args.corpus, *args.paths] if args.corpus else []
        print(json.dumps(child(args.child, paths, None if args.no_search else args.query)))
        return 0
    compile_package()
    libraries = [("seeds", [])]
    if args.corpus:
        libraries.append((Path(args.corpus).name, [args.corpus]))
    machine = f"python {platform.python_version()}, {os.cpu_count()} CPUs"
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    query = None if args.no_search else args.query
    with tempfile.TemporaryDirectory(prefix="dubao-bench-") as home:
        rows = [
            row
            for name, paths in libraries
            for row in scenarios(name, paths, args.runs, query, Path(home))
        ]
    command = " ".join(["tests/benchmarks/library.py", *(argv or sys.argv[1:])])
    print(f"$ .venv/bin/python {command}")
    load_after = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{machine}; load average {load_before} before, {load_after} after\n")
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
