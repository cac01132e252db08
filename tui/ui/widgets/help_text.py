"""The help's text as one widget: the packaged key reference, in the little Markdown it is
written in (a heading, bullets, paragraphs, inline code), parsed by markdown-it, broken
into lines for the widget's width by the reader's own line breaking
(`core.text.wrap_spans`: Chinese breaks between characters, never before a closing mark),
and styled by the theme.

Textual's `Markdown` made some 170 widgets of it, each styled and laid out: the help took
0.4–0.5 s to open on the seeds. Where a line of the source breaks between two Chinese
characters, the text runs on with no space (Markdown's soft break is a space)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from markdown_it import MarkdownIt
from markdown_it.token import Token
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from tui.core.text import cell_width, is_cjk, wrap_spans

BULLET = "• "
INDENT = "  "


@dataclass(frozen=True)
class Block:
    kind: str  # "heading", "item" (of a bullet list) or "paragraph"
    text: str
    code: tuple[tuple[int, int], ...]  # the spans of `text` written as code


@dataclass(frozen=True)
class Line:
    block: int  # -1: a blank line
    start: int
    end: int


def blocks(markdown: str) -> list[Block]:
    """The headings, bullet items and paragraphs of `markdown`, in order; what else it
    holds (emphasis, links) as its plain text."""
    found: list[Block] = []
    kind = "paragraph"
    for token in MarkdownIt("commonmark").parse(markdown):
        if token.type == "heading_open":
            kind = "heading"
        elif token.type == "list_item_open":
            kind = "item"
        elif token.type in ("heading_close", "list_item_close"):
            kind = "paragraph"
        elif token.type == "inline":
            found.append(_inline(kind, token.children or []))
    return found


def _inline(kind: str, children: list[Token]) -> Block:
    text = ""
    code: list[tuple[int, int]] = []
    for n, child in enumerate(children):
        content = child.content  # "" for a break
        if child.type in ("softbreak", "hardbreak"):
            after = next((c.content for c in children[n + 1 :] if c.content), "")
            touches_cjk = (text and is_cjk(text[-1])) or (after and is_cjk(after[0]))
            content = "" if touches_cjk else " "
        elif child.type == "code_inline":
            code.append((len(text), len(text) + len(content)))
        text += content
    return Block(kind, text, tuple(code))


def lines(found: list[Block], width: int) -> list[Line]:
    """`found` set in lines of at most `width` cells: a blank line before the first
    block and between two blocks, but two items of a list."""
    out: list[Line] = []
    previous = None
    for n, block in enumerate(found):
        if previous is None or not (previous == block.kind == "item"):
            out.append(Line(-1, 0, 0))
        room = width - cell_width(BULLET) if block.kind == "item" else width
        out += [Line(n, s, e) for s, e in wrap_spans(block.text, max(1, room))]
        previous = block.kind
    return out


class HelpText(Widget):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "help-text--heading",
        "help-text--bullet",
        "help-text--code",
    }
    DEFAULT_CSS = """
    HelpText {
        height: auto;
        padding: 0 2;
        & > .help-text--heading { color: $markdown-h1-color; text-style: bold; }
        & > .help-text--bullet { color: $text-primary; }
        & > .help-text--code { color: $text-warning 95%; background: $warning 10%; }
        &:light > .help-text--bullet { color: $text-secondary; }
        &:light > .help-text--code { color: $text-error 95%; background: $error 5%; }
        &:ansi > .help-text--code { background: ansi_default; }
    }
    """

    def __init__(self, markdown: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source = markdown
        self.blocks = blocks(markdown)
        self._lines: tuple[int, list[Line]] = (0, [])

    def lines_for(self, width: int) -> list[Line]:
        if self._lines[0] != width:
            self._lines = (width, lines(self.blocks, width))
        return self._lines[1]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines_for(width))

    def render(self) -> Text:
        width = self.size.width
        heading = self.get_component_rich_style("help-text--heading")
        bullet = self.get_component_rich_style("help-text--bullet")
        code = self.get_component_rich_style("help-text--code")
        out = Text(no_wrap=True, overflow="crop", end="")
        set_in = self.lines_for(width)
        for i, line in enumerate(set_in):
            if i:
                out.append("\n")
            if line.block < 0:
                continue
            block = self.blocks[line.block]
            piece = _styled(block, line, code)
            if block.kind == "heading":
                piece.stylize(heading)
                out.append(" " * max(0, (width - piece.cell_len) // 2))
            elif block.kind == "item":  # its first line has the bullet, the others hang
                out.append(BULLET if set_in[i - 1].block != line.block else INDENT, bullet)
            out.append_text(piece)
        return out


def _styled(block: Block, line: Line, code: Style) -> Text:
    piece = Text(block.text[line.start : line.end])
    for start, end in block.code:
        start, end = max(start, line.start), min(end, line.end)
        if start < end:
            piece.stylize(code, start - line.start, end - line.start)
    return piece
