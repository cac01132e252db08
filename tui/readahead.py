"""Pages parsed in a forked child, so that a large library loads on two cores.

    ahead = ReadAhead.start(paths, read)   # None where there is no fork
    ahead.take(path)                       # a page's articles, why it could not be read, or None

`read(path)` runs in the child for each path, in order: it returns the page's articles
encoded as the page cache keeps them (`tui.cache.encode_page`), or the one-line reason
the page could not be read. This process decodes them all at once when it first takes
one: decoding is several times as fast as parsing. Where the child fails, every `take`
is None, and the caller reads the pages itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from tui import forked
from tui.cache import decode_pages
from tui.model import Article

Encoded = tuple[str, str]  # (shape, body), as `encode_page` makes them
Read = Callable[[str], Encoded | str | None]  # None: read it in the parent
Taken = tuple[list[Article], Encoded] | str


class ReadAhead:
    """The pages of `paths`, being parsed in a forked child."""

    def __init__(
        self, child: forked.Child[list[Encoded | str | None]], paths: Sequence[str]
    ) -> None:
        self._child: forked.Child[list[Encoded | str | None]] | None = child
        self._paths = paths
        self._given = set(paths)
        self._taken: dict[str, Taken] = {}

    @classmethod
    def start(cls, paths: Sequence[str], read: Read) -> ReadAhead | None:
        child = forked.start(partial(_read_all, list(paths), read))
        return cls(child, paths) if child is not None else None

    def take(self, path: str) -> Taken | None:
        """`path`'s articles and their encoding, or why it could not be read (a string);
        None if the child was not given it, or failed (then read it here). Waits for the
        child the first time."""
        if path not in self._given:
            return None
        if self._child is not None:
            results = self._child.result()
            self._child = None
            if results is not None and len(results) == len(self._paths):
                self._taken = _decoded(self._paths, results)
        return self._taken.pop(path, None)

    def cancel(self) -> None:
        if self._child is not None:
            self._child.cancel()
            self._child = None


def _read_all(paths: list[str], read: Read) -> list[Encoded | str | None]:
    return [read(path) for path in paths]


def _decoded(paths: Sequence[str], results: list[Encoded | str | None]) -> dict[str, Taken]:
    encoded = [
        (path, row) for path, row in zip(paths, results, strict=True) if isinstance(row, tuple)
    ]
    decoded = decode_pages([row for _, row in encoded])
    taken: dict[str, Taken] = {
        path: reason for path, reason in zip(paths, results, strict=True) if isinstance(reason, str)
    }
    for (path, row), articles in zip(encoded, decoded, strict=True):
        if articles is not None:
            taken[path] = (articles, row)
    return taken
