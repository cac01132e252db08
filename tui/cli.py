"""The `dubao` command: open the reader, or list a library.

Exit codes: 0 success, 1 a problem the user can fix (one line on stderr, no traceback),
2 bad usage. `--debug` shows the traceback of an unexpected error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from tui import __version__
from tui.cli_state import cmd_saved, cmd_state, saved_parser, state_parser
from tui.core import collector
from tui.core.model import Article, Library, Problem
from tui.core.text import clean, one_line
from tui.core.time_left import TimeLeft
from tui.library import LibraryError, Pages, Progress, load_library

PROG = "dubao"
JSON_HELP = "print JSON (its shape is in the README)"


def _reader_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="读报 — read Chinese newspapers in the terminal.",
        epilog=(
            "commands:\n"
            "  dubao [PATH ...]              open the reader (no PATH: the bundled pages)\n"
            "  dubao list [PATH ...] [--json]  print the issues, sections and articles\n"
            "  dubao search QUERY [PATH ...] [--limit N] [--json]\n"
            "                                search the library (every term must match)\n"
            "  dubao saved [PATH ...] [--json]  print the saved articles\n"
            "  dubao state export [FILE] | import FILE\n"
            "                                carry the reading state to another machine\n"
            "  dubao serve [PATH ...] [--listen HOST:PORT] [--authorized-keys FILE | --open]\n"
            "                                the reader over SSH, a reader per session\n"
            "\nPATH is a page file (.md, .markdown, .txt) or a folder searched for them."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    parser.add_argument(
        "--no-mouse",
        action="store_true",
        help="do not ask the terminal for mouse events (less traffic on slow links)",
    )
    parser.add_argument(
        "--color",
        choices=COLOR_CHOICES,
        default="auto",
        help="colours to use: auto (from TERM, COLORTERM, NO_COLOR and TEXTUAL_COLOR_SYSTEM),"
        " none, 16, 256 or truecolor",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="page files or folders")
    return parser


COLOR_CHOICES = ("auto", "none", "16", "256", "truecolor")
_COLOR_SYSTEMS = {"16": "standard", "256": "256", "truecolor": "truecolor"}


def apply_color_choice(choice: str, environ: dict[str, str] | os._Environ[str]) -> None:
    """Set what Textual reads at import for the colours chosen (ssh drops COLORTERM)."""
    if choice == "none":
        environ["NO_COLOR"] = "1"
    elif choice in _COLOR_SYSTEMS:
        environ.pop("NO_COLOR", None)
        environ["TEXTUAL_COLOR_SYSTEM"] = _COLOR_SYSTEMS[choice]


def command_parser(
    name: str, description: str, *, paths: bool = True, json_output: bool = True
) -> argparse.ArgumentParser:
    """The parser of `dubao NAME`: its PATHs, --json and --debug (the arguments between
    them are the caller's)."""
    parser = argparse.ArgumentParser(prog=f"{PROG} {name}", description=description)
    if paths:
        parser.add_argument("paths", nargs="*", metavar="PATH", help="page files or folders")
    if json_output:
        parser.add_argument("--json", action="store_true", help=JSON_HELP)
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    return parser


def _list_parser() -> argparse.ArgumentParser:
    return command_parser("list", "Print the library: issues, sections, articles.")


def _search_parser() -> argparse.ArgumentParser:
    parser = command_parser(
        "search",
        "Search the library. Terms are split on spaces; an article matches when every "
        "term occurs in one of its blocks (title, paragraph, caption, byline…); "
        "date:, page:, is: and paper: filter (see the README).",
        paths=False,  # after QUERY
    )
    parser.add_argument(
        "query", nargs="?", metavar="QUERY", help="what to look for, e.g. 习近平 or '北京 冬奥'"
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="page files or folders")
    parser.add_argument(
        "--limit", type=int, default=20, metavar="N", help="show at most N hits (0: every hit)"
    )
    return parser


def _serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"{PROG} serve",
        description=(
            "Serve the reader over SSH: every session with a key let in gets a reader of its"
            " own, with its own reading state. Needs `pip install 'dubao[serve]'`."
        ),
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="page files or folders")
    parser.add_argument(
        "--listen",
        default=":2222",
        metavar="HOST:PORT",
        help="where to listen (default :2222, every address; port 0: any free port)",
    )
    who = parser.add_mutually_exclusive_group()
    who.add_argument(
        "--authorized-keys",
        metavar="FILE",
        help="the readers' public keys, one a line (default: authorized_keys in dubao's"
        " config folder)",
    )
    who.add_argument("--open", action="store_true", help="let in any public key")
    parser.add_argument(
        "--max-sessions", type=int, default=32, metavar="N", help="readers at once (32)"
    )
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=30,
        metavar="MIN",
        help="end a session after MIN minutes without a key (30; 0: never)",
    )
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=10,
        metavar="N",
        help="connections one address may open in 10 seconds (10; 0: no limit)",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    return parser


class UsageError(Exception):
    """Bad usage that argparse cannot see: exit code 2."""


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


def article_json(article: Article, source: str) -> dict[str, Any]:
    return {
        "id": article.id,
        "kind": article.kind,
        "title": article.title,
        "kicker": article.kicker,
        "subtitle": article.subtitle,
        "byline": article.byline,
        "dateline": article.dateline,
        "column": article.column,
        "source": one_line(source),
        "blocks": [{"type": b.type, "text": b.text} for b in article.blocks],
    }


def library_json(library: Library) -> dict[str, Any]:
    return {
        "issues": [
            {
                "id": issue.id,
                "title": issue.title,
                "date": issue.date.isoformat() if issue.date else None,
                "paper": issue.paper,
                "sections": [
                    {
                        "id": section.id,
                        "title": section.title,
                        "source": None if section.source is None else one_line(section.source),
                        "articles": [
                            article_json(a, source)
                            for a, (source, _) in zip(
                                section.articles, section.file_positions(), strict=True
                            )
                        ],
                    }
                    for section in issue.sections
                ],
            }
            for issue in library.issues
        ],
        "problems": [
            {"source": one_line(p.source), "message": p.message} for p in library.problems
        ],
    }


def article_line(article: Article, width: int = 60) -> str:
    label = article.label
    if article.kind == "photo":
        label = "[图] " + label
    return label if len(label) <= width else label[: width - 1] + "…"


def print_tree(library: Library, out: TextIO) -> None:
    for issue in library.issues:
        date = (
            f"  {issue.date.isoformat()}" if issue.date and issue.title != str(issue.date) else ""
        )
        paper = f"{issue.paper} " if issue.paper else ""
        out.write(f"{paper}{issue.title}{date}\n")
        for section in issue.sections:
            where = section.source or os.path.dirname(section.article_sources[0])
            out.write(f"  {section.title}  ({one_line(where)})\n")
            for article in section.articles:
                out.write(f"    {article_line(article)}\n")


class Meter:
    """Progress on one line of stderr, rewritten in place, while a search waits for its
    index: only on a terminal, and never with --json (a script reads that)."""

    EVERY = 0.2  # seconds between two updates

    def __init__(self, err: TextIO, *, on: bool) -> None:
        self._err = err
        self._on = on
        self._shown = False
        self._next = 0.0
        self._time_left = TimeLeft()  # of the index's build

    def pages(self, progress: Progress) -> None:
        self._say(f"{PROG}: reading pages {progress.done:,}/{progress.total:,}")

    def indexing(self, done: int, total: int) -> None:
        said = f"{PROG}: indexing {done * 100 // max(total, 1)}%"
        left = self._time_left(done, total)
        if left is not None:
            said += f", about {left:.0f} s left"
        self._say(said)

    def clear(self) -> None:
        if self._shown:
            self._err.write("\r\x1b[2K")
            self._err.flush()
            self._shown = False

    def _say(self, text: str) -> None:
        now = time.monotonic()
        if not self._on or now < self._next:
            return
        self._next = now + self.EVERY
        self._err.write(f"\r\x1b[2K{text}")
        self._err.flush()
        self._shown = True


def _note(message: str) -> None:
    sys.stderr.write(f"{PROG}: note: {one_line(message)}\n")


def report_problems(library: Library, err: TextIO) -> None:
    _report(library.problems, err)


def _report(problems: Sequence[Problem], err: TextIO) -> None:
    for p in problems:
        err.write(f"{PROG}: skipped {one_line(p.source)}: {one_line(p.message)}\n")


# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace) -> int:
    library = load_library(args.paths or None, on_note=_note)
    report_problems(library, sys.stderr)
    if args.json:
        # json.dumps, not json.dump: the streaming encoder is several times slower.
        sys.stdout.write(json.dumps(library_json(library), ensure_ascii=False, indent=1))
        sys.stdout.write("\n")
    else:
        print_tree(library, sys.stdout)
    return 0


def _marked(text: str, marks: Sequence[tuple[int, int]], emphasis: bool) -> str:
    if not emphasis:
        return text
    out, last = [], 0
    for start, end in sorted(marks):
        out += [text[last:start], "\x1b[1;7m", text[start:end], "\x1b[0m"]
        last = end
    out.append(text[last:])
    return "".join(out)


def cmd_search(args: argparse.Namespace) -> int:
    # Checked here: argparse, with PATH… optional after it, would call both required.
    if args.query is None:
        raise UsageError("search needs a QUERY: dubao search QUERY [PATH ...]")
    if not args.query.strip():
        raise UsageError("the QUERY is empty: say what to look for")
    from tui.search.filters import parse_query

    problems = parse_query(args.query).problems
    if problems:
        raise UsageError(problems[0])
    if args.limit < 0:
        raise UsageError("--limit must be 0 (every hit) or more")
    from tui.search import open_index, open_stored_index  # only for a search
    from tui.search.places import Misplaced

    # From argv: bytes that are not UTF-8 arrive as lone surrogates, which no text holds.
    args.query = one_line(args.query)
    result = None
    # Without loading the library; the whole file checked first (~40 ms for 74 MB).
    stored = open_stored_index(Pages(args.paths or None), verify=True)
    if stored is not None:
        with contextlib.suppress(Misplaced):  # a page changed since: load them as they are
            result = stored.search(args.query, limit=args.limit, marks=_marks)
    if result is None:
        meter = Meter(sys.stderr, on=not args.json and sys.stderr.isatty())

        def note(message: str) -> None:
            meter.clear()  # a line of its own
            _note(message)

        try:
            library = load_library(args.paths or None, on_note=note, on_progress=meter.pages)
            meter.clear()
            report_problems(library, sys.stderr)
            index = open_index(library, verify=True, on_note=note, on_progress=meter.indexing)
        finally:
            meter.clear()
        result = index.search(args.query, limit=args.limit, marks=_marks)
    if args.json:
        data = {
            "query": result.query,
            "total": result.total,
            "hits": [
                {
                    "article_id": hit.article_id,
                    "title": hit.title,
                    "section": hit.section,
                    "issue": hit.issue,
                    "score": round(hit.score, 4),
                    "snippet": hit.snippet.text,
                }
                for hit in result.hits
            ],
        }
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1))
        sys.stdout.write("\n")
        return 0
    emphasis = sys.stdout.isatty()
    out = sys.stdout
    out.write(
        f"{result.total} matching article{'s' if result.total != 1 else ''}"
        f" for {clean(result.query)}\n"
    )
    for n, hit in enumerate(result.hits, start=1):
        where = " · ".join(one_line(p) for p in (hit.issue, hit.section) if p)
        out.write(f"{n:>3}. {hit.label}  ({where})\n")
        snippet = hit.snippet
        out.write(f"     {_marked(clean(snippet.text), snippet.marks, emphasis)}\n")
    if result.total > len(result.hits):
        out.write(f"… {result.total - len(result.hits)} more (--limit 0 shows every hit)\n")
    return 0


def _marks(mark: str) -> set[str]:
    """The reading state's read or saved articles, for a query's `is:` filter."""
    from tui.store.state import StateStore

    store = StateStore.open()
    try:
        return store.marked(mark)
    finally:
        store.close()


def cmd_read(args: argparse.Namespace) -> int:
    for path in args.paths:
        if not os.path.exists(path):
            raise LibraryError(f"no such file or folder: {path}")
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise LibraryError(
            "the reader needs a terminal: run it in one, or over SSH with `ssh -t HOST dubao`"
            " (`dubao list` and `dubao search` work without one)"
        )
    apply_color_choice(args.color, os.environ)
    return reader_run()(args.paths or None, mouse=not args.no_mouse)


def reader_run() -> Callable[..., int]:
    """`tui.ui.app.run`, imported: Textual loads only when the reader is wanted. Its modules
    live as long as the reader: no collection while they load (~65, some 10 ms of a start),
    and they are frozen out of later ones."""
    with collector.paused():
        from tui.ui.app import run
    return run


def cmd_serve(args: argparse.Namespace) -> int:
    if args.max_sessions < 1:
        raise UsageError("--max-sessions must be 1 or more")
    if args.idle_timeout < 0:
        raise UsageError("--idle-timeout must be 0 (never) or more minutes")
    for path in args.paths:
        if not os.path.exists(path):
            raise LibraryError(f"no such file or folder: {path}")
    try:
        from tui.serve import server  # only for `serve`: asyncssh is an extra
    except ImportError as e:
        if (e.name or "").split(".")[0] != "asyncssh":
            raise
        raise LibraryError("dubao serve needs asyncssh: pip install 'dubao[serve]'") from None
    try:
        host, port = server.parse_listen(args.listen)
        keys = None
        if not args.open:
            keys = Path(args.authorized_keys or server.default_authorized_keys())
        options = server.Options(
            paths=[os.path.abspath(p) for p in args.paths],
            host=host,
            port=port,
            authorized_keys=keys,
            max_sessions=args.max_sessions,
            idle_timeout=args.idle_timeout * 60,
            rate_limit=args.rate_limit,
        )
        return server.run(options, sys.stderr)
    except server.ServeError as e:
        raise LibraryError(str(e)) from None


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    commands = {
        "list": (_list_parser, cmd_list),
        "search": (_search_parser, cmd_search),
        "saved": (saved_parser, cmd_saved),
        "state": (state_parser, cmd_state),
        "serve": (_serve_parser, cmd_serve),
    }
    if argv and argv[0] in commands:
        make, run = commands[argv[0]]
        parser, rest = make(), argv[1:]
    else:
        parser, run, rest = _reader_parser(), cmd_read, argv
    # Subcommands (`state export`) cannot be parsed intermixed; PATHs after options can.
    args = parser.parse_args(rest) if argv[:1] == ["state"] else parser.parse_intermixed_args(rest)
    args.run = run
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parse(argv)  # argparse exits 2 on bad usage
    try:
        return int(args.run(args))
    except UsageError as e:
        sys.stderr.write(f"{PROG}: {e}\n")
        return 2
    except LibraryError as e:
        _report(e.problems, sys.stderr)
        sys.stderr.write(f"{PROG}: {one_line(str(e))}\n")
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader of our output went away (`dubao list | head`): not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as e:  # never a traceback in front of a reader, unless asked
        if args.debug:
            traceback.print_exc()
        else:
            sys.stderr.write(f"{PROG}: unexpected error: {one_line(str(e))} (run with --debug)\n")
        return 1
