from __future__ import annotations

import contextlib
import os
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tui.core.model import Library
from tui.library import load_library

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_9d98c7fe781bce98.txt"


def printed_by_fresh_python(*lines: str) -> str:
    """What a fresh interpreter prints running `lines` (failing the test if it fails)."""
    code = "\n".join(lines)
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return run.stdout.strip()


@pytest.fixture(autouse=True)
def private_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data and cache directories: nothing touches the user's."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    return home


@pytest.fixture
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A folder for one end-to-end run: its user folders and its tmux socket."""
    return tmp_path


HOSTILE_TITLE = "敌意标题 [bold]粗[/b] [@click=app.quit]点我[/]"
HOSTILE_PAGE = (
    f"## {HOSTILE_TITLE}\x1b]0;PWNED-TITLE\x07\n\n"
    "**本报讯** 敌意文本:标题改写\x1b]2;PWNED-TWO\x1b\\,剪贴板写入\x1b]52;c;cHduZWQ=\x07,"
    "清屏\x1b[2J,C1 控制\x9b2J,链接 [link=http://evil.example]点这里[/link],"
    "颜色 [red]红字[/red],反向\u202eTXET\u202c结束。\n\n"
    "第二段 \x1b[31m红色\x1b[0m 与 \x07 响铃和 \x1b[?1049l 换屏。\n"
)
TERMINAL_CONTROLS = "\x1b\x07\x9b\x9d\u202e\u202c"


@pytest.fixture
def hostile_page(tmp_path: Path) -> Path:
    """A page whose text tries to drive the terminal and to be parsed as markup."""
    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "01.md").write_text(HOSTILE_PAGE, encoding="utf-8")
    return folder


async def loaded(app, pilot, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    """Wait until the reader has the whole library (its loader is a thread of its own,
    not a Textual worker)."""
    for _ in range(int(timeout / 0.05)):
        if not app._loading:
            await pilot.pause()
            return
        await pilot.pause(0.05)
    raise AssertionError("the library never finished loading")


def assert_ends_soon(pid: int, what: str, timeout: float = 10.0) -> None:
    """Fail unless process `pid` (not a child of this one) ends within `timeout` seconds."""
    import os
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    pytest.fail(f"{what} is still running")


def write_archive(root: Path, days: int) -> Path:
    """November 2025's first `days` issues: the seed page, then a one-article page."""
    import shutil

    for day in range(1, days + 1):
        folder = root / f"2025-11-{day:02}"
        folder.mkdir(parents=True)
        shutil.copy(SEED, folder / "01_要闻.md")
        (folder / "02_综合.md").write_text(f"## 十一月{day}日的消息\n\n正文。\n", encoding="utf-8")
    return root


def seed_under_a_column(column: str = "新语") -> Library:
    """The seed library, its first article run under a column, as though its headline had
    ended in （新语）."""
    seed = load_library()
    issue = seed.issues[0]
    section = issue.sections[0]
    first = replace(section.articles[0], column=column)
    section = replace(section, articles=(first, *section.articles[1:]))
    return Library((replace(issue, sections=(section, *issue.sections[1:])), *seed.issues[1:]))


def mode(path: Path) -> int:
    """A file's permission bits."""
    return stat.S_IMODE(path.stat().st_mode)


@contextlib.contextmanager
def umask(mask: int) -> Iterator[None]:
    """The process's umask set to `mask` for a while."""
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def write_pages(root: Path, pages: dict[str, str]) -> Path:
    """Each page's text, at its path under `root`."""
    for name, text in pages.items():
        page = root / name
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(text, encoding="utf-8")
    return root


def fake_loader_load(monkeypatch: pytest.MonkeyPatch, body: Callable[..., Library]) -> None:
    """`body` loads the library in the loader (`tui.background.loader`), which finds no
    files of its own for it."""
    import tui.background.loader

    monkeypatch.setattr(tui.background.loader, "load_library", body)
    monkeypatch.setattr(tui.background.loader, "find_pages", lambda paths: None)
