"""Python's cyclic garbage collector paused while large, acyclic data is built, and the
memory a build freed given back to the system.

Loading a library or building its index makes 10⁵–10⁶ long-lived objects, which the
collector would scan again and again (a large library loads twice as fast without it). The
pause is process-wide and counted; what was made meanwhile is frozen (`gc.freeze`)."""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No cyclic garbage collection, in the whole process, inside this block."""
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                # Else the first collection, right after, takes ~0.1 s on a large library.
                gc.freeze()
                gc.enable()


def give_back_memory() -> None:
    """Return freed scratch memory to the system (glibc keeps it otherwise)."""
    with contextlib.suppress(Exception):  # glibc's: elsewhere, nothing
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
