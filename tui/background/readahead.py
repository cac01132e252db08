"""Pages parsed in a worker process, so that a large library loads on two cores.

    ahead = ReadAhead.start(paths, read)   # None where no worker can be started
    ahead.take(path)                       # a page's articles, why it could not be read, or None
    ahead.cancel()                         # the worker stopped: the caller reads the rest

The worker runs `read` (by name: a module's function) on CHUNKS runs of consecutive pages,
each page's articles encoded as the page cache keeps them, or why it could not be read.
This process decodes a chunk (several times as fast) while the worker parses the next.
Where the worker fails, `take` is None from then on: the caller reads the pages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future

from tui.background.pool import Worker
from tui.core.model import Article
from tui.library.cache import decode_pages

Encoded = tuple[str, str]  # (shape, body), as `encode_page` makes them
Read = Callable[[str], Encoded | str | None]  # None: read it in this process
Taken = tuple[list[Article], Encoded] | str
Results = list[Encoded | str | None]  # a chunk's, in the order of its paths

CHUNKS = 8  # the first pages come back, to be decoded, while the worker parses the others
TIMEOUT = 300.0  # seconds; a chunk this late means a stuck worker: the caller reads the rest


class ReadAhead:
    """The pages of `paths`, being parsed in a worker process."""

    def __init__(
        self, worker: Worker, chunks: list[Sequence[str]], futures: list[Future[Results]]
    ) -> None:
        self._worker = worker
        self._chunks = chunks
        self._futures = futures
        self._chunk_of = {path: index for index, chunk in enumerate(chunks) for path in chunk}
        self._received: dict[int, dict[str, Taken]] = {}  # by chunk, pages not taken yet

    @classmethod
    def start(cls, paths: Sequence[str], read: Read) -> ReadAhead | None:
        if not paths:
            return None
        worker = Worker.start(read.__module__)
        if worker is None:
            return None
        size = -(-len(paths) // CHUNKS)
        chunks = [paths[at : at + size] for at in range(0, len(paths), size)]
        try:
            futures = [worker.submit(_read_all, read, chunk) for chunk in chunks]
        except (OSError, RuntimeError):  # no process, say
            worker.cancel()
            return None
        return cls(worker, chunks, futures)

    def take(self, path: str) -> Taken | None:
        """`path`'s articles and their encoding, or why it could not be read; None if the
        worker was not given it, or failed (then read it here). Waits for its chunk."""
        index = self._chunk_of.pop(path, None)
        if index is None:
            return None
        if index not in self._received:
            self._received[index] = self._receive(index)
        return self._received[index].pop(path, None)

    def cancel(self) -> None:
        """Stop the worker at once, the chunks not taken lost. Any thread."""
        self._worker.cancel()

    def _receive(self, index: int) -> dict[str, Taken]:
        """Chunk `index`'s pages, by path; none if the worker failed or was cancelled."""
        chunk = self._chunks[index]
        try:
            results = self._futures[index].result(TIMEOUT)
        except Exception:  # stopped, failed, or stuck: the caller reads the rest itself
            results = None
        if results is None or len(results) != len(chunk):
            self.cancel()
            return {}
        if all(future.done() for future in self._futures):
            self.cancel()
        return _decoded(chunk, results)


def _decoded(paths: Sequence[str], results: Results) -> dict[str, Taken]:
    pairs = list(zip(paths, results, strict=True))
    taken: dict[str, Taken] = {path: why for path, why in pairs if isinstance(why, str)}
    encoded = [(path, row) for path, row in pairs if isinstance(row, tuple)]
    for (path, row), articles in zip(encoded, decode_pages([r for _, r in encoded]), strict=True):
        if articles is not None:
            taken[path] = (articles, row)
    return taken


def _read_all(read: Read, paths: Sequence[str]) -> Results:
    return [read(path) for path in paths]
