"""Reader settings from `settings.toml` in the platform config directory.

Only read, never written: a reader edits the file by hand. A missing file gives the
defaults; a broken one gives the defaults and a one-line note.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tui.core.layout import DEFAULT_MEASURE, MIN_MEASURE
from tui.store.folders import config_folder


@dataclass(frozen=True, slots=True)
class Settings:
    animation: bool = False  # scroll animation multiplies output over SSH: off by default
    theme: str | None = None  # None: chosen from the terminal's colours
    measure: int = DEFAULT_MEASURE
    note: str | None = None  # what was wrong with the file, if anything


def settings_path() -> Path:
    return config_folder() / "settings.toml"


def load_settings(path: Path | None = None) -> Settings:
    path = path or settings_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError) as e:
        return Settings(note=f"{path}: {e}; using the defaults")
    import tomllib  # most readers have no settings file: no TOML parser at each start

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        return Settings(note=f"{path}: {e}; using the defaults")
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
    note = f"{path}: {'; '.join(problems)}" if problems else None
    return Settings(animation=animation, theme=theme, measure=measure, note=note)
