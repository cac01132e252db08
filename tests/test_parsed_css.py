"""Textual's parsed CSS kept between runs: read back as Textual parses it, or left aside."""

from __future__ import annotations

import io
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.css.stylesheet import Stylesheet

from tests.test_app import make_app, two_issues
from tests.test_zygote import _rules
from tui.ui import parsed_css


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The CSS Textual parses itself from now on (the process's shared rules emptied and
    put back after)."""
    seen: list[str] = []
    own = Stylesheet._parse_rules

    def counted(self: Stylesheet, css: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(css)
        return own(self, css, *args, **kwargs)

    monkeypatch.setattr(Stylesheet, "_parse_rules", counted)
    _forget(monkeypatch)
    parsed_css.share_parsed_css()
    return seen


def _forget(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process that has parsed and read nothing yet."""
    monkeypatch.setattr(parsed_css, "_parsed", {})
    monkeypatch.setattr(parsed_css, "_used", set())
    monkeypatch.setattr(parsed_css, "_read", set())


async def _run_reader(tmp_path: Path) -> list[str]:
    app = make_app(two_issues(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        return _rules(app.stylesheet)


async def test_the_next_reader_parses_no_css_and_has_the_rules_textual_parses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parses: list[str]
) -> None:
    parsed = await _run_reader(tmp_path / "one")
    assert parses, "the first reader parses its CSS"
    assert parsed_css.save(tmp_path)
    assert parsed_css.file_path(tmp_path).stat().st_mode & 0o077 == 0

    _forget(monkeypatch)
    parses.clear()
    assert parsed_css.load(tmp_path) > 0
    assert await _run_reader(tmp_path / "two") == parsed
    assert parses == []
    assert not parsed_css.save(tmp_path), "nothing new to keep"


async def test_css_parsed_anew_is_kept_with_what_was_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parses: list[str]
) -> None:
    await _run_reader(tmp_path / "one")
    parsed_css.save(tmp_path)
    _forget(monkeypatch)
    parsed_css.load(tmp_path)
    read = set(parsed_css._parsed)
    sheet = Stylesheet(variables={"accent": "red"})
    sheet.add_source("Label { color: $accent; }", read_from=("extra.tcss", ""))
    sheet.parse()
    assert parsed_css.save(tmp_path)

    _forget(monkeypatch)
    parsed_css.load(tmp_path)
    assert read < set(parsed_css._parsed)
    assert any("$accent" in key[0] for key in parsed_css._parsed)  # type: ignore[index]


def _valid_file(tmp_path: Path) -> bytes:
    sheet = Stylesheet(variables={})
    sheet.add_source("Label { width: 3; }", read_from=("one.tcss", ""))
    sheet.parse()
    assert parsed_css.save(tmp_path)
    return parsed_css.file_path(tmp_path).read_bytes()


def _damaged(path: Path, valid: bytes) -> None:
    path.write_bytes(valid[: len(valid) // 2])


def _garbage(path: Path, valid: bytes) -> None:
    path.write_bytes(b"\x00not a pickle\xff" * 10)


def _other_things(path: Path, valid: bytes) -> None:
    path.write_bytes(pickle.dumps({("Label {}",): ["not a rule"]}))


def _made_by_another_textual(path: Path, valid: bytes) -> None:
    data = io.BytesIO(valid)
    made_by, rules = pickle.load(data), pickle.load(data)
    path.write_bytes(pickle.dumps((*made_by[:-1], ("styles.py", 1, 2))) + pickle.dumps(rules))


def _writable_by_others(path: Path, valid: bytes) -> None:
    os.chmod(path, 0o666)


def _a_link(path: Path, valid: bytes) -> None:
    target = path.with_name("elsewhere.pickle")
    target.write_bytes(valid)
    path.unlink()
    path.symlink_to(target)


def _a_folder(path: Path, valid: bytes) -> None:
    path.unlink()
    path.mkdir()


def _a_fifo(path: Path, valid: bytes) -> None:
    path.unlink()
    os.mkfifo(path)


@pytest.mark.parametrize(
    "spoil",
    [
        _damaged,
        _garbage,
        _other_things,
        _made_by_another_textual,
        _writable_by_others,
        _a_link,
        _a_folder,
        _a_fifo,
    ],
)
def test_a_file_that_cannot_be_trusted_is_left_aside_and_the_css_parsed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    parses: list[str],
    spoil: Callable[[Path, bytes], None],
) -> None:
    valid = _valid_file(tmp_path)
    path = parsed_css.file_path(tmp_path)
    spoil(path, valid)
    _forget(monkeypatch)
    parses.clear()

    assert parsed_css.load(tmp_path) == 0
    assert parsed_css._parsed == {}
    sheet = Stylesheet(variables={})
    sheet.add_source("Label { width: 3; }", read_from=("one.tcss", ""))
    sheet.parse()
    assert parses == ["Label { width: 3; }"]
    if spoil in (_a_link, _a_folder, _a_fifo):  # not dubao's to replace
        assert not parsed_css.save(tmp_path)
        assert not path.is_file() or path.is_symlink()
        if path.is_symlink():
            assert path.resolve().read_bytes() == valid
    else:  # written again for the next reader, in its place
        assert parsed_css.save(tmp_path)
        assert path.is_file() and path.stat().st_mode & 0o077 == 0
        assert parsed_css.load(tmp_path) == 0, "this process has the rules already"


def test_no_file_and_no_folder_are_no_error(tmp_path: Path, parses: list[str]) -> None:
    assert parsed_css.load(tmp_path / "missing") == 0
    (tmp_path / "a file").write_text("")
    sheet = Stylesheet(variables={})
    sheet.add_source("Label { width: 3; }", read_from=("one.tcss", ""))
    sheet.parse()
    assert not parsed_css.save(tmp_path / "a file")


def test_a_process_with_rules_already_reads_none(tmp_path: Path, parses: list[str]) -> None:
    """A reader forked by the zygote has every theme's rules: the file adds nothing."""
    _valid_file(tmp_path)
    assert parsed_css._parsed
    assert parsed_css.load(tmp_path) == 0
