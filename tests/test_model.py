"""What the model says of itself: labels of issues and articles, a section's files."""

from __future__ import annotations

import datetime as dt

from tui.core.model import Article, Block, Issue, Section


def _untitled(text: str, dateline: str | None = None, kind: str = "article") -> Article:
    return Article("x", kind, None, (Block("paragraph", text),), dateline=dateline)  # type: ignore[arg-type]


def test_an_untitled_article_is_labelled_by_its_first_words_marked_as_made() -> None:
    assert (
        _untitled("三河村，典型的彝族村落。地处海拔2500米的山梁之上。").label
        == "三河村，典型的彝族村落…"
    )
    long = "一二三四五六七八九十" * 4
    assert _untitled(long).label == long[:24] + "…"
    assert _untitled("短短一句").label == "短短一句"  # the whole text: nothing made up


def test_a_made_title_skips_the_dateline_and_its_reporter() -> None:
    article = _untitled(
        "本报北京1月31日电 （记者张三）国家主席今天会见了来访的客人。", "本报北京1月31日电"
    )
    assert article.label == "国家主席今天会见了来访的客人…"


def test_a_photo_is_labelled_by_its_caption() -> None:
    caption = "12月9日，市民们在小游园内跳舞健身，充满活力。"
    assert _untitled(caption, kind="photo").label == caption


def test_an_issue_label_names_its_paper() -> None:
    day = dt.date(2017, 12, 4)
    assert Issue("i", "2017-12-04", day, (), paper="人民日报").label == "人民日报 2017-12-04"
    assert Issue("i", "2017-12-04", day, ()).label == "2017-12-04"
    assert Issue("i", "特刊", day, ()).label == "特刊 2017-12-04"


def test_places_of_a_section_of_several_files() -> None:
    a, b = _untitled("甲。"), _untitled("乙。")
    one = Section("s", "第1版", "p.md", (a, b))
    assert one.file_positions() == [("p.md", 0), ("p.md", 1)]
    several = Section("s", "第1版", None, (a, b, a), ("1.txt", "2.txt", "1.txt"))
    assert several.file_positions() == [("1.txt", 0), ("2.txt", 0), ("1.txt", 1)]
