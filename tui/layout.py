"""An article set for a text column of a given width: the lines the article pane shows.

Each line knows which part of the article it shows (a block index and character
offsets), so a reading position can be kept as a content anchor — block and offset —
that survives a change of width, and search matches can be marked on screen.
No Textual here: widgets turn these lines into strips.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tui.model import Article
from tui.text import cell_width, wrap_spans

LineKind = Literal[
    "kicker", "title", "subtitle", "byline", "rule", "subhead", "body", "caption", "credit", "blank"
]

# Where a line's text comes from: a block of the article, or one of its header fields.
HEADER = -1  # kicker, title, subtitle, byline: anchored before the first block
INDENT = "\u3000\u3000"  # a paragraph's first line is indented by two ideographic spaces

MIN_MEASURE = 20
MIN_INDENTED_WIDTH = 12  # narrower than this, an indent would take a line of its own
DEFAULT_MEASURE = 76  # 38 Chinese characters: a comfortable newspaper column


@dataclass(frozen=True, slots=True)
class Line:
    kind: LineKind
    text: str
    block: int  # index into article.blocks, or HEADER
    start: int  # offsets of `text` in the block's text (after any indent)
    end: int
    align: Literal["left", "center", "right"] = "left"
    indent: int = 0  # cells of indent before the text
    lead: int = 0  # how many characters at the start are the dateline


@dataclass(frozen=True, slots=True)
class Anchor:
    """A reading position: the first visible text, as block and character offset."""

    block: int
    offset: int


def _wrapped(
    text: str,
    width: int,
    kind: LineKind,
    block: int,
    *,
    align: str = "left",
    indent: bool = False,
    base: int = 0,
) -> list[Line]:
    """`text` wrapped to `width`; offsets count from `base` (header fields share a block)."""
    indent = indent and width >= MIN_INDENTED_WIDTH
    source = INDENT + text if indent else text
    shift = (len(INDENT) if indent else 0) - base
    lines = []
    for start, end in wrap_spans(source, width):
        visible = source[start:end]
        pad = 0
        if indent and start < len(INDENT):  # the indent: shown as cells, not as text
            pad = cell_width(source[start : len(INDENT)])
            visible = source[len(INDENT) : end]
            start = len(INDENT)
        lines.append(
            Line(kind, visible, block, start - shift, end - shift, align, pad)  # type: ignore[arg-type]
        )
    return lines


def _blank(block: int, offset: int = 0) -> Line:
    return Line("blank", "", block, offset, offset)


def layout_article(article: Article, width: int, photo_label: str = "[图]") -> list[Line]:
    """The lines of an article set in a column `width` cells wide.

    A photo has no picture in a terminal: a centred label stands where it would be.
    """
    width = max(width, 2)
    lines: list[Line] = []
    base = 0
    for text, kind in _header_fields(article, photo_label):
        if text:
            lines += _wrapped(text, width, kind, HEADER, align="center", base=base)
            base += len(text)
    if lines:
        lines.append(Line("rule", "", HEADER, base, base))

    first_paragraph = next((i for i, b in enumerate(article.blocks) if b.type == "paragraph"), -1)
    for index, block in enumerate(article.blocks):
        if lines:
            lines.append(_blank(index))
        if block.type == "subhead":
            lines += _wrapped(block.text, width, "subhead", index)
        elif block.type == "caption":
            lines += _wrapped(block.text, width, "caption", index)
        else:
            body = _wrapped(block.text, width, "body", index, indent=True)
            if index == first_paragraph and article.dateline and body:
                lead = len(article.dateline) if block.text.startswith(article.dateline) else 0
                body[0] = Line(**{**_fields(body[0]), "lead": lead})
            lines += body
    if article.kind == "photo" and article.byline:
        lines += _wrapped(article.byline, width, "credit", len(article.blocks), align="right")
    lines.append(_blank(len(article.blocks)))
    return lines


def _header_fields(article: Article, photo_label: str) -> list[tuple[str | None, LineKind]]:
    """The header's lines in print order; they share the HEADER block, one after another."""
    return [
        (photo_label if article.kind == "photo" else None, "kicker"),
        (article.kicker, "kicker"),
        (article.title, "title"),
        (article.subtitle, "subtitle"),
        (article.byline if article.kind == "article" else None, "byline"),
    ]


def header_offset(article: Article, field: str, photo_label: str = "[图]") -> int | None:
    """Where a header field ("kicker", "title", "subtitle", "byline") starts in HEADER offsets."""
    base = 0
    fields = _header_fields(article, photo_label)
    for n, (text, kind) in enumerate(fields):
        if text and kind == field and (n > 0 or field != "kicker"):
            return base
        base += len(text or "")
    return None


def _fields(line: Line) -> dict[str, object]:
    return {name: getattr(line, name) for name in Line.__slots__}


# ---------------------------------------------------------------------------
# Anchors
# ---------------------------------------------------------------------------


def anchor_at(lines: list[Line], row: int) -> Anchor:
    """The anchor of the text at (or first after) a row."""
    if not lines:
        return Anchor(HEADER, 0)
    row = min(max(row, 0), len(lines) - 1)
    line = lines[row]
    return Anchor(line.block, line.start)


def row_of(lines: list[Line], anchor: Anchor) -> int:
    """The row that shows an anchor: the last line of its block starting at or before it."""
    best = 0
    for row, line in enumerate(lines):
        if line.block < anchor.block:
            best = row
        elif line.block == anchor.block:
            if line.kind == "blank" and row + 1 < len(lines) and lines[row + 1].block == line.block:
                continue  # the blank before a block belongs to it only if nothing else does
            if line.start <= anchor.offset:
                best = row
            else:
                break
        else:
            break
    return best
