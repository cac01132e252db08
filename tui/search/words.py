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
boundaries for every title. Nothing is cached; reading the file takes ~1.5 s for those
titles, ~0.5 s for a page's.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterable
from itertools import accumulate
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jieba

# A line of jieba's dictionary: a word, a space, its count (then a space and a tag).
_COUNT = re.compile(r"^[^ \n]+ (\d+)", re.MULTILINE)


class TitleWords:
    """jieba's words of the titles it was made with (or of their substrings)."""

    def __init__(self, titles: Iterable[str]) -> None:
        self._tokenizer = _tokenizer_for(titles)

    def boundaries(self, title: str) -> str:
        """The offsets where jieba's words of `title` start or end, each as `chr(offset)`.

        A string is the most compact set of small integers Python has; `chr(i) in bounds`
        asks whether offset i is a word boundary.
        """
        if not title:
            return ""
        words = self._tokenizer.cut(title, HMM=False)
        return "".join(map(chr, accumulate(map(len, words), initial=0)))


def boundaries(text: str) -> str:
    """`TitleWords.boundaries` of one text."""
    return TitleWords([text]).boundaries(text)


def is_word_aligned(bounds: str, start: int, end: int) -> bool:
    """Whether [start, end) begins and ends on word boundaries (one or more whole words)."""
    return chr(start) in bounds and chr(end) in bounds


def _tokenizer_for(texts: Iterable[str]) -> jieba.Tokenizer:
    """A jieba tokenizer that cuts `texts` (and their substrings) as jieba's own does."""
    with warnings.catch_warnings():  # jieba imports pkg_resources, which may warn
        warnings.simplefilter("ignore")
        import jieba
    jieba.setLogLevel(logging.CRITICAL + 1)
    tokenizer = jieba.Tokenizer()
    with tokenizer.get_dict_file() as dictionary:
        lines = dictionary.read().decode("utf-8")
    tokenizer.FREQ, tokenizer.total = _frequencies(lines, _pieces(texts))
    tokenizer.initialized = True  # else its first cut would load the whole dictionary
    return tokenizer


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
