"""dubao's worker processes run this dubao's code: `python -c` (multiprocessing's forkserver,
`dubao serve`'s readers) puts the current folder first on the path, so a `tui` folder where
the reader was started was imported in its place (seen: a page cache and an index file
each made twice, by two versions of the code)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import tui
import tui.library
from tui import own_code_environment

CODE = Path(tui.__file__).resolve().parents[1]  # the folder holding this `tui`

ASK_A_WORKER = """\
if __name__ == "__main__":
    import tui.library
    from tui.background.pool import Worker

    worker = Worker.start("tui.library")
    print(worker.submit(tui.library.seeds_path).result(timeout=60))
    worker.cancel()
"""


def test_a_worker_imports_this_dubao_not_a_tui_folder_where_it_was_started(
    tmp_path: Path,
) -> None:
    here = tmp_path / "here"  # where the reader is started: a `tui` of another program
    (here / "tui" / "library").mkdir(parents=True)
    (here / "tui" / "__init__.py").write_text("", encoding="utf-8")
    (here / "tui" / "library" / "__init__.py").write_text(
        "def seeds_path():\n    return 'another tui'\n", encoding="utf-8"
    )
    script = tmp_path / "script" / "ask.py"
    script.parent.mkdir()
    script.write_text(ASK_A_WORKER, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(CODE)}
    env.pop("PYTHONSAFEPATH", None)
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=here,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(tui.library.seeds_path())


def test_the_current_folder_is_kept_off_a_childs_path_unless_it_holds_this_dubao(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert own_code_environment({"LANG": "C"}) == {"LANG": "C", "PYTHONSAFEPATH": "1"}
    monkeypatch.chdir(CODE)  # `python -m tui` in a checkout finds this dubao there
    assert own_code_environment({"LANG": "C"}) == {"LANG": "C"}
