"""The Chinese line breaker in tui.core.text: widths hold, nothing but break spaces is lost,
Latin words and numbers stay whole, and kinsoku is kept wherever it can be."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from tui.core.text import cell_width, wrap, wrap_spans

CLOSING = set("，。、；：！？）》」』”’…—〉】〕％") | set(",.;:!?)]}%")
OPENING = set("（《「『“‘〈【〔") | set("([{")

HAN = "中文报道省委宣传部新闻发布会平安山西公安机关"
ALPHABET = (
    list(HAN)
    + list("あカ한국")
    + sorted(CLOSING)
    + sorted(OPENING)
    + list("FMGabxyz")
    + list("0123456789")
    + [" "]
)

texts = st.text(alphabet=st.sampled_from(ALPHABET), max_size=200)
widths = st.integers(min_value=1, max_value=80)

PARAGRAPH = (
    "本报讯 12月9日,省委宣传部、省政府新闻办举行“高质量完成‘十四五’规划”系列主题第十七场"
    "新闻发布会。省公安厅党委副书记、副厅长朱炳文介绍,“十四五”时期,山西公安机关深入学习贯彻"
    "习近平总书记对山西工作的重要讲话重要指示精神,全力以赴防风险、保安全、护稳定、促发展,"
    "为全省经济社会发展营造了安全稳定的社会环境。全省较大道路交通事故较“十三五”同期下降38.7%。"
    "组建平安社会组织3000余个,全省527家二级以上医院、1.4万余辆公交车驾驶区监控、报警等安防"
    "设施基本实现全覆盖，追赃挽损14.5亿余元，与FMG集团签约。"
)


def fits(line: str, width: int) -> bool:
    """Within the width, or a single character too wide for it (with any marks)."""
    return cell_width(line) <= width or cell_width(line[1:]) == 0


def clusters(text: str) -> list[str]:
    """Runs kinsoku glues together: an opening mark to what follows, a closing mark to
    what precedes, across spaces; spaces opening the text go with the first run."""
    runs: list[str] = []
    current = ""
    previous = ""  # the last non-space character
    for ch in text:
        if ch == " ":
            current += ch
            continue
        if previous and previous not in OPENING and ch not in CLOSING:
            runs.append(current.rstrip(" "))
            current = ""
        current += ch
        previous = ch
    runs.append(current)
    return runs


@given(texts, widths)
def test_lines_fit_the_width(text: str, width: int) -> None:
    for line in wrap(text, width):
        assert line
        assert fits(line, width), (line, width)


@given(texts, widths)
def test_spans_cover_the_text_but_break_spaces(text: str, width: int) -> None:
    spans = wrap_spans(text, width)
    assert (spans == []) == (text == "")
    position = 0
    for start, end in spans:
        assert position <= start < end
        assert text[position:start].strip(" ") == ""
        position = end
    assert text[position:].strip(" ") == ""
    assert [text[s:e] for s, e in spans] == wrap(text, width)


@given(texts, widths)
def test_joined_lines_are_the_text_without_break_spaces(text: str, width: int) -> None:
    lines = wrap(text, width)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


@given(texts, st.integers(min_value=4, max_value=40))
def test_kinsoku_holds_when_it_can(text: str, width: int) -> None:
    if any(cell_width(run) > width for run in clusters(text)):
        return  # some glued run is wider than a line: a rule has to give
    lines = wrap(text, width)
    for line, following in pairwise(lines):
        assert line[-1] not in OPENING, (lines, width)
        assert following[0] not in CLOSING, (lines, width)


@given(st.text(alphabet=st.sampled_from(HAN), min_size=1, max_size=200), widths)
def test_han_text_fills_every_line_but_the_last(text: str, width: int) -> None:
    lines = wrap(text, width)
    for line in lines[:-1]:
        assert cell_width(line) >= width - 1


def test_cell_width() -> None:
    assert cell_width("") == 0
    assert cell_width("FMG 12") == 6
    assert cell_width("中文，。") == 8
    assert cell_width("ＦＭＧ") == 6
    assert cell_width("e\u0301") == 1


def test_space_after_dateline_does_not_break_early() -> None:
    lines = wrap(PARAGRAPH, 20)
    assert lines[0] != "本报讯"
    assert lines[0].startswith("本报讯 12月9日,省委")
    assert cell_width(lines[0]) >= 19


def test_no_line_starts_with_a_comma_in_a_paragraph() -> None:
    for width in range(4, 81):
        lines = wrap(PARAGRAPH, width)
        for line in lines[1:]:
            assert line[0] not in "，,。、", (width, line)
        for line in lines[:-1]:
            assert line[-1] not in "“‘", (width, line)


def test_closing_mark_pulls_the_character_before_it_down() -> None:
    assert wrap("中文，好", 4) == ["中", "文，", "好"]


def test_opening_mark_goes_down_with_what_follows() -> None:
    assert wrap("中文“好”", 6) == ["中文", "“好”"]


def test_long_word_is_split_at_the_width() -> None:
    url = "https://example.com/a/very/long/path"
    lines = wrap(f"见 {url} 。", 10)
    assert len(lines) > 2
    assert all(cell_width(line) <= 10 for line in lines)
    assert "".join(lines).replace(" ", "") == f"见{url}。"


def test_latin_word_stays_whole() -> None:
    for width in range(3, 30):
        assert any("FMG" in line for line in wrap("与FMG集团签约,项目顺利推进", width)), width


def test_number_stays_whole() -> None:
    for width in range(4, 30):
        lines = wrap("追赃挽损14.5亿余元", width)
        assert any("14.5" in line for line in lines), (width, lines)


def test_digits_break_from_the_han_after_them() -> None:
    assert wrap("2025年", 4) == ["2025", "年"]


def test_break_spaces_are_dropped_other_spaces_kept() -> None:
    assert wrap("FMG  project", 5) == ["FMG", "proje", "ct"]
    assert wrap("中文 好", 10) == ["中文 好"]
    assert wrap_spans("中文 好 ", 4) == [(0, 2), (3, 5)]  # no break at the trailing space


def test_newline_counts_as_a_space() -> None:
    assert wrap("中文\n好", 10) == ["中文 好"]
    assert wrap("中文\n好", 4) == ["中文", "好"]


def test_character_wider_than_the_width_goes_alone() -> None:
    assert wrap("中文", 1) == ["中", "文"]
    assert wrap("中 a", 1) == ["中", "a"]


def test_empty_text_has_no_lines() -> None:
    assert wrap("", 10) == []
    assert wrap_spans("", 10) == []
