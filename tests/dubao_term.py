"""What the end-to-end tests share: the real `dubao` command and a private environment."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

DUBAO = str(Path(sys.executable).with_name("dubao"))


def user_dirs(home: Path, language: str = "en_US.UTF-8") -> dict[str, str]:
    """Data, cache and config folders of its own for one run of dubao."""
    return {
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "LANG": language,
        "PATH": os.environ.get("PATH", ""),
    }


def showing(*texts: str) -> Callable[[str], bool]:
    """A screen that shows every one of `texts` (a screen may be caught half painted)."""
    return lambda screen: all(text in screen for text in texts)
