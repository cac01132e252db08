"""The help's text, one widget: its Markdown read into blocks, set in lines for a width,
and the help screen quick to build (a widget for the text, not one for each piece)."""

from __future__ import annotations

from textual.widget import Widget

from tui.core.text import cell_width
from tui.library import load_library
from tui.ui.app import DubaoApp
from tui.ui.screens.help import HelpScreen, help_text
from tui.ui.widgets.help_text import BULLET, INDENT, HelpText, blocks, lines

SOURCE = """# dubao — keys

- `j` `↓` / `k` — line down / up, and a longer line that has to wrap at twenty
- `q` — quit

也可以用鼠标：滚轮翻动，
单击版面栏中的标题打开文章（按 `y`
复制）。

Settings live in
`settings.toml`.
"""


def test_the_markdown_is_read_as_a_heading_items_and_paragraphs() -> None:
    found = blocks(SOURCE)
    assert [block.kind for block in found] == ["heading", "item", "item", "paragraph", "paragraph"]
    item = found[1]
    assert item.text.startswith("j ↓ / k — line down")
    assert [item.text[s:e] for s, e in item.code] == ["j", "↓", "k"]
    # A line broken between Chinese characters runs on with no space; a Latin one, with one.
    assert found[3].text == "也可以用鼠标：滚轮翻动，单击版面栏中的标题打开文章（按 y复制）。"
    assert [found[3].text[s:e] for s, e in found[3].code] == ["y"]
    assert found[4].text == "Settings live in settings.toml."
    assert [found[4].text[s:e] for s, e in found[4].code] == ["settings.toml"]


def test_lines_keep_a_blank_between_blocks_but_not_between_items() -> None:
    found = blocks(SOURCE)
    set_in = lines(found, 24)
    kinds = [found[line.block].kind if line.block >= 0 else "" for line in set_in]
    assert kinds[:3] == ["", "heading", ""]
    first_item = kinds.index("item")
    assert "" not in kinds[first_item : kinds.index("paragraph")][:-1]  # items together
    for line in set_in:
        if line.block < 0:
            continue
        block = found[line.block]
        room = 24 - cell_width(BULLET) if block.kind == "item" else 24
        assert cell_width(block.text[line.start : line.end]) <= room
    # Every character is in a line, in order, but the spaces at the breaks.
    for n, block in enumerate(found):
        spans = [(line.start, line.end) for line in set_in if line.block == n]
        edges = [0, *(edge for span in spans for edge in span), len(block.text)]
        gaps = [block.text[edges[k] : edges[k + 1]] for k in range(0, len(edges), 2)]
        assert all(gap.strip(" ") == "" for gap in gaps), (block.text, spans)


async def test_the_help_is_set_with_hanging_bullets_and_styled_keys() -> None:
    app = DubaoApp(load_library(), language="en")
    async with app.run_test(size=(60, 30)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        text = screen.query_one(HelpText)
        rendered = text.render()
        rows = rendered.plain.split("\n")
        assert rows[0] == "" and rows[1].strip() == "dubao — keys"
        assert rows[2] == ""
        items = rows[3 : rows.index("", 3)]  # the list, up to the paragraph after it
        assert all(row.startswith((BULLET, INDENT)) for row in items)
        assert items[0].startswith(BULLET) and any(row.startswith(INDENT) for row in items)
        assert max(cell_width(row) for row in rows) <= text.size.width
        assert len(rows) == text.size.height  # its height is its lines
        code = text.get_component_rich_style("help-text--code")
        styled = {
            rendered.plain[span.start : span.end] for span in rendered.spans if span.style == code
        }
        assert {"j", "↓", "Space"} <= styled
        # One widget for the text: the help does not build (and style) one a piece.
        assert len(list(screen.walk_children(Widget))) < 10


def test_every_help_file_reads_as_blocks_whose_text_is_its_words() -> None:
    for language in ("en", "zh"):
        source = help_text(language)
        found = blocks(source)
        assert found[0].kind == "heading"
        assert sum(block.kind == "item" for block in found) == source.count("\n- ")
        assert not any("`" in block.text for block in found)
