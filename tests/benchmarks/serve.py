"""`dubao serve` with N readers at once: each one's first screen, and the server's memory.

    .venv/bin/python tests/benchmarks/serve.py [CORPUS] [--readers N]

A server (`--open`, a free port on 127.0.0.1, temporary folders, never the user's) serves
CORPUS (else the bundled pages). One session reads first, searches until the index is
built, and quits, so that the page cache and the index are warm, as on a server that has
been up a while, and the zygote that forks the readers has loaded the library. Then N
OpenSSH clients, each with a key of its own, start at once, each in a tmux of its own at
80x24; "first
screen" is the seconds from a client's start until the masthead is on its screen. Once
every reader shows its first screen and has settled, "server PSS" is the proportional set
size of the server and all its descendants (the readers and their workers): a page shared
by n processes counts 1/n in each, so the index file's pages mapped by every reader count
once.

Goals (issue 20): 20 concurrent readers, first screen ≤ 1.5 s each, whole server ≤ 2 GB PSS.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
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
    child_pids,
    descendants,
    pss_mb,
)
from tests.tmux import Tmux  # noqa: E402

GOALS = {"first screen": 1.5, "server PSS": 2048.0}
ZYGOTE_READY = "readers fork from a zygote"


def keygen(path: Path) -> Path:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return path


def ssh(port: int, key: Path) -> list[str]:
    return [
        "ssh", "-F", os.devnull, "-t", "-p", str(port), "-i", str(key),
        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
        "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR", "127.0.0.1",
    ]  # fmt: skip


def start_server(paths: Sequence[str], home: Path) -> tuple[subprocess.Popen[bytes], int]:
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "DUBAO_LANG": "en",
        "PYTHONPATH": str(ROOT),
    }
    log = home / "serve.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "tui", "serve", *paths, "--open", "--listen", "127.0.0.1:0",
         "--rate-limit", "0", "--max-sessions", "1000"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(log, "wb"), env=env,  # noqa: SIM115
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = re.search(r"listening on 127\.0\.0\.1:(\d+)", log.read_text())
        if found:
            return server, int(found[1])
        time.sleep(0.05)
    raise SystemExit(f"the server did not start:\n{log.read_text()}")


def breakdown(server: int) -> dict[str, float]:
    """PSS of the server alone, of the zygote alone, and of the readers with their workers."""
    zygote = [
        pid for pid in child_pids(server)
        if b"tui.serve.zygote" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]  # fmt: skip
    readers = [pid for pid in child_pids(server) if pid not in zygote]
    readers += [pid for z in zygote for pid in child_pids(z)]
    each = [sum(map(pss_mb, descendants(pid))) for pid in readers]
    return {
        "server": pss_mb(server),
        "zygote": sum(map(pss_mb, zygote)),
        "readers": sum(each),
        "reader median": statistics.median(each) if each else 0.0,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="*", help="the library (default: the bundled pages)")
    parser.add_argument("--readers", type=int, default=20, help="readers at once (20)")
    args = parser.parse_args(argv)
    home = Path(tempfile.mkdtemp(prefix="serve-bench-"))
    keys = [keygen(home / f"key{n}") for n in range(args.readers)]
    server, port = start_server(args.corpus, home)
    env = {"PATH": os.environ["PATH"]}
    try:
        with Tmux(ssh(port, keys[0]), 80, 24, env=env, socket_dir=home) as warm:
            warm.wait_for(SCREEN_MARKER, timeout=600)
            warm.send("/")
            warm.wait_for("Search:", timeout=30)
            warm.send("经济", literal=True)  # answered once the index is built and saved
            warm.wait_for(lambda text: bool(ANSWERED.search(text)), timeout=600)
            warm.send("Escape")
            warm.wait_for(lambda text: "╭" not in text, timeout=30)  # the panel closed
            warm.send("q")
            warm.wait_for_exit(30)
        log = home / "serve.log"
        deadline = time.monotonic() + 600
        while ZYGOTE_READY not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        forked = ZYGOTE_READY in log.read_text()
        terms, started, first = [], [], [None] * args.readers
        for key in keys:
            started.append(time.monotonic())
            terms.append(Tmux(ssh(port, key), 80, 24, env=env, socket_dir=home))
        deadline = time.monotonic() + 120
        while None in first and time.monotonic() < deadline:
            for n, term in enumerate(terms):
                if first[n] is None and SCREEN_MARKER in term.screen():
                    first[n] = time.monotonic() - started[n]
            time.sleep(0.02)
        for term in terms:
            term.wait_stable(interval=0.5, timeout=60)
        pss = sum(map(pss_mb, descendants(server.pid)))
        parts = breakdown(server.pid)
        for term in terms:
            term.close()
    finally:
        server.send_signal(signal.SIGTERM)
        status = server.wait(60)
    times = [t for t in first if t is not None]
    print(f"dubao serve: {args.readers} readers at once, {' '.join(args.corpus) or 'seeds'}")
    print(f"  readers        {'forked by the zygote' if forked else 'started afresh (no zygote)'}")
    if times:
        print(
            f"  first screen   median {statistics.median(times):.2f} s, "
            f"slowest {max(times):.2f} s, shown {len(times)}/{args.readers}"
            f"   (goal ≤ {GOALS['first screen']} s each)"
        )
    print(f"  server PSS     {pss:.0f} MB   (goal ≤ {GOALS['server PSS']:.0f} MB)")
    print(f"  per reader     {pss / args.readers:.0f} MB")
    print(
        f"  of which       server {parts['server']:.0f} MB, zygote {parts['zygote']:.0f} MB,"
        f" readers {parts['readers']:.0f} MB (median {parts['reader median']:.0f} MB each)"
    )
    print(f"  server exit    {status} after SIGTERM")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
