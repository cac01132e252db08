"""How long the reader's tools take on a large library: save, mark a page or an issue read,
unread only, the saved list, copy, cite.

    .venv/bin/python tests/benchmarks/reader_actions.py CORPUS [--runs N]

Runs the app headless (Textual's `run_test`, 100x30) on CORPUS with a state store of its
own, waits until the search index is open and settled, then calls each action N times
(default 9) and times it together with the screen update that follows (`pilot.pause()`).
Prints the median and the slowest of each, against the goal: no visible delay (100 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tui.library import load_library  # noqa: E402
from tui.store.settings import Settings  # noqa: E402
from tui.ui.app import DubaoApp  # noqa: E402
from tui.ui.widgets.sidebar import Sidebar  # noqa: E402

GOAL_MS = 100.0


async def measure(corpus: str, runs: int) -> dict[str, list[float]]:
    app = DubaoApp(load_library([corpus]), settings=Settings(theme="dubao-dark"), language="zh")
    timings: dict[str, list[float]] = {}
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(600):
            if app.reader.index is not None:
                break
            await pilot.pause(0.1)
        await pilot.pause(3)  # the index file's CRC, checked in a thread
        reader = app.reader

        async def timed(name: str, action: Callable[[], None], after: str = "") -> None:
            for _ in range(runs):
                began = time.perf_counter()
                action()
                await pilot.pause()
                timings.setdefault(name, []).append((time.perf_counter() - began) * 1000)
                if after:
                    await pilot.press(after)
                    await pilot.pause()

        await timed("save (*)", reader.action_toggle_saved)
        await timed("mark the page read (M)", reader.action_mark_page_read)
        await timed("unread only (U)", reader.action_toggle_unread_only)
        await timed("saved articles (S)", reader.action_show_saved, after="escape")
        await timed("copy the article (y)", reader.action_copy)
        await timed("copy a citation (Y)", reader.action_cite)
        sidebar = app.query_one(Sidebar)
        sidebar.focus()
        await pilot.pause()
        sidebar.move_cursor(sidebar._issue_nodes[app.reader.library.issues[0].id])
        await pilot.pause()
        await timed("mark an issue read (m)", reader.action_toggle_read)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("--runs", type=int, default=9)
    options = parser.parse_args()
    for name in ("TMUX", "STY"):  # copy as on a plain terminal: no tmux command run
        os.environ.pop(name, None)
    os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp()  # a state store of its own
    timings = asyncio.run(measure(options.corpus, options.runs))
    for name, values in timings.items():
        median, slowest = statistics.median(values), max(values)
        ratios = f"ratio {median / GOAL_MS:4.2f} (slowest {slowest / GOAL_MS:4.2f})"
        print(
            f"{name:<26} median {median:6.1f} ms  slowest {slowest:6.1f} ms  "
            f"goal {GOAL_MS:.0f} ms  {ratios}"
        )


if __name__ == "__main__":
    main()
