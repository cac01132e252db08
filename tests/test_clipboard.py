"""What `y` and `Y` copy, and the exact bytes that carry it to the terminal's clipboard."""

from __future__ import annotations

import base64
import datetime as dt
import re

import pytest

from tui.core.clipboard import (
    MAX_BASE64,
    SCREEN_CHUNK,
    TooLong,
    article_text,
    citation,
    clipboard_bytes,
    encoded,
    osc52,
    route,
    screen_chunks,
    selected_text,
    tmux_passthrough,
)
from tui.core.layout import layout_article
from tui.core.model import Article, Block, Issue, Section
from tui.ui.terminal_clipboard import copy_text

TEXT = "建设平安山西 守护幸福生活\n\n本报讯 群众安全更加可感。"
B64 = base64.b64encode(TEXT.encode("utf-8")).decode("ascii")


def _article(**fields: object) -> Article:
    values: dict[str, object] = {
        "id": "a",
        "kind": "article",
        "title": "中共中央国务院举行春节团拜会",
        "blocks": (
            Block("paragraph", "新华社北京2月3日电 春节前夕，团拜会在人民大会堂举行。"),
            Block("subhead", "小标题"),
            Block("paragraph", "第二段。"),
        ),
    }
    values.update(fields)
    return Article(**values)  # type: ignore[arg-type]


def _issue(**fields: object) -> tuple[Issue, Section]:
    section = Section(id="s", title="第1版", source="x.md", articles=(_article(),))
    values: dict[str, object] = {
        "id": "i",
        "title": "2019-02-04",
        "date": dt.date(2019, 2, 4),
        "sections": (section,),
        "paper": "人民日报",
    }
    values.update(fields)
    return Issue(**values), section  # type: ignore[arg-type]


# -- the text ----------------------------------------------------------------------------


def test_an_article_as_plain_text_in_print_order() -> None:
    article = _article(
        kicker="引题", subtitle="副题", byline="本报记者 张三", dateline="新华社北京2月3日电"
    )
    assert article_text(article) == (
        "引题\n\n中共中央国务院举行春节团拜会\n\n副题\n\n本报记者 张三\n\n"
        "新华社北京2月3日电 春节前夕，团拜会在人民大会堂举行。\n\n小标题\n\n第二段。"
    )


def test_plain_text_leaves_out_what_is_missing_and_a_byline_the_text_prints() -> None:
    article = _article(
        byline="记者杜一菲",
        blocks=(Block("paragraph", "本报北京1月31日电 （记者杜一菲）国家主席…"),),
        dateline="本报北京1月31日电",
    )
    assert (
        article_text(article)
        == "中共中央国务院举行春节团拜会\n\n本报北京1月31日电 （记者杜一菲）国家主席…"
    )


def test_a_photo_ends_with_its_credit() -> None:
    photo = _article(
        kind="photo", title=None, byline="邓寅明 摄", blocks=(Block("caption", "市民们。"),)
    )
    assert article_text(photo) == "市民们。\n\n邓寅明 摄"


def test_the_citation_of_a_dated_paper() -> None:
    issue, section = _issue()
    line = citation(issue, section, "中共中央国务院举行春节团拜会", "seeds")
    assert line == "《人民日报》2019年2月4日 第1版：中共中央国务院举行春节团拜会"


def test_a_citation_without_a_paper_names_the_library() -> None:
    dated, section = _issue(paper=None)
    assert citation(dated, section, "标题", "报库") == "《报库》2019年2月4日 第1版：标题"
    folder, section = _issue(paper=None, date=None, title="山西日报")
    assert citation(folder, section, "标题", "报库") == "《山西日报》第1版：标题"


def test_selected_lines_join_again_as_paragraphs() -> None:
    article = _article(
        blocks=(Block("paragraph", "一二三四五六七八九十" * 3), Block("paragraph", "甲乙"))
    )
    lines = layout_article(article, 20)
    body = [row for row, line in enumerate(lines) if line.block == 0]
    assert len(body) > 1  # the paragraph wraps
    last = len(lines) - 1
    whole = selected_text(lines, (0, 0), (last, 0))
    assert whole == "中共中央国务院举行春节团拜会\n\n" + "一二三四五六七八九十" * 3 + "\n\n甲乙\n"
    # From the second character of the paragraph's second line to the fourth of the third.
    part = selected_text(lines, (body[2], 3), (body[1], 1))  # either order
    assert part == (lines[body[1]].text[1:] + lines[body[2]].text[:3])


def test_a_wrap_that_took_a_space_out_gives_it_back() -> None:
    article = _article(title=None, blocks=(Block("paragraph", "alpha beta gamma delta epsilon"),))
    lines = layout_article(article, 20)
    assert len([line for line in lines if line.kind == "body"]) > 1
    assert selected_text(lines, (0, 0), (len(lines), 0)).startswith(
        "alpha beta gamma delta epsilon"
    )


# -- the bytes ---------------------------------------------------------------------------


def test_plain_osc52() -> None:
    assert clipboard_bytes(B64, "terminal") == f"\x1b]52;c;{B64}\x07"
    assert osc52(B64, "\x1b\\") == f"\x1b]52;c;{B64}\x1b\\"
    data = re.fullmatch(
        r"\x1b\]52;c;([A-Za-z0-9+/=]*)\x07", clipboard_bytes(encoded(TEXT), "terminal")
    )
    assert data and base64.b64decode(data.group(1)).decode("utf-8") == TEXT


def test_tmux_fallback_is_passthrough_then_plain() -> None:
    sequence = f"\x1b]52;c;{B64}\x07"
    assert tmux_passthrough(sequence) == f"\x1bPtmux;\x1b\x1b]52;c;{B64}\x07\x1b\\"
    assert clipboard_bytes(B64, "tmux") == tmux_passthrough(sequence) + sequence


def test_screen_gets_chunks_of_at_most_its_size_each_in_a_dcs() -> None:
    text = "长" * 1000  # 3000 bytes: 4000 of base64
    data = encoded(text)
    out = clipboard_bytes(data, "screen")
    chunks = re.findall(r"\x1bP(.*?)\x1b\\", out, flags=re.S)
    assert "".join(f"\x1bP{c}\x1b\\" for c in chunks) == out  # nothing outside a DCS
    assert len(chunks) > 1 and all(len(c) <= SCREEN_CHUNK for c in chunks)
    assert all("\x1b\\" not in c for c in chunks)
    assert "".join(chunks) == osc52(data)
    assert base64.b64decode("".join(chunks)[len("\x1b]52;c;") : -1]).decode() == text
    assert screen_chunks("abcdefg", 3) == "\x1bPabc\x1b\\\x1bPdef\x1b\\\x1bPg\x1b\\"


def test_the_size_limit() -> None:
    fits = "a" * (MAX_BASE64 // 4 * 3)  # exactly MAX_BASE64 of base64
    assert len(encoded(fits)) == MAX_BASE64
    with pytest.raises(TooLong):
        encoded(fits + "a")
    writes: list[str] = []
    assert copy_text("长" * 40_000, writes.append, environ={}) == "too_long"
    assert writes == []  # nothing cut short goes out


@pytest.mark.parametrize(
    ("environ", "where"),
    [
        ({"TMUX": "/tmp/tmux-1/default,1,0", "TERM": "screen-256color", "STY": "1.x"}, "tmux"),
        ({"TERM": "screen.xterm-256color", "STY": "123.pts-0.host"}, "screen"),
        ({"TERM": "screen-256color"}, "terminal"),  # screen's TERM, but no screen session
        ({"TERM": "xterm-256color", "STY": "1.x"}, "terminal"),
        ({}, "terminal"),
    ],
)
def test_route(environ: dict[str, str], where: str) -> None:
    assert route(environ) == where


def test_in_tmux_tmux_copies_and_nothing_is_written() -> None:
    writes: list[str] = []
    given: list[str] = []

    def tmux(text: str) -> bool:
        given.append(text)
        return True

    assert copy_text(TEXT, writes.append, environ={"TMUX": "x"}, tmux=tmux) == "copied"
    assert given == [TEXT] and writes == []


def test_where_tmux_cannot_the_sequence_goes_out_wrapped() -> None:
    writes: list[str] = []
    copied = copy_text(TEXT, writes.append, environ={"TMUX": "x"}, tmux=lambda text: False)
    assert copied == "tmux_fallback"
    assert writes == [clipboard_bytes(B64, "tmux")]


def test_load_tmux_buffer_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.ui import terminal_clipboard

    monkeypatch.setattr(terminal_clipboard.shutil, "which", lambda name: "/nonexistent/tmux")
    assert terminal_clipboard.load_tmux_buffer(TEXT) is False
    monkeypatch.setattr(terminal_clipboard.shutil, "which", lambda name: None)
    assert terminal_clipboard.load_tmux_buffer(TEXT) is False
