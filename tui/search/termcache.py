"""The matches of recently searched terms, kept so that typing reuses them.

A term's matches are a bitmap; and, where they came cheaply, their ids ascending (a
sparse posting list, or the candidates a test kept). For a term found by testing texts,
also where it first occurs in each text and the `index.TAIL` characters after that (in
UTF-16-LE, as the texts are kept: `views`), so that the next keystroke, which adds a
character, can mostly be answered without reading the texts again. Those lists can be
long: only the latest LISTS_KEPT terms keep them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Sequence
from typing import NamedTuple

LISTS_KEPT = 8


class Matches(NamedTuple):
    bits: int
    ids: Sequence[int] | None = None
    starts: list[int] | None = None
    tails: list[bytes] | None = None  # UTF-16-LE


class TermCache:
    """A small thread-safe LRU map from a term to its matches."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[str, Matches] = OrderedDict()
        self._with_lists: deque[str] = deque()
        self._lock = threading.Lock()

    def get(self, term: str) -> Matches | None:
        with self._lock:
            matches = self._items.get(term)
            if matches is not None:
                self._items.move_to_end(term)
            return matches

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._with_lists.clear()

    def put(self, term: str, matches: Matches) -> None:
        with self._lock:
            self._items[term] = matches
            self._items.move_to_end(term)
            if matches.starts is not None:
                self._with_lists.append(term)
                while len(self._with_lists) > LISTS_KEPT:
                    old = self._with_lists.popleft()
                    if old in self._items and old not in self._with_lists:
                        self._items[old] = Matches(self._items[old].bits)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
