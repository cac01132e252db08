"""Reader settings from `settings.toml` in the platform config directory.

Only read, never written: a reader edits the file by hand. A missing file gives the
defaults; a broken one gives the defaults and a one-line note. The `[keys]` table is read
here as text (action id → keys); which ids and keys exist is Textual's to say, so the UI
checks them (`tui.ui.keys`) and adds what is wrong to the same note (`noting`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from tui.core.layout import DEFAULT_MEASURE, MIN_MEASURE
from tui.store.folders import config_folder


@dataclass(frozen=True, slots=True)
class Settings:
    animation: bool = False  # scroll animation multiplies output over SSH: off by default
    theme: str | None = None  # None: chosen from the terminal's colours
    measure: int = DEFAULT_MEASURE
    # `[keys]`: action id → its keys, as written ("n,right"); checked by the UI
    keys: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    note: str | None = None  # what was wrong with the file, if anything
    path: Path | None = field(default=None, compare=False)  # the file read, if any

    def noting(self, problems: Sequence[str]) -> Settings:
        """These settings with `problems` added to their note: one line for the reader."""
        if not problems:
            return self
        if self.note:
            return replace(self, note=f"{self.note}; {'; '.join(problems)}")
        return replace(self, note=f"{self.path or settings_path()}: {'; '.join(problems)}")


def settings_path() -> Path:
    return config_folder() / "settings.toml"


def load_settings(path: Path | None = None) -> Settings:
    path = path or settings_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError) as e:
        return Settings(note=f"{path}: {e}; using the defaults", path=path)
    import tomllib  # most readers have no settings file: no TOML parser at each start

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        return Settings(note=f"{path}: {e}; using the defaults", path=path)
    animation = data.get("animation", False)
    theme = data.get("theme")
    measure = data.get("measure", DEFAULT_MEASURE)
    problems = []
    if not isinstance(animation, bool):
        problems.append("animation must be true or false")
        animation = False
    if theme is not None and not isinstance(theme, str):
        problems.append("theme must be a name")
        theme = None
    if not isinstance(measure, int) or measure < MIN_MEASURE:
        problems.append(f"measure must be a whole number ≥ {MIN_MEASURE}")
        measure = DEFAULT_MEASURE
    keys = _keys(data.get("keys", {}), problems)
    note = f"{path}: {'; '.join(problems)}" if problems else None
    return Settings(
        animation=animation, theme=theme, measure=measure, keys=keys, note=note, path=path
    )


def _keys(table: object, problems: list[str]) -> Mapping[str, str]:
    """The `[keys]` table's entries that are text; a problem for each one that is not."""
    if not isinstance(table, dict):
        problems.append('keys must be a table: [keys] then lines like quit = "x"')
        return MappingProxyType({})
    keys = {}
    for action, value in table.items():
        if isinstance(value, str):
            keys[action] = value
        else:
            problems.append(f'keys.{action} must be keys in quotes, like "n,right"')
    return MappingProxyType(keys)
