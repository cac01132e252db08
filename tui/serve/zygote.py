"""`dubao serve`'s zygote: one process that has imported the reader and loaded the library
once, and forks a reader from itself for each SSH session.

    python -m tui.serve.zygote FD [PATH…]

A reader started afresh spends a third of a second importing Textual and, on a large
library, more than half a second and some 50 MB loading the library's outlines. Forked
from here it starts with both, and shares their pages with the zygote and every other
reader until it writes to them (the objects are frozen out of the garbage collector's
walks, which would write to all of them).

The zygote runs no thread, ever, so that a fork copies a whole process. FD is its end of
a SOCK_SEQPACKET socket to the server; each packet is one JSON object:

- to the server: `{"ready": ARTICLES}` once the library is loaded; `{"pid": PID}` (or
  `{"failed": WHY}`) for each request, in the order they came; `{"exited": PID,
  "status": STATUS}` when a reader ends (STATUS as `Popen.returncode`: -N for signal N).
- from the server: `{"env": {...}}`, the reader's environment, with one file descriptor
  attached: the slave side of the reader's terminal.

The reader's process makes that terminal its controlling one, in a session of its own (so
the server's `killpg` and a hang-up reach it), takes the environment whole, and runs
`tui.ui.app.run` with the library. The zygote ends when the server's end of the socket
closes; its readers go on, each ending with its session. Every REFRESH seconds, between
two requests, it looks at the library's files (`Pages.files_digest`, tens of milliseconds
for 34,000 pages) and loads them again if they changed, so that a new issue is in the
readers forked after, however busy the server. Without an index (the first reader builds
it), it looks for the index file every INDEX_LOOK seconds (a stat), and opens it once it
is there: `{"indexed": true}` to the server.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import json
import locale
import os
import select
import signal
import socket
import sys
import termios
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple, NoReturn

from tui.core.collector import give_back_memory
from tui.core.model import Library
from tui.core.navigation import ReadingOrder
from tui.core.text import one_line
from tui.library import LibraryError, Pages, is_small, load_library
from tui.search import SearchIndex, open_stored_index
from tui.search.store import stored_index_path

REFRESH = 60.0  # seconds between two looks at the library's files
INDEX_LOOK = 1.0  # seconds between two looks for an index file, while there is none
PACKET = 1 << 16


class Loaded(NamedTuple):
    library: Library
    index: SearchIndex | None
    digest: bytes  # of the files as first looked at
    index_file: Path | None  # where the index is kept, to look for


def load(paths: Sequence[str]) -> Loaded:
    """The library as a reader started on `paths` would have it once loaded, its index
    where the index file holds it (checked whole here, once for every reader; a small
    library's index the reader makes itself, faster than it is read), and the digest of
    its files as they were looked at first (`Pages.files_digest`: the library's own is
    empty where a page could not be read). No read-ahead worker: its pool would leave a
    thread and a forkserver in the zygote."""
    if not paths or is_small(paths):
        return Loaded(load_library(paths or None, cache=False), None, b"", None)
    pages = Pages(paths)
    library = load_library(paths, bodies=False, read_ahead=False)
    ReadingOrder.of(library)  # made once here, kept for the readers
    index = open_stored_index(pages, verify=True)
    give_back_memory()
    try:
        index_file: Path | None = stored_index_path(pages)
    except OSError:  # no cache folder
        index_file = None
    return Loaded(library, index, pages.files_digest, index_file)


def send(sock: socket.socket, message: dict[str, object]) -> None:
    sock.send(json.dumps(message).encode())


class Zygote:
    """The loop: requests in, readers forked, their ends reported."""

    def __init__(self, sock: socket.socket, paths: Sequence[str]) -> None:
        self.sock = sock
        self.paths = list(paths)
        self.library, self.index, self._digest, self._index_file = load(self.paths)
        self._index_looked_at: tuple[int, int] | None = None  # the index file's, when opened
        self._wake_in, self._wake_out = os.pipe()

    def run(self) -> None:
        """Serve requests until the server's end closes (or is reset: it went with answers
        unread)."""
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            self._serve()

    def _serve(self) -> None:
        if threading.active_count() > 1:  # loading left a thread: forking could hang a reader
            raise RuntimeError("a thread runs in the zygote")
        gc.freeze()
        for fd in (self._wake_in, self._wake_out):
            os.set_blocking(fd, False)
        signal.set_wakeup_fd(self._wake_out)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        send(self.sock, {"ready": len(self.library.articles()), "indexed": self.index is not None})
        looked = time.monotonic()
        while True:
            wait = max(looked + REFRESH - time.monotonic(), 0)
            if self.index is None and self._index_file is not None:
                wait = min(wait, INDEX_LOOK)
                self._take_index(self._index_file)
            ready, _, _ = select.select([self.sock, self._wake_in], [], [], wait)
            if self._wake_in in ready:
                with contextlib.suppress(BlockingIOError):
                    os.read(self._wake_in, 4096)
                self._reap()
            if self.sock in ready:
                data, fds, _, _ = socket.recv_fds(self.sock, PACKET, 4)
                if not data:  # the server is gone
                    return
                self._fork(data, fds)
            if time.monotonic() >= looked + REFRESH:
                self._refresh()
                looked = time.monotonic()

    def _fork(self, data: bytes, fds: list[int]) -> None:
        try:
            env = json.loads(data)["env"]
            if len(fds) != 1 or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in env.items()
            ):
                raise ValueError("a request needs an environment and one terminal")
            if threading.active_count() > 1:  # never: but a fork then could hang the reader
                raise ValueError("a thread runs in the zygote")
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
            pid = os.fork()
        except (ValueError, KeyError, TypeError, AttributeError, OSError) as e:
            send(self.sock, {"failed": one_line(str(e))})
        else:
            if pid == 0:
                self._become_reader(fds[0], env)
            send(self.sock, {"pid": pid})
        finally:
            for fd in fds:
                os.close(fd)

    def _become_reader(self, terminal: int, env: dict[str, str]) -> NoReturn:
        status = 1
        try:
            signal.set_wakeup_fd(-1)
            for signum in (signal.SIGCHLD, signal.SIGHUP):
                signal.signal(signum, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)  # as a fresh Python's
            self.sock.close()
            os.close(self._wake_in)
            os.close(self._wake_out)
            os.setsid()
            fcntl.ioctl(terminal, termios.TIOCSCTTY, 0)
            for fd in (0, 1, 2):
                os.dup2(terminal, fd)
            if terminal > 2:
                os.close(terminal)
            os.environ.clear()
            os.environ.update(env)
            _take_locale()
            from tui.ui.app import run

            status = run(self.paths or None, library=self.library, index=self.index)
        except SystemExit as e:
            status = e.code if isinstance(e.code, int) else 1
        except BaseException as e:  # a bug: one line on the reader's terminal, never a trace
            with contextlib.suppress(Exception):
                sys.stderr.write(f"dubao: unexpected error: {one_line(str(e))}\r\n")
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(status)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            send(self.sock, {"exited": pid, "status": os.waitstatus_to_exitcode(status)})

    def _take_index(self, path: Path) -> None:
        """The index file, opened (checked whole) if it is there and was not tried as it is."""
        try:
            found = path.stat()
        except OSError:
            return
        stamp = (found.st_mtime_ns, found.st_size)
        if stamp == self._index_looked_at:
            return
        self._index_looked_at = stamp
        try:
            self.index = open_stored_index(Pages(self.paths), verify=True)
        except LibraryError:
            return
        if self.index is not None:
            gc.freeze()
            send(self.sock, {"indexed": True})

    def _refresh(self) -> None:
        """The library again, and its index, if its files changed."""
        if not self.paths or is_small(self.paths):
            return
        try:
            if Pages(self.paths).files_digest == self._digest:
                return
            library, index, digest, self._index_file = load(self.paths)
        except LibraryError as e:  # the readers keep what they had
            sys.stderr.write(f"dubao: the library could not be read again: {one_line(str(e))}\n")
            return
        gc.unfreeze()
        self.library, self.index, self._digest = library, index, digest
        gc.collect()
        gc.freeze()


def _take_locale() -> None:
    """The standard streams' encoding from the reader's locale, not the zygote's. In the C
    locale, UTF-8, as a Python started there takes it (PEP 538 and 540)."""
    ctype = "C"
    with contextlib.suppress(locale.Error):
        ctype = locale.setlocale(locale.LC_CTYPE, "")
        if ctype in ("C", "POSIX") and "LC_ALL" not in os.environ:
            os.environ["LC_CTYPE"] = "C.UTF-8"
            ctype = locale.setlocale(locale.LC_CTYPE, "")
    utf8 = sys.flags.utf8_mode or ctype in ("C", "POSIX")
    encoding = "utf-8" if utf8 else locale.getpreferredencoding(False)
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.reconfigure(encoding=encoding)  # type: ignore[union-attr]


def main(argv: Sequence[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server's terminal's: the server ends us
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    sock = socket.socket(fileno=int(argv[0]))
    try:
        from tui.ui.app import DubaoApp  # what every reader imports, imported once
        from tui.ui.prefork import prepare

        prepare(DubaoApp)  # and what it would do before its first screen, done once
        Zygote(sock, argv[1:]).run()
    except (LibraryError, RuntimeError, OSError) as e:
        sys.stderr.write(f"dubao: no zygote, readers start afresh: {one_line(str(e))}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
