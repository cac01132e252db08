"""dubao (读报): a terminal reader for Chinese newspapers."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping

__version__ = "0.1.0"


def own_code_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` for a Python process that is to import this dubao, started as `python -c`
    or `-m` (multiprocessing's forkserver, `dubao serve`'s readers). Such a process puts
    the current folder first on its path, and multiprocessing's forkserver (3.11) keeps
    it there: a `tui` folder where dubao was started would be imported in place of this
    one. PYTHONSAFEPATH keeps the current folder off the path, unless this dubao is
    imported from there."""
    code = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))  # holds this `tui`
    with contextlib.suppress(OSError):  # a folder removed holds nothing to import
        if os.path.realpath(os.getcwd()) == code:
            return dict(environ)
    return {**environ, "PYTHONSAFEPATH": "1"}
