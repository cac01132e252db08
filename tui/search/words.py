"""Word boundaries from jieba, loaded on first use and kept quiet.

jieba logs to stderr (which would land inside the TUI) and by default keeps its
dictionary cache in the shared temp directory, trusting whatever file it finds there.
Here it gets a private tokenizer whose cache lives in `user_cache_dir("dubao")` (created
0700), and its logger is silenced before the dictionary is loaded. Importing this module
loads nothing; the first call to `tokenizer()` takes ~1 s.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from itertools import accumulate
from typing import TYPE_CHECKING

from tui.cache import cache_dir

if TYPE_CHECKING:
    import jieba

CACHE_FILE = "jieba.cache"

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def _reset_lock_in_child() -> None:
    # A forked child has one thread: a lock some other thread held at the fork is free.
    global _lock
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_lock_in_child)


def tokenizer() -> jieba.Tokenizer:
    """The shared, initialised jieba tokenizer."""
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            with warnings.catch_warnings():  # jieba imports pkg_resources, which may warn
                warnings.simplefilter("ignore")
                import jieba
            jieba.setLogLevel(logging.CRITICAL + 1)
            instance = jieba.Tokenizer()
            try:
                instance.tmp_dir = str(cache_dir())
            except OSError:
                # No cache folder: the dictionary is built from jieba's own file and kept
                # nowhere (left alone, jieba would keep it in the shared temp folder).
                instance.tmp_dir = os.devnull
            instance.cache_file = CACHE_FILE
            instance.initialize()
            _tokenizer = instance
        return _tokenizer


def release() -> None:
    """Drop the tokenizer and its dictionary; the next `tokenizer()` loads them again."""
    global _tokenizer
    with _lock:
        _tokenizer = None


def boundaries(text: str) -> str:
    """The offsets where jieba's words of `text` start or end, each as `chr(offset)`.

    A string is the most compact set of small integers Python has; `chr(i) in bounds`
    asks whether offset i is a word boundary.
    """
    if not text:
        return ""
    words = tokenizer().cut(text, HMM=False)
    return "".join(map(chr, accumulate(map(len, words), initial=0)))


def is_word_aligned(bounds: str, start: int, end: int) -> bool:
    """Whether [start, end) begins and ends on word boundaries (one or more whole words)."""
    return chr(start) in bounds and chr(end) in bounds
