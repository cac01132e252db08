"""Sets of article ids as Python integers: bit i set means article i is in.

A set of 34,000 articles is a 4 KB integer: intersecting two is one `&`, counting is
`int.bit_count`, both in C. Converting from and to ids goes through a byte per article
(`flags`) and `int(..., 2)`/`format(..., "b")`, also all in C.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from itertools import compress, islice, repeat

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


def smallest(bits: int, count: int) -> list[int]:
    """The `count` smallest ids in `bits` (fewer if it has fewer), ascending.

    For a few ids, or the first few of many, one string search per id over the binary
    digits of the lowest part of `bits` that holds them: much faster than `ids`.
    """
    total, length = bits.bit_count(), bits.bit_length()
    if min(count, total) * 6 > length:  # many: one pass over every id costs less
        return list(islice(ids(bits, length), count))
    found: list[int] = []
    # Twice the width that holds `count` ids if they are spread evenly.
    width = length if count >= total else max(2 * length * count // total, 1024)
    while True:
        low = bits & ((1 << width) - 1)
        digits = format(low, "b")
        last = len(digits) - 1
        position = digits.rfind("1") if low else -1
        while position >= 0 and len(found) < count:
            found.append(last - position)
            position = digits.rfind("1", 0, position)
        if len(found) >= count or width >= length:
            return found
        found.clear()
        width *= 4


def from_few_ids(ids: Iterable[int], size: int) -> int:
    """`from_ids`, faster for a few ids (up to about one in thirty of `size`)."""
    packed = bytearray((size + 7) // 8)
    for i in ids:
        packed[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(packed, "little")
