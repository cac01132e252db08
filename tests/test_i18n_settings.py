"""Language from the locale, and settings from settings.toml."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tui.core.i18n import Strings, detect_language, keys
from tui.store.settings import Settings, load_settings, settings_path


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_TW.UTF-8"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
        ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LC_MESSAGES": "zh_CN", "LANG": "en_GB"}, "zh"),
        ({}, "en"),
        ({"DUBAO_LANG": "zh", "LANG": "en_US"}, "zh"),
    ],
)
def test_language_follows_the_locale(environ: dict[str, str], language: str) -> None:
    assert detect_language(environ) == language


def test_every_label_exists_in_both_languages() -> None:
    english, chinese = Strings("en"), Strings("zh")
    for key in keys():
        assert english(key)
        assert chinese(key)
    assert chinese("status.position", i=2, n=9) == "第 2/9 篇"
    assert english("status.position", i=2, n=9) == "Article 2 of 9"


def test_chinese_labels_use_chinese_punctuation() -> None:
    # Issue 17: `：`, `，`, `（）` beside Chinese text, not ASCII's.
    chinese = Strings("zh")
    ascii_beside_han = re.compile(r"[\u4e00-\u9fff][:,()]|[:,()][\u4e00-\u9fff]")
    for key in keys():
        text = chinese(key)
        assert not ascii_beside_han.search(text), (key, text)


def test_counts_are_singular_for_one() -> None:
    english, chinese = Strings("en"), Strings("zh")
    assert english.count("search.total", 1) == "1 article"
    assert english.count("search.total", 0) == "0 articles"
    assert english.count("search.total", 2) == "2 articles"
    assert chinese.count("search.total", 1) == "1 篇"
    assert english.count("msg.problems", 1, first="a.md") == "Skipped 1 unreadable file: a.md"
    assert english.count("msg.problems", 3, first="a.md") == "Skipped 3 unreadable files: a.md"
    assert english.count("status.position", 1, i=1) == "Article 1 of 1"  # no `.one`: as is


def test_settings_default_when_missing(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "none.toml") == Settings()
    assert (
        settings_path().is_relative_to(Path.home())
        or "XDG_CONFIG_HOME" in str(settings_path())
        or settings_path().name == "settings.toml"
    )


def test_settings_are_read(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('animation = true\ntheme = "dubao-light"\nmeasure = 60\n', encoding="utf-8")
    assert load_settings(path) == Settings(animation=True, theme="dubao-light", measure=60)


def test_broken_settings_fall_back_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("animation = [\n", encoding="utf-8")
    loaded = load_settings(path)
    assert (loaded.animation, loaded.theme, loaded.measure) == (False, None, 76)
    assert loaded.note and str(path) in loaded.note
    path.write_text('animation = "yes"\nmeasure = 3\n', encoding="utf-8")
    loaded = load_settings(path)
    assert loaded.animation is False and loaded.measure == 76
    assert loaded.note and "animation" in loaded.note and "measure" in loaded.note
