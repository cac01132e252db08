"""Spare children (`forked.keep_spares`): forked while the process is small, given work later."""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Iterator
from functools import partial

import pytest

from tui import forked

# What this module holds when a child reads it: a spare forked before it was set sees None.
MARKER: str | None = None


def marker() -> str | None:
    return MARKER


def add(a: int, b: int) -> int:
    return a + b


@pytest.fixture(autouse=True)
def no_spares_left() -> Iterator[None]:
    yield
    forked.drop_spares()


def test_start_sends_its_work_to_a_spare_forked_before(monkeypatch: pytest.MonkeyPatch) -> None:
    forked.keep_spares(1)
    monkeypatch.setattr(sys.modules[__name__], "MARKER", "set after the spare was forked")
    fork = forked.fork
    forks: list[object] = []
    monkeypatch.setattr(forked, "fork", lambda pipes: forks.append(pipes) or fork(pipes))
    child = forked.start(marker)
    assert child is not None and child.result() is None  # the spare's copy of the module
    assert forks == []
    fresh = forked.start(marker)  # no spare left: forked now
    assert fresh is not None and fresh.result() == "set after the spare was forked"
    assert len(forks) == 1
    forked.keep_spares(1)
    assert forked.start(partial(add, 2, 3)).result() == 5  # type: ignore[union-attr]


def test_work_that_cannot_be_sent_is_forked_now_and_the_spare_kept() -> None:
    forked.keep_spares(1)
    spare_pid = forked._spares[0].child._pid
    child = forked.start(lambda: 6 * 7)  # a lambda does not pickle
    assert child is not None and child.result() == 42
    assert child._pid != spare_pid
    later = forked.start(partial(add, 2, 3))
    assert later is not None and later._pid == spare_pid and later.result() == 5


def test_unused_spares_are_stopped_and_reaped() -> None:
    forked.keep_spares(2)
    pids = [spare.child._pid for spare in forked._spares]
    assert len(pids) == 2
    forked.drop_spares()
    assert forked._spares == []
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def _start_inside() -> tuple[int | None, int]:
    """In a freshly forked child: work of its own in a child of its own."""
    inner = forked.start(partial(add, 2, 3))
    return (inner.result() if inner is not None else None), len(forked._spares)


def test_a_child_never_sends_work_to_its_parents_spares() -> None:
    """The spares a child inherits are its parent's children: it cannot wait for them. A
    search process's library loader lost half its pages that way."""
    forked.keep_spares(1)
    outer = forked.start(lambda: _start_inside())  # a lambda does not pickle: a new fork
    assert outer is not None
    assert outer.result() == (5, 0)
    # The parent's spare was left alone, and still takes work.
    assert len(forked._spares) == 1
    child = forked.start(partial(add, 1, 1))
    assert child is not None and child.result() == 2
    assert forked._spares == []


def test_a_value_from_a_process_that_is_not_a_child_is_refused() -> None:
    read, write = os.pipe()
    os.write(write, pickle.dumps(5))
    os.close(write)
    assert forked.Child(os.getppid(), read).result() is None
