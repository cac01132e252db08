"""Time left of a task, from the rate of its reports."""

from __future__ import annotations

from tui.core.time_left import TimeLeft


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_time_left_comes_once_there_is_a_rate_and_counts_from_the_first_report() -> None:
    clock = Clock()
    time_left = TimeLeft(clock)
    assert time_left(200, 1000) is None  # the first report: no rate yet
    clock.now += 0.5
    assert time_left(300, 1000) is None  # under a second: not trusted
    clock.now += 1.5
    # 300 more in 2 s since the first report (not 500 in 2 s from zero): 500 left, 3.33 s.
    assert time_left(500, 1000) == 2.0 * 500 / 300
    clock.now += 1.0
    assert time_left(1000, 1000) == 0.0


def test_a_task_started_again_starts_its_rate_again() -> None:
    clock = Clock()
    time_left = TimeLeft(clock)
    time_left(0, 100)
    clock.now += 10
    assert time_left(50, 100) == 10.0
    assert time_left(10, 100) is None  # went back: a new start
    clock.now += 2
    assert time_left(20, 100) == 2 * 80 / 10
