"""Flipped bytes in a real state.sqlite3 (tui/state.py): whatever the damage, the store opens,
the file is either used as it is, moved aside, or left alone while the session runs in memory;
nothing raises, and a file that opens without a word still holds what was written."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

from tests.conftest import TERMINAL_CONTROLS
from tui.core.layout import Anchor
from tui.store.state import StateStore

COPIES = 200
LIBRARIES = [f"library-{n}" for n in range(3)]


def _real_store(folder: Path) -> tuple[bytes, list[str]]:
    """A store written through the API: positions, read marks, last articles; Chinese ids
    too, so that flips can leave row text that is not UTF-8."""
    path = folder / "state.sqlite3"
    store = StateStore.open(path)
    ids = []
    for n in range(60):
        article_id = f"文章-{n:03d}" if n % 2 else f"{n:016x}"
        store.open_article(LIBRARIES[n % 3], article_id)
        store.update_position(article_id, Anchor(n + 1, n), n, False)
        store.flush()
        if n % 5 == 0:
            store.mark_read(article_id)
        ids.append(article_id)
    store.close()
    assert store.writable and store.take_notice() is None
    return path.read_bytes(), ids


def _flipped(whole: bytes, seed: int) -> tuple[bytes, int]:
    """`whole` with 1 to 3 bits flipped, and how many. Even seeds flip in the schema's text on
    page 1 (where a flip leaves a name or statement that is not UTF-8); odd ones anywhere,
    the 100-byte header included."""
    rng = random.Random(seed)
    page_size = int.from_bytes(whole[16:18], "big")
    schema = whole.find(b"CREATE TABLE")
    assert 100 < schema < page_size
    data = bytearray(whole)
    flips = rng.randint(1, 3)
    for _ in range(flips):
        at = rng.randrange(schema, page_size) if seed % 2 == 0 else rng.randrange(len(data))
        data[at] ^= 1 << rng.randrange(8)
    return bytes(data), flips


def _asides(db: Path) -> list[Path]:
    return [
        p
        for p in db.parent.iterdir()
        if ".corrupt-" in p.name and not p.name.endswith(("-wal", "-shm"))
    ]


def test_flipped_copies_of_a_real_store_open_or_are_set_aside(tmp_path: Path) -> None:
    whole, ids = _real_store(tmp_path / "good")
    outcomes: Counter[str] = Counter()
    for seed in range(COPIES):
        data, flips = _flipped(whole, seed)
        db = tmp_path / f"copy-{seed}" / "state.sqlite3"
        db.parent.mkdir()
        db.write_bytes(data)

        store = StateStore.open(db)
        notice = store.take_notice()
        if notice is None:
            outcomes["sound"] += 1
            assert store.writable and not _asides(db), seed
            # Not silently reset: each flip can spoil at most a row or so, never the store.
            assert len(store.states(ids)) >= len(ids) - 2 * flips, seed
        elif "kept as" in notice:
            outcomes["moved aside"] += 1
            (aside,) = _asides(db)
            assert aside.read_bytes() == data, seed  # kept as it was, never deleted
            assert aside.name in notice and store.writable, seed
            if "not UTF-8" in notice:
                outcomes["not UTF-8"] += 1
        else:
            outcomes["in memory"] += 1
            assert "will not be saved" in notice and not store.writable, seed
            assert not _asides(db) and db.read_bytes() == data, seed  # left alone
        if notice is not None:
            assert "\n" not in notice and not any(ch in notice for ch in TERMINAL_CONTROLS)

        # Whatever the damage, the session works: rows read, positions and marks are kept.
        for library in LIBRARIES:
            store.last_article(library)
        store.states(ids)
        store.position(ids[1])
        store.open_article(LIBRARIES[0], "new")
        store.update_position("new", Anchor(7, 3), 40, False)
        store.flush()
        store.mark_read(ids[1])
        kept = store.position("new")
        assert kept is not None and kept.anchor == Anchor(7, 3), seed
        assert store.states([ids[1]])[ids[1]].read, seed
        store.close()

    assert outcomes["not UTF-8"] >= 1, outcomes  # the case the fuzz test is for was hit
    assert outcomes["sound"] >= 1 and outcomes["moved aside"] >= 1, outcomes
    print(dict(outcomes))
