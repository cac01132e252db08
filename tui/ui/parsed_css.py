"""Textual's parsed CSS, shared by every stylesheet of the process and kept between runs.

Textual makes a new stylesheet each time it parses again (a theme set), and a widget's CSS
lowers the tie breaker of CSS parsed already: a reader would parse 17 pieces of CSS 42
times before its first screen. `share_parsed_css` keeps what any stylesheet parsed, for
the whole process, by source and variables: each piece once for each theme it shows.

Once is still ~12 ms of a start's CPU (18 pieces, dubao's own a third of it). `load` reads
the rules the last reader parsed from the cache folder (`css.pickle`, ~80 KB read back in
~1.5 ms), and `save` writes them there, where it parsed some anew. The file starts with
what made it (Python, and the stamps of Textual's files: asking Textual its version reads
its package's metadata, ~25 ms); made by another, it is read no further.

The file is code (a pickle runs what it names): it is read only where it is a regular file
of this user's that no one else may write to, in a folder of dubao's own (0700), as Python
reads its own `__pycache__`. A file that cannot be read or does not hold what is expected
is left aside: the CSS is parsed, and the file written again; anything but a regular file
of this user's at its path (a link, a FIFO) is neither read nor replaced.
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

from tui.store.folders import cache_folder, write_privately

MOST_BYTES = 4 * 1024 * 1024
MOST_KEPT = 256  # pieces of CSS under a theme: a few dozen in use

# (css, the other arguments, the variables) → the rules parsed
_parsed: dict[object, list[RuleSet]] = {}
_used: set[object] = set()  # the keys asked for in this process
_read: set[object] = set()  # the keys read from the file


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
    return (folder or cache_folder()) / "css.pickle"


def _made_by() -> tuple[object, ...]:
    """What made the rules: this Python, and Textual's files the pickled classes are in."""
    stamps = []
    for module in (textual, textual.css.model, textual.css.styles):
        st = os.stat(module.__file__ or "")
        stamps.append((module.__file__, st.st_size, st.st_mtime_ns))
    return (sys.version, *stamps)


def load(folder: Path | None = None) -> int:
    """The rules parsed by the last reader, as this process's own; how many pieces were
    read (0: none, or a file left aside, or this process has rules already: a reader
    forked by `dubao serve`'s zygote, which parsed them for every theme)."""
    if _parsed:
        return 0
    try:
        path = file_path(folder)  # not blocking: a FIFO there would hang the start
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return 0
    try:
        if not _trusted(os.fstat(fd)):
            return 0
        data = io.BytesIO(os.read(fd, MOST_BYTES))
        if pickle.load(data) != _made_by():  # by another Python or Textual
            return 0
        kept = pickle.load(data)
    except Exception:  # damaged
        return 0
    finally:
        os.close(fd)
    if not _well_formed(kept):
        return 0
    for key, rules in kept.items():
        _parsed.setdefault(key, rules)
    _read.update(kept)
    return len(kept)


def save(folder: Path | None = None) -> bool:
    """Keep what this process parsed anew for the next reader, with what it read that still
    fits; whether the file was written. Never fails."""
    if _used <= _read:
        return False
    keys = [key for key in _parsed if key in _used]
    keys += [key for key in _parsed if key in _read and key not in _used]
    kept = {key: _parsed[key] for key in keys[:MOST_KEPT]}
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


def _ours_to_replace(path: Path) -> bool:
    """Nothing there, or a regular file of this user's: a link, a FIFO or another user's
    file at that path is left as it is, as the other caches leave theirs."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return True
    return stat.S_ISREG(st.st_mode) and st.st_uid == os.getuid()


def _trusted(st: os.stat_result) -> bool:
    return (
        stat.S_ISREG(st.st_mode)
        and st.st_uid == os.getuid()
        and not st.st_mode & 0o022
        and st.st_size <= MOST_BYTES
    )


def _well_formed(kept: object) -> bool:
    return isinstance(kept, dict) and all(
        isinstance(key, tuple)
        and isinstance(rules, list)
        and all(isinstance(rule, RuleSet) for rule in rules)
        for key, rules in kept.items()
    )
