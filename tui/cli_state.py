"""`dubao saved` and `dubao state export|import`: the reading state from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from tui.core.text import one_line
from tui.library import LibraryError, load_library
from tui.store.folders import write_privately
from tui.store.state import SavedArticle, StateStore
from tui.store.transfer import TransferError, dumps, from_json, to_json, utc_time

PROG = "dubao"


def saved_parser() -> argparse.ArgumentParser:
    from tui.cli import command_parser  # which imports this module

    return command_parser(
        "saved",
        "Print the saved articles, newest saved first: every one saved (no PATH), or "
        "those of the library at PATH.",
    )


def state_parser() -> argparse.ArgumentParser:
    from tui.cli import command_parser

    parser = command_parser(
        "state",
        "Carry the reading state (positions, read marks, saved articles, the article "
        "each library was left at) to another machine, as JSON.",
        paths=False,
        json_output=False,
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="export|import")
    export = actions.add_parser("export", help="write the state as JSON (no FILE: stdout)")
    export.add_argument("file", nargs="?", metavar="FILE")
    merge = actions.add_parser("import", help="merge an export in: the newer record wins")
    merge.add_argument("file", metavar="FILE", help="an export ('-': stdin)")
    return parser


def cmd_saved(args: argparse.Namespace) -> int:
    store = _open_store()
    try:
        saved = store.saved_articles()
    finally:
        store.close()
    if args.paths:
        library = load_library(args.paths)
        ids = {article.id for article in library.articles()}
        saved = [article for article in saved if article.id in ids]
    if args.json:
        data = {"saved": [_saved_json(article) for article in saved]}
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    else:
        _print_saved(saved, sys.stdout)
    return 0


def _saved_json(article: SavedArticle) -> dict[str, Any]:
    return {
        "article_id": article.id,
        "title": article.title,
        "paper": article.paper,
        "date": article.date or None,
        "page": article.page,
        "saved": utc_time(article.updated),
    }


def _print_saved(saved: list[SavedArticle], out: TextIO) -> None:
    if not saved:
        out.write("nothing saved (* in the reader saves the article open)\n")
        return
    for article in saved:
        where = " · ".join(one_line(p) for p in (article.paper, article.date, article.page) if p)
        out.write(f"{one_line(article.title)}  ({where})\n")


def cmd_state(args: argparse.Namespace) -> int:
    if args.action == "export":
        return _export(args.file)
    return _import(args.file)


def _export(file: str | None) -> int:
    store = _open_store()
    try:
        data = to_json(store.dump())
    finally:
        store.close()
    text = dumps(data)
    if file is None or file == "-":
        sys.stdout.write(text)
        return 0
    _write_atomically(Path(file), text)
    counts = ", ".join(f"{len(data[s])} {s}" for s in ("positions", "saved", "libraries"))
    sys.stderr.write(f"{PROG}: exported {counts} to {one_line(file)}\n")
    return 0


def _import(file: str) -> int:
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        tables = from_json(json.loads(text))
    except OSError as e:
        raise LibraryError(f"cannot read {file}: {e.strerror or e}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise LibraryError(f"{file} is not JSON: {e}") from None
    except TransferError as e:
        raise LibraryError(f"{file}: {e}") from None
    store = _open_store()
    try:
        written = store.merge(tables)
        notice = store.notice
    finally:
        store.close()
    if not written:
        raise LibraryError(f"the state could not be written: {notice or 'the store is closed'}")
    counts = ", ".join(
        f"{len(tables[t])} {name}"
        for t, name in (("article", "positions"), ("saved", "saved"), ("library", "libraries"))
    )
    sys.stderr.write(f"{PROG}: merged {counts} (the newer of two records kept)\n")
    return 0


def _open_store() -> StateStore:
    store = StateStore.open()
    notice = store.take_notice()
    if notice:
        sys.stderr.write(f"{PROG}: {one_line(notice)}\n")
    return store


def _write_atomically(path: Path, text: str) -> None:
    """The export whole or not at all, private to the user (it is a reading history)."""
    try:
        write_privately(path, text.encode("utf-8"))
    except OSError as e:
        raise LibraryError(f"cannot write {path}: {e.strerror or e}") from None
