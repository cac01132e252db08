"""dubao's folders in the user's home: the one module that names them.

- `data_folder()`: `platformdirs.user_data_dir("dubao")`, the reading state
  (`state.sqlite3`). Made by the state store as it opens its file (`make_private`).
- `cache_folder()`: `platformdirs.user_cache_dir("dubao")`, the page cache
  (`pages.sqlite3`) and the search index files (`index-*.bin`). Made when asked for.
- `config_folder()`: `platformdirs.user_config_dir("dubao")`, `settings.toml`. Never
  made: dubao only reads it.

Each is computed afresh at every call from platformdirs, which on Linux follows
`XDG_DATA_HOME`, `XDG_CACHE_HOME` and `XDG_CONFIG_HOME` (else `~/.local/share`, `~/.cache`,
`~/.config`): never a folder shared with other users, such as the temp folder.

What someone reads is private, and so is what their caches hold: a folder dubao makes is
0700 whatever the umask (its missing parents as `mkdir -p` makes them). A data or cache
folder of dubao's own that is open to others (an older dubao's, or one made under a loose
umask) loses the group's and others' access; a folder a caller named, a symbolic link the
user made, or a folder of another user is left as it is.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

import platformdirs

APP_NAME = "dubao"
PRIVATE_FOLDER = 0o700


def data_folder() -> Path:
    """Where the reading state lives; not made here."""
    return Path(platformdirs.user_data_dir(APP_NAME))


def cache_folder() -> Path:
    """Where the page cache and the search index files live, made private if missing and
    tightened if ours and open to others. OSError if it cannot be made (a file in its way,
    a read-only home)."""
    folder = _cache_path()
    make_private(folder)
    return folder


def config_folder() -> Path:
    """Where `settings.toml` is read from; never made."""
    return Path(platformdirs.user_config_dir(APP_NAME))


def make_private(folder: Path) -> None:
    """Create `folder` 0700, whatever the umask. One that exists is tightened only if it is
    dubao's own data or cache folder (see `_tighten`). OSError if it cannot be made, or
    something that is not a folder is in its way."""
    try:
        folder.mkdir(mode=PRIVATE_FOLDER, parents=True)  # its parents: the umask, as mkdir -p
    except FileExistsError:
        if not folder.is_dir():
            raise
        if folder in (data_folder(), _cache_path()):
            _tighten(folder)
        return
    os.chmod(folder, PRIVATE_FOLDER)  # mkdir's mode went through the umask


def _cache_path() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME))


def _tighten(folder: Path) -> None:
    """Take away the group's and others' access to a folder of this user's that is not a
    symbolic link (a link is the user's choice of place, and its target not ours to change).
    A folder that cannot be changed is left as it is."""
    with contextlib.suppress(OSError):
        st = folder.lstat()
        mode = stat.S_IMODE(st.st_mode)
        if stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and mode & 0o077:
            os.chmod(folder, mode & ~0o077)


def write_privately(path: Path, data: bytes) -> None:
    """`data` as the file at `path`, whole or not at all, readable by the user alone: written
    to a temporary file in its folder (0600), then renamed over it. OSError as the writing
    raises it, the temporary file gone."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
