"""Posting lists: for each key code, the ids of the articles that contain it.

A dict of a million Python lists would cost ~100 bytes a key before storing one id, and
filling one at random is slow on any machine whose caches it outgrows. Here:

- A common key (in more than 1/DENSE_SHARE of the articles) is a bitmap (`bitset`).
- Every other key's ids sit end to end in one array (2 bytes an id while there are at
  most 65,536 articles); `codes` (sorted) and `starts` say which run is whose.

Building inverts the articles' sorted key codes in one pass per range of codes
(PARTITION_BOUNDS), so that the dict being filled stays small: lone units first, then
pairs by their second unit, the Han range cut in ten.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import defaultdict, deque
from collections.abc import Callable
from functools import partial
from itertools import repeat

from tui.search import bitset

DENSE_SHARE = 16
PARTITION_BOUNDS = (
    1 << 16,
    *(second << 16 for second in (0x4E00, 0x5600, 0x5E00, 0x6600, 0x6E00, 0x7600, 0x7E00)),
    *(second << 16 for second in (0x8600, 0x8E00, 0x9600, 0xA000)),
    1 << 32,
)
PARTITIONS = len(PARTITION_BOUNDS)
_consume = deque(maxlen=0).extend


def id_typecode(count: int) -> str:
    """The smallest array type that holds every id below `count`."""
    return "H" if count <= 1 << 16 else "I"


class Postings:
    """Which articles contain each key code (see `tokenize`)."""

    __slots__ = ("_codes", "_dense", "_ids", "_size", "_starts")

    def __init__(
        self, size: int, codes: array, starts: array, ids: array, dense: dict[int, int]
    ) -> None:
        self._size = size
        self._codes = codes  # sorted codes of the sparse keys
        self._starts = starts  # key i's ids are ids[starts[i]:starts[i + 1]]
        self._ids = ids
        self._dense = dense  # code → bitmap

    def count(self, code: int) -> int:
        """How many articles contain `code`."""
        bits = self._dense.get(code)
        if bits is not None:
            return bits.bit_count()
        i = self._slot(code)
        return self._starts[i + 1] - self._starts[i] if i >= 0 else 0

    def bits(self, code: int) -> int:
        """The articles that contain `code`, as a bitmap."""
        bits = self._dense.get(code)
        if bits is not None:
            return bits
        return bitset.from_ids(self.sparse(code), self._size)

    def sparse(self, code: int) -> array:
        """The ids of a key that is not dense, ascending (empty for an unknown key)."""
        i = self._slot(code)
        if i < 0:
            return self._ids[0:0]
        return self._ids[self._starts[i] : self._starts[i + 1]]

    def is_dense(self, code: int) -> bool:
        return code in self._dense

    def _slot(self, code: int) -> int:
        i = bisect_left(self._codes, code)
        return i if i < len(self._codes) and self._codes[i] == code else -1

    def nbytes(self) -> int:
        arrays = (self._codes, self._starts, self._ids)
        packed = sum(a.buffer_info()[1] * a.itemsize for a in arrays)
        return packed + sum(28 + (self._size + 7) // 8 for _ in self._dense) + 64 * len(self._dense)

    def parts(self) -> tuple[int, array, array, array, dict[int, int]]:
        """What the postings were made from, (size, codes, starts, ids, dense), to save them."""
        return self._size, self._codes, self._starts, self._ids, self._dense


Run = tuple[array, array, array, dict[int, int]]  # codes, starts, ids, dense


def join(size: int, runs: list[Run]) -> Postings:
    """The postings of runs built for consecutive ranges of partitions, in order."""
    codes, starts, ids, dense = array("I"), array("I", [0]), array(id_typecode(size)), {}
    for run_codes, run_starts, run_ids, run_dense in runs:
        offset = len(ids)
        codes.extend(run_codes)
        starts.extend(start + offset for start in run_starts[1:])
        ids.extend(run_ids)
        dense.update(run_dense)
    if len(ids) >= 1 << 32:
        raise OverflowError("too many postings for 32-bit offsets")
    return Postings(size, codes, starts, ids, dense)


class PostingsBuilder:
    """Collects each article's sorted codes, split by code range, then inverts them.

    `partitions` may be a part of range(PARTITIONS): two builders can then share the work
    (see `join`)."""

    def __init__(self, size: int, partitions: range = range(PARTITIONS)) -> None:
        self._size = size
        self._typecode = id_typecode(size)
        self._partitions = partitions
        self._low = PARTITION_BOUNDS[partitions.start - 1] if partitions.start else 0
        self._bounds = PARTITION_BOUNDS[partitions.start : partitions.stop]
        self._parts = [array("I") for _ in partitions]
        self._ends = [array("I") for _ in partitions]

    def add(self, codes: list[int]) -> None:
        """The sorted codes of the next article."""
        start = bisect_left(codes, self._low) if self._low else 0
        for part, ends, bound in zip(self._parts, self._ends, self._bounds, strict=True):
            end = bisect_left(codes, bound, start)
            part.extend(codes[start:end])
            ends.append(len(part))
            start = end

    def build(self, tick: Callable[[int], None] | None = None) -> Postings:
        """The postings; `tick(i)` is called after partition i of PARTITIONS."""
        return join(self._size, [self.build_run(tick)])

    def build_run(self, tick: Callable[[int], None] | None = None) -> Run:
        """The postings of this builder's partitions, to `join` with others."""
        codes = array("I")
        starts = array("I", [0])
        ids = array(self._typecode)
        dense: dict[int, int] = {}
        for n, i in enumerate(self._partitions):
            lists = self._invert(n)
            for code in sorted(lists):
                run = lists.pop(code)
                if len(run) * DENSE_SHARE > self._size:
                    dense[code] = bitset.from_ids(run, self._size)
                else:
                    codes.append(code)
                    ids.extend(run)
                    starts.append(len(ids))
            if tick is not None:
                tick(i)
        return codes, starts, ids, dense

    def _invert(self, i: int) -> dict[int, array]:
        part, ends = self._parts[i], self._ends[i]
        self._parts[i] = self._ends[i] = array("I")
        lists: defaultdict[int, array] = defaultdict(partial(array, self._typecode))
        file_under = lists.__getitem__
        append = array.append
        start = 0
        for doc_id, end in enumerate(ends):
            if end > start:
                _consume(map(append, map(file_under, part[start:end]), repeat(doc_id)))
                start = end
        return lists
