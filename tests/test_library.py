"""Finding, decoding and grouping page files into a library."""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from tui.core.model import Article, Issue, Library, Problem
from tui.core.text import one_line
from tui.library import (
    MAX_PAGE_BYTES,
    SMALL_BYTES,
    SMALL_FILES,
    DecodeError,
    LibraryError,
    _walk,
    decode,
    find_pages,
    is_small,
    load_library,
    path_date,
    read_bytes,
    seeds_path,
)

from .conftest import SEED

PAGE = "## 头条新闻\n\n**本报讯** 今天天气很好,市民纷纷出门。(张三)\n\n## 第二条\n\n另一条消息。\n"


def write(path: Path, text: str = PAGE, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def all_titles(library: Library) -> list[str | None]:
    return [a.title for a in library.articles()]


def test_default_library_is_the_bundled_seeds() -> None:
    library = load_library()
    assert seeds_path().joinpath(SEED.name).read_bytes() == SEED.read_bytes()
    assert library.problems == ()
    assert len(library.issues) == 1
    section = library.issues[0].sections[0]
    assert section.title == "第1版"  # the page number the name gives, never its hash
    assert "9d98c7fe" not in section.title
    assert len(section.articles) == 10


# ---------------------------------------------------------------------------
# Encodings
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("gb18030", b""),
        ("gbk", b""),
    ],
)
def test_encodings_are_detected(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    path = tmp_path / "page.md"
    path.write_bytes(prefix + PAGE.encode(encoding))
    library = load_library([path])
    assert all_titles(library) == ["头条新闻", "第二条"]
    assert library.articles()[0].blocks[0].text == "本报讯 今天天气很好,市民纷纷出门。"


def test_mixed_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "page.md"
    path.write_bytes("## 甲\r\n\r\n正文一。\r\r## 乙\n\n正文二。\r\n".encode())
    assert all_titles(load_library([path])) == ["甲", "乙"]


def test_decode_rejects_binary_and_noise() -> None:
    with pytest.raises(Exception, match=r"^a PNG image, not a text page$"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(Exception, match=r"^a PDF document, not a text page$"):
        decode(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")  # ASCII first: no NUL to give it away
    with pytest.raises(Exception, match=r"^binary data, not a text page$"):
        decode(b"\x00\x01\x02 no format known" * 10)
    with pytest.raises(Exception, match="cannot decode"):
        decode(bytes(range(0x80, 0x100)) * 20)
    with pytest.raises(Exception, match="empty"):
        decode(b"  \n\n ")


# ---------------------------------------------------------------------------
# Problems: reported, skipped, the rest loads
# ---------------------------------------------------------------------------


def test_bad_files_are_reported_and_skipped(tmp_path: Path) -> None:
    write(tmp_path / "01.md")
    (tmp_path / "02.md").write_bytes(b"\x00\x01\x02binary\x00" * 50)
    (tmp_path / "03.md").write_bytes(b"")
    (tmp_path / "04.txt").write_bytes(bytes(range(0x80, 0x100)) * 20)
    library = load_library([tmp_path])
    assert all_titles(library) == ["头条新闻", "第二条"]
    problems = {Path(p.source).name: p.message for p in library.problems}
    assert set(problems) == {"02.md", "03.md", "04.txt"}
    assert "binary" in problems["02.md"]
    assert "empty" in problems["03.md"]


def test_unreadable_file_is_a_problem(tmp_path: Path) -> None:
    write(tmp_path / "01.md")
    (tmp_path / "02.md").symlink_to(tmp_path / "gone.md")  # listed, but cannot be read
    library = load_library([tmp_path])
    assert all_titles(library) == ["头条新闻", "第二条"]
    assert [Path(p.source).name for p in library.problems] == ["02.md"]
    assert "No such file" in library.problems[0].message


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(LibraryError, match=r"no such file or folder: .*nope"):
        load_library([tmp_path / "nope"])


def test_folder_without_pages_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    write(tmp_path / "empty.md", "")
    with pytest.raises(LibraryError, match="no readable pages"):
        load_library([tmp_path])


def test_only_page_suffixes_are_searched_recursively(tmp_path: Path) -> None:
    write(tmp_path / "a" / "b" / "page.markdown")
    write(tmp_path / "a" / "page.TXT")
    write(tmp_path / "a" / "image.png", "not a page")
    write(tmp_path / ".hidden" / "page.md")
    library = load_library([tmp_path])
    sources = sorted(Path(s.source).name for i in library.issues for s in i.sections)
    assert sources == ["page.TXT", "page.markdown"]


# ---------------------------------------------------------------------------
# Issues by date, sections by page
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "parts",
    [
        ("paper", "20251210.md"),
        ("paper", "2025-12-10", "01.md"),
        ("paper", "2025_12_10_page01.md"),
        ("paper", "2025", "12", "10", "01.md"),
        ("2025", "20251210.md"),
        ("xwlb-2017-2022", "2025", "20251210.md"),
    ],
)
def test_date_in_the_path(parts: tuple[str, ...]) -> None:
    assert path_date(parts) == dt.date(2025, 12, 10)


@pytest.mark.parametrize(
    "parts", [("paper", "01.md"), ("x", "9d98c7fe781bce98.md"), ("2025", "13", "45.md")]
)
def test_no_date_in_the_path(parts: tuple[str, ...]) -> None:
    assert path_date(parts) is None


def test_grouped_into_issues_newest_first(tmp_path: Path) -> None:
    write(tmp_path / "2025-12-09" / "02_经济.md", "## 九日二版\n\n正文。\n")
    write(tmp_path / "2025-12-09" / "01_要闻.md", "## 九日一版\n\n正文。\n")
    write(tmp_path / "2025-12-09" / "10_体育.md", "## 九日十版\n\n正文。\n")
    write(tmp_path / "20251210.md", "## 十日\n\n正文。\n")
    write(tmp_path / "2025" / "12" / "08" / "page.md", "## 八日\n\n正文。\n")
    write(tmp_path / "misc" / "a.md", "## 无日期\n\n正文。\n")
    library = load_library([tmp_path])
    assert [(i.title, i.date) for i in library.issues] == [
        ("2025-12-10", dt.date(2025, 12, 10)),
        ("2025-12-09", dt.date(2025, 12, 9)),
        ("2025-12-08", dt.date(2025, 12, 8)),
        ("misc", None),
    ]
    ninth = library.issues[1]
    assert [s.title for s in ninth.sections] == ["第1版 要闻", "第2版 经济", "第10版 体育"]
    assert [a.title for s in ninth.sections for a in s.articles] == [
        "九日一版",
        "九日二版",
        "九日十版",
    ]


def test_ids_are_stable_when_files_move_rename_and_reorder(tmp_path: Path) -> None:
    first = tmp_path / "one"
    write(first / "2025-12-10" / "01.md", PAGE)
    write(first / "2025-12-10" / "02.md", "## 其他\n\n其他消息。\n")
    before = {a.title: a.id for a in load_library([first]).articles()}

    second = tmp_path / "two"
    write(second / "archive" / "z_last.md", PAGE)
    write(second / "archive" / "a_first.md", "## 其他\n\n其他消息。\n")
    after = {a.title: a.id for a in load_library([second]).articles()}
    assert before == after
    assert len(set(before.values())) == 3


def test_duplicate_articles_get_distinct_ids(tmp_path: Path) -> None:
    write(tmp_path / "a" / "01.md", "## 短讯\n\n同样的消息。\n")
    write(tmp_path / "b" / "01.md", "## 短讯\n\n同样的消息。\n\n## 短讯\n\n不同的消息。\n")
    library = load_library([tmp_path])
    ids = [a.id for a in library.articles()]
    assert len(ids) == 3
    assert len(set(ids)) == 3


def test_a_file_given_directly_and_inside_a_folder_loads_once(tmp_path: Path) -> None:
    page = write(tmp_path / "01.md")
    library = load_library([tmp_path, page])
    assert len(library.articles()) == 2


def test_a_page_is_known_by_its_real_path_however_it_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = write(tmp_path / "lib" / "2024" / "20240101.md")
    (tmp_path / "alias").symlink_to(tmp_path / "lib", target_is_directory=True)
    monkeypatch.chdir(page.parent)
    for given in (
        ["20240101.md"],
        ["./20240101.md", "."],
        [f"{tmp_path}//lib//2024/"],
        [tmp_path / "alias"],
        [tmp_path / "alias" / "2024" / page.name, tmp_path / "lib"],
    ):
        found = find_pages(given).found
        assert [f.key for f in found] == [os.path.realpath(page)], given
        assert found[0].parts[-1] == page.name


def test_progress_is_reported(tmp_path: Path) -> None:
    for n in range(3):
        write(tmp_path / f"{n:02}.md")
    seen = []
    load_library([tmp_path], on_progress=seen.append)
    assert [(p.done, p.total) for p in seen] == [(1, 3), (2, 3), (3, 3)]
    assert [p.articles for p in seen] == [2, 4, 6]  # PAGE has two articles


def test_partial_libraries_come_newest_first_and_start_the_final_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tui.library.PARTIAL_EVERY", 0.0)
    for day in range(1, 6):
        for page in ("01", "02"):
            write(tmp_path / f"2025-12-{day:02}" / f"{page}.md", f"## {day}日{page}版\n\n正文。\n")
    write(tmp_path / "2025-12-03" / "03.md", "## 3日01版\n\n正文。\n")  # a duplicate id
    write(tmp_path / "misc" / "a.md", "## 无日期\n\n正文。\n")
    partials: list[Library] = []
    library = load_library([tmp_path], on_partial=partials.append)

    def shape(issues: Sequence[Issue]) -> list[tuple[str, list[list[str]]]]:
        return [(i.id, [[a.id for a in s.articles] for s in i.sections]) for i in issues]

    assert [len(p.issues) for p in partials] == [1, 2, 3, 4, 5]
    assert partials[0].issues[0].date == dt.date(2025, 12, 5)
    for partial in partials:  # each is the start of the final library, ids included
        assert shape(partial.issues) == shape(library.issues[: len(partial.issues)])
    assert len(library.issues) == 6


def test_partial_libraries_wait_for_their_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tui.library.PARTIAL_EVERY", 3600.0)
    for day in range(1, 4):
        write(tmp_path / f"2025-12-{day:02}" / "01.md")
    partials: list[Library] = []
    load_library([tmp_path], on_partial=partials.append)
    assert [len(p.issues) for p in partials] == [1]  # the first at once, then an hour


def test_seed_copy_in_a_dated_folder(tmp_path: Path) -> None:
    shutil.copy(SEED, tmp_path / "20251210_03_9d98c7fe781bce98.txt")
    library = load_library([tmp_path])
    issue = library.issues[0]
    assert issue.date == dt.date(2025, 12, 10)
    assert issue.sections[0].title == "第3版"


def test_small_libraries_are_told_apart_from_large_ones(tmp_path: Path) -> None:
    assert is_small(None)  # the seeds are parsed before the first screen
    few = [write(tmp_path / "few" / f"{i:03}.md") for i in range(SMALL_FILES)]
    assert is_small([tmp_path / "few"])
    assert is_small([str(few[0]), str(few[1])])
    write(tmp_path / "few" / "sub" / "one_more.md")
    assert not is_small([tmp_path / "few"])
    big = write(tmp_path / "big.md", PAGE * (SMALL_BYTES // len(PAGE.encode()) + 1))
    assert not is_small([big])


def test_an_issue_given_in_pieces_is_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tui.library.PARTIAL_EVERY", 0.0)
    a = write(tmp_path / "paper" / "a.md", "## 甲\n\n正文。\n")
    x = write(tmp_path / "other" / "x.md", "## 乙\n\n正文。\n")
    b = write(tmp_path / "paper" / "b.md", "## 丙\n\n正文。\n")
    library = load_library([a, x, b], on_partial=lambda _: None)
    assert {i.title: [a.title for s in i.sections for a in s.articles] for i in library.issues} == {
        "paper": ["甲", "丙"],
        "other": ["乙"],
    }


def test_links_hidden_files_and_folders(tmp_path: Path) -> None:
    paper = tmp_path / "paper"
    write(paper / "2025-12-10" / "01.md", "## 真的\n\n正文。\n")
    write(tmp_path / "elsewhere" / "02.md", "## 别处\n\n正文。\n")
    (paper / "2025-12-10" / "02.md").symlink_to(tmp_path / "elsewhere" / "02.md")
    (paper / "2025-12-10" / "03.md").symlink_to(paper / "2025-12-10" / "01.md")  # a twin
    (paper / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    write(paper / ".hidden" / "04.md", "## 隐藏\n\n正文。\n")
    write(paper / "2025-12-10" / ".05.md", "## 隐藏\n\n正文。\n")
    library = load_library([paper])
    assert all_titles(library) == ["真的", "别处"]
    assert [s.source for s in library.issues[0].sections] == [
        str(paper / "2025-12-10" / "01.md"),
        str(paper / "2025-12-10" / "02.md"),
    ]


# --- hostile files ---------------------------------------------------------------------


def test_only_regular_files_are_read_and_fifos_do_not_block(tmp_path: Path) -> None:
    write(tmp_path / "01.md")
    os.mkfifo(tmp_path / "02.md")  # nobody writes to it: opening it plainly would wait
    (tmp_path / "03.md").symlink_to("/dev/zero")  # never ends
    library = load_library([tmp_path], cache=False)
    assert all_titles(library) == ["头条新闻", "第二条"]
    reasons = {Path(p.source).name: p.message for p in library.problems}
    assert reasons == {"02.md": "not a regular file", "03.md": "not a regular file"}


def test_a_fifo_named_on_the_command_line_is_a_problem_not_a_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.md")
    with pytest.raises(LibraryError, match="no readable pages"):
        load_library([tmp_path / "x.md"], cache=False)


def test_a_page_larger_than_the_limit_is_refused_unread(tmp_path: Path) -> None:
    write(tmp_path / "01.md")
    big = tmp_path / "02.md"
    with big.open("wb") as out:  # sparse: its size is all that is looked at
        out.truncate(MAX_PAGE_BYTES + 1)
    library = load_library([tmp_path], cache=False)
    assert [(Path(p.source).name, p.message) for p in library.problems] == [
        ("02.md", "too large for a page (over 16 MB)")
    ]
    with pytest.raises(DecodeError, match="too large"):
        read_bytes(tmp_path / "01.md", limit=10)


def test_folders_thousands_deep_are_walked(tmp_path: Path) -> None:
    # Deeper than Python's recursion limit, made a folder at a time (relative to the last):
    # the whole path is too long for one call.
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        for _ in range(1200):
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        with open(os.open("deep.md", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as f:
            f.write(PAGE.replace("头条", "深处"))
    finally:
        os.close(fd)
    write(tmp_path / "top.md")
    try:
        library = load_library([tmp_path], cache=False)  # no RecursionError
    finally:
        _remove_deep(tmp_path / "d")
    assert {"头条新闻", "深处新闻"} <= set(all_titles(library))


def _remove_deep(top: Path) -> None:
    """A tree too deep for `shutil.rmtree`, one level at a time: pull the next level up."""
    spare = top.with_name("next")
    while (top / "d").is_dir():
        os.rename(top / "d", spare)
        os.rmdir(top)
        os.rename(spare, top)
    shutil.rmtree(top)


def test_a_folder_that_cannot_be_listed_is_named(tmp_path: Path) -> None:
    """(Permissions would not do: the tests may run as root, who reads any folder.)"""
    write(tmp_path / "01.md")
    problems: list[Problem] = []
    assert list(_walk(str(tmp_path / ("x" * 300)), problems)) == []
    assert [p.message for p in problems] == ["cannot read the folder: File name too long"]


def test_names_that_are_not_utf8_load_and_show_as_one_replacement_character(
    tmp_path: Path,
) -> None:
    folder = tmp_path / os.fsdecode(b"\xfe\xff")
    write(folder / os.fsdecode(b"04_\xff.md"))
    write(folder / "05_\t\n.md", PAGE.replace("头条", "五版"))
    library = load_library([folder], cache=False)
    issue = library.issues[0]
    assert issue.title == "\ufffd\ufffd"
    assert [s.title for s in issue.sections] == ["第4版 \ufffd", "第5版"]
    assert issue.sections[0].source == str(folder / os.fsdecode(b"04_\xff.md"))


def test_one_line_labels() -> None:
    assert one_line("a\tb\nc\u2028d\x1b]0;x\x07e\udcff") == "a b c d]0;xe\ufffd"
    article = Article("x", "article", "标题\t有\n制表符", ())
    assert article.label == "标题 有 制表符"


def _article_file(title: str) -> str:
    return f"\r\n{title}\r\n\r\n　　本报北京2月3日电  {title}的正文。\r\n"


def test_one_article_files_of_a_page_form_one_section_in_their_order(tmp_path: Path) -> None:
    day = tmp_path / "2019年2月" / "20190204"
    for page, order in [(2, 1), (1, 10), (1, 2), (1, 1), (12, 1)]:
        write(day / f"20190204-{page:02}-{order:02}.txt", _article_file(f"第{page}版第{order}篇"))
    library = load_library([tmp_path], cache=False)
    (issue,) = library.issues
    assert issue.date == dt.date(2019, 2, 4)
    assert [s.title for s in issue.sections] == ["第1版", "第2版", "第12版"]
    first = issue.sections[0]
    assert [a.title for a in first.articles] == ["第1版第1篇", "第1版第2篇", "第1版第10篇"]
    assert first.source is None
    assert [(Path(path).name, n) for path, n in first.file_positions()] == [
        ("20190204-01-01.txt", 0),
        ("20190204-01-02.txt", 0),
        ("20190204-01-10.txt", 0),
    ]
    # A page of one file is that file's section.
    assert Path(issue.sections[1].source or "").name == "20190204-02-01.txt"
    assert issue.sections[1].file_positions() == [(issue.sections[1].source, 0)]


def test_peoples_daily_names_give_the_page_order_and_paper(tmp_path: Path) -> None:
    for order, page in [(1, 24), (2, 24), (1, 1)]:
        write(tmp_path / f"renmrb_20171204_{order}-{page}.txt", _article_file(f"{page}-{order}"))
    write(tmp_path / "gmrb_20171204_1-01.txt", _article_file("光明"))
    library = load_library([tmp_path], cache=False)
    assert sorted((i.paper or "", i.title) for i in library.issues) == [
        ("人民日报", "2017-12-04"),
        ("光明日报", "2017-12-04"),
    ]
    rmrb = next(i for i in library.issues if i.paper == "人民日报")
    assert rmrb.label == "人民日报 2017-12-04"
    assert [s.title for s in rmrb.sections] == ["第1版", "第24版"]
    assert [a.title for a in rmrb.sections[1].articles] == ["24-1", "24-2"]
    shown = " ".join([rmrb.label, *(s.title for s in rmrb.sections)])
    assert "renmrb" not in shown and ".txt" not in shown
    assert len({i.id for i in library.issues}) == 2


def test_a_page_folder_names_the_page(tmp_path: Path) -> None:
    write(tmp_path / "20190204" / "02_国内" / "20190204-02-01.txt", _article_file("甲"))
    write(tmp_path / "20190204" / "02_国内" / "20190204-02-02.txt", _article_file("乙"))
    write(tmp_path / "20190204" / "20190204-03-01.txt", _article_file("丙"))
    (issue,) = load_library([tmp_path], cache=False).issues
    assert [s.title for s in issue.sections] == ["第2版 国内", "第3版"]


def test_page_files_and_one_article_files_of_one_day(tmp_path: Path) -> None:
    write(tmp_path / "20190204" / "20190204-05-01.txt", _article_file("甲"))
    write(tmp_path / "20190204" / "01.md", PAGE)
    write(tmp_path / "20190204" / "07.md", PAGE.replace("头条", "七版"))
    (issue,) = load_library([tmp_path], cache=False).issues
    assert [s.title for s in issue.sections] == ["第1版", "第5版", "第7版"]
    assert issue.sections[0].articles[0].title == "头条新闻"


def test_a_paper_code_in_a_page_file_name_names_the_paper_not_the_page(tmp_path: Path) -> None:
    write(tmp_path / "gmrb-20180105-03.md", PAGE)
    (issue,) = load_library([tmp_path], cache=False).issues
    assert issue.paper == "光明日报"
    assert [s.title for s in issue.sections] == ["第3版"]


_PIECES = [
    "## 另一个标题",
    "# 头版头条",
    "（张三）",
    "(用俩画面)",
    "新华社记者 李明 摄",
    "　　",
    "",
    "本报讯 记者从有关部门获悉，春运开始。",
    "　　“让每个人都有出彩的机会。”",
    "——习近平",
    "短标题",
    "---",
    "资料图片",
]


def test_a_file_named_as_one_article_is_never_split(tmp_path: Path) -> None:
    rng = random.Random(20190204)
    day = tmp_path / "20190204"
    for order in range(1, 61):
        lines = [rng.choice(_PIECES) for _ in range(rng.randint(1, 14))] + ["正文。"]
        write(day / f"20190204-01-{order:02}.txt", "\r\n".join(lines))
    library = load_library([tmp_path], cache=False)
    (section,) = library.issues[0].sections
    files = [Path(path).name for path, _ in section.file_positions()]
    assert files == [f"20190204-01-{order:02}.txt" for order in range(1, 61)]


def test_the_first_part_read_from_the_page_cache_is_the_newest_issue_and_one_page_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The newest issue comes as soon as the first page of the next one is read: the page
    cache is asked for those first (here 3 pages), not for FIRST_CACHE_PART."""
    from tui.library.cache import PageCache

    from .conftest import write_archive

    root = write_archive(tmp_path / "paper", 30)  # two pages an issue
    whole = load_library([root], bodies=False)  # the page cache filled
    asked: list[int] = []
    load = PageCache.load

    def counted(self: PageCache, stamps: dict, **kwargs: object) -> dict:
        asked.append(len(stamps))
        return load(self, stamps, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(PageCache, "load", counted)
    partials: list[Library] = []
    assert load_library([root], bodies=False, on_partial=partials.append) == whole
    assert asked[0] == 3 and sum(asked) == 60
    assert [issue.title for issue in partials[0].issues] == [whole.issues[0].title]


def test_stamps_are_those_of_the_files_that_can_be_stated(tmp_path: Path) -> None:
    from tui.library.cache import stamp, stamps_of

    paths = []
    for n in range(3):
        path = tmp_path / f"{n}.md"
        path.write_text("x" * n, encoding="utf-8")
        paths.append(str(path))
    gone = str(tmp_path / "gone.md")
    assert stamps_of([paths[0], gone, *paths[1:]]) == {p: stamp(p) for p in paths}
    assert stamps_of([]) == {}
