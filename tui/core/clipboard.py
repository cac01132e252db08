"""What `y` and `Y` copy, and the bytes that put it on the terminal's clipboard.

The text: an article as plain text, a citation line, the text selected with the mouse.
The bytes: OSC 52 (`ESC ] 52 ; c ; <base64> BEL`), as is, wrapped for tmux's passthrough,
or cut into GNU screen's DCS strings. No I/O here: the UI writes them and runs tmux.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Literal

from tui.core.dates import chinese_date
from tui.core.layout import Line, byline_in_text
from tui.core.model import Article, Issue, Section
from tui.core.text import one_line

# Chromium OS's osc52.sh (for hterm) sends no sequence longer than 100,000 bytes, and
# vim-oscyank took the same limit: terminals cap what they take (some far lower), and a
# cut-off sequence sets nothing or a truncated text. 100,000 bytes of base64 hold 75,000 of
# UTF-8: about 25,000 Chinese characters, more than any page of a paper.
MAX_BASE64 = 100_000
# GNU screen drops a string sequence longer than its buffer (768 bytes before 5.0).
SCREEN_CHUNK = 500
TMUX_CONF_LINE = "set -g set-clipboard on"

Route = Literal["tmux", "screen", "terminal"]
BEL, ST = "\x07", "\x1b\\"


class TooLong(ValueError):
    """The text is too long for one OSC 52 sequence (MAX_BASE64)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"{size} bytes of base64, more than {MAX_BASE64}")
        self.size = size


# -- the text ----------------------------------------------------------------------------


def article_text(article: Article) -> str:
    """An article as plain text, as printed: kicker, headline, subtitle, byline (unless a
    paragraph prints it), then its paragraphs (the dateline opens one already) and, for a
    photo, its credit; separated by blank lines."""
    shown_byline = article.kind == "article" and not byline_in_text(article)
    header = [article.kicker, article.title, article.subtitle]
    parts = [*header, article.byline if shown_byline else None]
    parts += [block.text for block in article.blocks]
    if article.kind == "photo":
        parts.append(article.byline)
    return "\n\n".join(part.strip() for part in parts if part and part.strip())


def citation(issue: Issue, section: Section, label: str, library_name: str) -> str:
    """`《人民日报》2019年2月4日 第1版：标题`: the paper (else the issue's title where it is
    not its date, else `library_name`), the date, the page and the article (`label`: its
    title, or what the reader calls it). The same in either language: it cites a Chinese
    paper as Chinese references do."""
    name = issue.paper_name(library_name)
    where = " ".join(
        part for part in (chinese_date(issue.date) if issue.date else "", section.title) if part
    )
    return one_line(f"《{name}》{where}：{label}")


def selected_text(lines: Sequence[Line], start: tuple[int, int], end: tuple[int, int]) -> str:
    """The text between two places in an article's lines, each (row, character in the
    line's text), the end excluded. A paragraph's lines join again as the paragraph (a
    space where the wrap took one out); anything else keeps its line breaks, and
    paragraphs stay a blank line apart."""
    if not lines:
        return ""
    (row0, x0), (row1, x1) = sorted([start, end])
    row0, row1 = max(row0, 0), min(row1, len(lines) - 1)
    out: list[str] = []
    previous: Line | None = None
    for row in range(row0, row1 + 1):
        line = lines[row]
        if line.kind == "rule":  # the header's rule: drawn, not text
            continue
        text = line.text
        piece = text[x0 if row == row0 else 0 : x1 if row == row1 else len(text)]
        if previous is not None:
            out.append(_joint(previous, line))
        out.append(piece)
        previous = line
    return "".join(out)


def _joint(before: Line, after: Line) -> str:
    if before.kind != after.kind or before.block != after.block or after.kind == "blank":
        return "\n"
    if after.start == before.end:
        return ""
    return " " if after.start > before.end else "\n"


# -- the bytes ---------------------------------------------------------------------------


def encoded(text: str) -> str:
    """`text` as OSC 52 carries it: UTF-8 in base64. TooLong past MAX_BASE64."""
    data = base64.b64encode(text.encode("utf-8")).decode("ascii")
    if len(data) > MAX_BASE64:
        raise TooLong(len(data))
    return data


def osc52(data: str, terminator: str = BEL) -> str:
    """Set the clipboard (`c`) to `data`, base64."""
    return f"\x1b]52;c;{data}{terminator}"


def tmux_passthrough(sequence: str) -> str:
    """`sequence` for tmux to hand to the outer terminal as it is (only with tmux's
    `allow-passthrough on`): in `ESC P tmux; … ESC \\`, each ESC inside doubled."""
    return "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + ST


def screen_chunks(sequence: str, size: int = SCREEN_CHUNK) -> str:
    """`sequence` through GNU screen: cut into pieces of at most `size` characters, each in
    a DCS string (`ESC P … ESC \\`) screen passes on as it is; the terminal outside gets
    them one after the other, the sequence whole again."""
    return "".join(f"\x1bP{sequence[i : i + size]}{ST}" for i in range(0, len(sequence), size))


def route(environ: Mapping[str, str]) -> Route:
    """Where dubao runs: in tmux (TMUX set), in GNU screen (TERM screen…, STY set), or
    straight in a terminal."""
    if environ.get("TMUX"):
        return "tmux"
    if environ.get("TERM", "").startswith("screen") and environ.get("STY"):
        return "screen"
    return "terminal"


def clipboard_bytes(data: str, where: Route) -> str:
    """What to write to set the clipboard to `data` (base64) from `where`. In tmux this is
    the fallback, when `tmux load-buffer -w` failed: both the passthrough (for
    `allow-passthrough on`, or a tmux older than 3.3, which always passed it) and the plain
    sequence (which tmux takes and sends on with `set-clipboard on`)."""
    sequence = osc52(data)
    if where == "tmux":
        return tmux_passthrough(sequence) + sequence
    if where == "screen":
        return screen_chunks(sequence)
    return sequence
