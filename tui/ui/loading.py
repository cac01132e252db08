"""What the loader thread tells the reader, as Textual messages posted to its screen.

`MessageSink` is the reader's `loader.Sink`: called in the loader's thread, it posts
`Loaded` (the issues loaded so far, or the whole library), `LoadFailed` and `LoadNote` to
the reader's screen, whose handlers show them (`LoadFailed` goes on up to the app). A
library's reading order is worked out here, in the loader's thread: on the UI thread, 10⁵
articles would hold up the keys. A `Loaded` of part of the library is replaced by a newer
one still waiting in the queue (`can_replace`), so a busy UI shows the newest only. Once the
app has quit, a call raises, and the loader stops telling it anything.
"""

from __future__ import annotations

import threading

from textual.message import Message
from textual.message_pump import MessagePump

from tui.core.model import Library
from tui.core.navigation import ReadingOrder

FIRST_PAINT_WAIT = 1.0  # seconds loading waits, at most, for the first article to paint


class Loaded(Message):
    """The issues loaded so far (`whole` False), or the whole library."""

    def __init__(
        self,
        library: Library,
        order: ReadingOrder,
        *,
        whole: bool,
        painted: threading.Event | None = None,
    ) -> None:
        super().__init__()
        self.library = library
        self.order = order
        self.whole = whole
        self.painted = painted  # to be set once the screen has painted it

    def can_replace(self, message: Message) -> bool:
        return not self.whole and self.painted is None and isinstance(message, Loaded)


class LoadFailed(Message):
    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class LoadNote(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class MessageSink:
    """The reader's end of its loader (a `loader.Sink`), called in the loader's thread."""

    def __init__(self, app: MessagePump, *, in_thread: bool = True) -> None:
        """`in_thread` False: called on the UI thread, for what the loader did before the
        reader listened (which then waits for nothing)."""
        self._app = app
        self._painted = threading.Event()
        if not in_thread:
            self._painted.set()

    def partial(self, library: Library) -> None:
        first = not self._painted.is_set()
        painted = self._painted if first else None
        self._post(Loaded(library, ReadingOrder.of(library), whole=False, painted=painted))
        if first:
            # Loading waits for the first article to paint: the two would share one core.
            self._painted.wait(FIRST_PAINT_WAIT)
            self._painted.set()

    def done(self, library: Library) -> None:
        self._post(Loaded(library, ReadingOrder.of(library), whole=True))

    def failed(self, message: str) -> None:
        self._post(LoadFailed(message))

    def note(self, message: str) -> None:
        self._post(LoadNote(message))

    def _post(self, message: Message) -> None:
        # Once the app has closed its queue (or its loop), the loader hears it here.
        if not self._app.is_running or not self._app.post_message(message):
            raise RuntimeError("the reader has quit")
