"""Posting lists: for each key code, the ids of the articles that contain it.

A dict of a million Python lists would cost ~100 bytes a key before storing one id, and
filling one at random is slow on any machine whose caches it outgrows. Here:

- A common key (in more than 1/DENSE_SHARE of the articles) is a bitmap (`bitset`).
- Every other key's ids sit end to end in one array (2 bytes an id while there are at
  most 65,536 articles); `codes` (sorted) and `starts` say which run is whose.

Building (`build_postings`) sorts (code, id) keys with NumPy, one range of codes (a
partition) at a time so that the arrays being sorted stay small. Inverting 20 million
postings in Python took ~15 s of a core; sorted in NumPy, ~4 s.
"""

from __future__ import annotations

import itertools
import sys
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from tui.core import collector
from tui.search import bitset

DENSE_SHARE = 16
# About this many postings are sorted at a time: a partition's sort and filing take ~13
# bytes a posting. (Fixed ranges of codes made partitions of 0.4 to 3.4 M postings on the
# benchmark archive: the largest sort took ~45 MB more than the build's other arrays.)
PARTITION_POSTINGS = 1 << 19
MAX_PARTITIONS = 256
CHUNK_UNITS = 1 << 18  # characters of text turned into keys at a time
# Trimming the heap blocks other threads' allocations for a while: worth it for a large
# build only (the benchmark archive makes 20 M postings).
TRIM_MIN_POSTINGS = 2_000_000
_HIGH = 1 if sys.byteorder == "little" else 0  # the half of a uint64 that holds the code
# Of one chunk, in one partition: its distinct codes, how many of its articles have each,
# and their ids (NumPy arrays).
_Piece = tuple[Any, Any, Any]


def id_typecode(count: int) -> str:
    """The smallest array type that holds every id below `count`."""
    return "H" if count <= 1 << 16 else "I"


class Postings:
    """Which articles contain each key code (see `tokenize`)."""

    __slots__ = ("_checked", "_codes", "_dense", "_ids", "_size", "_starts")

    def __init__(
        self,
        size: int,
        codes: Sequence[int],
        starts: Sequence[int],
        ids: Sequence[int],
        dense: Mapping[int, int],
        *,
        checked: bool = True,
    ) -> None:
        """Arrays, or views of a file's (`views`); `checked=False`: ids not known to be
        below `size` (a file's, not read whole), so each run is checked when first used."""
        self._size = size
        self._codes = codes  # sorted codes of the sparse keys
        self._starts = starts  # key i's ids are ids[starts[i]:starts[i + 1]]
        self._ids = ids
        self._dense = dense  # code → bitmap
        self._checked: set[int] | None = None if checked else set()

    def count(self, code: int) -> int:
        """How many articles contain `code`."""
        bits = self._dense.get(code)
        if bits is not None:
            return bits.bit_count()
        return len(self.sparse(code))

    def bits(self, code: int) -> int:
        """The articles that contain `code`, as a bitmap."""
        bits = self._dense.get(code)
        if bits is not None:
            return bits
        return bitset.from_ids(self.sparse(code), self._size)

    def sparse(self, code: int) -> Sequence[int]:
        """The ids of a key that is not dense, ascending (empty for an unknown key)."""
        i = self._slot(code)
        if i < 0:
            return self._ids[0:0]
        run = self._ids[self._starts[i] : self._starts[i + 1]]  # a slice: never past the ids
        if self._checked is None or i in self._checked:
            return run
        if run and max(run) >= self._size:  # a crafted file's: the ids it may hold
            return [doc_id for doc_id in run if doc_id < self._size]
        self._checked.add(i)
        return run

    def is_dense(self, code: int) -> bool:
        return code in self._dense

    def keyed(self, codes: Iterable[int]) -> tuple[int, list[Sequence[int]]]:
        """Of the articles holding every key of `codes`: the bitmap the dense keys say
        (-1 if none is dense), and the other keys' ids, shortest first."""
        known = -1
        runs: list[Sequence[int]] = []
        for code in codes:
            if code in self._dense:
                known &= self._dense[code]
            else:
                runs.append(self.sparse(code))
        runs.sort(key=len)
        return known, runs

    def _slot(self, code: int) -> int:
        i = bisect_left(self._codes, code)
        return i if i < len(self._codes) and self._codes[i] == code else -1

    def nbytes(self) -> int:
        """The memory the postings take (a file's arrays: the bytes they view)."""
        arrays = (self._codes, self._starts, self._ids)
        packed = sum(len(a) * getattr(a, "itemsize", 8) for a in arrays)
        return packed + sum(28 + (self._size + 7) // 8 for _ in self._dense) + 64 * len(self._dense)

    def made_bytes(self) -> int:
        """The memory the dense bitmaps take (a file's: those made so far, `views`)."""
        made = getattr(self._dense, "made_bytes", None)
        return int(made()) if made else sum(map(sys.getsizeof, self._dense.values()))

    def parts(self) -> tuple[int, Any, Any, Any, Mapping[int, int]]:
        """What the postings were made from, (size, codes, starts, ids, dense), to save them."""
        return self._size, self._codes, self._starts, self._ids, self._dense


def common_ids(runs: list[Sequence[int]], known: int, size: int) -> Sequence[int]:
    """The ids in every one of `runs` (ascending; at least one, shortest first) and in the
    bitmap `known` (-1: all of them)."""
    ids = runs[0]
    if len(runs) > 1 and ids:
        keep = set(ids)
        for run in runs[1:]:
            keep.intersection_update(run)
        ids = list(itertools.compress(ids, map(keep.__contains__, ids)))
    if known != -1 and ids:
        flags = bitset.flags(known, size)
        ids = list(itertools.compress(ids, map(flags.__getitem__, ids)))
    return ids


def build_postings(docs: Sequence[str], tick: Callable[[float], None] | None = None) -> Postings:
    """The postings of `docs` (normalised texts; an article's id is its position), filed
    under `text_codes`. `tick(fraction)` hears how far it got, after each step.

    In two steps, with NumPy: each chunk of CHUNK_UNITS units becomes the sorted distinct
    keys `code << 32 | id` of its articles, cut by partition; then each partition's keys,
    from every chunk, are sorted together and split into runs. The chunks, in id order,
    hold about 3.3 bytes a posting (each distinct code once); the rest is one chunk or
    partition at a time.
    """
    import numpy as np  # only a build needs it, and importing it takes ~0.1 s

    size = len(docs)
    id_type = id_typecode(size)
    id_dtype = np.dtype(f"u{array(id_type).itemsize}")
    chunks = list(_chunks(docs, CHUNK_UNITS))
    splits = np.empty(0, dtype=np.uint32)  # where each partition but the first starts
    pieces: list[list[_Piece]] = [[]]
    for step, (first, last) in enumerate(chunks, start=1):
        keys = _chunk_keys(np, docs, first, last)
        halves = keys.view(np.uint32)
        codes, ids = halves[_HIGH::2], halves[1 - _HIGH :: 2]
        if step == 1:
            splits = _splits(np, codes, len(chunks))
            pieces = [[] for _ in range(splits.size + 1)]
        # A code is in a chunk's articles ~5 times (on the benchmark archive): kept once,
        # with how many, the pieces take 66 MB there, not 121 MB.
        firsts = np.append(np.flatnonzero(_starts_of_runs(np, codes)), codes.size)
        run_codes = codes[firsts[:-1]]
        run_counts = np.diff(firsts).astype(np.uint16 if last - first <= 0xFFFF else np.uint32)
        run_cuts = [0, *np.searchsorted(run_codes, splits).tolist(), run_codes.size]
        for partition, (low, high) in enumerate(itertools.pairwise(run_cuts)):
            pieces[partition].append(  # copies: each partition's are freed once it is filed
                (
                    run_codes[low:high].copy(),
                    run_counts[low:high].copy(),
                    ids[firsts[low] : firsts[high]].astype(id_dtype),
                )
            )
        if tick is not None:
            tick(step / (len(chunks) + len(pieces)))
    postings_made = sum(ids.size for part in pieces for _, _, ids in part)
    codes, starts, ids = array("I"), array("I", [0]), array(id_type)
    dense: dict[int, int] = {}
    for partition in range(len(pieces)):
        part_codes, part_ids = _sorted_partition(np, pieces[partition], id_dtype)
        pieces[partition] = []
        if postings_made >= TRIM_MIN_POSTINGS:  # else the freed pieces stay in the heap: +70 MB
            collector.give_back_memory()
        _file_runs(np, part_codes, part_ids, size, (codes, starts, ids, dense))
        if tick is not None:
            tick((len(chunks) + partition + 1) / (len(chunks) + len(pieces)))
    if len(ids) >= 1 << 32:
        raise OverflowError("too many postings for 32-bit offsets")
    return Postings(size, codes, starts, ids, dense)


def _splits(np: Any, codes: Any, chunks: int) -> Any:
    """The codes where partitions of about PARTITION_POSTINGS postings start (but the
    first), guessed from the first chunk's `codes` (sorted): a library's chunks hold much
    the same mix of characters."""
    count = min(MAX_PARTITIONS, max(1, codes.size * chunks // PARTITION_POSTINGS))
    return np.unique(codes[codes.size * np.arange(1, count) // count])


def _chunks(docs: Sequence[str], units: int) -> Iterator[tuple[int, int]]:
    """Consecutive ranges [first, last) of `docs` of about `units` characters each."""
    first, total = 0, 0
    for last, doc in enumerate(docs, start=1):
        total += len(doc)
        if total >= units:
            yield first, last
            first, total = last, 0
    if first < len(docs):
        yield first, len(docs)


def _chunk_keys(np: Any, docs: Sequence[str], first: int, last: int) -> Any:
    """The sorted distinct keys `code << 32 | id` of articles first..last-1."""
    encoded = [doc.encode("utf-16-le", "surrogatepass") for doc in docs[first:last]]
    # Native order, as `units` reads a query's units.
    units = np.frombuffer(b"".join(encoded), dtype=np.uint16).astype(np.uint64)
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=last - first) // 2
    owners = np.repeat(np.arange(first, last, dtype=np.uint64), lengths)
    same = owners[1:] == owners[:-1]  # a pair is two neighbouring units of one article
    pairs = (units[:-1] | (units[1:] << np.uint64(16)))[same]
    shift = np.uint64(32)
    keys = np.concatenate([(units << shift) | owners, (pairs << shift) | owners[:-1][same]])
    keys.sort()
    return keys[_starts_of_runs(np, keys)]


def _starts_of_runs(np: Any, values: Any) -> Any:
    """A mask of the positions where a run of equal values starts."""
    starts = np.empty(values.size, dtype=bool)
    starts[:1] = True
    np.not_equal(values[1:], values[:-1], out=starts[1:])
    return starts


def _sorted_partition(np: Any, pieces: list[_Piece], id_dtype: Any) -> tuple[Any, Any]:
    """One partition's (codes, ids) from every chunk, sorted by code, then id."""
    keys = np.empty(sum(ids.size for _, _, ids in pieces), dtype=np.uint64)
    start = 0
    for codes, counts, ids in pieces:  # filled in place: no temporary the partition's size
        end = start + ids.size
        keys[start:end] = np.repeat(codes, counts)
        keys[start:end] <<= np.uint64(32)
        keys[start:end] |= ids
        start = end
    keys.sort()
    halves = keys.view(np.uint32)
    return halves[_HIGH::2], halves[1 - _HIGH :: 2].astype(id_dtype)


def _file_runs(
    np: Any,
    codes: Any,
    ids: Any,
    size: int,
    into: tuple[array, array, array, dict[int, int]],
) -> None:
    """Append the runs of (codes, ids), sorted, to the postings' arrays `into`: a bitmap
    for a dense code, else its code, its ids and where they end."""
    out_codes, out_starts, out_ids, out_dense = into
    firsts = np.flatnonzero(_starts_of_runs(np, codes))
    counts = np.diff(np.append(firsts, codes.size))
    is_dense = counts * DENSE_SHARE > size
    for run in np.flatnonzero(is_dense).tolist():
        flags = np.zeros(size, dtype=np.uint8)
        flags[ids[firsts[run] : firsts[run] + counts[run]]] = 1
        bits = np.packbits(flags, bitorder="little").tobytes()
        out_dense[int(codes[firsts[run]])] = int.from_bytes(bits, "little")
    sparse = ~is_dense
    ends = np.cumsum(counts[sparse], dtype=np.uint64) + np.uint64(len(out_ids))
    out_codes.frombytes(codes[firsts[sparse]].tobytes())
    out_starts.frombytes(ends.astype(np.uint32).tobytes())
    out_ids.frombytes(ids[np.repeat(sparse, counts)].tobytes())
