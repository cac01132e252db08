"""The reading state carried between machines: `dubao state export|import`, `dubao saved`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tui.core.layout import Anchor
from tui.store.state import SavedArticle, StateStore
from tui.store.transfer import TransferError, dumps, from_json, to_json

from .conftest import SEED
from .test_cli import run


def filled(path: Path) -> StateStore:
    store = StateStore.open(path)
    for n in range(30):
        store.open_article("lib", f"a{n}")
        store.update_position(f"a{n}", Anchor(n, 2), n, n % 3 == 0, by_reader=True)
    store.mark_read("b", True)
    for n in range(5):
        store.save_article(
            SavedArticle(f"s{n}", "lib", "人民日报", "2019-02-04", "第1版", f"题{n}")
        )
    store.unsave_article("s1")
    return store


def test_an_export_imported_into_an_empty_store_gives_the_same_store(tmp_path: Path) -> None:
    source = filled(tmp_path / "a.sqlite3")
    exported = json.loads(dumps(to_json(source.dump())))  # as the file holds it
    target = StateStore.open(tmp_path / "b.sqlite3")
    assert target.merge(from_json(exported))
    assert target.dump() == source.dump()
    assert [a.id for a in target.saved_articles()] == [a.id for a in source.saved_articles()]
    assert target.last_article("lib") == "a29"
    assert "s1" not in {a.id for a in target.saved_articles()}  # the unsave came along


def row(article: str, block: int, percent: int, read: int, updated: float) -> tuple:
    return (article, block, 0, percent, percent, read, updated)


def test_of_two_records_the_newer_wins_and_the_furthest_point_is_kept(tmp_path: Path) -> None:
    store = StateStore.open(tmp_path / "s.sqlite3")
    store.merge({"article": [row("x", 3, 80, 1, 100.0)], "library": [("lib", "x", 100.0)]})
    store.merge({"article": [row("x", 1, 10, 0, 50.0)], "library": [("lib", "old", 50.0)]})
    state = store.position("x")
    assert state is not None and state.anchor == Anchor(3, 0) and state.read  # older: ignored
    assert store.last_article("lib") == "x"
    store.merge({"article": [row("x", 5, 20, 0, 200.0)], "library": [("lib", "y", 200.0)]})
    state = store.position("x")
    assert state is not None and state.anchor == Anchor(5, 0) and not state.read  # newer wins
    assert state.max_percent == 80  # but the furthest point reached is not lost
    assert store.last_article("lib") == "y"
    saved = ("s", 1, "lib", "报", "", "第1版", "题", 300.0)
    store.merge({"saved": [saved]})
    store.merge({"saved": [(*saved[:1], 0, *saved[2:7], 250.0)]})  # an older unsave
    assert [a.id for a in store.saved_articles()] == ["s"]
    store.merge({"saved": [(*saved[:1], 0, *saved[2:7], 350.0)]})  # a newer one
    assert store.saved_articles() == []


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ([], "not a dubao state export"),
        ({"format": "dubao-state", "version": 9}, "version 9"),
        ({"format": "dubao-state", "version": 1, "saved": {}}, "'saved' is not a list"),
        (
            {"format": "dubao-state", "version": 1, "positions": [{"article_id": "x"}]},
            "positions[0].block is missing or wrong",
        ),
        (
            {
                "format": "dubao-state",
                "version": 1,
                "saved": [
                    {
                        "article_id": "x",
                        "saved": 1,
                        "library": "",
                        "paper": "",
                        "date": "",
                        "page": "",
                        "title": "",
                        "updated": 1.0,
                    }
                ],
            },
            "saved[0].saved is missing or wrong",  # a boolean, not 1
        ),
    ],
)
def test_a_wrong_export_is_refused_whole_with_one_line(data: object, said: str) -> None:
    with pytest.raises(TransferError, match=said.replace("[", r"\[").replace("]", r"\]")):
        from_json(data)


def test_export_and_import_from_the_command_line(tmp_path: Path) -> None:
    here = filled(Path(os.environ["XDG_DATA_HOME"]) / "dubao" / "state.sqlite3")
    here.close()
    export = tmp_path / "state.json"
    done = run("state", "export", str(export))
    assert done.returncode == 0, done.stderr
    assert "exported 31 positions, 5 saved, 1 libraries" in done.stderr
    assert oct(export.stat().st_mode & 0o777) == "0o600"  # a reading history is private
    elsewhere = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "other"))
    merged = run("state", "import", str(export), env=elsewhere)
    assert merged.returncode == 0, merged.stderr
    listed = run("saved", "--json", env=elsewhere)
    assert listed.returncode == 0
    titles = [article["title"] for article in json.loads(listed.stdout)["saved"]]
    assert titles == ["题4", "题3", "题2", "题0"]
    again = run("state", "export", env=elsewhere)
    assert json.loads(again.stdout)["positions"] == json.loads(export.read_text())["positions"]


def test_a_bad_import_says_why_in_one_line_and_changes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "dubao-state", "version": 1, "positions": [{"article_id": 5}]}')
    done = run("state", "import", str(bad))
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "positions[0].article_id" in done.stderr
    assert "Traceback" not in done.stderr
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\xff\x00not json")
    done = run("state", "import", str(garbage))
    assert done.returncode == 1 and "is not JSON" in done.stderr
    assert run("state", "import", str(tmp_path / "missing.json")).returncode == 1
    assert run("state").returncode == 2  # export or import: usage
    listed = run("saved")
    assert listed.returncode == 0 and listed.stdout.startswith("nothing saved")


def test_saved_with_a_path_lists_that_librarys_only(tmp_path: Path) -> None:
    from tui.library import load_library

    seed_ids = [a.id for a in load_library([SEED]).articles()]
    store = StateStore.open(Path(os.environ["XDG_DATA_HOME"]) / "dubao" / "state.sqlite3")
    store.save_article(SavedArticle(seed_ids[0], "k", "seeds", "", "第1版", "种子文章"))
    store.save_article(SavedArticle("elsewhere", "k2", "报", "", "第2版", "别处的文章"))
    store.close()
    every = run("saved")
    assert every.returncode == 0 and "种子文章" in every.stdout and "别处的文章" in every.stdout
    only = run("saved", str(SEED), "--json")
    assert [a["title"] for a in json.loads(only.stdout)["saved"]] == ["种子文章"]
