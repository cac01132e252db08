"""The mouse reported when a button is down (clicks, drags, the wheel), not at every move.

Textual's Linux driver asks the terminal for any-motion reporting (`?1003h`): every move of
the mouse over the window, buttons up, is a report of 9–12 bytes per cell crossed, sent to
the reader, over SSH too. dubao needs no hover, so its driver asks for button-event
tracking (`?1002h`) instead, and turns both off when it ends.
"""

from __future__ import annotations

from textual.drivers.linux_driver import LinuxDriver

_ON = ("1000", "1002", "1015", "1006")  # clicks, drags, urxvt and SGR encodings
_OFF = ("1000", "1002", "1003", "1015", "1006")


class ButtonMouseDriver(LinuxDriver):
    """Textual's Linux driver, asking for button-event mouse reports only."""

    def _enable_mouse_support(self) -> None:
        if self._mouse:
            self.write("".join(f"\x1b[?{mode}h" for mode in _ON))
            self.flush()

    def _disable_mouse_support(self) -> None:
        if self._mouse:
            self.write("".join(f"\x1b[?{mode}l" for mode in _OFF))
            self.flush()
