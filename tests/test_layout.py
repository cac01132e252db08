"""Setting an article in a text column: header, paragraphs, photos, anchors."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.layout import HEADER, Anchor, anchor_at, layout_article, row_of
from tui.library import load_library
from tui.model import Article, Block
from tui.text import cell_width

SEED = load_library().articles()


def first() -> Article:
    return SEED[0]


def test_header_lines_in_newspaper_order() -> None:
    lines = layout_article(first(), 60)
    kinds = [line.kind for line in lines[:6]]
    assert kinds == ["kicker", "title", "subtitle", "byline", "rule", "blank"]
    assert lines[1].text == "建设平安山西 守护幸福生活"
    assert all(line.align == "center" for line in lines[:4])


def test_paragraphs_are_indented_and_the_dateline_is_marked() -> None:
    lines = layout_article(first(), 60)
    body = next(line for line in lines if line.kind == "body")
    assert body.indent == 4  # two ideographic spaces
    assert body.text.startswith("本报讯 12月9日")
    assert body.lead == len("本报讯")
    second = lines[lines.index(body) + 1]
    assert second.indent == 0 and second.lead == 0


def test_no_line_is_wider_than_the_column() -> None:
    for width in (20, 37, 60, 76):
        for article in SEED:
            for line in layout_article(article, width):
                assert line.indent + cell_width(line.text) <= width


def test_lines_of_a_block_give_back_its_text() -> None:
    article = first()
    lines = layout_article(article, 41)
    for index, block in enumerate(article.blocks):
        parts = [line for line in lines if line.block == index and line.kind != "blank"]
        assert "".join(p.text for p in parts).replace(" ", "") == block.text.replace(" ", "")
        for part in parts:
            assert block.text[part.start : part.end] == part.text


def test_photo_has_a_label_caption_and_credit() -> None:
    photo = next(a for a in SEED if a.kind == "photo")
    lines = layout_article(photo, 60, photo_label="[photo]")
    assert lines[0].text == "[photo]"
    kinds = [line.kind for line in lines if line.text]
    assert kinds[1:] == ["caption"] * (len(kinds) - 2) + ["credit"]
    credit = next(line for line in lines if line.kind == "credit")
    assert credit.align == "right" and credit.text == "邓寅明 摄"


def test_subheads_stand_apart() -> None:
    lines = layout_article(first(), 60)
    for i, line in enumerate(lines):
        if line.kind == "subhead":
            assert lines[i - 1].kind == "blank"
            assert lines[i + 1].kind == "blank"


def test_anchor_survives_any_width() -> None:
    article = first()
    wide = layout_article(article, 76)
    for row in range(len(wide)):
        anchor = anchor_at(wide, row)
        for width in (24, 40, 60, 100):
            narrow = layout_article(article, width)
            line = narrow[row_of(narrow, anchor)]
            assert line.block == anchor.block or line.kind == "blank"
            if anchor.block >= 0 and line.kind not in ("blank",):
                assert line.start <= anchor.offset


def test_header_anchor_is_the_top() -> None:
    assert row_of(layout_article(first(), 60), Anchor(HEADER, 0)) == 0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(alphabet="中文报纸，。“”abc 12", min_size=1, max_size=80), min_size=1, max_size=4
    ),
    st.integers(min_value=4, max_value=90),
)
def test_generated_articles_fit_and_anchor(paragraphs: list[str], width: int) -> None:
    article = Article(
        id="x",
        kind="article",
        title="标题",
        blocks=tuple(Block("paragraph", p) for p in paragraphs if p.strip()),
    )
    lines = layout_article(article, width)
    for line in lines:
        assert line.indent + cell_width(line.text) <= max(width, 2)
    for row, line in enumerate(lines):
        if line.kind != "blank" and line.block >= 0:
            assert row_of(lines, anchor_at(lines, row)) == row
