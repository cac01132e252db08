"""A large library's first look (`tui.library.first_look`, taken by `FirstLook`'s Python
while the reader imports its window): the files surveyed and the newest issue, as the
loader would find them itself, and a loader that starts from them."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import tui
import tui.library
from tui.background.loader import Loader
from tui.core.model import Library
from tui.library import Pages, find_pages, first_look, load_library, survey_pages

from .test_loader import DAYS, Heard, issue_titles


@pytest.fixture
def paper(tmp_path: Path) -> Path:
    """Three dated issues, the newest of two pages, and a folder of undated notes."""
    root = tmp_path / "paper"
    for n, day in enumerate(DAYS):
        (root / day).mkdir(parents=True)
        for page in range(1, 3 if n == 0 else 2):
            text = f"## {day} 第{page}版的消息\n\n正文。\n"
            (root / day / f"0{page}_综合.md").write_text(text, encoding="utf-8")
    (root / "notes").mkdir()
    (root / "notes" / "readme.txt").write_text("没有日期的一页。\n", encoding="utf-8")
    return root


def newest_partial(paths: list[str]) -> Library:
    partials: list[Library] = []
    load_library(paths, on_partial=partials.append, bodies=False)
    return partials[0]


def test_a_first_look_finds_what_the_loader_would_first(paper: Path) -> None:
    paths = [str(paper)]
    load_library(paths)  # the page cache filled, as on a warm start
    files, newest, notes = first_look(paths)
    assert files.found == find_pages(paths).found
    survey = files.survey
    assert survey is not None
    assert set(survey.stamps) == set(survey.issued) == {f.key for f in files.found}
    dates = sorted(str(date) for date, _ in survey.issued.values())
    assert dates == [*sorted([*DAYS, DAYS[0]]), "None"]  # the newest issue has two pages
    assert survey.digest == Pages(paths).files_digest != b""
    assert newest == newest_partial(paths)
    assert issue_titles(newest) == [issue_titles(load_library(paths))[0]]
    assert notes == []


def test_a_library_too_long_for_a_look_is_left_to_the_loader(
    paper: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tui.library, "NEWEST_PAGES", 2)  # the newest issue has 2 pages
    files, newest, _ = first_look([str(paper)])
    assert newest is None and files.survey is not None


def test_surveyed_files_load_the_same_library_and_pickle_whole(paper: Path) -> None:
    paths = [str(paper)]
    surveyed = survey_pages(paths)
    for files in (surveyed, find_pages(paths)):
        assert pickle.loads(pickle.dumps(files)) == files
    again = pickle.loads(pickle.dumps(surveyed))
    assert load_library(paths, files=again) == load_library(paths)
    assert Pages(paths, again).files_digest == Pages(paths).files_digest


def run_fresh(code: str, code_folder: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`code` in a fresh interpreter, importing `tui` from `code_folder` if given."""
    env = dict(os.environ)
    if code_folder is not None:
        env["PYTHONPATH"] = str(code_folder)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=code_folder,
    )


def test_the_look_is_taken_by_a_python_of_its_own_that_forks_nothing(paper: Path) -> None:
    run = run_fresh(f"""
        import os, threading
        from tui.background.loader import FirstLook
        from tui.library import first_look
        forks = []
        os.register_at_fork(before=lambda: forks.append(threading.active_count()))
        threading.Thread(target=threading.Event().wait, daemon=True).start()  # as a reader's
        look = FirstLook.start([{str(paper)!r}])
        pid = look._process.pid
        files, newest, notes = look.result()
        assert (files, newest, notes) == first_look([{str(paper)!r}])
        assert pid != os.getpid() and forks == [], forks
        print(newest.issues[0].title)
    """)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[:1] == [DAYS[0]]


def test_a_look_that_fails_says_nothing_on_the_terminal_and_the_loader_looks_itself(
    paper: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken"  # a copy of dubao whose first look fails noisily
    shutil.copytree(Path(tui.__file__).parent, broken / "tui")
    loader_file = broken / "tui" / "background" / "loader.py"
    source = loader_file.read_text(encoding="utf-8")
    failing = "(print('from the look'), print('to stderr', file=sys.stderr), 1 / 0)"
    assert "first_look(sys.argv[1:] or None)" in source
    loader_file.write_text(source.replace("first_look(sys.argv[1:] or None)", failing))
    code = f"""
        import tui.background.loader as loader

        assert loader.__file__.startswith({str(broken)!r})
        look = loader.FirstLook.start([{str(paper)!r}])
        assert look.result() is None
        look = loader.FirstLook.start([{str(paper)!r}])
        reader = loader.Loader.start([{str(paper)!r}], look)
        print(reader.first(5).issues[0].title)
        heard = []

        class Sink:
            partial = done = failed = note = heard.append

        reader.attach(Sink())
        reader.join(5)
        print(len(heard[-1].issues))
    """
    run = run_fresh(code, broken)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""  # nor anything from the look's process
    assert run.stdout.split("\n")[:2] == [DAYS[0], str(len(DAYS) + 1)]


class Looked:
    """A look taken already, in this process."""

    def __init__(self, paths: list[str]) -> None:
        self.found = first_look(paths)
        self.taken = 0

    def result(self) -> object:
        self.taken += 1
        return self.found


def test_a_loader_starts_from_the_look_and_says_its_newest_issue_once(paper: Path) -> None:
    paths = [str(paper)]
    load_library(paths)
    whole = load_library(paths, bodies=False)
    look = Looked(paths)
    walks: list[object] = []
    find = tui.library._find
    tui.library._find = lambda *args: walks.append(args) or find(*args)  # type: ignore[assignment]
    try:
        loader = Loader.start(paths, look)  # type: ignore[arg-type]
        assert loader.first(timeout=5) == look.found[1]
        heard = Heard()
        loader.attach(heard)
        assert heard.done_event.wait(5)
    finally:
        tui.library._find = find  # type: ignore[assignment]
    assert look.taken == 1 and walks == []  # the look's files: none walked again
    partials = [e.value for e in heard.events if e.kind == "partial"]
    assert all(len(p.issues) > 1 for p in partials)  # the newest issue alone: not again
    assert [e.kind for e in heard.events][-1] == "done"
    assert heard.events[-1].value == whole
