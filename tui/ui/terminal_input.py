"""Keys read leniently: a byte that is not UTF-8 is a replacement character, not a crash.

Textual's drivers decode the terminal's input with a strict UTF-8 decoder, so one byte
that is not UTF-8 (an 8-bit meta key, a Latin-1 paste, line noise over SSH) ends the input
thread with a traceback and leaves a reader with no keys (Textual issue #6456). Until
Textual mends it, its Linux driver gets a decoder that replaces such bytes with U+FFFD.
"""

from __future__ import annotations

import codecs
import functools
from collections.abc import Callable


def _lenient_decoder(encoding: str) -> Callable[[], codecs.IncrementalDecoder]:
    return functools.partial(codecs.getincrementaldecoder(encoding), errors="replace")


def decode_input_leniently() -> None:
    """From now on, Textual's Linux driver replaces bytes that do not decode."""
    from textual.drivers import linux_driver

    # The driver looks the name up in its module each time it starts reading keys.
    linux_driver.getincrementaldecoder = _lenient_decoder  # type: ignore[attr-defined]
