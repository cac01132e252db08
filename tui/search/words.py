"""Word boundaries of titles, from jieba, with only the part of its dictionary they need.

jieba's own tokenizer loads its whole dictionary, 584,000 words and word prefixes: ~80 MB
as a Python dict, in whichever process cuts. It also logs to stderr (which would land
inside the TUI) and by default keeps a cache of the dictionary in the shared temp
directory, trusting whatever file it finds there.

Cutting a sentence, jieba looks up only the sentence's substrings. So `TitleWords`
reads jieba's dictionary file as jieba does but keeps a word, and its prefixes, only
where each of its characters and character pairs occurs in one of the titles: every
substring of a title is kept, and the cut is the same. The benchmark archive's 33,917
titles keep 48,000 entries (its process peaks at ~50 MB, not ~100 MB), with the same
boundaries for every title. Nothing is cached; reading the file takes ~2 s for those
titles, ~0.5 s for a page's. jieba itself is not imported: the file is found where jieba
keeps it, and its patterns are copied here (importing it loads the tables of its HMM,
which a cut with HMM=False never uses, and pkg_resources: ~19 MB).
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import math
import re
import warnings
from collections.abc import Iterable, Iterator
from itertools import accumulate, repeat
from pathlib import Path
from types import ModuleType

# jieba's own, as its `__init__` has them (`tests/test_search_ranking.py` checks they still are).
_HAN = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._%\\-]+)", re.U)
_SKIP = re.compile("(\r\n|\\s)", re.U)
_ENG = re.compile("[a-zA-Z0-9]", re.U)
# A line of jieba's dictionary: a word, a space, its count (then a space and a tag).
_COUNT = re.compile(r"^[^ \n]+ (\d+)", re.MULTILINE)
# Only a title's first WORDS_WITHIN characters are cut into words; past them a term gets
# no whole-word bonus, and is found all the same. A headline is a few dozen characters.
# An offset is kept as chr(offset), which exists only below 0x110000, and cutting a
# title of a million characters would take seconds.
WORDS_WITHIN = 1000


class TitleWords:
    """jieba's words of the titles it was made with (or of their substrings): what
    `jieba.Tokenizer.cut(title, HMM=False)` gives, with the dictionary cut down to them.

    The cut is jieba's own algorithm, in one pass with each word's log frequency worked
    out once: a word graph over the title's substrings in the dictionary, the most
    probable path through it (ties to the longer word), then single letters and digits
    run together. It takes half the time jieba's takes (the benchmark archive's titles:
    ~2 s, not ~4 s), and cuts every title the same (`tests/benchmarks/title_words.py`)."""

    def __init__(self, titles: Iterable[str]) -> None:
        lines = _dictionary()
        cut = (title[:WORDS_WITHIN] for title in titles)
        frequencies, total = _frequencies(lines, _pieces(cut))
        log_total = math.log(total)
        self._entries = frequencies  # words, and prefixes of words (0): a walk goes on
        self._scores = {
            word: math.log(count) - log_total for word, count in frequencies.items() if count
        }
        self._unknown = math.log(1) - log_total  # a character that starts no word
        self._han, self._skip, self._eng = _HAN, _SKIP, _ENG

    def boundaries(self, title: str) -> str:
        """The offsets where jieba's words of `title` start or end, each as `chr(offset)`,
        up to WORDS_WITHIN.

        A string is the most compact set of small integers Python has; `chr(i) in bounds`
        asks whether offset i is a word boundary.
        """
        if not title:
            return ""
        bounds = "".join(map(chr, accumulate(self._lengths(title[:WORDS_WITHIN]), initial=0)))
        # Where a longer title was cut is no word's end.
        return bounds[:-1] if len(title) > WORDS_WITHIN else bounds

    def _lengths(self, text: str) -> Iterator[int]:
        """The lengths of `Tokenizer.cut(text, HMM=False)`'s words."""
        for block in self._han.split(text):
            if not block:
                continue
            if self._han.match(block):
                yield from self._block_lengths(block)
                continue
            for part in self._skip.split(block):
                if self._skip.match(part):
                    yield len(part)
                else:
                    yield from repeat(1, len(part))

    def _block_lengths(self, block: str) -> Iterator[int]:
        """jieba's `get_DAG`, `calc` and `__cut_DAG_NO_HMM` of a block of Han characters,
        letters and digits, as word lengths."""
        size = len(block)
        values = [0.0] * (size + 1)  # the best path's log probability from each offset
        ends = [0] * (size + 1)  # where the best path's first word from each offset ends
        entries, scores = self._entries, self._scores
        for start in range(size - 1, -1, -1):
            best: tuple[float, int] | None = None
            end = start
            fragment = block[start]
            while fragment in entries:
                score = scores.get(fragment)
                if score is not None:
                    candidate = (score + values[end + 1], end)
                    if best is None or candidate > best:
                        best = candidate
                end += 1
                if end >= size:
                    break
                fragment = block[start : end + 1]
            if best is None:
                best = (self._unknown + values[start + 1], start)
            values[start], ends[start] = best
        start, letters = 0, 0
        while start < size:
            end = ends[start] + 1
            if end - start == 1 and self._eng.match(block[start]):
                letters += 1  # single letters and digits run together into one word
            else:
                if letters:
                    yield letters
                    letters = 0
                yield end - start
            start = end
        if letters:
            yield letters


def is_word_aligned(bounds: str, start: int, end: int) -> bool:
    """Whether [start, end) begins and ends on word boundaries (one or more whole words)."""
    return end <= WORDS_WITHIN and chr(start) in bounds and chr(end) in bounds


def _dictionary() -> str:
    """The text of jieba's dictionary, found without importing jieba: that loads its HMM's
    tables, which a cut with HMM=False never uses, and pkg_resources (~19 MB)."""
    spec = importlib.util.find_spec("jieba")
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        with contextlib.suppress(OSError):
            return (Path(folder) / "dict.txt").read_bytes().decode("utf-8")
    jieba = _jieba()  # laid out otherwise
    with jieba.Tokenizer().get_dict_file() as dictionary:
        return dictionary.read().decode("utf-8")


def _jieba() -> ModuleType:
    with warnings.catch_warnings():  # jieba imports pkg_resources, which may warn
        warnings.simplefilter("ignore")
        import jieba
    jieba.setLogLevel(logging.CRITICAL + 1)
    return jieba


def _pieces(texts: Iterable[str]) -> set[str]:
    """Every character and every pair of neighbouring characters of `texts`."""
    pieces: set[str] = set()
    for text in texts:
        pieces.update(text)
        pairs = map(slice, range(len(text) - 1), range(2, len(text) + 1))
        pieces.update(map(text.__getitem__, pairs))
    return pieces


def _frequencies(lines: str, pieces: set[str]) -> tuple[dict[str, int], int]:
    """jieba's `gen_pfdict` of its dictionary's `lines` ("word count tag"), with only the
    words made of `pieces`: the total counts every word, the prefixes added are those of
    the kept words.

    Regular expressions pick the counts and the words made of the titles' characters
    (a third of them for the benchmark archive's titles, few for a page's): a loop over
    all 349,000 lines took ~1 s."""
    total = sum(int(line[1]) for line in _COUNT.finditer(lines))
    characters = "".join(re.escape(piece) for piece in pieces if len(piece) == 1)
    frequencies: dict[str, int] = {}
    if not characters:
        return frequencies, total
    candidates = re.finditer(rf"^([{characters}]+) (\d+)", lines, re.MULTILINE)
    for candidate in candidates:
        word = candidate[1]
        if word not in pieces and (
            len(word) < 3 or not all(word[i : i + 2] in pieces for i in range(len(word) - 1))
        ):
            continue
        frequencies[word] = int(candidate[2])
        for end in range(1, len(word)):
            frequencies.setdefault(word[:end], 0)
    return frequencies, total
