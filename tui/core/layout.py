"""An article set for a text column of a given width: the lines the article pane shows.

Each line knows which part of the article it shows (a block index and character
offsets), so a reading position can be kept as a content anchor — block and offset —
that survives a change of width, and search matches can be marked on screen.
No Textual here: widgets turn these lines into strips.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

from tui.core.model import Article
from tui.core.text import cell_width, wrap_spans

LineKind = Literal[
    "column",
    "kicker",
    "title",
    "subtitle",
    "byline",
    "rule",
    "subhead",
    "body",
    "caption",
    "credit",
    "blank",
]

# Where a line's text comes from: a block of the article, or one of its header fields.
HEADER = -1  # column, kicker, title, subtitle, byline: anchored before the first block
# The column's line: what the reader's language calls it, the column in place of {column}.
COLUMN_LABEL = "栏目：{column}"
# Brackets around a byline the text prints.
_BYLINE_OPENERS = "（(〔【["
_BYLINE_CLOSERS = ("）", ")", "〕", "】", "]")
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


def layout_article(
    article: Article, width: int, photo_label: str = "[图]", column_label: str = COLUMN_LABEL
) -> list[Line]:
    """The lines of an article set in a column `width` cells wide.

    A photo has no picture in a terminal: a centred label stands where it would be. The
    column (栏目) the article ran under is named above everything, by `column_label`.
    """
    width = max(width, 2)
    lines: list[Line] = []
    base = 0
    for field in _header_fields(article, photo_label, column_label):
        if field.text:
            lines += _wrapped(field.text, width, field.kind, HEADER, align="center", base=base)
            base += len(field.text)
    if lines:
        lines.append(Line("rule", "", HEADER, base, base))

    dated = _dated_paragraph(article)
    for index, block in enumerate(article.blocks):
        if lines:
            lines.append(_blank(index))
        if block.type == "subhead":
            lines += _wrapped(block.text, width, "subhead", index)
        elif block.type == "caption":
            lines += _wrapped(block.text, width, "caption", index)
        else:
            body = _wrapped(block.text, width, "body", index, indent=True)
            if index == dated and article.dateline and body:
                body[0] = Line(**{**_fields(body[0]), "lead": len(article.dateline)})
            lines += body
    if article.kind == "photo" and article.byline:
        lines += _wrapped(article.byline, width, "credit", len(article.blocks), align="right")
    lines.append(_blank(len(article.blocks)))
    return lines


def _dated_paragraph(article: Article) -> int:
    """The index of the first paragraph that starts with the dateline (the first paragraph,
    or one after a lead paragraph); -1 if none does."""
    dateline = article.dateline
    for index, block in enumerate(article.blocks):
        if dateline and block.type == "paragraph" and block.text.startswith(dateline):
            return index
    return -1


class _HeaderField(NamedTuple):
    text: str | None  # what its line shows
    kind: LineKind
    field: str | None  # the article's field it shows; None for the photo label
    start: int = 0  # where the field's own text starts in `text`


def _header_fields(article: Article, photo_label: str, column_label: str) -> list[_HeaderField]:
    """The header's lines in print order; they share the HEADER block, one after another.

    The byline stands under the headline unless the first paragraph prints it already."""
    column, column_start = _column_line(article.column, column_label)
    shown_byline = article.kind == "article" and not byline_in_text(article)
    return [
        _HeaderField(column, "column", "column", column_start),
        _HeaderField(photo_label if article.kind == "photo" else None, "kicker", None),
        _HeaderField(article.kicker, "kicker", "kicker"),
        _HeaderField(article.title, "title", "title"),
        _HeaderField(article.subtitle, "subtitle", "subtitle"),
        _HeaderField(article.byline if shown_byline else None, "byline", "byline"),
    ]


def _column_line(column: str | None, label: str) -> tuple[str | None, int]:
    """The column's line (`label` with the column in place of {column}), and where the
    column starts in it; (None, 0) without a column."""
    if not column:
        return None, 0
    before, _, after = label.partition("{column}")
    return before + column + after, len(before)


def byline_in_text(article: Article) -> bool:
    """Whether a paragraph prints the byline already, as one-article files keep it: at the
    start of the first paragraph or of the one that starts with the dateline, after that
    dateline (`本报北京1月31日电 （记者杜一菲）国家主席…`), or closing a paragraph in
    brackets (`（新华社北京2月3日电　记者梅世雄）`, `（周飞亚）`). Spaces do not count."""
    byline = _squeezed(article.byline or "")
    if not byline:
        return False
    dateline = article.dateline or ""
    paragraphs = (block.text for block in article.blocks if block.type == "paragraph")
    for n, text in enumerate(paragraphs):
        dated = bool(dateline) and text.startswith(dateline)
        if (n == 0 or dated) and _opens_with(text[len(dateline) if dated else 0 :], byline):
            return True
        if _closes_with(text, byline):
            return True
    return False


def _squeezed(text: str) -> str:
    return "".join(text.split())


def _opens_with(text: str, byline: str) -> bool:
    """`text` starts with `byline` (squeezed), after any spaces and an opening bracket.
    Files put a no-break space after a dateline."""
    opening = text.lstrip().lstrip(_BYLINE_OPENERS).lstrip()
    # Enough of it to hold the byline with a space after each of its characters.
    return _squeezed(opening[: 2 * len(byline)]).startswith(byline)


def _closes_with(text: str, byline: str) -> bool:
    """`text` ends with `byline` (squeezed) in brackets: `…（记者 张三）`."""
    closing = text[-(2 * len(byline) + 8) :].rstrip()
    return closing.endswith(_BYLINE_CLOSERS) and _squeezed(closing[:-1]).endswith(byline)


def header_offset(
    article: Article, field: str, photo_label: str = "[图]", column_label: str = COLUMN_LABEL
) -> int | None:
    """Where a header field's own text ("column", "kicker", "title", "subtitle", "byline")
    starts in HEADER offsets; None if the header does not show it."""
    base = 0
    for shown in _header_fields(article, photo_label, column_label):
        if shown.text and shown.field == field:
            return base + shown.start
        base += len(shown.text or "")
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
