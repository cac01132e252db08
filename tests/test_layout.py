"""Setting an article in a text column: header, paragraphs, photos, anchors."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.i18n import Strings
from tui.core.layout import (
    COLUMN_LABEL,
    HEADER,
    Anchor,
    Line,
    anchor_at,
    byline_in_text,
    header_offset,
    layout_article,
    row_of,
)
from tui.core.model import Article, Block
from tui.core.text import cell_width
from tui.library import load_library

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


def test_the_dateline_is_marked_where_a_paragraph_opens_with_it() -> None:
    blocks = (
        Block("subhead", "本报北京2月10日电"),
        Block("paragraph", "春节期间形势总体平稳。"),
        Block("paragraph", "本报北京2月10日电\u00a0（记者丁怡婷）今天通报。"),
        Block("paragraph", "本报北京2月10日电 又一段。"),
    )
    dateline = "本报北京2月10日电"
    article = Article("x", "article", "标题", blocks, dateline=dateline)
    lines = layout_article(article, 60)
    assert [(line.block, line.lead) for line in lines if line.lead] == [(2, len(dateline))]


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


# ---------------------------------------------------------------------------
# The column, and a byline the text prints
# ---------------------------------------------------------------------------

OPENING = "本报北京1月31日电 （记者杜一菲）国家主席今天会见来访的客人。"


def header_text(lines: list[Line]) -> str:
    """The header's lines end to end, as HEADER offsets count them."""
    return "".join(line.text for line in lines if line.block == HEADER)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_column_is_named_above_everything_in_the_readers_language(language: str) -> None:
    label = Strings(language)("label.column")
    article = replace(first(), column="新语")
    lines = layout_article(article, 60, column_label=label)
    kinds = [line.kind for line in lines[:7]]
    assert kinds == ["column", "kicker", "title", "subtitle", "byline", "rule", "blank"]
    assert lines[0].text == label.format(column="新语") != "新语"
    assert lines[0].align == "center"
    assert [line.text for line in lines[1:5]] == [
        line.text for line in layout_article(first(), 60)[:4]
    ]


def test_header_offsets_point_at_each_fields_own_text() -> None:
    article = replace(first(), column="大使随笔")
    for label in (COLUMN_LABEL, "Column: {column}", "〔{column}〕"):
        text = header_text(layout_article(article, 60, column_label=label))
        for field in ("column", "kicker", "title", "subtitle", "byline"):
            start = header_offset(article, field, column_label=label)
            assert start is not None
            value = getattr(article, field)
            assert text[start : start + len(value)] == value, (label, field)
    assert header_offset(first(), "column") is None
    photo = next(a for a in SEED if a.kind == "photo" and not a.kicker)
    assert header_offset(photo, "kicker") is None  # its label is no kicker


def test_a_long_column_wraps_within_the_width() -> None:
    article = replace(first(), column="很长的栏目名称" * 6)
    for width in (4, 11, 20):
        lines = layout_article(article, width)
        column = [line for line in lines if line.kind == "column"]
        assert len(column) > 1
        assert "".join(line.text for line in column) == COLUMN_LABEL.format(column=article.column)
        assert all(cell_width(line.text) <= width for line in column)


def with_paragraphs(paragraphs: list[str], byline: str, dateline: str | None) -> Article:
    blocks = tuple(Block("paragraph", text) for text in paragraphs)
    return Article("x", "article", "标题", blocks, byline=byline, dateline=dateline)


NBSP = "\u00a0"
DATELINE = "本报北京1月31日电"


@pytest.mark.parametrize(
    ("paragraphs", "byline", "dateline"),
    [
        ([OPENING, "第二段。"], "记者杜一菲", DATELINE),
        ([OPENING.replace(" ", NBSP)], "记者杜一菲", DATELINE),
        ([f"{DATELINE}（记者 杜一菲）国家主席今天会见。"], "记者杜一菲", DATELINE),
        (["新华社北京电　（记者 杜一菲 张三）国家主席会见。"], "记者 杜一菲 张三", "新华社北京电"),
        (["（记者杜一菲）国家主席今天会见来访的客人。"], "记者杜一菲", None),
        (["本报记者 杜一菲", "国家主席今天会见。"], "本报记者 杜一菲", None),
        # The paragraph that starts with the dateline, after a lead paragraph.
        (
            ["春节期间形势总体平稳。", f"{DATELINE}{NBSP * 2}（记者丁怡婷）今天通报。"],
            "记者丁怡婷",
            DATELINE,
        ),
        # A credit closing the text, or a paragraph, in brackets.
        (
            ["官兵们坚守岗位。", f"（新华社北京电{NBSP * 2}记者梅世雄、梅常伟）"],
            "记者梅世雄、梅常伟",
            None,
        ),
        (["文章正文写在这里。", "（周飞亚）"], "周飞亚", None),
        (["国家主席今天会见。", f"第二段。{DATELINE} （记者杜一菲） "], "记者杜一菲", None),
    ],
)
def test_a_byline_the_text_prints_is_not_printed_again(
    paragraphs: list[str], byline: str, dateline: str | None
) -> None:
    article = with_paragraphs(paragraphs, byline, dateline)
    assert byline_in_text(article)
    lines = layout_article(article, 60)
    assert [line.kind for line in lines[:3]] == ["title", "rule", "blank"]
    assert header_offset(article, "byline") is None
    for index, text in enumerate(paragraphs):  # each paragraph as printed, byline and all
        assert "".join(line.text for line in lines if line.block == index) == text
    if dateline and paragraphs[0].startswith(dateline):
        assert lines[3].lead == len(dateline)


@pytest.mark.parametrize(
    ("paragraphs", "byline", "dateline"),
    [
        (["本报讯 太钢日前与福德士河集团签约。"], "孙耀星", "本报讯"),  # cut from its paragraph
        ([f"{DATELINE} 国家主席今天会见记者杜一菲。"], "记者杜一菲", DATELINE),
        ([f"{DATELINE} （记者杜一）国家主席会见。"], "记者杜一菲", DATELINE),
        (["第一段。", "记者杜一菲今天来到现场。"], "记者杜一菲", None),  # not where one opens
        (["第一段。", "他说（记者杜一菲）还要再来。"], "记者杜一菲", None),
        ([], "记者杜一菲", None),
    ],
)
def test_a_byline_the_text_does_not_print_stands_under_the_headline(
    paragraphs: list[str], byline: str, dateline: str | None
) -> None:
    article = with_paragraphs(paragraphs, byline, dateline)
    assert not byline_in_text(article)
    lines = layout_article(article, 60)
    assert [(line.kind, line.text) for line in lines[:2]] == [("title", "标题"), ("byline", byline)]
    assert header_offset(article, "byline") == len("标题")


def test_the_seed_bylines_all_stand_under_their_headlines() -> None:
    # The seed's bylines were cut from the ends of their paragraphs.
    with_bylines = [a for a in SEED if a.byline and a.kind == "article"]
    assert with_bylines
    for article in with_bylines:
        assert not byline_in_text(article)
        kinds = [line.kind for line in layout_article(article, 60)]
        assert "byline" in kinds


def test_a_photos_credit_still_closes_it() -> None:
    photo = next(a for a in SEED if a.kind == "photo")
    lines = layout_article(photo, 60)
    assert lines[-2].kind == "credit" and lines[-2].text == photo.byline
