"""Quitting dubao at random moments of a cold load: first screen, exit, processes left.

    .venv/bin/python tests/benchmarks/quit_during_load.py CORPUS [--starts 30] [--seed N]

The goal: 30 starts quit at random moments of a cold load; every one shows a screen within
2 s and exits within 1 s of `q`, no process left behind.

One cold load is timed first, in full: from the first screen until its index worker has
ended (the reader then opens the index file). Then each start: XDG data, cache and config
folders of its own, empty; `python -m tui CORPUS` in tmux at 100x30; the first screen (the
masthead) timed from the respawn; a delay drawn uniformly from 0 to that full load's length
(from its first screen); `q`; the exit timed from the key until the reader's process is
gone. Every process of the reader's tree (watched every WATCH_EVERY seconds from the start:
forkserver, resource tracker, workers), and any other with the start's XDG_CACHE_HOME in
its environment, must have ended GRACE seconds after the reader: one still running then is
a leftover (killed after LEFT_WAIT seconds, by pid, so that the next start is clean).

Where a quit landed is told by the forkserver's workers seen so far: the read-ahead's
worker is the first it forks (once the newest issues are in), the index worker the next
(once loading has ended; the read-ahead's has ended by then).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.library import compile_package  # noqa: E402
from tests.benchmarks.startup import percentile  # noqa: E402
from tests.dubao_term import user_dirs  # noqa: E402
from tests.test_forks import family  # noqa: E402
from tests.tmux import Tmux, pid_alive, tmux_version  # noqa: E402

WIDTH, HEIGHT = 100, 30
MASTHEAD = "dubao · "
WATCH_EVERY = 0.02  # seconds between two looks at the reader's process tree
EXIT_POLL = 0.005
GRACE = 1.0  # seconds after the reader's exit by which its processes must have ended
LEFT_WAIT = 10.0  # seconds a leftover is waited for (to say when it went) before it is killed
SCREEN_GOAL, EXIT_GOAL = 2.0, 1.0

READ_AHEAD, INDEX = "read-ahead worker", "index worker"
WORKER_ROLES = (READ_AHEAD, INDEX)  # in the order the forkserver forks them
ENDINGS = {"q": None, "SIGHUP": signal.SIGHUP, "SIGTERM": signal.SIGTERM}


def reader_command(corpus: str | os.PathLike[str]) -> list[str]:
    return [str(ROOT / ".venv" / "bin" / "python"), "-m", "tui", os.fspath(corpus)]


# ---------------------------------------------------------------------------
# The reader's processes, watched
# ---------------------------------------------------------------------------


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent, start time in clock ticks since boot) of a running process; None once it
    has exited (a zombie included)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[1]), int(fields[19])


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@dataclass
class Process:
    """One process of a reader's tree, as the watch saw it."""

    pid: int
    started: int  # clock ticks since boot: a pid used again is another process
    role: str
    seen: float  # time.monotonic() when first seen
    gone: float | None = None  # when first seen to have ended

    def running(self) -> bool:
        stat = _stat(self.pid)
        return stat is not None and stat[1] == self.started


class Watch:
    """A reader's process tree looked at every WATCH_EVERY seconds, in a thread of its own,
    from its start until `stop`: every process it has had, and when each came and went."""

    def __init__(self, reader: int, every: float = WATCH_EVERY) -> None:
        self.reader = reader
        self._every = every
        self._lock = threading.Lock()
        self._known: dict[tuple[int, int], Process] = {}
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.wait(self._every):
            self.poll()

    def stop(self) -> None:
        """No more looks after one last."""
        self._stopping.set()
        self._thread.join()
        self.poll()

    def poll(self) -> None:
        """Look at the tree now."""
        with self._lock:
            now = time.monotonic()
            running = {pid: stat for pid in family(self.reader) if (stat := _stat(pid))}
            servers = {
                pid
                for pid, (parent, _) in running.items()
                if parent == self.reader and b"multiprocessing.forkserver" in _command_line(pid)
            }
            present = set()
            for pid, (parent, started) in sorted(running.items()):
                key = (pid, started)
                present.add(key)
                known = self._known.get(key)
                if known is None:
                    self._known[key] = Process(pid, started, self._role(pid, parent, servers), now)
                elif known.role == "child":  # forked by the reader, maybe not exec'd before
                    known.role = self._role(pid, parent, servers)
            for key, process in self._known.items():
                if process.gone is None and key not in present:
                    process.gone = now

    def _role(self, pid: int, parent: int, servers: set[int]) -> str:
        if pid == self.reader:
            return "reader"
        if pid in servers:
            return "forkserver"
        if parent in servers:
            count = sum(1 for process in self._known.values() if process.role.endswith("worker"))
            return WORKER_ROLES[count] if count < len(WORKER_ROLES) else f"worker {count + 1}"
        command = _command_line(pid)
        if b"multiprocessing.resource_tracker" in command:
            return "resource tracker"
        return "child" if parent == self.reader else f"other ({command[:40]!r})"

    def processes(self) -> list[Process]:
        with self._lock:
            return sorted(self._known.values(), key=lambda process: process.seen)

    def worker(self, role: str) -> Process | None:
        return next((p for p in self.processes() if p.role == role), None)

    def phase(self) -> str:
        """Where the load is, by its workers: before the read-ahead, read-ahead, loading
        (the read-ahead over), index build, index built."""
        read_ahead, index = self.worker(READ_AHEAD), self.worker(INDEX)
        if index is not None:
            return "index build" if index.gone is None else "index built"
        if read_ahead is not None:
            return "read-ahead" if read_ahead.gone is None else "loading"
        return "before read-ahead"

    def wait_for(self, condition: str, timeout: float) -> None:
        """Wait until `phase()` is `condition`, or fail."""
        deadline = time.monotonic() + timeout
        while (phase := self.phase()) != condition:
            if time.monotonic() > deadline:
                raise AssertionError(f"no {condition!r} within {timeout:g} s: {phase!r}")
            time.sleep(self._every / 2)


def state(process: Process | None) -> str:
    if process is None:
        return "-"
    return "alive" if process.gone is None else "ended"


def with_variable(name: str, value: str) -> list[int]:
    """Processes of this user with `name=value` in their environment (the ones a reader
    started pass its own on)."""
    wanted = f"{name}={value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            with contextlib.suppress(OSError):
                if wanted in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
    return found


# ---------------------------------------------------------------------------
# Ending a reader
# ---------------------------------------------------------------------------


@dataclass
class Ending:
    """How a reader ended: where the load was, and what followed."""

    phase: str
    read_ahead: str  # the read-ahead worker when the reader was told to end: -, alive, ended
    index: str  # the same for the index worker
    exit_s: float | None = None  # from the key (or signal) until the reader was gone; None: never
    tree_s: float | None = None  # the same, until every process of its tree was gone
    leftovers: list[Process] = field(default_factory=list)  # running GRACE s after the exit
    status: int | None = None  # as tmux tells it
    screen: str = ""  # the last, after the exit

    @property
    def traceback(self) -> bool:
        return "Traceback" in self.screen


def end_reader(
    term: Tmux,
    watch: Watch,
    how: str = "q",
    *,
    cache: str | None = None,
    exit_timeout: float = 10.0,
    grace: float = GRACE,
    left_wait: float = LEFT_WAIT,
) -> Ending:
    """Press q (or send the signal `how` names) and follow the reader and its processes
    out. A reader still running `exit_timeout` s on is killed (SIGKILL), and its processes
    followed from then; those still running `left_wait` s after the reader's end are
    killed. `cache`: the reader's XDG_CACHE_HOME, by which a process it started and the
    watch missed is found."""
    watch.poll()
    ending = Ending(watch.phase(), state(watch.worker(READ_AHEAD)), state(watch.worker(INDEX)))
    signum = ENDINGS[how]
    sent = time.monotonic()
    if signum is None:
        term.send("q")
    else:
        os.kill(watch.reader, signum)
    if _gone(watch.reader, sent + exit_timeout):
        ending.exit_s = time.monotonic() - sent
    else:
        os.kill(watch.reader, signal.SIGKILL)
        _gone(watch.reader, time.monotonic() + exit_timeout)
    exited = time.monotonic()
    watch.stop()
    processes = _started_by(watch, cache, exited)
    ending.leftovers = _still_running(processes, exited + grace)
    last = _still_running(ending.leftovers, exited + left_wait)
    if ending.exit_s is not None and not last:
        ending.tree_s = time.monotonic() - sent if processes else ending.exit_s
    for process in last:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGKILL)  # checked just now to be the one seen
    ending.status = term.wait_for_exit(5.0)
    ending.screen = term.screen()
    return ending


def _gone(pid: int, deadline: float) -> bool:
    """Whether process `pid` has ended by the time `deadline`, looked at until then."""
    while pid_alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(EXIT_POLL)
    return True


def _started_by(watch: Watch, cache: str | None, now: float) -> list[Process]:
    """The processes the watched reader started that still run: those the watch saw, and
    any other with XDG_CACHE_HOME=`cache` in its environment."""
    processes = [p for p in watch.processes() if p.pid != watch.reader and p.running()]
    if cache is not None:
        known = {p.pid for p in watch.processes()}
        for pid in with_variable("XDG_CACHE_HOME", cache):
            stat = _stat(pid)
            if pid not in known and stat is not None:
                processes.append(Process(pid, stat[1], "unseen", now))
    return processes


def _still_running(processes: list[Process], until: float) -> list[Process]:
    """Those of `processes` still running at the time `until`, looked at until then."""
    running = [p for p in processes if p.running()]
    while running and time.monotonic() < until:
        time.sleep(EXIT_POLL)
        running = [p for p in running if p.running()]
    return running


# ---------------------------------------------------------------------------
# The benchmark
# ---------------------------------------------------------------------------


@dataclass
class Start:
    delay: float
    first_screen: float
    ending: Ending


def start_reader(term: Tmux, corpus: str, home: Path) -> tuple[Watch, float]:
    """The reader started afresh in the pane, with empty folders under `home`, shown: its
    watch, and when it was started (time.monotonic())."""
    begun = time.monotonic()
    term.respawn(reader_command(corpus), env=user_dirs(home))
    watch = Watch(term.pane_pid())
    term.wait_for(MASTHEAD, timeout=60, interval=0.01)
    return watch, begun


def full_load(term: Tmux, corpus: str, home: Path) -> float:
    """One cold load timed until its index worker has ended; the seconds from its first
    screen until then."""
    watch, begun = start_reader(term, corpus, home)
    shown = time.monotonic()
    watch.wait_for("index built", timeout=600)
    print(f"a full cold load, in s from its start: first screen {shown - begun:.2f}")
    for process in watch.processes():
        gone = f"{process.gone - begun:6.2f}" if process.gone is not None else "     -"
        print(f"  {process.role:<18} {process.seen - begun:6.2f} .. {gone}")
    index = watch.worker(INDEX)
    assert index is not None and index.gone is not None
    if watch.worker(READ_AHEAD) is None:
        print("  no read-ahead worker was seen: phases are named by worker order")
    ending = end_reader(term, watch, cache=user_dirs(home)["XDG_CACHE_HOME"])
    print(f"  q after it: exit {seconds(ending.exit_s)} s, leftovers {len(ending.leftovers)}")
    return index.gone - shown


def one_start(term: Tmux, corpus: str, home: Path, delay: float) -> Start:
    watch, begun = start_reader(term, corpus, home)
    first_screen = time.monotonic() - begun
    time.sleep(delay)
    ending = end_reader(term, watch, cache=user_dirs(home)["XDG_CACHE_HOME"])
    return Start(delay, first_screen, ending)


def seconds(value: float | None) -> str:
    return f"{value:8.2f}" if value is not None else "   never"


def print_start(n: int, start: Start) -> None:
    ending = start.ending
    left = ", ".join(f"{p.role} {p.pid}" for p in ending.leftovers) or "0"
    crash = " Traceback" if ending.traceback else ""
    print(
        f"{n:5} {start.delay:8.2f}  {ending.phase:<17} {ending.read_ahead:<6} {ending.index:<6}"
        f"{start.first_screen:8.2f}{seconds(ending.exit_s)}{seconds(ending.tree_s)}"
        f"  {ending.status!s:>6}  {left}{crash}",
        flush=True,
    )


def report(starts: list[Start]) -> None:
    n = len(starts)
    screens = [s.first_screen for s in starts]
    exits = [s.ending.exit_s if s.ending.exit_s is not None else float("inf") for s in starts]
    print()
    print(f"{n} starts, in s    median     p95     max    goal  over goal  ratio median/p95/max")
    for name, values, goal in (("first screen", screens, SCREEN_GOAL), ("exit", exits, EXIT_GOAL)):
        median, p95, worst = statistics.median(values), percentile(values, 0.95), max(values)
        over = sum(value > goal for value in values)
        ratios = "/".join(f"{value / goal:.2f}" for value in (median, p95, worst))
        print(
            f"{name:<16}{median:9.2f}{p95:8.2f}{worst:8.2f}{goal:8.2f}"
            f"  {over:>2} of {n:<3}  {ratios}"
        )
    left = sum(bool(s.ending.leftovers) for s in starts)
    print(f"starts with processes left {GRACE:g} s after the exit: {left} of {n} (goal 0)")
    failed = sum(s.ending.status not in (0, None) or s.ending.traceback for s in starts)
    print(f"starts with a non-zero exit status or a traceback: {failed} of {n}")
    phases: dict[str, int] = {}
    for start in starts:
        phases[start.ending.phase] = phases.get(start.ending.phase, 0) + 1
    print("quits by phase: " + ", ".join(f"{name} {count}" for name, count in phases.items()))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", help="the archive to load")
    parser.add_argument("--starts", type=int, default=30, help="starts quit (default 30)")
    parser.add_argument("--seed", type=int, default=None, help="for the delays (default: random)")
    parser.add_argument(
        "--max-delay",
        type=float,
        default=None,
        help="delays from 0 to this many s after the first screen (default: one full load's)",
    )
    args = parser.parse_args(argv)
    if args.starts < 1:
        parser.error("--starts must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    draw = random.Random(seed)
    compile_package()
    starts = []
    with (
        tempfile.TemporaryDirectory(prefix="dubao-quit-") as tmp,
        Tmux(["sleep", "86400"], WIDTH, HEIGHT, socket_dir=tmp) as term,
    ):
        os.kill(term.pane_pid(), signal.SIGTERM)
        term.wait_for_exit()
        longest = args.max_delay
        if longest is None:
            longest = full_load(term, args.corpus, Path(tmp) / "full")
        print(f"delays drawn uniformly from 0 to {longest:.2f} s after the first screen")
        print(f"seed {seed}; {tmux_version()}; tmux at {WIDTH}x{HEIGHT}; all times in s")
        print()
        print(
            "start    delay  phase at q        RA     IX     screen    exit    tree  status  left"
        )
        for n in range(1, args.starts + 1):
            start = one_start(term, args.corpus, Path(tmp) / f"start-{n}", draw.uniform(0, longest))
            print_start(n, start)
            starts.append(start)
    report(starts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
