"""`dubao serve`'s zygote, in this process: the library it loads for its readers, loaded
again when the files change, and the requests it refuses. Forking readers, over real SSH,
is in test_serve.py."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.serve.zygote import Zygote

from .conftest import write_archive


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    yield ours, theirs
    ours.close()
    theirs.close()


def test_the_library_is_loaded_again_once_its_files_change(
    tmp_path: Path, pair: tuple[socket.socket, socket.socket]
) -> None:
    root = write_archive(tmp_path / "archive", 20)  # 40 pages: not a small library
    zygote = Zygote(pair[1], [str(root)])
    loaded = zygote.library
    assert len(loaded.issues) == 20 and loaded.outline
    zygote._refresh()
    assert zygote.library is loaded  # unchanged files: nothing read again
    write_archive(tmp_path / "more", 21)
    (root / "2025-11-21").mkdir()
    for page in (tmp_path / "more" / "2025-11-21").iterdir():
        page.rename(root / "2025-11-21" / page.name)
    zygote._refresh()
    assert len(zygote.library.issues) == 21


def test_a_bad_request_is_answered_failed_and_its_descriptors_closed(
    tmp_path: Path, pair: tuple[socket.socket, socket.socket]
) -> None:
    ours, theirs = pair
    zygote = Zygote(theirs, [])  # the seeds
    for request, fds in (
        (b"not json", 1),
        (json.dumps({"env": {"TERM": 1}}).encode(), 1),  # not text
        (json.dumps({"env": {}}).encode(), 2),  # two terminals
        (json.dumps({"no env": {}}).encode(), 1),
    ):
        sent = [os.open(os.devnull, os.O_RDONLY) for _ in range(fds)]
        socket.send_fds(ours, [request], sent)
        for fd in sent:
            os.close(fd)
        data, received, _, _ = socket.recv_fds(theirs, 1 << 16, 4)
        before = len(os.listdir("/proc/self/fd"))
        zygote._fork(data, received)
        assert len(os.listdir("/proc/self/fd")) == before - len(received)
        assert "failed" in json.loads(ours.recv(1 << 16))


def test_a_busy_zygote_still_looks_at_the_library_every_refresh(
    tmp_path: Path, pair: tuple[socket.socket, socket.socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Requests every 50 ms, never a quiet REFRESH: the issue added meanwhile is loaded all
    the same. The requests come from another process (the zygote refuses to run beside a
    thread), refused ones (no fork here), and the zygote ends when that process closes its
    end."""
    import subprocess
    import sys

    from tui.serve import zygote as zygote_module

    root = write_archive(tmp_path / "archive", 20)
    write_archive(tmp_path / "more", 21)
    arriving = tmp_path / "more" / "2025-11-21"
    monkeypatch.setattr(zygote_module, "REFRESH", 0.3)
    ours, theirs = pair
    zygote = Zygote(theirs, [str(root)])
    sender = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os, shutil, socket, sys, time\n"
            "sock = socket.socket(fileno=int(sys.argv[1]))\n"
            "for n in range(30):\n"
            "    if n == 6:\n"
            "        shutil.move(sys.argv[2], sys.argv[3])\n"
            "    sock.send(b'{}')\n"
            "    time.sleep(0.05)\n"
            "sock.close()\n",
            str(ours.fileno()),
            str(arriving),
            str(root / arriving.name),
        ],
        pass_fds=[ours.fileno()],
    )
    ours.close()
    zygote.run()
    assert sender.wait(10) == 0
    assert len(zygote.library.issues) == 21


def test_a_library_with_an_unreadable_page_is_not_loaded_again_unchanged(
    tmp_path: Path, pair: tuple[socket.socket, socket.socket]
) -> None:
    """Its `files_digest` is empty (a page could not be read): the zygote compares its
    files' digest as first looked at, not the library's."""
    root = write_archive(tmp_path / "archive", 20)
    (root / "2025-11-01" / "03_坏.md").write_bytes(b"\x00\x01\x02\xff" * 64)  # binary
    zygote = Zygote(pair[1], [str(root)])
    assert zygote.library.problems and not zygote.library.files_digest
    loaded = zygote.library
    zygote._refresh()
    assert zygote.library is loaded


def test_no_reader_is_forked_while_another_thread_runs(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    import threading

    ours, theirs = pair
    zygote = Zygote(theirs, [])
    terminal = os.open(os.devnull, os.O_RDWR)
    socket.send_fds(ours, [json.dumps({"env": {"TERM": "xterm"}}).encode()], [terminal])
    os.close(terminal)
    data, received, _, _ = socket.recv_fds(theirs, 1 << 16, 4)
    waiting = threading.Event()
    thread = threading.Thread(target=waiting.wait)
    thread.start()
    try:
        zygote._fork(data, received)  # a fork here would run a reader in pytest's process
    finally:
        waiting.set()
        thread.join()
    assert json.loads(ours.recv(1 << 16)) == {"failed": "a thread runs in the zygote"}


def test_the_index_a_reader_built_is_taken_once_it_is_there(
    tmp_path: Path, pair: tuple[socket.socket, socket.socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Started before the library had an index, the zygote opens the index file once a
    reader has built it, tells the server, and readers forked from then on share it; a file
    it could not use is not opened again until it changes."""
    from tui.background.indexer import build
    from tui.serve import zygote as zygote_module

    ours, theirs = pair
    root = write_archive(tmp_path / "archive", 20)
    zygote = Zygote(theirs, [str(root)])
    assert zygote.index is None and zygote._index_file is not None
    zygote._take_index(zygote._index_file)  # not there yet
    assert zygote.index is None
    opened: list[object] = []
    real_open = zygote_module.open_stored_index

    def counting(*args: object, **kwargs: object) -> object:
        opened.append(args)
        return real_open(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(zygote_module, "open_stored_index", counting)
    zygote._index_file.parent.mkdir(parents=True, exist_ok=True)
    zygote._index_file.write_bytes(b"not an index")
    for _ in range(2):
        zygote._take_index(zygote._index_file)
    assert zygote.index is None and len(opened) == 1  # unusable: tried once, as it is
    assert build([str(root)]).saved
    zygote._take_index(zygote._index_file)
    assert zygote.index is not None and len(opened) == 2
    assert json.loads(ours.recv(1 << 16)) == {"indexed": True}
    assert zygote.index.search("消息", limit=5).hits


async def test_a_reader_parses_none_of_the_css_the_zygote_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`prepare` parses the reader's CSS as its stylesheets will (every source, its tie
    breaker and scope, under each theme): a reader started after parses nothing anew, and
    has the rules Textual parses itself."""
    from textual.css.stylesheet import Stylesheet

    from tests.test_app import make_app, two_issues
    from tui.ui import parsed_css, prefork
    from tui.ui.app import DubaoApp

    monkeypatch.setattr(Stylesheet, "_parse_rules", Stylesheet._parse_rules)  # put back after
    monkeypatch.setattr(parsed_css, "_parsed", {})
    prefork.prepare(DubaoApp)
    prepared = dict(parsed_css._parsed)
    app = make_app(two_issues(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert parsed_css._parsed == prepared
        own = Stylesheet(variables=app.stylesheet._variables)
        own.source = app.stylesheet.source
        monkeypatch.undo()
        own.parse()
        assert _rules(own) == _rules(app.stylesheet)


def _rules(sheet: object) -> list[str]:
    """Each rule as text (a layout has no equality of its own)."""
    return [
        repr((rule.selectors, rule.styles.get_rules(), rule.is_default_rules, rule.tie_breaker))
        for rule in sheet.rules  # type: ignore[attr-defined]
    ]
