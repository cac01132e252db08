"""Textual's parsed CSS, shared by every stylesheet of the process and kept between runs.

Textual makes a new stylesheet each time it parses again (a theme set), and a widget's CSS
lowers the tie breaker of CSS parsed already: a reader would parse 17 pieces of CSS 42
times before its first screen. `share_parsed_css` keeps what any stylesheet parsed, for
the whole process, by source and variables: each piece once for each theme it shows.

Once is still ~12 ms of a start's CPU (18 pieces, dubao's own a third of it). `load` reads
the rules the last reader used from the cache folder (`css.pickle`, ~80 KB read back in
~2 ms), and `save` writes the ones this reader used there, where it parsed some anew. The
file starts with what made it (Python, and the stamps of Textual's files: asking Textual
its version reads its package's metadata, ~25 ms); made by another, it is read no further.

The file is code (a pickle runs what it names): as Python reads its own `__pycache__`, it
is read only where no one but the user could have put it there: a regular file of theirs
with no other name, that only they may write to, in a folder of theirs that only they may
write to. Anything else is left aside and the CSS parsed; a file that cannot be read or
does not hold what is expected is written again, but a link, a FIFO or another user's file
at its path is left as it is.
"""

from __future__ import annotations

import io
import os
import pickle
import stat
import sys
from pathlib import Path
from typing import Any

import textual.css.model
import textual.css.styles
from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet

from tui.core import collector
from tui.store.folders import cache_folder, write_privately

FILE_NAME = "css.pickle"
MOST_BYTES = 4 * 1024 * 1024

# (css, the other arguments, the variables) → the rules parsed
_parsed: dict[object, list[RuleSet]] = {}
_used: set[object] = set()  # the keys asked for in this process
_read: set[object] = set()  # the keys the file holds
_keeping = False  # this process read the file (`load`), and so keeps it (`save`)


def share_parsed_css() -> None:
    """Every stylesheet of the process takes the rules any other parsed from the same CSS
    with the same variables (Textual never changes rules once parsed: its own stylesheet
    hands the same ones out again)."""
    own = Stylesheet._parse_rules
    if getattr(own, "shared", False):
        return

    def _parse_rules(self: Stylesheet, css: str, *args: Any, **kwargs: Any) -> list[RuleSet]:
        # Keyed on the arguments as given, whatever they are: a Textual that adds one
        # misses the cache, and parses as it would without it.
        known = self.__dict__.get("_shared_variables")
        if known is None or known[0] is not self._variables:  # a dict of some 170
            known = self._shared_variables = (self._variables, frozenset(self._variables.items()))
        key = (css, args, tuple(sorted(kwargs.items())), known[1])
        try:
            rules = _parsed.get(key)
        except TypeError:  # an argument that cannot be a key
            return own(self, css, *args, **kwargs)
        if rules is None:
            rules = _parsed[key] = own(self, css, *args, **kwargs)
        _used.add(key)
        return rules

    _parse_rules.shared = True  # type: ignore[attr-defined]
    Stylesheet._parse_rules = _parse_rules  # type: ignore[method-assign]


def file_path(folder: Path | None = None) -> Path:
    return (folder or cache_folder()) / FILE_NAME


def _made_by() -> tuple[object, ...]:
    """What made the rules: this Python, and Textual's files the pickled classes are in."""
    stamps = []
    for module in (textual, textual.css.model, textual.css.styles):
        st = os.stat(module.__file__ or "")
        stamps.append((module.__file__, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
    return (sys.version, *stamps)


def load(folder: Path | None = None) -> int:
    """The rules the last reader parsed, as this process's own (shared by its stylesheets),
    which `save` keeps in turn; how many pieces were read (0: none, or a file left aside).
    A process that has rules already (a reader `dubao serve`'s zygote forked, which parsed
    every theme's) reads none and keeps none."""
    global _keeping
    share_parsed_css()
    if _parsed:
        return 0
    _keeping = True
    try:
        data = _read_private(folder or cache_folder())
        if data is None:
            return 0
        with collector.paused():  # ~10⁴ objects, which live as long as the reader
            stream = io.BytesIO(data)
            if pickle.load(stream) != _made_by():  # by another Python or Textual
                return 0
            kept = pickle.load(stream)
    except Exception:  # no cache folder; a damaged file
        return 0
    if not _well_formed(kept):
        return 0
    for key, rules in kept.items():
        _parsed.setdefault(key, rules)
    _read.update(kept)
    return len(kept)


def save(folder: Path | None = None) -> bool:
    """Keep the rules this process used for the next reader, where it parsed some anew (a
    run's, some 20 pieces: older CSS and other themes are not carried on); whether the
    file was written. Never fails."""
    if not _keeping or _used <= _read:
        return False
    kept = {key: rules for key, rules in _parsed.items() if key in _used}
    try:
        path = file_path(folder)
        if not _ours_to_replace(path):
            return False
        protocol = pickle.HIGHEST_PROTOCOL
        data = pickle.dumps(_made_by(), protocol) + pickle.dumps(kept, protocol)
        if len(data) > MOST_BYTES:
            return False
        write_privately(path, data)
    except Exception:  # no cache folder, a full disk, rules that cannot be pickled
        return False
    _read.update(kept)
    return True


def _read_private(folder: Path) -> bytes | None:
    """The file's bytes, where no one but the user could have put it there: the folder is
    the user's and no one else may write to it (else they could link a file of the user's
    there, a page they sent), and the file a regular one of the user's (not a link, and
    not waited for, as a FIFO would be), with no other name, only the user may write to."""
    folder_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        if not _private(os.fstat(folder_fd)):
            return None
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
        try:
            fd = os.open(FILE_NAME, flags, dir_fd=folder_fd)
        except FileNotFoundError:
            return None
    finally:
        os.close(folder_fd)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1 or not _private(st):
            return None
        if st.st_size > MOST_BYTES:
            return None
        return os.read(fd, MOST_BYTES)
    finally:
        os.close(fd)


def _private(st: os.stat_result) -> bool:
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def _ours_to_replace(path: Path) -> bool:
    """Nothing there, or a regular file of this user's: a link, a FIFO or another user's
    file at that path is left as it is, as the other caches leave theirs."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return True
    return stat.S_ISREG(st.st_mode) and st.st_uid == os.getuid()


def _well_formed(kept: object) -> bool:
    return isinstance(kept, dict) and all(
        isinstance(key, tuple)
        and isinstance(rules, list)
        and all(isinstance(rule, RuleSet) for rule in rules)
        for key, rules in kept.items()
    )
