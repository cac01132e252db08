"""The `dubao` command as a user runs it: exit codes, output, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .benchmarks.pty_session import PtySession
from .benchmarks.terminal_bytes import base_env
from .conftest import ROOT, SEED, TERMINAL_CONTROLS, write_archive

DUBAO = [sys.executable, "-m", "tui"]


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None):
    return subprocess.run(
        [*DUBAO, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def test_version_and_help() -> None:
    version = run("--version")
    assert version.returncode == 0
    assert version.stdout.startswith("dubao 0.")
    helped = run("--help")
    assert helped.returncode == 0
    assert "dubao list" in helped.stdout
    assert run("list", "--help").returncode == 0


def test_console_script_is_the_same_program() -> None:
    script = Path(sys.executable).with_name("dubao")
    assert script.exists(), "the console script `dubao` is installed beside python"
    out = subprocess.run([script, "list", "--json"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    assert json.loads(out.stdout) == json.loads(run("list", "--json").stdout)


def test_list_tree_of_the_seeds(tmp_path: Path) -> None:
    out = run("list", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "seeds"
    assert lines[1].startswith("  第1版  (")
    assert "    建设平安山西 守护幸福生活" in lines
    assert any(line.startswith("    [图] 12月9日,迎泽大街") for line in lines)
    assert out.stderr == ""


def test_list_json_follows_the_contract() -> None:
    out = run("list", "--json")
    assert out.returncode == 0
    data = json.loads(out.stdout)
    assert set(data) == {"issues", "problems"}
    issue = data["issues"][0]
    assert set(issue) == {"id", "title", "date", "paper", "sections"}
    assert issue["date"] is None
    assert issue["paper"] is None
    section = issue["sections"][0]
    assert set(section) == {"id", "title", "source", "articles"}
    assert Path(section["source"]).name == SEED.name
    first = section["articles"][0]
    assert set(first) == {
        "id",
        "kind",
        "title",
        "kicker",
        "subtitle",
        "byline",
        "dateline",
        "column",
        "source",
        "blocks",
    }
    assert first["kicker"] == "省政府新闻办发布会"
    assert {a["source"] for a in section["articles"]} == {section["source"]}
    assert {b["type"] for a in section["articles"] for b in a["blocks"]} == {
        "paragraph",
        "subhead",
        "caption",
    }
    assert [a["kind"] for a in section["articles"]].count("photo") == 1
    assert "**" not in out.stdout


def test_missing_path_exits_1_with_one_line(tmp_path: Path) -> None:
    for args in (("list", str(tmp_path / "nope")), (str(tmp_path / "nope"),)):
        out = run(*args)
        assert out.returncode == 1
        assert out.stderr == f"dubao: no such file or folder: {tmp_path / 'nope'}\n"
        assert out.stdout == ""


def test_bad_files_are_reported_and_the_rest_loads(tmp_path: Path) -> None:
    (tmp_path / "01.md").write_text("## 好的一页\n\n正文。\n", encoding="utf-8")
    (tmp_path / "02.md").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00" * 30)
    (tmp_path / "03.md").write_bytes(b"")
    (tmp_path / "04.md").write_bytes(bytes(range(0x80, 0x100)) * 10)
    out = run("list", str(tmp_path), "--json")
    assert out.returncode == 0
    data = json.loads(out.stdout)
    assert [a["title"] for a in data["issues"][0]["sections"][0]["articles"]] == ["好的一页"]
    assert sorted(Path(p["source"]).name for p in data["problems"]) == ["02.md", "03.md", "04.md"]
    stderr = out.stderr.splitlines()
    assert len(stderr) == 3
    assert all(line.startswith("dubao: skipped ") for line in stderr)
    assert "Traceback" not in out.stderr


def test_folder_with_no_readable_pages_exits_1(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_bytes(b"")
    out = run("list", str(tmp_path))
    assert out.returncode == 1
    assert out.stderr.splitlines()[-1] == f"dubao: no readable pages in {tmp_path}"
    assert "Traceback" not in out.stderr


def test_bad_usage_exits_2() -> None:
    out = run("list", "--no-such-option")
    assert out.returncode == 2
    assert "usage: dubao list" in out.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ((), "dubao: search needs a QUERY: dubao search QUERY [PATH ...]\n"),
        (("",), "dubao: the QUERY is empty: say what to look for\n"),
        ((" \t",), "dubao: the QUERY is empty: say what to look for\n"),
    ],
)
def test_a_search_without_a_query_is_a_usage_error(args: tuple[str, ...], said: str) -> None:
    # Issue 17: not "0 matching articles", and PATH is not required.
    out = run("search", *args)
    assert (out.returncode, out.stderr, out.stdout) == (2, said, "")


def test_a_folder_of_only_unreadable_files_names_each_and_what_it_is(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< >>\n")
    (tmp_path / "b.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "c.txt").write_bytes(b"PK\x03\x04\x14\x00\x06\x00")
    (tmp_path / "d.md").write_bytes(b"")
    for args in (("list", str(tmp_path)), ("search", "经济", str(tmp_path))):
        out = run(*args)
        assert out.returncode == 1
        assert out.stderr.splitlines() == [
            f"dubao: skipped {tmp_path / 'a.txt'}: a PDF document, not a text page",
            f"dubao: skipped {tmp_path / 'b.md'}: a PNG image, not a text page",
            f"dubao: skipped {tmp_path / 'c.txt'}: a ZIP archive (or a Word, EPUB… file),"
            " not a text page",
            f"dubao: skipped {tmp_path / 'd.md'}: empty file",
            f"dubao: no readable pages in {tmp_path}",
        ]


def test_reader_without_a_terminal_says_how_to_get_one() -> None:
    out = run()  # stdin is /dev/null and stdout a pipe, as with `ssh host dubao`
    assert out.returncode == 1
    assert out.stdout == ""
    assert "needs a terminal" in out.stderr
    assert "ssh -t" in out.stderr
    assert len(out.stderr.splitlines()) == 1


def test_closed_pipe_is_not_an_error(tmp_path: Path) -> None:
    pages = [f"## 标题{i}\n\n正文。\n" for i in range(2000)]
    (tmp_path / "big.md").write_text("".join(pages), encoding="utf-8")
    proc = subprocess.Popen(
        [*DUBAO, "list", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    assert proc.wait(timeout=60) == 0
    assert b"Traceback" not in proc.stderr.read()


def test_hostile_file_names_are_cleaned_in_output(tmp_path: Path) -> None:
    (tmp_path / "evil\x1b]0;pwned\x07.md").write_text("## 标题\n\n正文。\n", encoding="utf-8")
    (tmp_path / "bad\x1b[2J.md").write_bytes(b"")
    out = run("list", str(tmp_path))
    assert out.returncode == 0
    assert "\x1b" not in out.stdout
    assert "\x1b" not in out.stderr
    assert "\x07" not in out.stdout


@pytest.mark.slow
def test_the_wheel_ships_the_seeds(tmp_path: Path) -> None:
    """Built and installed apart from the checkout, `dubao list` still finds its pages."""
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", wheels, ROOT],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("dubao-*.whl")
    target = tmp_path / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", target, wheel],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run(
        [sys.executable, "-c", "import tui.library as l; print(l.seeds_path())"],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env=env,
        timeout=60,
    )
    assert Path(where.stdout.strip()).is_relative_to(target)
    out = run("list", cwd=elsewhere, env=env)
    assert out.returncode == 0, out.stderr
    assert "建设平安山西 守护幸福生活" in out.stdout
    assert str(target) in out.stdout
    found = run("search", "张冉", "--json", cwd=elsewhere, env=env)  # every module shipped
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["total"] == 1


def test_hostile_text_never_reaches_the_output_raw(hostile_page: Path) -> None:
    outputs = [
        run("list", str(hostile_page)),
        run("list", "--json", str(hostile_page)),
        run("search", "敌意", str(hostile_page)),
        run("search", "敌意", "--json", str(hostile_page)),
    ]
    for out in outputs:
        assert out.returncode == 0, out.stderr
        for ch in TERMINAL_CONTROLS:
            assert ch not in out.stdout and ch not in out.stderr
    assert "[@click=app.quit]点我[/]" in outputs[0].stdout  # shown literally
    assert json.loads(outputs[3].stdout)["total"] == 1


def test_fifos_and_devices_are_skipped_not_read(tmp_path: Path) -> None:
    (tmp_path / "01.md").write_text("## 标题\n\n正文。\n", encoding="utf-8")
    os.mkfifo(tmp_path / "02.md")
    (tmp_path / "03.md").symlink_to("/dev/urandom")
    out = run("list", str(tmp_path))  # `run` times out after 60 s: a hang fails
    assert out.returncode == 0
    assert out.stderr.count("not a regular file") == 2
    assert "标题" in out.stdout


def test_names_tabs_and_queries_that_are_not_utf8(tmp_path: Path) -> None:
    page = "## 标题\t有制表符\n\n正文。\n"
    (tmp_path / os.fsdecode(b"04_\xff\n.md")).write_text(page, encoding="utf-8")
    listed = run("list", str(tmp_path))
    assert listed.returncode == 0, listed.stderr
    assert "\t" not in listed.stdout
    assert "标题 有制表符" in listed.stdout
    assert "04_\ufffd .md" in listed.stdout  # one line: the newline of the name is a space
    as_json = run("list", "--json", str(tmp_path))
    assert as_json.returncode == 0, as_json.stderr
    source = json.loads(as_json.stdout)["issues"][0]["sections"][0]["source"]
    assert source.endswith("04_\ufffd .md")
    # From a terminal whose input is not UTF-8: argv holds bytes Python cannot decode.
    searched = subprocess.run(
        [os.fsencode(sys.executable), b"-m", b"tui", b"search", b"\xff", os.fsencode(tmp_path)],
        capture_output=True,
        timeout=60,
    )
    assert searched.returncode == 0, searched.stderr
    assert searched.stdout.decode().startswith("0 matching articles")


def test_one_article_files_in_list_and_search(tmp_path: Path) -> None:
    day = tmp_path / "20171204"
    day.mkdir()
    (day / "renmrb_20171204_1-24.txt").write_text(
        "\r\n讲好文创的时代故事（新语）\r\n\r\n　　文创产品走进千家万户。\r\n", encoding="utf-8"
    )
    (day / "renmrb_20171204_2-24.txt").write_text(
        "　　春节将至，那些乡亲们的日子过得怎么样？记者走访了几个村子。\r\n", encoding="utf-8"
    )
    out = run("list", str(tmp_path))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[:2] == ["人民日报 2017-12-04", f"  第24版  ({day})"]
    assert lines[2:] == ["    讲好文创的时代故事", "    春节将至，那些乡亲们的日子过得怎么样…"]
    data = json.loads(run("list", "--json", str(tmp_path)).stdout)
    (issue,) = data["issues"]
    (section,) = issue["sections"]
    assert issue["paper"] == "人民日报" and section["source"] is None
    first, second = section["articles"]
    assert first["column"] == "新语" and first["title"] == "讲好文创的时代故事"
    assert Path(first["source"]).name == "renmrb_20171204_1-24.txt"
    assert Path(second["source"]).name == "renmrb_20171204_2-24.txt"
    assert second["title"] is None
    found = run("search", "乡亲", str(tmp_path))
    assert "  1. 春节将至，那些乡亲们的日子过得怎么样…  (2017-12-04 · 第24版)" in found.stdout


def test_a_cold_search_on_a_terminal_shows_its_progress_on_stderr(tmp_path: Path) -> None:
    # Issue 17: on a terminal, what is done while the index is made; piped or --json, nothing.
    root = write_archive(tmp_path / "archive", 20)
    session = PtySession(
        [*DUBAO, "search", "日的消息", str(root)], base_env(tmp_path / "home"), cols=80, rows=24
    )
    try:
        session.read_until_settled(marker="matching articles")
    finally:
        session.close()
    shown = session.output.decode()
    assert "dubao: reading pages " in shown and "\x1b[2K" in shown
    assert session.exit_status == 0
    piped = run("search", "日的消息", str(root), env=base_env(tmp_path / "piped"))
    assert piped.returncode == 0 and piped.stderr == ""
    as_json = run("search", "日的消息", str(root), "--json", env=base_env(tmp_path / "json"))
    assert as_json.stderr == "" and json.loads(as_json.stdout)["total"] > 0


def test_the_reader_s_modules_load_with_no_collection_and_are_frozen_out_of_later_ones() -> None:
    """Textual and the UI are ~80 garbage collections' worth of objects that live as long
    as the reader: none runs while they load, and the collector is on again after."""
    code = """if True:
        import gc, json
        import tui.cli
        seen = []
        gc.callbacks.append(lambda phase, info: phase == "start" and seen.append(1))
        tui.cli.reader_run()
        print(json.dumps([len(seen), gc.isenabled(), gc.get_freeze_count()]))
    """
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    collections, enabled, frozen = json.loads(out)
    assert collections == 0
    assert enabled
    assert frozen > 10_000
