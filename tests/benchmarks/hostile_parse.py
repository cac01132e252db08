"""Parsing hostile pages: time per page of each pattern, beside ordinary Chinese text.

    .venv/bin/python tests/benchmarks/hostile_parse.py [--size BYTES] [--runs N] [NAME ...]

Each page is --size bytes of UTF-8 (1 MB by default) made of one pattern repeated: marks
of Markdown that never close (`**a `, `[`, `![`, `[a](`, …), mixes of them, unclosed
and nested, a heading with a long run of spaces inside, a page with no newline at all,
paragraphs that each continue the one before (a column break), and so on. Each is parsed
--runs times (5 by default) with `parse_page`, and the median and the 95th percentile of
those times are printed, with the median's ratio to the baseline's: the bundled seed
page repeated to the same size, ordinary Chinese newspaper text.

Parsing must be linear in the page: tests/test_parse.py checks that doubling each of
these pages does not more than triple the time; this shows what the constant is.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tui.library.parse import parse_page  # noqa: E402

SEED = ROOT / "seeds" / "000_9d98c7fe781bce98.txt"
MARKDOWN = "## 标题\n\n"
CONTINUED = "这一行写到这里，没有写完的句子在下一行继续"


def _repeat(unit: str, size: int, head: str = "", tail: str = "") -> str:
    """`head`, `unit` repeated (the last one maybe cut short), `tail`: about `size` bytes
    of UTF-8 in all."""
    room = max(size - len((head + tail).encode()), 1)
    chars = max(1, len(unit) * room // len(unit.encode()))
    return head + (unit * (chars // len(unit) + 1))[:chars] + tail


def _seed() -> str:
    return SEED.read_text(encoding="utf-8")


# name → a page of about `size` bytes
PAGES: dict[str, Callable[[int], str]] = {
    "**a ": lambda n: _repeat("**a ", n, MARKDOWN),
    "__a ": lambda n: _repeat("__a ", n, MARKDOWN),
    "[": lambda n: _repeat("[", n, MARKDOWN),
    "![": lambda n: _repeat("![", n, MARKDOWN),
    "[a](": lambda n: _repeat("[a](", n, MARKDOWN),
    '[a](b "': lambda n: _repeat('[a](b "', n, MARKDOWN),
    "*": lambda n: _repeat("*", n, MARKDOWN),
    "_": lambda n: _repeat("_", n, MARKDOWN),
    "`": lambda n: _repeat("`", n, MARKDOWN),
    "*a ": lambda n: _repeat("*a ", n, MARKDOWN),
    "unclosed mix": lambda n: _repeat("**a [b](c ![d]( `e _f *g ", n, MARKDOWN),
    "nested, unclosed": lambda n: _repeat("[![**__*_`", n, MARKDOWN),
    "nested, closed": lambda n: _repeat("***[**a**](b)*** ![_c_](d) ", n, MARKDOWN),
    "《 unclosed": lambda n: _repeat("《", n, MARKDOWN, "x\n\n下一段。"),
    "heading, spaces": lambda n: _repeat(" ", n, "# x", "y\n\n正文。"),
    "no newline": lambda n: _repeat(_seed().replace("\n", " "), n),
    "continued, text": lambda n: _repeat(CONTINUED + "\n", n, "标题\n"),
    "continued, md": lambda n: _repeat(CONTINUED + "\n\n", n, MARKDOWN),
    "continued list": lambda n: _repeat(CONTINUED + "\n", n, "标题\n（" + "一" * (n // 6) + "，\n"),
    "one para, lines": lambda n: _repeat("短行\n", n, MARKDOWN),
}
BASELINE = "baseline: seed page"


def measure(page: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        parse_page(page)
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="patterns to run (all by default)")
    parser.add_argument("--size", type=int, default=1_000_000, help="bytes per page")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    unknown = [name for name in args.names if name not in PAGES]
    if unknown:
        parser.error(f"no pattern {unknown[0]!r}; there are: {', '.join(map(repr, PAGES))}")
    names = args.names or list(PAGES)

    baseline = _repeat(_seed(), args.size)
    print(f"parse_page, {args.size:,} bytes per page, {args.runs} runs each (seconds)")
    print(f"{'pattern':20} {'chars':>10} {'median':>8} {'p95':>8} {'× baseline':>10}")
    base = 0.0
    for name, page in [(BASELINE, baseline)] + [(name, PAGES[name](args.size)) for name in names]:
        times = measure(page, args.runs)
        median = statistics.median(times)
        base = base or median
        print(f"{name:20} {len(page):>10,} {median:8.3f} {p95(times):8.3f} {median / base:10.1f}")
    return 0


def p95(times: list[float]) -> float:
    if len(times) < 2:
        return times[0]
    return statistics.quantiles(times, n=20, method="inclusive")[-1]


if __name__ == "__main__":
    sys.exit(main())
