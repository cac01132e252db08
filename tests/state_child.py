"""A dubao-like process for tests/test_state.py: it opens a store and writes to it.

    state_child.py hold DB [--no-handlers]   one position saved, a later one pending; waits
    state_child.py loop DB REPORT INTERVAL   writes positions and read marks until killed
    state_child.py marks DB N                after "go" on stdin: marks a0.., s0.. read
    state_child.py positions DB N            after "go" on stdin: positions for b0.., s0..
    state_child.py save DB                   saves the article "k"; waits to be killed

Each prints "ready" once its store is open. `loop` appends "U k t" to REPORT before passing
position k to the store at clock time t, and "C k" once a write of it has been committed.
`marks` also saves v0.., `positions` saves w0.. and unsaves the odd ones. `marks` and
`positions` end by printing when they began and ended writing, and the store's
notice ("None": every write reached the file).
"""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

from tui.core.layout import Anchor
from tui.store.state import SavedArticle, StateStore, install_signal_handlers

LIBRARY = "library"


def hold(db: Path, handlers: bool) -> None:
    store = StateStore.open(db, clock=lambda: 0.0)  # time stands still: nothing more is due
    if handlers:
        install_signal_handlers(store, on_exit=lambda signum: sys.exit(0))
    store.open_article(LIBRARY, "a")
    store.update_position("a", Anchor(1, 0), 10, False)  # the first position: saved at once
    store.update_position("a", Anchor(7, 3), 40, False)  # within the second: pending
    assert store.write_count == 2, store.write_count  # open_article + the first position
    print("ready", flush=True)
    time.sleep(60)
    sys.exit(3)  # the signal never came


def loop(db: Path, report_path: Path, interval: float) -> None:
    now = [0.0]
    store = StateStore.open(db, clock=lambda: now[0], save_interval=interval)
    state = store.open_article(LIBRARY, "a")
    k = state.anchor.block + 1 if state else 1
    with report_path.open("a", buffering=1, encoding="utf-8") as report:
        print("ready", flush=True)
        while True:
            now[0] = time.monotonic()
            report.write(f"U {k} {now[0]!r}\n")
            writes = store.write_count
            store.update_position("a", Anchor(k, 0), k % 101, False)
            if store.write_count > writes:
                report.write(f"C {k}\n")
            store.mark_read("b", k % 2 == 0)  # a write nearly always in flight
            k += 1


def marks(db: Path, n: int) -> None:
    store = StateStore.open(db)
    print("ready", flush=True)
    sys.stdin.readline()
    began = time.monotonic()
    for i in range(n):
        store.mark_read(f"a{i}", True)
        store.mark_read(f"s{i}", True)
        store.save_article(saved(f"v{i}"))
        time.sleep(0.001)
    store.open_article("library-a", f"a{n - 1}")
    store.close()
    print(began, time.monotonic(), store.notice, flush=True)


def positions(db: Path, n: int) -> None:
    store = StateStore.open(db)
    print("ready", flush=True)
    sys.stdin.readline()
    began = time.monotonic()
    for i in range(n):
        for article_id in (f"b{i}", f"s{i}"):
            store.open_article("library-b", article_id)  # saves the previous one's position
            store.update_position(article_id, Anchor(i + 1, 2), 50, False)
        store.save_article(saved(f"w{i}"))
        if i % 2:
            store.unsave_article(f"w{i}")
        time.sleep(0.001)
    store.close()
    print(began, time.monotonic(), store.notice, flush=True)


def saved(article_id: str) -> SavedArticle:
    return SavedArticle(article_id, LIBRARY, "人民日报", "2019-02-04", "第1版", f"标题{article_id}")


def save(db: Path) -> None:
    store = StateStore.open(db)
    store.save_article(saved("k"))
    print("ready", flush=True)
    time.sleep(60)
    sys.exit(3)  # never killed


def main(argv: list[str]) -> None:
    # As a reader started from a shell: a test run under `nohup` would hand down SIGHUP ignored.
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    command, db = argv[0], Path(argv[1])
    if command == "hold":
        hold(db, handlers="--no-handlers" not in argv)
    elif command == "loop":
        loop(db, Path(argv[2]), float(argv[3]))
    elif command == "marks":
        marks(db, int(argv[2]))
    elif command == "positions":
        positions(db, int(argv[2]))
    elif command == "save":
        save(db)
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv[1:])
