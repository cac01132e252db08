"""Bytes per page-down through `dubao serve` and through OpenSSH's sshd running `dubao`.

    .venv/bin/python tests/benchmarks/serve_bytes.py [CORPUS] [--runs N] [--pages N]

Two ways to read CORPUS (else the bundled pages) over SSH on 127.0.0.1, in temporary
folders (never the user's), sharing one cache folder (page cache and index) and one
config folder:

    serve  `dubao serve --open` (as in serve.py), once its readers fork from the zygote
    sshd   OpenSSH's sshd (a throwaway host key, a user key: tests/test_ssh.py's `Server`),
           the session's command `stty cols 80 rows 24; exec dubao [CORPUS]`

With a CORPUS, `dubao search` runs first with the same cache folder, so that the page cache
and the search index are there for both (as on a server that has been up a while).

Each run is a fresh session of each way in turn (serve, sshd, serve, ...), with a fresh
data folder (a new key for serve, a new XDG_DATA_HOME for sshd: both start from the first
article). The client is OpenSSH's `ssh -tt` with no terminal here (so it asks for a 0x0
window: `dubao serve` makes that 80x24, the sshd way's `stty` does the same),
TERM=xterm-256color and LANG=C.UTF-8 sent; the readers have no COLORTERM and
DUBAO_LANG=en. Every byte the client writes out is counted. "First screen": from the
client's start until the masthead is shown and then nothing came for 0.5 s and the serving
processes (the server or sshd, with all their descendants) used no CPU. Then --pages
spaces (page down), one at a time: the bytes from each until quiet for 300 ms and no CPU.
Bytes that came after an action had settled and before the next are "stray". Last `q`.
"rows x cols" is the largest cursor position the first screen moved to.

Goal (issue 20): bytes per page-down over the server within 10 % of `ssh -t HOST dubao`
(the ratio serve/sshd of the median between 0.9 and 1.1).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import re
import select
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.library import SCREEN_MARKER, descendants  # noqa: E402
from tests.benchmarks.serve import ZYGOTE_READY, keygen, ssh, start_server  # noqa: E402
from tests.test_ssh import Server as Sshd  # noqa: E402

GOAL = (0.9, 1.1)  # serve/sshd, median bytes per page-down
QUIET = 0.3  # seconds without output (and without CPU) that end an action
FIRST_QUIET = 0.5  # the same for the first screen
CPU_SLACK = 2  # clock ticks of housekeeping in a quiet period that still count as idle
CLIENT_ENV = {"PATH": os.environ["PATH"], "TERM": "xterm-256color", "LANG": "C.UTF-8"}
# Variables of this process that would reach the server's readers and change what they draw.
NOT_FOR_READERS = re.compile(r"COLORTERM|NO_COLOR|FORCE_COLOR|LINES|COLUMNS|LC_\w+|TEXTUAL_\w+")
CURSOR_TO = re.compile(rb"\x1b\[(\d+);(\d+)H")


def cpu_ticks(root: int) -> int:
    """User and system time of `root` and all its descendants, in clock ticks."""
    total = 0
    for pid in descendants(root):
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = Path(f"/proc/{pid}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            total += int(fields[11]) + int(fields[12])
    return total


def client(port: int, key: Path, remote: str | None = None) -> list[str]:
    """`ssh -tt` (no terminal here) to 127.0.0.1, sending LANG, with a remote command if any."""
    command = ssh(port, key)
    command[command.index("-t")] = "-tt"
    return [*command[:-1], "-o", "SendEnv=LANG", command[-1], *([remote] if remote else [])]


class Session:
    """One client: its output read from a pipe, every byte counted; keys sent to its stdin."""

    def __init__(self, argv: list[str], serving: int, log: Path) -> None:
        self.serving = serving  # the pid whose descendants serve this session
        self.output = bytearray()
        self.unsettled = 0  # actions that did not settle in time
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=open(log, "ab"),  # noqa: SIM115 - closed with the process
            env=CLIENT_ENV,
        )
        assert self.process.stdout is not None and self.process.stdin is not None
        self.fd = self.process.stdout.fileno()
        os.set_blocking(self.fd, False)

    def _read(self, timeout: float) -> int:
        """Wait up to `timeout` and read what there is: how many bytes, -1 at the end."""
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return 0
        try:
            data = os.read(self.fd, 65536)
        except BlockingIOError:
            return 0
        if not data:
            return -1
        self.output += data
        return len(data)

    def drain(self) -> int:
        """Bytes waiting right now."""
        start = len(self.output)
        while self._read(0) > 0:
            pass
        return len(self.output) - start

    def settle(self, quiet: float, timeout: float) -> bool:
        """Read until nothing has come for `quiet` seconds and the serving processes used no
        CPU meanwhile. False if that did not happen within `timeout` (or the client ended)."""
        deadline = time.monotonic() + timeout
        ticks, since = cpu_ticks(self.serving), time.monotonic()
        while time.monotonic() - since < quiet:
            if time.monotonic() >= deadline:
                self.unsettled += 1
                return False
            got = self._read(0.05)
            if got < 0:
                return False
            now = cpu_ticks(self.serving)
            if got or now > ticks + CPU_SLACK:
                ticks, since = now, time.monotonic()
        return True

    def first_screen(self, timeout: float) -> tuple[int, float]:
        """Bytes and seconds until the masthead is shown and all has settled."""
        needle = SCREEN_MARKER.encode()
        deadline = self.started + timeout
        while needle not in self.output:
            if time.monotonic() >= deadline or self._read(0.1) < 0:
                text = self.output.decode("utf-8", "replace")[-2000:]
                raise RuntimeError(f"no first screen: {text!r}")
        shown = time.monotonic() - self.started
        self.settle(FIRST_QUIET, max(10.0, deadline - time.monotonic()))
        return len(self.output), shown

    def action(self, keys: bytes, timeout: float = 30.0) -> int:
        """Bytes from sending `keys` until all has settled."""
        assert self.process.stdin is not None
        start = len(self.output)
        self.process.stdin.write(keys)
        self.process.stdin.flush()
        self.settle(QUIET, timeout)
        return len(self.output) - start

    def quit(self, timeout: float = 15.0) -> int | None:
        """`q`, then the client's exit status (None if it had to be killed)."""
        assert self.process.stdin is not None
        with contextlib.suppress(OSError):
            self.process.stdin.write(b"q")
            self.process.stdin.close()
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            self._read(0.05)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
            return None
        self.drain()
        return self.process.returncode


def size_drawn(screen: bytes) -> tuple[int, int]:
    """The largest row and column the cursor was moved to (CSI row;col H)."""
    moves = [(int(r), int(c)) for r, c in CURSOR_TO.findall(screen)]
    return (max(r for r, _ in moves), max(c for _, c in moves)) if moves else (0, 0)


@dataclass
class Way:
    name: str
    start: Callable[[int], Session]  # run number → a new session
    first: list[int] = field(default_factory=list)
    shown: list[float] = field(default_factory=list)
    pages: list[list[int]] = field(default_factory=list)  # per run, per page-down
    stray: int = 0
    sizes: set[tuple[int, int]] = field(default_factory=set)
    exits: list[int | None] = field(default_factory=list)
    unsettled: int = 0


def run_once(way: Way, run: int, pages: int, timeout: float) -> None:
    session = way.start(run)
    try:
        first, shown = session.first_screen(timeout)
        way.first.append(first)
        way.shown.append(shown)
        way.sizes.add(size_drawn(bytes(session.output)))
        counts = []
        for _ in range(pages):
            way.stray += session.drain()
            counts.append(session.action(b" "))
        way.pages.append(counts)
        way.stray += session.drain()
    finally:
        way.unsettled += session.unsettled
        way.exits.append(session.quit())


def p95(values: Sequence[int]) -> int:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def warm_caches(corpus: Sequence[str], env: dict[str, str]) -> None:
    """The page cache and the search index built, as a first search on the library would."""
    subprocess.run(
        [sys.executable, "-m", "tui", "search", "经济", *corpus, "--limit", "1"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
        timeout=3600,
        cwd=ROOT,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="*", help="the library (default: the bundled pages)")
    parser.add_argument("--runs", type=int, default=5, help="fresh sessions of each way (5)")
    parser.add_argument("--pages", type=int, default=10, help="page-downs in each session (10)")
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds to wait for a first screen (600)"
    )
    args = parser.parse_args(argv)
    corpus = [str(Path(p).resolve()) for p in args.corpus]
    # The server's readers take this process's environment (less TERM): what changes their
    # drawing is set here as the sshd way's readers have it.
    for name in [k for k in os.environ if NOT_FOR_READERS.fullmatch(k)]:
        del os.environ[name]
    os.environ["LANG"] = "C.UTF-8"
    home = Path(tempfile.mkdtemp(prefix="serve-bytes-"))
    folders = {
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"),
    }
    reader_env = {"DUBAO_LANG": "en", "LANG": "C.UTF-8", "PYTHONPATH": str(ROOT)}
    if corpus:
        warm_caches(corpus, {**os.environ, **folders, **reader_env})
    dubao = Path(sys.executable).with_name("dubao")
    program = [str(dubao)] if dubao.exists() else [sys.executable, "-m", "tui"]
    log = home / "clients.log"
    server = sshd = None
    done = False
    try:
        server, port = start_server(corpus, home)
        deadline = time.monotonic() + args.timeout
        while ZYGOTE_READY not in (home / "serve.log").read_text():
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"no zygote:\n{(home / 'serve.log').read_text()}")
            time.sleep(0.1)
        (home / "sshd").mkdir()
        sshd = Sshd(home / "sshd")

        def via_serve(run: int) -> Session:
            key = keygen(home / f"serve_key{run}")  # a key of its own: a fresh data folder
            return Session(client(port, key), server.pid, log)

        def via_sshd(run: int) -> Session:
            data = home / "sshd-data" / f"run{run}"
            env = {**folders, "XDG_DATA_HOME": str(data), **reader_env}
            command = " ".join(
                [
                    "stty cols 80 rows 24;",
                    "exec env -u COLORTERM -u NO_COLOR",
                    *(shlex.quote(f"{k}={v}") for k, v in env.items()),
                    shlex.join([*program, *corpus]),
                ]
            )
            key = sshd.folder / "user_key"
            return Session(client(sshd.port, key, command), sshd.process.pid, log)

        ways = [Way("dubao serve", via_serve), Way("sshd + dubao", via_sshd)]
        for run in range(args.runs):
            for way in ways:
                run_once(way, run, args.pages, args.timeout)
        done = True
    finally:
        status = None
        if server is not None:
            server.send_signal(signal.SIGTERM)
            status = server.wait(60)
        if sshd is not None:
            sshd.stop()
        if done:
            shutil.rmtree(home, ignore_errors=True)
        else:
            print(f"(the run's folder is left for a look: {home})", file=sys.stderr)

    print(
        f"bytes per page-down over SSH: {' '.join(args.corpus) or 'seeds'},"
        f" {args.runs} sessions of each way, {args.pages} page-downs each, 80x24"
    )
    print(f"  {'':14} {'first screen':>22}   {'page down (space), bytes':>30}")
    print(f"  {'':14} {'median bytes':>14} {'s':>7}   {'median':>9} {'p95':>9} {'min':>9}")
    for way in ways:
        every = [n for counts in way.pages for n in counts]
        print(
            f"  {way.name:14} {statistics.median(way.first):>14,.0f}"
            f" {statistics.median(way.shown):>7.2f}   {statistics.median(every):>9,.0f}"
            f" {p95(every):>9,} {min(every):>9,}"
        )
    for way in ways:
        each = [statistics.median(column) for column in zip(*way.pages, strict=True)]
        sizes = ", ".join(f"{r}x{c}" for r, c in sorted(way.sizes))
        exits = ", ".join(str(e) for e in sorted(set(way.exits), key=str))
        print(
            f"  {way.name}: rows x cols {sizes}; stray bytes {way.stray};"
            f" not settled in time {way.unsettled}; client exit {exits}"
        )
        print(f"    median of each page-down in turn: {' '.join(f'{n:,.0f}' for n in each)}")
    serve_pages, sshd_pages = ([n for c in way.pages for n in c] for way in ways)
    ratio = statistics.median(serve_pages) / statistics.median(sshd_pages)
    met = "met" if GOAL[0] <= ratio <= GOAL[1] else "NOT met"
    print(
        f"  page down serve/sshd  median {ratio:.3f},"
        f" p95 {p95(serve_pages) / p95(sshd_pages):.3f}"
        f"   (goal {GOAL[0]}-{GOAL[1]}: within 10 %) {met}"
    )
    first_ratio = statistics.median(ways[0].first) / statistics.median(ways[1].first)
    print(f"  first screen serve/sshd  median {first_ratio:.3f}")
    print(f"  server exit {status} after SIGTERM")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
