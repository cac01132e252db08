"""`dubao serve` over many sessions in a row: nothing leaked, memory flat.

    .venv/bin/python tests/benchmarks/serve_sessions.py [CORPUS] [--sessions N] [--kill-every K]

A server (as in serve.py: `--open`, a free port on 127.0.0.1, temporary folders) serves
CORPUS (else the bundled pages), warmed up as there (`serve.warm_up`). Then N sessions
(200), one after another, each an OpenSSH client with `ssh -tt` (`serve.Client`): the
first screen is waited for, then the reader is quit with `q`, except every K-th session
(5), whose client is killed instead (the link drops: the reader is hung up on). After each
session has ended in the server's log, the server's open file descriptors and processes
(its descendants) are counted; at every tenth of the run, the PSS of the server and its
zygote (the readers are gone by then). The figures are printed at the start, at each
tenth and at the end.

Goals (issue 20): 200 sessions in a row, 0 processes or file descriptors leaked, server
memory flat.
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

from tests.benchmarks.library import SCREEN_MARKER, descendants, pss_mb  # noqa: E402
from tests.benchmarks.serve import Client, keygen, ssh, start_server, warm_up  # noqa: E402


def fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def ended_sessions(log: Path) -> int:
    """Session lines in the server's log: `time address key duration how`."""
    return sum(1 for line in log.read_text().splitlines() if not line.startswith("dubao:"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="*", help="the library (default: the bundled pages)")
    parser.add_argument("--sessions", type=int, default=200, help="sessions in a row (200)")
    parser.add_argument(
        "--kill-every", type=int, default=5, help="every K-th client is killed, not quit (5)"
    )
    args = parser.parse_args(argv)
    home = Path(tempfile.mkdtemp(prefix="serve-sessions-"))
    key = keygen(home / "key")
    server, port = start_server(args.corpus, home)
    log = home / "serve.log"
    warm_up(port, key, home, args.corpus)
    rows: list[tuple[int, int, int, float]] = []  # sessions, fds, processes, PSS (MB)
    first_screens: list[float] = []
    leaks: list[str] = []

    def measure(done: int) -> None:
        family = descendants(server.pid)
        rows.append((done, fds(server.pid), len(family), sum(map(pss_mb, family))))

    try:
        measure(0)
        baseline_fds, baseline_processes = rows[0][1], rows[0][2]
        for n in range(1, args.sessions + 1):
            client = Client(ssh(port, key), home / "out")
            while not client.shows(SCREEN_MARKER):
                if client.since_start() > 120:
                    raise SystemExit(f"session {n}: no first screen\n{log.read_text()}")
                time.sleep(0.01)
            first_screens.append(client.since_start())
            if args.kill_every and n % args.kill_every == 0:
                client.close()
            else:
                assert client.process.stdin is not None
                client.process.stdin.write(b"q")
                client.process.stdin.flush()
                client.process.wait(30)
                client.close()
            deadline = time.monotonic() + 30
            while ended_sessions(log) < n + 1 and time.monotonic() < deadline:  # + the warm-up's
                time.sleep(0.02)
            time.sleep(0.05)  # its reader reaped by the zygote
            now_fds, now_processes = fds(server.pid), len(descendants(server.pid))
            if (now_fds, now_processes) != (baseline_fds, baseline_processes):
                leaks.append(f"after session {n}: {now_fds} fds, {now_processes} processes")
            if n % max(args.sessions // 10, 1) == 0:
                measure(n)
    finally:
        server.send_signal(signal.SIGTERM)
        status = server.wait(60)
    print(f"dubao serve: {args.sessions} sessions in a row, {' '.join(args.corpus) or 'seeds'}")
    print("  sessions   server fds   processes   server+zygote PSS")
    for done, open_fds, processes, pss in rows:
        print(f"  {done:8d}   {open_fds:10d}   {processes:9d}   {pss:10.1f} MB")
    growth = rows[-1][3] - rows[0][3]
    print(f"  PSS growth {growth:+.1f} MB over the run   (goal: flat)")
    print(
        f"  leaks      {len(leaks)} sessions left a descriptor or a process   (goal: 0)"
        + "".join(f"\n    {leak}" for leak in leaks[:5])
    )
    print(
        f"  first screen median {statistics.median(first_screens):.2f} s,"
        f" p95 {statistics.quantiles(first_screens, n=20)[-1]:.2f} s"
    )
    print(f"  server exit {status} after SIGTERM")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
