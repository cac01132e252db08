"""One article's file → one Article: head lines, datelines, captions, subheads, columns."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from tui.core.model import Article
from tui.core.text import clean
from tui.library.article_file import parse_article_file
from tui.library.parse import article_id


def body(article: Article) -> list[tuple[str, str]]:
    return [(b.type, b.text) for b in article.blocks]


def head(article: Article) -> tuple[str | None, str | None, str | None]:
    return article.kicker, article.title, article.subtitle


# ---------------------------------------------------------------------------
# The crawler's slots: kicker, headline, subtitle on lines 1–3
# ---------------------------------------------------------------------------

CRAWLED = (
    "《求是》杂志发表重要文章\r\n"
    "推动生态文明建设迈上新台阶\r\n"
    "——记一次座谈会\r\n"
    "　　新华社北京1月31日电\u00a0（记者张小明）文章强调，生态环境是关系民生的重大问题。\r\n"
    "　　文章指出，要加快构建生态文明体系。\r\n"
)


def test_slots_with_kicker_and_dash_subtitle() -> None:
    article = parse_article_file(CRAWLED)
    assert head(article) == (
        "《求是》杂志发表重要文章",
        "推动生态文明建设迈上新台阶",
        "——记一次座谈会",
    )
    assert body(article) == [
        (
            "paragraph",
            "新华社北京1月31日电\u00a0（记者张小明）文章强调，生态环境是关系民生的重大问题。",
        ),
        ("paragraph", "文章指出，要加快构建生态文明体系。"),
    ]


def test_slots_without_kicker_or_subtitle() -> None:
    article = parse_article_file(
        "\r\n照亮你回家的路\r\n\r\n　　春节临近，春运即将迎来客流高峰。\r\n"
    )
    assert head(article) == (None, "照亮你回家的路", None)
    assert body(article) == [("paragraph", "春节临近，春运即将迎来客流高峰。")]


def test_slots_with_kicker_only() -> None:
    text = "中办国办印发\n关于推进基层整合的实施意见\n\n　　近日，中办国办印发了意见。\n"
    article = parse_article_file(text)
    assert head(article) == ("中办国办印发", "关于推进基层整合的实施意见", None)


def test_slots_keep_a_long_subtitle_and_an_empty_kicker() -> None:
    subtitle = "习近平强调，中方高度重视筹办冬奥会，目前各项工作正在扎实有序推进。"
    article = parse_article_file(f"\n习近平会见国际奥委会主席\n{subtitle}\n　　正文。\n")
    assert head(article) == (None, "习近平会见国际奥委会主席", subtitle)


def test_a_headline_that_names_an_office_and_a_person_is_no_author_line() -> None:
    text = "某某会谈举行\n某某会见某国总统某某某\n\n　　本报北京1月31日电 会见在人民大会堂举行。\n"
    article = parse_article_file(text)
    assert head(article) == ("某某会谈举行", "某某会见某国总统某某某", None)
    assert article.byline is None


def test_a_date_in_the_subtitle_slot_under_an_empty_kicker_is_the_subtitle() -> None:
    article = parse_article_file("\n在新年招待会上的讲话\n（2019年1月3日）\n同志们，朋友们：\n")
    assert head(article) == (None, "在新年招待会上的讲话", "（2019年1月3日）")
    assert body(article) == [("paragraph", "同志们，朋友们：")]


def test_a_reporter_line_after_the_slots_is_the_byline() -> None:
    text = "引题——\n主标题\n\n本报记者  李  刚\n　　正文第一段。\n"
    article = parse_article_file(text)
    assert head(article) == ("引题——", "主标题", None)
    assert article.byline == "本报记者 李 刚"
    assert body(article) == [("paragraph", "正文第一段。")]


# ---------------------------------------------------------------------------
# Title first
# ---------------------------------------------------------------------------

SPEECH = (
    "迈向充满希望的新世纪——新年讲话（附图片1张）\n"
    "中共中央总书记、国家主席王大明\n"
    "（一九九七年十二月三十一日）\n"
    "同胞们、朋友们：\n"
    "在新年来临之际，我向全国各族人民致以新年的祝贺！\n"
    "过去的一年，我们取得了新的成就。\n"
)


@pytest.mark.parametrize("indent", ["", "　　"])
def test_title_first_author_and_date_lines_are_no_subtitle(indent: str) -> None:
    lines = SPEECH.splitlines()
    text = "\n".join(lines[:3] + [indent + line for line in lines[3:]])
    article = parse_article_file(text)
    assert head(article) == (None, "迈向充满希望的新世纪——新年讲话", None)
    assert article.byline == "中共中央总书记、国家主席王大明"
    assert body(article) == [
        ("caption", "（附图片1张）"),
        ("paragraph", "（一九九七年十二月三十一日）"),
        ("paragraph", "同胞们、朋友们："),
        ("paragraph", "在新年来临之际，我向全国各族人民致以新年的祝贺！"),
        ("paragraph", "过去的一年，我们取得了新的成就。"),
    ]


def test_a_picture_note_on_the_date_line() -> None:
    text = (
        "共同创造美好的新世纪——新年贺词\n"
        "（二○○○年十二月三十一日）（附图片1张）\n"
        "女士们，先生们：\n"
        "新年钟声即将敲响。\n"
    )
    article = parse_article_file(text)
    assert head(article) == (None, "共同创造美好的新世纪——新年贺词", None)
    assert body(article)[:3] == [
        ("paragraph", "（二○○○年十二月三十一日）"),
        ("caption", "（附图片1张）"),
        ("paragraph", "女士们，先生们："),
    ]


def test_title_first_flat_body_keeps_its_first_short_line() -> None:
    """Without an empty line or indentation to end the head, a short line after the headline
    is the body's (a subhead here), not a subtitle."""
    article = parse_article_file("外交部举行新年招待会\n核心阅读\n外交部1月31日举行招待会。\n")
    assert head(article) == (None, "外交部举行新年招待会", None)
    assert body(article) == [("subhead", "核心阅读"), ("paragraph", "外交部1月31日举行招待会。")]


def test_title_first_with_dash_subtitle() -> None:
    article = parse_article_file(
        "中国改革开放惠及非洲\n——访南非学者\n“中国的改革开放惠及非洲。”他说。\n"
    )
    assert head(article) == (None, "中国改革开放惠及非洲", "——访南非学者")


def test_title_first_with_an_empty_line_after_the_head() -> None:
    text = "标题一行\n本报记者 张三\n第二行标题\n\n正文，从这里开始。\n"
    article = parse_article_file(text)
    assert head(article) == (None, "标题一行", "第二行标题")
    assert article.byline == "本报记者 张三"


def test_a_photo_credit_under_a_title_is_a_caption_not_a_byline() -> None:
    article = parse_article_file("冬日乡村\n新华社记者 张三摄\n")
    assert article.title == "冬日乡村"
    assert article.byline is None
    assert body(article) == [("caption", "新华社记者 张三摄")]
    assert article.kind == "photo"


# ---------------------------------------------------------------------------
# No head
# ---------------------------------------------------------------------------


def test_a_file_that_opens_with_a_paragraph_has_no_title() -> None:
    text = "春节临近，各地张灯结彩，处处洋溢着喜庆祥和的节日气氛，人们忙着采购年货。\n第二段。\n"
    article = parse_article_file(text)
    assert article.title is None
    assert body(article)[0] == ("paragraph", text.splitlines()[0])
    assert article.label.startswith("春节临近")


@pytest.mark.parametrize("text", ["", "   \n\u3000\u3000\r\n\t", "\x00\x1b"])
def test_an_empty_file_is_one_empty_article(text: str) -> None:
    article = parse_article_file(text)
    assert (article.title, article.blocks, article.kind) == (None, (), "article")


# ---------------------------------------------------------------------------
# Lines of the body
# ---------------------------------------------------------------------------


def test_lines_of_ideographic_spaces_are_empty_lines_not_boundaries() -> None:
    text = (
        "\r\n标题\r\n\r\n"
        "　　第一段，写了些事。\r\n"
        "　　\u3000\r\n"
        "　　第二段，写了别的。\r\n"
        "\u3000\u3000\r\n"
    )
    article = parse_article_file(text)
    assert body(article) == [
        ("paragraph", "第一段，写了些事。"),
        ("paragraph", "第二段，写了别的。"),
    ]


def test_a_dateline_after_a_lead_in_quotation() -> None:
    text = (
        "\n标题\n\n"
        "　　“绿水青山就是金山银山。”\n"
        "　　——习近平\n"
        "　　本报北京2月3日电 （记者李四）记者从有关部门获悉，……。\n"
    )
    article = parse_article_file(text)
    assert article.dateline == "本报北京2月3日电"
    assert article.byline == "记者李四"
    assert [t for t, _ in body(article)] == ["paragraph"] * 3
    assert body(article)[2][1] == "本报北京2月3日电 （记者李四）记者从有关部门获悉，……。"


@pytest.mark.parametrize(
    ("opening", "dateline"),
    [
        ("本报讯（记者王五）", "本报讯"),
        ("新华社北京5月26日电", "新华社北京5月26日电"),
        ("据新华社金边1月30日电 （记者毛某）", "据新华社金边1月30日电"),
    ],
)
def test_datelines(opening: str, dateline: str) -> None:
    article = parse_article_file(f"\n标题\n\n　　{opening}会议在京举行。\n")
    assert article.dateline == dateline
    assert body(article)[0][1] == f"{opening}会议在京举行。"


def test_a_closing_source_line_is_no_dateline() -> None:
    text = "\n标题\n\n　　会议在京举行，代表们热烈讨论。\n　　（新华社北京2月3日电  记者赵六）\n"
    article = parse_article_file(text)
    assert (article.dateline, article.byline) == (None, None)
    assert body(article)[-1] == ("paragraph", "（新华社北京2月3日电  记者赵六）")


def test_no_dateline_in_plain_text() -> None:
    article = parse_article_file("\n标题\n\n　　记者日前从有关部门获悉，春运平稳。\n")
    assert article.dateline is None


def test_a_photo_file_is_captions_and_its_credit() -> None:
    text = (
        "\n图片报道\n\n"
        "　　2月1日，群众在广场上表演舞龙。\n"
        "　　当日是农历正月初六。\n"
        "　　刘亮亮摄（人民视觉）\n"
    )
    article = parse_article_file(text)
    assert article.kind == "photo"
    assert article.byline is None
    assert [t for t, _ in body(article)] == ["caption"] * 3


def test_in_an_article_only_the_photos_caption_and_credit_are_captions() -> None:
    text = (
        "\n标题\n\n"
        "　　本报北京2月3日电 （记者李四）正文第一段，讲了很多事。\n"
        "　　正文第二段，又讲了很多事。\n"
        "　　图为工作人员在检查线路。\n"
        "　　本报记者 贺 勇摄\n"
        "　　正文第三段。\n"
    )
    article = parse_article_file(text)
    assert article.kind == "article"
    assert article.byline == "记者李四"
    assert [t for t, _ in body(article)] == [
        "paragraph",
        "paragraph",
        "caption",
        "caption",
        "paragraph",
    ]


def test_a_caption_that_ends_with_its_credit() -> None:
    article = parse_article_file("\n标题\n\n　　图为一名骑手在驯马。 新华社记者 张三摄\n")
    assert body(article) == [("caption", "图为一名骑手在驯马。 新华社记者 张三摄")]
    assert article.byline is None


def test_short_lines_between_paragraphs_are_subheads_but_not_verse() -> None:
    text = (
        "\n标题\n\n"
        "　　第一段，写了些事。\n"
        "　　新变化\n"
        "　　第二段，写了别的。\n"
        "　　春风起\n　　燕归来\n　　花满枝\n"
        "　　第三段。\n"
        "　　湖北省某某协会\n"
    )
    article = parse_article_file(text)
    assert body(article) == [
        ("paragraph", "第一段，写了些事。"),
        ("subhead", "新变化"),
        ("paragraph", "第二段，写了别的。"),
        ("paragraph", "春风起"),
        ("paragraph", "燕归来"),
        ("paragraph", "花满枝"),
        ("paragraph", "第三段。"),
        ("paragraph", "湖北省某某协会"),  # the last line: a signature
    ]


# ---------------------------------------------------------------------------
# Columns
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headline", "title", "column"),
    [
        ("讲好文创的时代故事（新语）", "讲好文创的时代故事", "新语"),
        ("在一线（百姓影像·春节特别策划）", "在一线", "百姓影像·春节特别策划"),
        ("回乡看新风（春节返乡看新风③）", "回乡看新风", "春节返乡看新风③"),
        ("看变化，问冷暖(新春走基层)", "看变化，问冷暖", "新春走基层"),
        ("晒晒年货（新春走基层（特别报道））", "晒晒年货", "新春走基层（特别报道）"),
        ("黄河之旅（上）", "黄河之旅（上）", None),
        ("某某条例（试行）", "某某条例（试行）", None),
        ("发展规划（2018—2022年）", "发展规划（2018—2022年）", None),
        ("某某法（2019年修订）", "某某法（2019年修订）", None),
        ("（新语）", "（新语）", None),
    ],
)
def test_column_tags(headline: str, title: str, column: str | None) -> None:
    article = parse_article_file(f"\n{headline}\n\n　　正文。\n")
    assert (article.title, article.column) == (title, column)


def test_a_picture_note_is_no_column() -> None:
    article = parse_article_file("讲好文创的时代故事（新语）（附图片2张）\n正文。\n")
    assert (article.title, article.column) == ("讲好文创的时代故事", "新语")
    assert body(article)[0] == ("caption", "（附图片2张）")


# ---------------------------------------------------------------------------
# Any text: one article, nothing lost
# ---------------------------------------------------------------------------

_PIECES = [
    "",
    "\u3000\u3000",
    "  ",
    "引题——",
    "主标题",
    "讲好故事（新语）",
    "规划（上）",
    "——副题",
    "（附图片1张）",
    "（一九九七年十二月三十一日）",
    "中共中央总书记、国家主席王大明",
    "本报记者 张 三",
    "新华社记者 李四摄",
    "刘亮亮摄（人民视觉）",
    "资料图片",
    "制图：王 婷",
    "图为群众在表演。",
    "本报北京1月31日电 （记者杜一菲）国家主席会见外宾。",
    "（新华社北京2月3日电 记者赵六）",
    "“引语。”",
    "——习近平",
    "核心阅读",
    "春节临近，各地张灯结彩，处处洋溢着喜庆祥和的节日气氛。",
    "（谢某某）",
    "(",
    "）",
    "（（（",
    "摄",
    "\x1b[31m",
    "a\u202eb",
]


def _random_text(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randrange(0, 14)):
        piece = rng.choice(_PIECES)
        if rng.random() < 0.2:
            piece = piece[: rng.randrange(len(piece) + 1)]
        indent = rng.choice(["", "", "\u3000\u3000", "  ", "\t"])
        lines.append(indent + piece)
    return rng.choice(["\n", "\r\n", "\r"]).join(lines)


def _lost(text: str, article: Article) -> Counter[str]:
    fields = [article.kicker, article.title, article.subtitle, article.byline, article.column]
    printed = "".join(f for f in fields if f) + "".join(b.text for b in article.blocks)
    lost = Counter("".join(clean(text).split())) - Counter("".join(printed.split()))
    if article.column is not None:  # the column's brackets
        lost -= Counter("（(）)")
    return lost


def test_any_text_is_one_article_and_loses_nothing() -> None:
    rng = random.Random(20190204)
    for _ in range(3000):
        text = _random_text(rng)
        article = parse_article_file(text)
        assert isinstance(article, Article), text
        assert not _lost(text, article), text
        assert all(b.text and b.text == b.text.strip() for b in article.blocks), text
        assert article.id == article_id(article.kind, article.title, article.blocks)


def test_the_loss_check_sees_a_lost_character() -> None:
    article = parse_article_file("\n标题\n\n　　正文。\n")
    assert _lost("\n标题\n\n　　正文。多\n", article) == Counter("多")


def test_the_same_text_gives_the_same_id() -> None:
    assert parse_article_file(CRAWLED).id == parse_article_file(CRAWLED.replace("\r\n", "\n")).id


def test_a_markdown_article_file_takes_its_roles_from_the_heading_levels() -> None:
    article = parse_article_file(
        "## 春节特别报道\n# 灯火里的团圆（百姓影像）\n## ——记一个小站的除夕夜\n\n"
        "**本报讯** （记者张三）除夕夜，小站灯火通明。\n\n### 候车室里\n\n旅客们围坐在一起。\n"
    )
    assert (article.kicker, article.title, article.subtitle) == (
        "春节特别报道",
        "灯火里的团圆",
        "——记一个小站的除夕夜",
    )
    assert article.column == "百姓影像"
    assert article.dateline == "本报讯" and article.byline == "记者张三"
    assert [(b.type, b.text) for b in article.blocks] == [
        ("paragraph", "本报讯 （记者张三）除夕夜，小站灯火通明。"),
        ("subhead", "候车室里"),
        ("paragraph", "旅客们围坐在一起。"),
    ]
