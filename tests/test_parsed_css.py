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
    monkeypatch.setattr(parsed_css, "_keeping", False)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A cache folder as dubao makes it: the user's, 0700."""
    made = tmp_path / "cache"
    made.mkdir(mode=0o700)
    return made


def _parse(css: str = "Label { width: 3; }", **variables: str) -> None:
    sheet = Stylesheet(variables=variables)
    sheet.add_source(css, read_from=("one.tcss", ""))
    sheet.parse()


async def _run_reader(tmp_path: Path) -> list[str]:
    app = make_app(two_issues(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        return _rules(app.stylesheet)


async def test_the_next_reader_parses_no_css_and_has_the_rules_textual_parses(
    tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch, parses: list[str]
) -> None:
    assert parsed_css.load(folder) == 0  # the first start: no file yet
    parsed = await _run_reader(tmp_path / "one")
    assert parses, "the first reader parses its CSS"
    assert parsed_css.save(folder)
    assert parsed_css.file_path(folder).stat().st_mode & 0o077 == 0

    _forget(monkeypatch)
    parses.clear()
    assert parsed_css.load(folder) > 0
    assert await _run_reader(tmp_path / "two") == parsed
    assert parses == []
    assert not parsed_css.save(folder), "nothing new to keep"


def test_a_run_keeps_the_pieces_it_used_and_no_others(
    folder: Path, monkeypatch: pytest.MonkeyPatch, parses: list[str]
) -> None:
    parsed_css.load(folder)
    _parse("Label { width: 3; }")
    parsed_css.save(folder)

    _forget(monkeypatch)
    parsed_css.load(folder)
    _parse("Label { color: $accent; }", accent="red")
    assert parsed_css.save(folder)
    _forget(monkeypatch)
    assert parsed_css.load(folder) == 1
    assert [key[0] for key in parsed_css._parsed] == ["Label { color: $accent; }"]  # type: ignore[index]


def test_a_process_with_rules_already_reads_and_keeps_none(
    folder: Path, monkeypatch: pytest.MonkeyPatch, parses: list[str]
) -> None:
    """A reader the zygote forked has every theme's rules: the file is not its to keep."""
    parsed_css.load(folder)
    _parse()
    parsed_css.save(folder)
    _forget(monkeypatch)
    _parse("Label { width: 3; }")  # as the zygote's `prepare`
    _parse("Label { width: 4; }")
    assert parsed_css.load(folder) == 0
    assert not parsed_css.save(folder)


def _valid_file(folder: Path) -> bytes:
    parsed_css.load(folder)
    _parse()
    assert parsed_css.save(folder)
    return parsed_css.file_path(folder).read_bytes()


def _file_rules(valid: bytes) -> tuple[object, object]:
    data = io.BytesIO(valid)
    return pickle.load(data), pickle.load(data)


def _damaged(path: Path, valid: bytes) -> None:
    path.write_bytes(valid[: len(valid) // 2])


def _garbage(path: Path, valid: bytes) -> None:
    path.write_bytes(b"\x00not a pickle\xff" * 10)


def _other_things(path: Path, valid: bytes) -> None:
    made_by, _ = _file_rules(valid)
    path.write_bytes(pickle.dumps(made_by) + pickle.dumps({("Label {}",): ["not a rule"]}))


def _made_by_another_textual(path: Path, valid: bytes) -> None:
    made_by, rules = _file_rules(valid)
    another = (*made_by[:-1], ("styles.py", 1, 2, 3, 4))  # type: ignore[index]
    path.write_bytes(pickle.dumps(another) + pickle.dumps(rules))


def _writable_by_others(path: Path, valid: bytes) -> None:
    os.chmod(path, 0o666)


def _in_a_folder_open_to_others(path: Path, valid: bytes) -> None:
    os.chmod(path.parent, 0o777)


def _with_another_name(path: Path, valid: bytes) -> None:
    os.link(path, path.with_name("a page someone sent"))


def _too_large(path: Path, valid: bytes) -> None:
    path.write_bytes(valid + b"\0" * parsed_css.MOST_BYTES)


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


# each way of spoiling the file, and whether dubao writes its own in its place
SPOILED = {
    _damaged: True,
    _garbage: True,
    _other_things: True,
    _made_by_another_textual: True,
    _writable_by_others: True,
    _in_a_folder_open_to_others: True,
    _with_another_name: True,  # the other name keeps what it held
    _too_large: True,
    _a_link: False,
    _a_folder: False,
    _a_fifo: False,
}


@pytest.mark.parametrize("spoil", SPOILED, ids=lambda spoil: spoil.__name__)
def test_a_file_that_cannot_be_trusted_is_left_aside_and_the_css_parsed(
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    parses: list[str],
    spoil: Callable[[Path, bytes], None],
) -> None:
    valid = _valid_file(folder)
    path = parsed_css.file_path(folder)
    spoil(path, valid)
    before = sorted(os.listdir(folder))
    _forget(monkeypatch)
    parses.clear()

    assert parsed_css.load(folder) == 0
    assert parsed_css._parsed == {}
    _parse()
    assert parses == ["Label { width: 3; }"]
    assert parsed_css.save(folder) == SPOILED[spoil]
    if SPOILED[spoil]:  # written again for the next reader
        assert sorted(os.listdir(folder)) == before
        assert path.is_file() and not path.is_symlink() and path.stat().st_nlink == 1
        os.chmod(folder, 0o700)
        _forget(monkeypatch)
        assert parsed_css.load(folder) == 1
    else:  # not dubao's to replace
        assert not path.is_file() or path.is_symlink()
        if path.is_symlink():
            assert path.resolve().read_bytes() == valid


def test_a_file_of_another_user_is_neither_read_nor_replaced(
    folder: Path, monkeypatch: pytest.MonkeyPatch, parses: list[str]
) -> None:
    valid = _valid_file(folder)
    _forget(monkeypatch)
    monkeypatch.setattr(os, "getuid", lambda: os.stat(folder).st_uid + 1)
    assert parsed_css.load(folder) == 0
    _parse()
    assert not parsed_css.save(folder)
    assert parsed_css.file_path(folder).read_bytes() == valid


def test_no_file_and_no_folder_are_no_error(tmp_path: Path, parses: list[str]) -> None:
    assert parsed_css.load(tmp_path / "missing") == 0
    (tmp_path / "a file").write_text("")
    _parse()
    assert not parsed_css.save(tmp_path / "a file")
