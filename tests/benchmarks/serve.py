"""`dubao serve` with N readers at once: each one's first screen, and the server's memory.

    .venv/bin/python tests/benchmarks/serve.py [CORPUS] [--readers N] [--arrive-every SECONDS]

A server (`--open`, a free port on 127.0.0.1, temporary folders, never the user's) serves
CORPUS (else the bundled pages). One session reads first, searches until the index is
built, and quits, so that the page cache and the index are warm, as on a server that has
been up a while, and the zygote that forks the readers has loaded the library. Then N
OpenSSH clients, each with a key of its own, start at once (or, with --arrive-every, one
after another, the others staying connected), each asking for an 80x24 terminal with
`ssh -tt` and writing what it gets to a file (`Client`); "first screen" is the seconds from
a client's start until the masthead is in its file. Once
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
    compile_package,
    cpu_seconds,
    descendants,
    pss_mb,
)
from tests.tmux import Tmux  # noqa: E402
from tui.library import is_small  # noqa: E402

GOALS = {"first screen": 1.5, "server PSS": 2048.0}
ZYGOTE_READY = "readers fork from a zygote"
ZYGOTE_INDEXED = re.compile(r"the search index with them|readers fork with it from now on")


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
    compile_package()  # as an installed dubao is
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


def warm_up(port: int, key: Path, home: Path, paths: Sequence[str]) -> bool:
    """One session reads, searches until the index is built and saved, and quits; then the
    zygote is waited for, until it holds the index too (a small library's, each reader
    makes). Whether readers fork from it."""
    env = {"PATH": os.environ["PATH"]}
    with Tmux(ssh(port, key), 80, 24, env=env, socket_dir=home) as warm:
        warm.wait_for(SCREEN_MARKER, timeout=600)
        warm.send("/")
        warm.wait_for("Search:", timeout=30)
        warm.send("的", literal=True)  # in any Chinese page: answered once the index is built
        warm.wait_for(lambda text: bool(ANSWERED.search(text)), timeout=600)
        warm.send("Escape")
        warm.wait_for(lambda text: "╭" not in text, timeout=30)  # the panel closed
        warm.send("q")
        warm.wait_for_exit(30)
    log = home / "serve.log"
    deadline = time.monotonic() + 600
    indexed = re.compile(ZYGOTE_READY) if not paths or is_small(paths) else ZYGOTE_INDEXED
    while not indexed.search(log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return ZYGOTE_READY in log.read_text()


class Client:
    """An OpenSSH client asking for a terminal (-tt) with none here: the reader's bytes go to
    a file, where the masthead is looked for. A terminal emulator for each client (tmux)
    would take the server's two cores from it, and a reader's terminal is not the server's
    to run."""

    def __init__(self, command: list[str], out: Path) -> None:
        self.out = out
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [*command[:3], "-tt", *command[4:]],  # -t → -tt: no terminal here
            stdin=subprocess.PIPE,
            stdout=open(out, "wb"),  # noqa: SIM115 - closed with the process
            stderr=subprocess.DEVNULL,
            env={"PATH": os.environ["PATH"], "TERM": "xterm-256color", "LANG": "C.UTF-8"},
        )

    def since_start(self) -> float:
        return time.monotonic() - self.started

    def shows(self, text: str) -> bool:
        return text in self.out.read_bytes().decode("utf-8", "replace")

    def wait_stable(self, interval: float, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        size = -1
        while time.monotonic() < deadline and size != self.out.stat().st_size:
            size = self.out.stat().st_size
            time.sleep(interval)

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


def zygote_and_readers(server: int) -> tuple[list[int], list[int]]:
    zygote = [
        pid for pid in child_pids(server)
        if b"tui.serve.zygote" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]  # fmt: skip
    readers = [pid for pid in child_pids(server) if pid not in zygote]
    return zygote, readers + [pid for z in zygote for pid in child_pids(z)]


def cpu_used(server: int, clients: Sequence[Client]) -> dict[str, float]:
    """CPU seconds used so far by the server alone, the zygote, the readers (with their
    workers), the clients, and this script: all on the same cores."""
    zygote, readers = zygote_and_readers(server)
    return {
        "server": cpu_seconds(server),
        "zygote": sum(map(cpu_seconds, zygote)),
        "readers": sum(cpu_seconds(pid) for r in readers for pid in descendants(r)),
        "clients": sum(cpu_seconds(client.process.pid) for client in clients),
        "this script": time.process_time(),
    }


def breakdown(server: int) -> dict[str, float]:
    """PSS of the server alone, of the zygote alone, and of the readers with their workers."""
    zygote, readers = zygote_and_readers(server)
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
    parser.add_argument(
        "--arrive-every",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="start the clients this far apart rather than all at once (0)",
    )
    args = parser.parse_args(argv)
    home = Path(tempfile.mkdtemp(prefix="serve-bench-"))
    keys = [keygen(home / f"key{n}") for n in range(args.readers)]
    server, port = start_server(args.corpus, home)
    try:
        forked = warm_up(port, keys[0], home, args.corpus)
        before = cpu_used(server.pid, [])
        clients: list[Client] = []
        first: list[float | None] = [None] * args.readers
        due = begun = time.monotonic()
        deadline = due + args.arrive_every * args.readers + 120
        while None in first and time.monotonic() < deadline:
            if len(clients) < args.readers and time.monotonic() >= due:
                clients.append(Client(ssh(port, keys[len(clients)]), home / f"out{len(clients)}"))
                due += args.arrive_every
                if args.arrive_every == 0:
                    continue  # all at once: the next before looking
            for n, client in enumerate(clients):
                if first[n] is None and client.shows(SCREEN_MARKER):
                    first[n] = client.since_start()
            time.sleep(0.02)
        shown_at = time.monotonic()
        used = cpu_used(server.pid, clients)
        for client in clients:
            client.wait_stable(0.5, timeout=60)
        pss = sum(map(pss_mb, descendants(server.pid)))
        parts = breakdown(server.pid)
        for client in clients:
            client.close()
    finally:
        server.send_signal(signal.SIGTERM)
        status = server.wait(60)
    times = [t for t in first if t is not None]
    arriving = f"one every {args.arrive_every} s" if args.arrive_every else "at once"
    print(f"dubao serve: {args.readers} readers {arriving}, {' '.join(args.corpus) or 'seeds'}")
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
    spent = {name: used[name] - before[name] for name in used}
    print(
        f"  CPU to the last first screen ({shown_at - begun:.2f} s): "
        + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in spent.items())
        + f"; {spent['readers'] / args.readers:.3f} s per reader"
    )
    print(f"  server exit    {status} after SIGTERM")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
