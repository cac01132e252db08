"""jieba's words of a library's titles: with its whole dictionary, and with the part of it
the titles need (`tui.search.words.TitleWords`, what dubao uses).

    .venv/bin/python tests/benchmarks/title_words.py [CORPUS]

Each way runs in a fresh Python process, given the library's normalised titles (the
seeds' when no CORPUS is given). It prints, for each, the time to have the dictionary,
the time to cut every title, and the process's peak RSS; then how many titles the two
cut differently, which must be 0. jieba's whole dictionary is built from its own file
(its cache goes to a temporary folder, removed after), as dubao's first build did before;
later builds loaded jieba's cache of it instead (~0.7-1.1 s here).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def titles(corpus: str | None) -> list[str]:
    from tui.core.text import normalise
    from tui.library import load_library
    from tui.search.build import ranked_entries

    library = load_library([corpus] if corpus else None)
    return [normalise(entry.article.title or "") for entry in ranked_entries(library)]


def child(way: str, titles_file: str, out_file: str) -> None:
    given = json.loads(Path(titles_file).read_text(encoding="utf-8"))
    start = time.perf_counter()
    if way == "whole":
        import jieba

        jieba.setLogLevel(60)
        tokenizer = jieba.Tokenizer()
        with tempfile.TemporaryDirectory() as folder:
            tokenizer.tmp_dir = folder
            tokenizer.initialize()
        loaded = time.perf_counter()

        def bounds(title: str) -> str:
            words = tokenizer.cut(title, HMM=False) if title else []
            return "".join(map(chr, accumulate(map(len, words), initial=0))) if title else ""
    else:
        from tui.search.words import TitleWords

        title_words = TitleWords(given)
        loaded = time.perf_counter()
        bounds = title_words.boundaries
    cut = [bounds(title) for title in given]
    done = time.perf_counter()
    Path(out_file).write_text(json.dumps(cut), encoding="utf-8")
    print(json.dumps({"dictionary": loaded - start, "cut": done - loaded, "rss": peak_rss_mb()}))


def peak_rss_mb() -> float:
    """This process's peak RSS since it was started (VmHWM: getrusage's would count the
    parent's, which read the library, from before the exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
        return 0
    corpus = sys.argv[1] if len(sys.argv) > 1 else None
    with tempfile.TemporaryDirectory() as folder:
        titles_file = Path(folder) / "titles.json"
        given = titles(corpus)
        titles_file.write_text(json.dumps(given, ensure_ascii=False), encoding="utf-8")
        print(f"{len(given):,} titles, {sum(map(len, given)):,} characters")
        print(f"{'':<20}{'dictionary':>12}{'cut':>10}{'peak RSS':>11}")
        cuts = {}
        for way, label in (("whole", "whole dictionary"), ("titles", "TitleWords")):
            out = Path(folder) / f"{way}.json"
            command = [sys.executable, __file__, "--child", way, str(titles_file), str(out)]
            figures = json.loads(subprocess.run(command, check=True, capture_output=True).stdout)
            print(
                f"{label:<20}{figures['dictionary']:>11.2f}s{figures['cut']:>9.2f}s"
                f"{figures['rss']:>8.0f} MB"
            )
            cuts[way] = json.loads(out.read_text(encoding="utf-8"))
    differ = sum(a != b for a, b in zip(cuts["whole"], cuts["titles"], strict=True))
    print(f"titles cut differently: {differ}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
