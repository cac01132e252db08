"""Whether the integers of a packed array read from a file are all below a limit, at the
speed of C: an index file's 11 M posted ids are checked in ~50 ms, where `max` of them
takes 0.2 s.

    all_below(data, start, end, width, limit)

An item is at most limit - 1 unless, at some byte place (from the most significant), its
byte is greater than that of limit - 1 while all its bytes before are equal. Per place,
`bytes.translate` of that place's bytes (a strided slice) flags the items greater and
those equal, a byte each, and `int.from_bytes` makes the flags masks to combine.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

# Items looked at at a time: the flags and masks stay in the processor's cache.
CHUNK_ITEMS = 1 << 16


def all_below(data: bytes, start: int, end: int, width: int, limit: int) -> bool:
    """Whether every unsigned `width`-byte integer in data[start:end], in this machine's
    order, is below `limit`."""
    top = limit - 1
    if top < 0:
        return start == end
    if top >> (8 * width):
        return True
    places = range(width) if sys.byteorder == "big" else range(width - 1, -1, -1)
    digits = [(top >> shift) & 0xFF for shift in range(8 * (width - 1), -1, -8)]
    tables = [(_flags(digit.__lt__), _flags(digit.__eq__)) for digit in digits]
    step = CHUNK_ITEMS * width
    for first in range(start, end, step):
        last = min(first + step, end)
        equal: int | None = None  # the items whose bytes so far are those of limit - 1
        for n, (place, (greater, same)) in enumerate(zip(places, tables, strict=True)):
            column = data[first + place : last : width]
            flags = column.translate(greater)
            if equal is None:
                if 1 in flags:
                    return False
            elif equal & int.from_bytes(flags, "little"):
                return False
            if n == width - 1:
                break
            flags = column.translate(same)
            if 1 not in flags:
                break
            mask = int.from_bytes(flags, "little")
            equal = mask if equal is None else equal & mask
            if not equal:
                break
    return True


def _flags(test: Callable[[int], bool]) -> bytes:
    """A `bytes.translate` table: each byte to 1 where `test` holds for it, else to 0."""
    return bytes(map(test, range(256)))
