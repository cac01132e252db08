"""Bytes written to the terminal by dubao and by `less` for the same reading actions.

    .venv/bin/python tests/benchmarks/terminal_bytes.py [--runs N] [--sizes 80x24,200x60]
        [--tui-path DIR] [--no-breakdown]

Both programs run in a pseudo-terminal (TERM=xterm-256color, COLORTERM=truecolor) at 80x24
and at 200x60, on the same article: dubao on its bundled seeds (the first article opens), `less -R`
on that article's plain text (title and blocks, one paragraph per line, from `dubao list --json`).
For each action the script sends the keys and counts every byte until the program has been
quiet for 300 ms and has stopped using CPU (read from /proc, so that a redraw held back by a busy
worker thread is not missed): the first screen (from start until the marker text is shown and
the program has settled), one line down (`j`), one page down (space) and, for dubao, a focus
change (Tab: article pane → sidebar). Each program is started afresh for every run; the median
of the runs is printed, with the ratio dubao/less. Then the page down and the focus change at
80x24 are taken apart: cursor moves, SGR sequences, text, and which areas of the screen were
redrawn.

Goals (the SSH issue): page down ≤ 2.5x less, and a focus change ≤ 5 KB at 80x24.

Last, the mouse modes dubao asks for on its first screen, and the bytes a terminal would
send back for a sweep of the mouse across the window with no button down: none unless it
asked for any-motion reporting (`?1003h`), one SGR report per cell crossed if it did.

`--tui-path DIR` puts DIR first on PYTHONPATH, so that DIR/tui (a scratch copy of the package,
with a `seeds` link beside it) is measured instead of the installed one.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pty_session import PtySession, SessionError

DESCRIPTION = "Bytes written by dubao and less for the same reading actions, in a pty."
SIZES: tuple[tuple[int, int], ...] = ((80, 24), (200, 60))
QUIET = 0.3  # seconds without output that mean "done"
DUBAO_MARKER = "建设平安山西"
PAGE_DOWN_GOAL = 2.5  # x less
FOCUS_GOAL = 5 * 1024  # bytes at 80x24

FIRST, LINE, PAGE, FOCUS = "first screen", "line down (j)", "page down (space)", "focus (Tab)"
ACTION_KEYS: dict[str, bytes] = {LINE: b"j", PAGE: b" ", FOCUS: b"\t"}
ACTIONS: tuple[str, ...] = (FIRST, LINE, PAGE, FOCUS)

# dubao's layout (tui/app.tcss): one header row, the status and footer rows at the bottom,
# a sidebar of 30 columns (38 from 110 columns wide, none under 60) and the article pane,
# whose last column is its scrollbar.
SIDEBAR_WIDTHS: tuple[tuple[int, int], ...] = ((110, 38), (60, 30), (0, 0))


@dataclass
class Program:
    name: str
    argv: list[str]
    marker: str
    actions: tuple[str, ...]
    env: dict[str, str]
    cwd: Path  # never the caller's: `python -m tui` would import ./tui from there
    runs: dict[tuple[int, int], list[dict[str, bytes]]] = field(default_factory=dict)
    stray: int = 0  # bytes that came between actions, after an action had gone quiet
    late: list[int] = field(default_factory=list)  # first-screen bytes after a quiet period
    unclean_exits: int = 0


# -- environment and inputs ------------------------------------------------------------------


def base_env(home: Path) -> dict[str, str]:
    """A small, fixed environment: nothing from the caller's terminal or pager settings."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
        "LANG": "en_US.UTF-8",
    }
    for kind in ("data", "cache", "config"):
        path = home / kind
        path.mkdir(parents=True, exist_ok=True)
        env[f"XDG_{kind.upper()}_HOME"] = str(path)
    return env


def dubao_command(tui_path: Path | None) -> list[str]:
    if tui_path is not None:
        # `python -m tui` is the same program as the console script (DESIGN.md).
        return [sys.executable, "-m", "tui"]
    script = Path(sys.executable).parent / "dubao"
    if not script.exists():
        raise SystemExit(f"no {script}: install the project first (pip install -e .)")
    return [str(script)]


def article_text(command: list[str], env: dict[str, str], cwd: Path) -> str:
    """The first article as plain text: its title, then one block per line."""
    done = subprocess.run(
        [*command, "list", "--json"], env=env, cwd=cwd, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"dubao list --json failed ({done.returncode}): {done.stderr.strip()}")
    article = json.loads(done.stdout)["issues"][0]["sections"][0]["articles"][0]
    lines = [article["title"] or "", *(block["text"] for block in article["blocks"])]
    return "\n".join(lines) + "\n"


def make_programs(tmp: Path, tui_path: Path | None) -> tuple[Program, Program]:
    dubao_home, less_home = tmp / "dubao-home", tmp / "less-home"
    dubao_env = base_env(dubao_home)
    if tui_path is not None:
        if not (tui_path / "tui").is_dir() or not (tui_path / "seeds").exists():
            raise SystemExit(f"--tui-path {tui_path}: needs {tui_path}/tui and {tui_path}/seeds")
        dubao_env["PYTHONPATH"] = str(tui_path)
    command = dubao_command(tui_path)
    text = article_text(command, dubao_env, dubao_home)
    if DUBAO_MARKER not in text.splitlines()[0]:
        raise SystemExit(f"the first article's title is not {DUBAO_MARKER!r}: {text[:40]!r}")
    article = tmp / "article.txt"
    article.write_text(text, encoding="utf-8")
    less_env = base_env(less_home)
    # LESSCHARSET: en_US.UTF-8 may not be installed (then less would call the file binary).
    less_env |= {"LESSHISTFILE": "-", "LESSCHARSET": "utf-8"}
    less = shutil.which("less")
    if less is None:
        raise SystemExit("no less on PATH")
    dubao = Program("dubao", command, DUBAO_MARKER, ACTIONS, dubao_env, dubao_home)
    marker = text.splitlines()[0][:6]
    less_program = Program(
        "less", [less, "-R", str(article)], marker, ACTIONS[:3], less_env, less_home
    )
    return dubao, less_program


# -- measuring ----------------------------------------------------------------------------------


def fresh_state(env: dict[str, str]) -> None:
    """Empty the XDG dirs, so that every run starts with no reading positions or caches."""
    for kind in ("DATA", "CACHE", "CONFIG"):
        path = Path(env[f"XDG_{kind}_HOME"])
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)


def measure_once(program: Program, cols: int, rows: int) -> dict[str, bytes]:
    """One fresh process: the bytes of each action, in order."""
    fresh_state(program.env)
    result: dict[str, bytes] = {}
    session = PtySession(program.argv, program.env, cols=cols, rows=rows, cwd=program.cwd)
    with session:
        first = session.read_until_settled(program.marker, quiet=QUIET)
        late = session.read_until_idle(QUIET)  # e.g. after dubao's search index is built
        program.late.append(len(late))
        result[FIRST] = first + late
        for action in program.actions[1:]:
            program.stray += len(session.drain())
            session.send(ACTION_KEYS[action])
            result[action] = session.read_until_quiet(QUIET) + session.read_until_idle(QUIET)
    if not session.quit_cleanly:
        program.unclean_exits += 1
    return result


def measure_all(programs: Sequence[Program], runs: int, sizes: Sequence[tuple[int, int]]) -> None:
    """Runs alternate between the programs, so that a noisy machine weighs on both alike."""
    for size in sizes:
        for _ in range(runs):
            for program in programs:
                program.runs.setdefault(size, []).append(measure_once(program, *size))


def median_bytes(program: Program, size: tuple[int, int], action: str) -> float | None:
    if action not in program.actions:
        return None
    return statistics.median(len(run[action]) for run in program.runs[size])


def median_run(program: Program, size: tuple[int, int], action: str) -> bytes:
    """The run whose byte count for `action` is the median one."""
    ordered = sorted((run[action] for run in program.runs[size]), key=len)
    return ordered[(len(ordered) - 1) // 2]


# -- taking the output apart ---------------------------------------------------------------------

TOKEN = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    r"|\x1b[P^_X][^\x1b]*\x1b\\"  # DCS and friends
    r"|\x1b[ -/]*[0-~]"  # other escapes
    r"|[^\x1b]"  # one character
)
CUP = re.compile(r"\x1b\[(\d*)(?:;(\d*))?H")


def cell_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def sidebar_width(cols: int) -> int:
    return next(width for at_least, width in SIDEBAR_WIDTHS if cols >= at_least)


def area_of(row: int, col: int, cols: int, rows: int) -> str:
    """Which part of dubao's screen a (0-based) cell belongs to."""
    if row == 0:
        return "header"
    if row == rows - 2:
        return "status"
    if row >= rows - 1:
        return "footer"
    if col < sidebar_width(cols):
        return "sidebar"
    return SCROLLBAR if col == cols - 1 else "article text"


def area_size(area: str, cols: int, rows: int) -> int:
    """How many cells an area has, to tell how many times it was drawn."""
    main_rows, sidebar = rows - 3, sidebar_width(cols)
    widths = {"sidebar": sidebar, "article text": cols - sidebar - 1, SCROLLBAR: 1}
    return main_rows * widths[area] if area in widths else cols


SCROLLBAR = "article last column"  # the scrollbar, when there is one
AREAS = ("header", "sidebar", "article text", SCROLLBAR, "status", "footer")


@dataclass
class Breakdown:
    total: int = 0
    counts: Counter[str] = field(default_factory=Counter)  # sequences by kind
    sizes: Counter[str] = field(default_factory=Counter)  # bytes by kind
    area_bytes: Counter[str] = field(default_factory=Counter)
    area_cells: Counter[str] = field(default_factory=Counter)
    area_rows: dict[str, set[int]] = field(default_factory=dict)
    text_kinds: Counter[str] = field(default_factory=Counter)
    idle_moves: int = 0  # cursor moves followed by another move (or nothing), not by text


def token_kind(token: str) -> str:
    if len(token) == 1:
        return "newline/CR" if token in "\r\n" else "text"
    if CUP.fullmatch(token):
        return "cursor moves"
    if token.startswith("\x1b[") and token.endswith("m"):
        return "SGR resets" if token in ("\x1b[0m", "\x1b[m") else "SGR styles"
    if token in ("\x1b[?2026h", "\x1b[?2026l"):
        return "sync output"
    return "other escapes"


def text_kind(char: str) -> str:
    if char == " ":
        return "spaces"
    if cell_width(char) == 2:
        return "wide (CJK)"
    return "box/bar" if 0x2500 <= ord(char) <= 0x259F else "other"


def tokens(data: bytes) -> Iterator[str]:
    for match in TOKEN.finditer(data.decode("utf-8", errors="replace")):
        yield match.group()


def take_apart(data: bytes, cols: int, rows: int) -> Breakdown:
    """Count sequences by kind, and give every byte to the screen area it was drawn in.

    An SGR style belongs to the next character drawn, a reset to the last one; a cursor move
    to the cell it moves to.
    """
    result = Breakdown(total=len(data))
    row = col = 0
    pending = 0  # bytes of escapes waiting for the next character
    last_area: str | None = None
    moved = False  # a cursor move not yet followed by text
    for token in tokens(data):
        size = len(token.encode("utf-8"))
        kind = token_kind(token)
        result.counts[kind] += 1
        result.sizes[kind] += size
        if kind == "cursor moves":
            match = CUP.fullmatch(token)
            assert match is not None
            row, col = int(match.group(1) or 1) - 1, int(match.group(2) or 1) - 1
            pending += size
            result.idle_moves += moved
            moved = True
        elif kind == "newline/CR":
            row, col = (row + 1, col) if token == "\n" else (row, 0)
        elif kind == "text":
            area = area_of(row, col, cols, rows)
            result.area_bytes[area] += size + pending
            result.area_cells[area] += cell_width(token)
            result.area_rows.setdefault(area, set()).add(row)
            result.text_kinds[text_kind(token)] += 1
            pending, last_area, moved = 0, area, False
            col += cell_width(token)
        elif kind == "SGR resets" and last_area is not None:
            result.area_bytes[last_area] += size
        else:
            pending += size
    result.area_bytes["(escapes with no text)"] += pending
    result.idle_moves += moved
    return result


def row_span(rows: set[int]) -> str:
    if not rows:
        return ""
    ordered = sorted(rows)
    first, last = ordered[0] + 1, ordered[-1] + 1
    return f"row {first}" if first == last else f"rows {first}-{last}"


def print_breakdown(title: str, data: bytes, cols: int, rows: int) -> None:
    parts = take_apart(data, cols, rows)
    print(f"\n{title}: {parts.total} bytes")
    print(f"  {'kind':<16}{'count':>7}{'bytes':>8}")
    for kind in (
        "cursor moves",
        "SGR styles",
        "SGR resets",
        "text",
        "newline/CR",
        "sync output",
        "other escapes",
    ):
        print(f"  {kind:<16}{parts.counts[kind]:>7}{parts.sizes[kind]:>8}")
    if parts.idle_moves:
        print(f"  cursor moves with nothing drawn after them: {parts.idle_moves}")
    styles = parts.counts["SGR styles"]
    if styles:
        print(f"  mean SGR style length: {parts.sizes['SGR styles'] / styles:.1f} bytes")
    kinds = ", ".join(f"{kind} {n}" for kind, n in parts.text_kinds.most_common())
    print(f"  text characters: {kinds or 'none'}")
    print(f"  {'screen area':<22}{'bytes':>7}{'cells':>7}{'times':>7}  rows redrawn")
    for area in (*AREAS, "(escapes with no text)"):
        if not parts.area_bytes[area]:
            continue
        drawn = parts.area_rows.get(area, set())
        span = f"{len(drawn)} ({row_span(drawn)})" if drawn else "-"
        cells = parts.area_cells[area]
        times = f"{cells / area_size(area, cols, rows):.1f}" if area in AREAS else ""
        print(f"  {area:<22}{parts.area_bytes[area]:>7}{cells:>7}{times:>7}  {span}")
    outside = [a for a in ("header", "sidebar", "status", "footer") if parts.area_bytes[a]]
    print(f"  redraws outside the article pane: {', '.join(outside) or 'none'}")
    print("  (times: cells drawn / cells in the area, ~ how many times the area was drawn)")


# -- the report -----------------------------------------------------------------------------------


def fmt_bytes(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def fmt_ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None:
        return "n/a"
    return "inf" if b == 0 else f"{a / b:.2f}x"


def all_runs(program: Program, size: tuple[int, int], action: str) -> str:
    if action not in program.actions:
        return ""
    return " ".join(str(len(run[action])) for run in program.runs[size])


def print_table(dubao: Program, less: Program, runs: int, sizes: Sequence[tuple[int, int]]) -> None:
    print(f"bytes written per action, median of {runs} fresh runs (quiet = {QUIET * 1000:g} ms)")
    header = f"{'size':<8}{'action':<19}{'dubao':>9}{'less':>8}{'dubao/less':>12}"
    print(f"{header}   dubao runs")
    for size in sizes:
        for action in ACTIONS:
            ours, theirs = median_bytes(dubao, size, action), median_bytes(less, size, action)
            print(
                f"{f'{size[0]}x{size[1]}':<8}{action:<19}{fmt_bytes(ours):>9}{fmt_bytes(theirs):>8}"
                f"{fmt_ratio(ours, theirs):>12}   {all_runs(dubao, size, action)}"
            )


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def print_goals(dubao: Program, less: Program, size: tuple[int, int]) -> None:
    page, less_page = median_bytes(dubao, size, PAGE), median_bytes(less, size, PAGE)
    focus = median_bytes(dubao, size, FOCUS)
    assert page is not None and less_page is not None and focus is not None
    ratio = page / less_page if less_page else float("inf")
    print(f"\ngoals at {size[0]}x{size[1]}:")
    print(f"  page down ≤ {PAGE_DOWN_GOAL}x less: {ratio:.2f}x, {verdict(ratio <= PAGE_DOWN_GOAL)}")
    print(f"  focus change ≤ {FOCUS_GOAL} bytes: {focus:.0f}, {verdict(focus <= FOCUS_GOAL)}")


def print_less_page(less: Program, size: tuple[int, int]) -> None:
    """What less wrote for its page down, to read the ratio by."""
    data = median_run(less, size, PAGE)
    parts = take_apart(data, *size)
    cells = sum(parts.area_cells.values())
    end = " and reached the end of the article" if b"(END)" in data else ""
    print(
        f"\nless {PAGE} at {size[0]}x{size[1]}, for comparison: {len(data)} bytes, "
        f"{cells} cells of text (~{cells / size[0]:.0f} rows), "
        f"{parts.counts['SGR styles'] + parts.counts['SGR resets']} SGR sequences, "
        f"{parts.counts['newline/CR']} CR/LF{end}"
    )


def print_end_notes(less: Program, sizes: Sequence[tuple[int, int]]) -> None:
    for size in sizes:
        if any(b"(END)" in run[FIRST] for run in less.runs[size]):
            print(
                f"note: at {size[0]}x{size[1]} the whole article fits on less's first screen: "
                "less has nothing to scroll (it rings the bell), and dubao's page down at the "
                "end of an article opens the next one"
            )


def print_breakdowns(dubao: Program, less: Program, size: tuple[int, int]) -> None:
    print_less_page(less, size)
    for action in (PAGE, FOCUS):
        title = f"dubao {action} at {size[0]}x{size[1]} (the median run)"
        print_breakdown(title, median_run(dubao, size, action), *size)


def print_notes(dubao: Program, less: Program) -> None:
    for program in (dubao, less):
        if any(program.late):
            late = ", ".join(str(n) for n in program.late)
            print(
                f"note: {program.name}'s first screen went on after {QUIET * 1000:g} ms of quiet "
                f"(counted until it used no CPU): {late} bytes late in the runs"
            )
        if program.stray:
            print(f"note: {program.name} wrote {program.stray} bytes between actions (not counted)")
        if program.unclean_exits:
            print(f"note: {program.name} did not quit cleanly with q {program.unclean_exits} times")


def print_versions(less: Program, tui_path: Path | None, seconds: float) -> None:
    tui = f"tui from {tui_path}" if tui_path else "installed tui"
    less_version = subprocess.run(
        [less.argv[0], "--version"], capture_output=True, text=True, check=False
    ).stdout.splitlines()[0]
    print(
        f"\n{tui}; {less_version}; Textual {importlib.metadata.version('textual')}, "
        f"Rich {importlib.metadata.version('rich')}; TERM=xterm-256color COLORTERM=truecolor; "
        f"{seconds:.0f} s"
    )


def parse_sizes(text: str) -> tuple[tuple[int, int], ...]:
    try:
        sizes = tuple(
            (int(cols), int(rows)) for cols, rows in (s.lower().split("x") for s in text.split(","))
        )
    except ValueError:
        raise argparse.ArgumentTypeError(f"not COLSxROWS[,...]: {text!r}") from None
    if not sizes or any(cols < 20 or rows < 5 for cols, rows in sizes):
        raise argparse.ArgumentTypeError(f"sizes must be at least 20x5: {text!r}")
    return sizes


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--runs", type=int, default=3, help="fresh runs per program and size")
    parser.add_argument(
        "--tui-path",
        type=Path,
        help="measure DIR/tui instead of the installed package (DIR/seeds must exist too)",
    )
    parser.add_argument(
        "--no-breakdown", action="store_true", help="only the table, not the escape breakdown"
    )
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=SIZES,
        help="terminal sizes, COLSxROWS[,...]; the first is the one the goals are for "
        "(default 80x24,200x60)",
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.tui_path is not None:
        args.tui_path = args.tui_path.resolve()
    return args


# An SGR mouse report of a move over a cell of an 80x24 screen: ESC [ < 35 ; col ; row M.
MOTION_REPORT = len(b"\x1b[<35;40;12M")


def print_mouse(program: Program, size: tuple[int, int]) -> None:
    """The mouse modes the program asked for on its first screen, and what moving the
    mouse across the window, no button down, makes the terminal send back to it."""
    first = program.runs[size][0][FIRST]
    modes = sorted(set(re.findall(rb"\x1b\[\?(100[0-6]|1015)h", first)))
    named = " ".join(f"?{mode.decode()}h" for mode in modes) or "none"
    any_motion = b"1003" in modes
    sweep = size[0] * MOTION_REPORT if any_motion else 0
    print(
        f"mouse: {program.name} asks for {named}; a sweep across {size[0]} columns, no button"
        f" down, sends it {sweep} bytes ({'any-motion' if any_motion else 'no motion reports'})"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dubao-bytes-") as tmp:
        dubao, less = make_programs(Path(tmp), args.tui_path)
        try:
            measure_all((dubao, less), args.runs, args.sizes)
        except SessionError as error:
            print(f"terminal_bytes: {error}", file=sys.stderr)
            return 1
    print_table(dubao, less, args.runs, args.sizes)
    print_goals(dubao, less, args.sizes[0])
    print()
    print_end_notes(less, args.sizes)
    print_notes(dubao, less)
    print_mouse(dubao, args.sizes[0])
    if not args.no_breakdown:
        print_breakdowns(dubao, less, args.sizes[0])
    print_versions(less, args.tui_path, time.monotonic() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
