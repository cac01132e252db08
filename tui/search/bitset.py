"""Sets of article ids as Python integers: bit i set means article i is in.

A set of 34,000 articles is a 4 KB integer: intersecting two is one `&`, counting is
`int.bit_count`, both in C. Converting from and to ids goes through a byte per article
(`flags`) and `int(..., 2)`/`format(..., "b")`, also all in C.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from itertools import compress, repeat

_TO_DIGITS = bytes.maketrans(b"\x00\x01", b"01")
_TO_FLAGS = bytes.maketrans(b"01", b"\x00\x01")
_consume = deque(maxlen=0).extend


def from_ids(ids: Iterable[int], size: int) -> int:
    flags = bytearray(size)
    _consume(map(flags.__setitem__, ids, repeat(1)))
    return from_flags(flags)


def from_flags(flags: bytes | bytearray) -> int:
    """The set of the positions of the non-zero bytes of `flags` (all 0 or 1)."""
    if not flags:
        return 0
    return int(flags.translate(_TO_DIGITS)[::-1], 2)


def flags(bits: int, size: int) -> bytes:
    """One byte per article, 1 where the article is in `bits`."""
    digits = format(bits, "b").encode("ascii")[::-1]
    return digits.translate(_TO_FLAGS).ljust(size, b"\x00")


def ids(bits: int, size: int) -> Iterator[int]:
    """The ids in `bits`, ascending."""
    return compress(range(size), flags(bits, size))


def count(bits: int) -> int:
    return bits.bit_count()
