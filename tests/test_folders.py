"""dubao's user folders: where they are, and that they are private."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tui.library.cache import CACHE_FILE, PageCache
from tui.search.store import _index_path
from tui.store import state
from tui.store.folders import (
    cache_folder,
    config_folder,
    data_folder,
    make_private,
    write_privately,
)
from tui.store.settings import settings_path

from .conftest import mode, umask

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="XDG folders are Linux's")


@pytest.fixture
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """XDG_DATA_HOME, XDG_CACHE_HOME and XDG_CONFIG_HOME in folders not yet made."""
    for name in ("DATA", "CACHE", "CONFIG"):
        monkeypatch.setenv(f"XDG_{name}_HOME", str(tmp_path / name.lower()))
    return tmp_path


# -- where ---------------------------------------------------------------------------------


@linux_only
def test_each_folder_follows_its_xdg_variable(xdg: Path) -> None:
    assert data_folder() == xdg / "data" / "dubao"
    assert cache_folder() == xdg / "cache" / "dubao"
    assert config_folder() == xdg / "config" / "dubao"


@linux_only
def test_a_changed_variable_is_followed_at_the_next_call(
    xdg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cache_folder() == xdg / "cache" / "dubao"
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg / "elsewhere"))
    assert cache_folder() == xdg / "elsewhere" / "dubao"


@linux_only
def test_without_xdg_variables_the_folders_are_in_the_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("DATA", "CACHE", "CONFIG"):
        monkeypatch.delenv(f"XDG_{name}_HOME", raising=False)
    assert data_folder() == tmp_path / ".local" / "share" / "dubao"
    assert cache_folder() == tmp_path / ".cache" / "dubao"
    assert config_folder() == tmp_path / ".config" / "dubao"


@linux_only
def test_every_file_of_dubaos_is_in_its_folder(xdg: Path) -> None:
    """The state, the page cache, the index files and the settings ask this module."""
    assert state.default_path() == xdg / "data" / "dubao" / "state.sqlite3"
    assert settings_path() == xdg / "config" / "dubao" / "settings.toml"
    assert _index_path("/papers").parent == xdg / "cache" / "dubao"
    cache = PageCache.open()
    assert cache is not None
    assert cache.path == xdg / "cache" / "dubao" / CACHE_FILE
    cache.close()


# -- made when, and how ----------------------------------------------------------------------


def test_data_and_config_folders_are_only_named(xdg: Path) -> None:
    data_folder(), config_folder()
    assert list(xdg.iterdir()) == []


@pytest.mark.parametrize("mask", [0o000, 0o022, 0o277], ids=oct)
def test_the_cache_folder_is_made_0700_whatever_the_umask(xdg: Path, mask: int) -> None:
    (xdg / "cache").mkdir()  # the platform's folder exists; dubao's does not
    with umask(mask):
        folder = cache_folder()
    assert folder.is_dir()
    assert mode(folder) == 0o700


def test_missing_parents_are_made_as_mkdir_p_makes_them(xdg: Path) -> None:
    with umask(0o022):
        folder = cache_folder()
    assert mode(folder) == 0o700
    assert mode(folder.parent) == 0o755


@pytest.mark.parametrize("mask", [0o000, 0o022, 0o277], ids=oct)
def test_a_folder_made_private_is_0700_whatever_the_umask(tmp_path: Path, mask: int) -> None:
    folder = tmp_path / "mine"
    with umask(mask):
        make_private(folder)
    assert mode(folder) == 0o700


def test_something_that_is_not_a_folder_in_the_way_is_an_error(xdg: Path) -> None:
    (xdg / "cache").mkdir()
    (xdg / "cache" / "dubao").write_text("not a folder")
    with pytest.raises(OSError):
        cache_folder()
    assert (xdg / "cache" / "dubao").read_text() == "not a folder"


# -- repaired when ours ----------------------------------------------------------------------


@pytest.mark.parametrize("loose", [0o755, 0o777, 0o750, 0o705], ids=oct)
def test_a_loose_cache_folder_of_ours_is_tightened(xdg: Path, loose: int) -> None:
    folder = cache_folder()
    os.chmod(folder, loose)  # as an older dubao, or a loose umask, left it
    assert cache_folder() == folder
    assert mode(folder) == 0o700


def test_a_loose_data_folder_of_ours_is_tightened(xdg: Path) -> None:
    folder = data_folder()
    folder.mkdir(parents=True)
    os.chmod(folder, 0o755)
    make_private(folder)
    assert mode(folder) == 0o700


def test_only_the_group_and_others_lose_access(xdg: Path) -> None:
    folder = cache_folder()
    os.chmod(folder, 0o1555)  # the owner's own bits, and the sticky bit, are the owner's
    cache_folder()
    assert mode(folder) == 0o1500


def test_a_folder_the_caller_named_keeps_its_mode(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    os.chmod(folder, 0o755)
    make_private(folder)
    assert mode(folder) == 0o755


def test_a_linked_cache_folder_is_used_and_its_target_left_as_it_is(xdg: Path) -> None:
    target = xdg / "elsewhere"
    target.mkdir()
    os.chmod(target, 0o755)
    (xdg / "cache").mkdir()
    (xdg / "cache" / "dubao").symlink_to(target, target_is_directory=True)
    assert cache_folder().resolve() == target
    assert mode(target) == 0o755


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="chown needs root")
def test_a_cache_folder_of_another_user_is_left_as_it_is(xdg: Path) -> None:
    folder = cache_folder()
    os.chmod(folder, 0o755)
    os.chown(folder, 54321, -1)
    cache_folder()
    assert mode(folder) == 0o755
    assert folder.stat().st_uid == 54321


def test_a_file_written_privately_is_whole_and_the_user_s_alone(tmp_path: Path) -> None:
    path = tmp_path / "kept"
    path.write_bytes(b"old")
    os.chmod(path, 0o644)
    with umask(0o022):
        write_privately(path, b"new" * 1000)
    assert path.read_bytes() == b"new" * 1000
    assert mode(path) == 0o600
    assert os.listdir(tmp_path) == ["kept"]


def test_a_file_that_cannot_be_written_leaves_the_old_one_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "kept"
    path.write_bytes(b"old")

    def full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(OSError):
        write_privately(path, b"new")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["kept"]
