"""How long a task that reports its progress has left, from how fast it has gone."""

from __future__ import annotations

import time
from collections.abc import Callable


class TimeLeft:
    """`time_left(done, total)`: the seconds left, once a second of progress gives a rate
    (None before). The rate is counted from the first report, not from zero: a task's
    first report can come after a start that says nothing of its speed."""

    SETTLED = 1.0  # seconds of progress before a rate is trusted

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._first: tuple[float, int] | None = None
        self._last = 0

    def __call__(self, done: int, total: int) -> float | None:
        now = self._clock()
        went_back, self._last = done < self._last, done
        if self._first is None or went_back:  # the first report, or started again
            self._first = (now, done)
            return None
        started, done_then = self._first
        elapsed = now - started
        if elapsed < self.SETTLED or done <= done_then:
            return None
        return elapsed * (total - done) / (done - done_then)
