"""One article's file → its Article: which lines are the kicker, headline, subtitle and
byline, where the dateline is, which paragraphs are photo captions and which are subheads.

Archives of one article per file print an article's head in one of four ways, told apart
by evidence in the file, never by its name or by one paper's habits:

- slots (a crawler's): line 1 the kicker (引题, may be empty), line 2 the headline, line 3
  the subtitle (副题, may be empty or start with ——), then the body. Known by an empty
  kicker slot, or by an empty or —— subtitle slot or a body indented under flush lines.
- title first: the headline, perhaps ending with `（附图片1张）`; then perhaps a subtitle, an
  author line (中共中央总书记、国家主席江泽民), a date line (（一九九七年十二月三十一日））;
  then the body, indented or not. An author or date line is never a kicker or subtitle,
  and one under a headline means the file is not in slots. Without an empty line or an
  indented body to end the head, only a —— subtitle, who and when stay in it.
- Markdown headings (`## 引题` / `# 标题` / `## 副题`): the highest heading is the headline,
  the one above it the kicker, the one below the subtitle; later headings are subheads.
  Markdown markers are no text.
- no head: the file opens with a paragraph (it closes a sentence or a clause, or is longer
  than a headline); the article has no title.

Nothing is dropped: every character but whitespace ends up in a field or a block, save
the brackets around a column tag (`讲好文创的时代故事（新语）` → title and column "新语").
A picture note `（附图片1张）` is no part of a headline: it is a caption block (standing for
the photo), first in the body; a title-first head's date line is a paragraph there. The
dateline and the reporter after it (`本报北京1月31日电 （记者杜一菲）`) are copied into
`dateline` and `byline`; the paragraph keeps its text.

In the body, each line with text is a block and lines of only whitespace are nothing.
A photo credit (新华社记者兰红光摄, 资料图片) and the caption above it are caption blocks,
never a byline; a file of captions only is a photo. One or two short lines that close no
sentence, between paragraphs, are subheads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tui.core.model import Article, ArticleKind, Block, BlockType
from tui.core.text import clean
from tui.library.parse import (
    _ROLE,
    _heading,
    _names,
    article_id,
    is_credit,
    is_markdown,
    strip_inline,
)

# ---------------------------------------------------------------------------
# Lines
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Line:
    text: str  # without the whitespace around it (and, in Markdown, without its markers)
    indented: bool  # printed after whitespace (　　, spaces)
    level: int = 0  # a Markdown heading's level (1 for `#`); 0 for any other line


_EMPTY = _Line("", False)


def _lines(text: str) -> list[_Line]:
    markdown = is_markdown(text)
    lines = []
    for raw in text.split("\n"):
        stripped = raw.strip()
        if markdown and stripped:
            heading = _heading(raw) if stripped[0] == "#" else None
            if heading is not None:
                lines.append(_Line(strip_inline(heading[1]), False, heading[0]))
                continue
            stripped = strip_inline(stripped)
        lines.append(_Line(stripped, bool(stripped) and raw[0].isspace()))
    return lines


# ---------------------------------------------------------------------------
# Recognisers
# ---------------------------------------------------------------------------

# `（附图片1张）`: the archive's note that a photo went with the article.
_PICTURE_NOTE = re.compile(
    r"[（(]附(?:图片|照片|图表|图|表)(?:[0-9０-９一二三四五六七八九十]{1,3}[张幅])?[)）]"
)

_NUMERAL = r"(?:[0-9０-９]{1,4}|[〇○零一二三四五六七八九十]{1,4})"
# A date line: （一九九七年十二月三十一日）, （2020年1月17日，内比都）, 2019年1月31日.
_DATE_LINE = re.compile(
    rf"[（(]?[ \u3000]*{_NUMERAL}[ \u3000]*年[ \u3000]*{_NUMERAL}[ \u3000]*月[ \u3000]*"
    rf"{_NUMERAL}[ \u3000]*日(?:[ \u3000，,、]*[\u3400-\u9fff]{{1,12}})?[ \u3000]*[)）]?"
)

# Who an author line names: the office, then the name (中共中央总书记、国家主席江泽民).
_OFFICE = (
    r"(?:总书记|主席|总理|委员长|部长|书记|主任|院长|省长|市长|州长|区长|县长|大使|"
    r"会长|理事长|校长|教授|研究员|秘书长|司令员|政委|主编|总编辑|社长|局长|厅长)"
)
_OFFICE_AND_NAME = re.compile(
    rf"[^\s，。,；;：:！？!?“”\"《》]{{0,40}}?{_OFFICE}[ \u3000]*[\u3400-\u9fff]{{2,4}}"
)
# What a headline does and an author line never holds: 会见, 主持召开, 的, 与, 和 (but 共和国).
_ACTION = re.compile(
    r"会见|会谈|出席|主持|召开|举行|访问|致电|致信|表示|强调|指出|看望|考察|视察|接见|签署|"
    r"发表|回信|贺电|贺信|的|在|向|与|对|将|同(?!志)|(?<!共)和"
)
_WRITERS = re.compile(r"(?:特约|本报|人民日报)?评论员|记者|通讯员|实习生")
# What a role word opens that is no name: 记者手记, 记者观察 (columns, not reporters).
_WRITING = re.compile(r"(?:手记|观察|札记|笔记|日记|调查|来信|随笔|视角|探营)$")

# A dateline: 本报讯, 本报北京1月31日电, 新华社北京5月26日电, 据新华社金边1月30日电.
_AGENCIES = (
    r"(?:本报|新华社|中新社|中国新闻社|人民网|新华网|央视网|央视新闻|光明网|中国日报网|"
    r"中央广播电视总台)"
)
_DATELINE = re.compile(
    rf"据?(?:本报讯|{_AGENCIES}[^\s，。,.；;：:（）()“”\"]{{0,30}}?(?:讯|电|消息))"
    r"(?:(?=[\s（(，,:：）)]|$)|(?<=日电)|(?<=日讯))"  # a date's 电 needs no space after it
)
_BRACKETED = re.compile(r"\s*[（(]([^（）()]{1,40})[)）]")

# A photo credit: 新华社记者兰红光摄, 本报记者 张三摄, 刘亮亮摄影报道（人民视觉）, 资料图片.
_CREDIT_TAIL = re.compile(r"(?<!拍)(?:摄影报道|摄影|摄|供图|制图)$")
_AGENCY_NOTE = re.compile(r"[ \u3000]*[（(][^（）()]{1,12}[)）]$")
_CREDIT_WHO = re.compile(r"[\u3400-\u9fff·A-Za-z]{1,12}")
_STOCK_CREDITS = frozenset(("资料图片", "新华社发", "本报资料图片", "新华社供图", "资料照片"))
_CREDIT_MAX = 60
# A credit at the end of a caption: `…图为一名骑手在驯马。 新华社记者 张三摄`.
_SENTENCE_THEN_CREDIT = re.compile(r"[。！？!?”」』]\s*([^。！？!?”」』]{2,60})$")
# A graphic's credit: 制图：王婷, 本版制图：张丹峰.
_GRAPHIC_CREDIT = re.compile(r"(?:本版)?(?:制图|绘图|插图|漫画)[:：][ \u3000]*(.{2,20})")
# What opens a caption: 图①：, 图为, 上图, 图片说明：.
_CAPTION_LEAD = re.compile(
    r"(?:图[①-⑳0-9０-９一二三四五六七八九十]+|图为|图：|图:|[上下左右中]图|题图|图片说明|图片)"
)
# Caption text before a credit without any of those leads: all of it when this short.
_CAPTION_RUN_MAX = 400

_OPENERS, _CLOSERS = "（(", "）)"
_COLUMN_MAX = 60
# What a trailing parenthesis holds when it is no column: part marks, dates, drafts.
_NOT_A_COLUMN = re.compile(
    r"[上中下续完]|[一二三四五六七八九十]{1,3}|之[一二三四五六七八九十]{1,3}|[①-⑳]"
    r"|[0-9０-９〇○零一二三四五六七八九十年月日至到—－\-~～、，, \u3000]+"
    r"|.*(?:全文|摘要|摘编|节选|节录|草案|试行|修订|修正|征求意见稿|通过|代序|"
    r"译文|原文|连载|简称)"
)

# The marks that close a sentence, a clause or a quotation; a subhead ends in none of them.
_CLOSING = set("。！？!?…；;，,、：:”’」』）)》】—.")
_SENTENCE_END = set("。！？!?…")
_PROSE_MARKS = set("。！？!?，,；;")
_QUOTE_CLOSERS = "”’」』）)》】"
_SUBHEAD_MAX = 30
_HEADLINE_MAX = 80
# Longer than these, a line of one clause break (，；), or of two, is a sentence.
_CLAUSE_HEADLINE_MAX = 60
_CLAUSES_HEADLINE_MAX = 30
_SHORT_EXCLAMATION = 25
_BYLINE_MAX = 40  # an author, reporter or date line is never longer


def _picture_notes(text: str) -> tuple[str, list[str]]:
    """A line without its `（附图片1张）` notes, and the notes."""
    notes = _PICTURE_NOTE.findall(text) if "附" in text else []
    if not notes:
        return text, []
    return _PICTURE_NOTE.sub("", text).strip(), notes


def _is_date_line(text: str) -> bool:
    return len(text) <= _BYLINE_MAX and _DATE_LINE.fullmatch(text) is not None


def _spaced(text: str) -> str:
    """Runs of any whitespace (no-break and ideographic spaces too) as one space."""
    return " ".join(text.split())


def _is_reporter_line(text: str) -> bool:
    """本报记者 张三, 新华社记者 张三 李四, 本报评论员: writers named on a line of their own."""
    if len(text) > _BYLINE_MAX or _is_credit(text):
        return False
    spaced = _spaced(text)
    if not _WRITERS.search(spaced) or _WRITING.search(spaced):
        return False
    if any(c in spaced for c in "，。；：！？,;:!?“”《》"):
        return False
    rest = _WRITERS.sub(" ", _ROLE.sub(" ", spaced)).strip()
    return not rest or _names(rest)


def _is_author_line(text: str) -> bool:
    """A line naming who wrote or spoke: a reporter line, or offices then a name (never a
    headline's action: 习近平会见国际奥委会主席巴赫)."""
    if text.startswith("——") or len(text) > _BYLINE_MAX or _is_credit(text):
        return False
    if _is_reporter_line(text):
        return True
    spaced = _spaced(text)
    return _OFFICE_AND_NAME.fullmatch(spaced) is not None and not _ACTION.search(spaced)


def _reads_as_paragraph(text: str) -> bool:
    """Text that is a paragraph, never a headline: it closes a sentence or a clause, or is
    longer than any headline."""
    if not text:
        return False
    if len(text) > _HEADLINE_MAX or _DATELINE.match(text):
        return True
    clauses = sum(text.count(c) for c in "，,；;")
    if len(text) > (_CLAUSES_HEADLINE_MAX if clauses >= 2 else _CLAUSE_HEADLINE_MAX) and clauses:
        return True
    core = text.rstrip(_QUOTE_CLOSERS) or text
    last = core[-1]
    if last in "。；;，,、：:":
        return True
    return last in _SENTENCE_END and len(text) > _SHORT_EXCLAMATION


def _credit_names(who: str) -> bool:
    """Who a credit names: people, roles and agencies (本报记者 谷业凯文 本报记者 雷 声)."""
    tokens = re.split(r"[ 、]+", who)
    return 0 < len(tokens) <= 12 and all(_CREDIT_WHO.fullmatch(t) for t in tokens if t)


def _is_credit(text: str) -> bool:
    """A photo credit line (新华社记者 兰红光摄, 蒙钟德摄（影像中国）, 资料图片)."""
    if len(text) > _CREDIT_MAX:
        return False
    spaced = _spaced(text)
    if spaced in _STOCK_CREDITS or is_credit(spaced):
        return True
    noted = _AGENCY_NOTE.search(spaced)
    if noted:
        spaced = spaced[: noted.start()]
        if spaced in _STOCK_CREDITS:
            return True
    tail = _CREDIT_TAIL.search(spaced)
    return tail is not None and _credit_names(spaced[: tail.start()].strip())


def _ends_with_credit(text: str) -> bool:
    """A caption printed with its credit: `…图为一名骑手在驯马。 新华社记者 张三摄`."""
    if len(text) <= 4:
        return False
    m = _SENTENCE_THEN_CREDIT.search(text[-_CREDIT_MAX - 2 :])
    return m is not None and _is_credit(m.group(1).strip())


def _trailing_parenthesis(title: str) -> int:
    """Where the parenthesis that closes `title` opens (nested ones inside it too:
    `（新春走基层（特别报道））`), or -1."""
    if title[-1:] not in _CLOSERS:
        return -1
    depth = 0
    for i in range(len(title) - 1, max(-1, len(title) - _COLUMN_MAX - 3), -1):
        if title[i] in _CLOSERS:
            depth += 1
        elif title[i] in _OPENERS:
            depth -= 1
            if depth == 0:
                return i
    return -1


def _column(title: str) -> tuple[str, str | None]:
    """A headline without its column tag, and the column: `讲好文创的时代故事（新语）`."""
    start = _trailing_parenthesis(title)
    if start < 0:
        return title, None
    inner = title[start + 1 : -1].strip()
    rest = title[:start].rstrip()
    if (
        len(rest) < 2
        or not inner
        or _NOT_A_COLUMN.fullmatch(inner)
        or any(c in inner for c in "。；;：:！？!?")
    ):
        return title, None
    return rest, inner


# ---------------------------------------------------------------------------
# The head
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Head:
    kicker: str | None = None
    title: str | None = None
    subtitle: str | None = None
    byline: str | None = None
    # Blocks that open the body: a picture note, a date line.
    blocks: list[Block] = field(default_factory=list)
    body_from: int = 0  # the line the body starts at


def _slot(lines: list[_Line], i: int) -> _Line:
    return lines[i] if i < len(lines) else _EMPTY


def _first_text(lines: list[_Line], start: int) -> int:
    """The first line from `start` that holds text, or len(lines)."""
    return next((i for i in range(start, len(lines)) if lines[i].text), len(lines))


def _in_slots(lines: list[_Line]) -> bool:
    """Whether the file prints kicker, headline and subtitle on lines 1–3 (a crawler's)."""
    kicker, headline, subtitle = _slot(lines, 0), _slot(lines, 1), _slot(lines, 2)
    slots = (kicker, headline, subtitle)
    if not headline.text or any(s.indented for s in slots):
        return False
    if any(_PICTURE_NOTE.search(s.text) for s in slots):
        return False
    h = headline.text
    if h.startswith("——") or _reads_as_paragraph(h) or _is_date_line(h):
        return False
    if not kicker.text:
        return True  # the kicker's empty slot
    if not kicker.text.endswith(("——", "：", ":")) and (
        _is_author_line(h)
        or _is_author_line(subtitle.text)
        or (subtitle.text and _is_date_line(subtitle.text))
    ):
        return False  # a title-first head: the headline, then who and when
    body = _first_text(lines, 3)
    if body < len(lines) and not lines[body].indented and _is_reporter_line(lines[body].text):
        body = _first_text(lines, body + 1)  # a byline between head and body
    if body == len(lines):
        return False
    return not subtitle.text or subtitle.text.startswith("——") or lines[body].indented


def _slots_head(lines: list[_Line]) -> _Head:
    kicker, headline, subtitle = (_slot(lines, i).text for i in range(3))
    head = _Head(kicker or None, headline, subtitle or None, body_from=3)
    if subtitle and _is_author_line(subtitle):
        head.subtitle, head.byline = None, _spaced(subtitle)
    _take_reporter(lines, head)
    return head


def _take_reporter(lines: list[_Line], head: _Head) -> None:
    """A reporter line right after the head is the byline (本报记者 张三)."""
    for i in range(head.body_from, len(lines)):
        text = lines[i].text
        if text:
            if head.byline is None and _is_reporter_line(text):
                head.byline = _spaced(text)
                head.body_from = i + 1
            return


@dataclass(frozen=True, slots=True)
class _HeadLine:
    index: int
    role: str  # title, author, date; note for a line that is only a picture note
    text: str  # without its picture notes
    notes: tuple[str, ...]


def _head_role(text: str, first: bool, has_author: bool) -> str:
    if not text:
        return "note"
    if first:
        return "title"  # the first line of text is the headline
    if not has_author and _is_author_line(text):
        return "author"
    return "date" if _is_date_line(text) else "title"


def _head_lines(lines: list[_Line], start: int) -> tuple[list[_HeadLine], int, bool]:
    """The lines a title-first head may hold from `start`, the line after them, and whether
    the head's end is marked (an empty line or an indented body under flush headlines; the
    end of the file is no mark: a title and one line are a title and its text)."""
    found: list[_HeadLine] = []
    titles, blank, has_author = 0, False, False
    for i in range(start, len(lines)):
        line = lines[i]
        if not line.text:
            blank = True
            continue
        text, notes = _picture_notes(line.text)
        role = _head_role(text, titles == 0, has_author)
        if role == "title" and titles:
            marked = blank or (line.indented and not lines[start].indented)
            if marked or titles >= 3 or _reads_as_paragraph(text) or _is_credit(text):
                return found, i, marked
        titles += role == "title"
        has_author = has_author or role == "author"
        found.append(_HeadLine(i, role, text, tuple(notes)))
    return found, len(lines), False


def _unmarked_head(found: list[_HeadLine]) -> int:
    """How many of `found` a head without a marked end keeps: the headline (after a lead-in
    ending ——), and the lines up to the last one that can only be in a head (a —— subtitle,
    an author or date line, a picture note); the lines after those are the body's."""
    headline = next((n for n, line in enumerate(found) if line.role == "title"), len(found))
    keep = headline + (2 if found[headline:] and found[headline].text.endswith("——") else 1)
    for n, line in enumerate(found):
        if line.role != "title" or line.notes or line.text.startswith("——"):
            keep = max(keep, n + 1)
    return min(keep, len(found))


def _title_first_head(lines: list[_Line]) -> _Head:
    start = next((i for i, line in enumerate(lines) if line.text), len(lines))
    if start == len(lines) or _reads_as_paragraph(_picture_notes(lines[start].text)[0]):
        return _Head(body_from=start)  # no head: the file opens with its text

    found, body_from, marked = _head_lines(lines, start)
    if not marked:
        keep = _unmarked_head(found)
        if keep < len(found):
            found, body_from = found[:keep], found[keep].index
    head = _Head(body_from=body_from)
    titles: list[str] = []
    with_note = -1  # which of them carried a picture note
    for line in found:
        if line.role == "author":
            head.byline = _spaced(line.text)
        elif line.role == "date":
            head.blocks.append(Block("paragraph", line.text))
        elif line.role == "title":
            with_note = len(titles) if line.notes else with_note
            titles.append(line.text)
        head.blocks += [Block("caption", note) for note in line.notes]
    _place_titles(head, titles, with_note)
    _take_reporter(lines, head)
    return head


def _place_titles(head: _Head, titles: list[str], marked: int) -> None:
    """Kicker, headline and subtitle among a title-first head's lines (the headline first,
    unless a picture note, a lead-in ending —— or a third line says otherwise)."""
    if not titles:
        return
    if marked >= 0:
        main = marked
    elif len(titles) >= 2 and titles[1].startswith("——"):
        main = 0
    elif len(titles) >= 3 or (len(titles) == 2 and titles[0].endswith("——")):
        main = 1
    else:
        main = 0
    head.title = titles[main]
    before, after = titles[:main], titles[main + 1 :]
    if before:
        head.kicker = before[-1]
        head.blocks[:0] = [Block("paragraph", t) for t in before[:-1]]
    if after:
        head.subtitle = after[0]
        head.blocks += [Block("paragraph", t) for t in after[1:]]


def _markdown_head(lines: list[_Line], start: int) -> _Head:
    """A head of Markdown headings (from `start`, the first line of text): the highest
    (fewest `#`) is the headline, the one above it the kicker, the one below the subtitle;
    any others are subheads."""
    heads: list[int] = []
    body_from = len(lines)
    for i in range(start, len(lines)):
        if lines[i].level:
            heads.append(i)
        elif lines[i].text:
            body_from = i
            break
    levels = [lines[i].level for i in heads]
    main = levels.index(min(levels))
    head = _Head(title=lines[heads[main]].text, body_from=body_from)
    if main > 0:
        head.kicker = lines[heads[main - 1]].text
    if main + 1 < len(heads):
        head.subtitle = lines[heads[main + 1]].text
    others = heads[: max(main - 1, 0)] + heads[main + 2 :]
    head.blocks = [Block("subhead", lines[i].text) for i in others]
    _take_reporter(lines, head)
    return head


def _read_head(lines: list[_Line]) -> _Head:
    start = _first_text(lines, 0)
    if start < len(lines) and lines[start].level:
        return _markdown_head(lines, start)
    return _slots_head(lines) if _in_slots(lines) else _title_first_head(lines)


# ---------------------------------------------------------------------------
# The body
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Piece:
    text: str
    type: BlockType | None = "paragraph"  # None for an empty line
    credit: str | None = None  # a credit line's: "photo" (with a caption above) or "graphic"


def _pieces(lines: list[_Line]) -> list[_Piece]:
    pieces = []
    for line in lines:
        if not line.text:
            pieces.append(_Piece("", None))
        elif line.level:
            pieces.append(_Piece(line.text, "subhead"))
        elif _is_credit(line.text):
            pieces.append(_Piece(line.text, "caption", credit="photo"))
        elif _GRAPHIC_CREDIT.fullmatch(line.text):
            pieces.append(_Piece(line.text, "caption", credit="graphic"))
        elif _PICTURE_NOTE.fullmatch(line.text):
            pieces.append(_Piece(line.text, "caption"))
        else:
            pieces.append(_Piece(line.text))
    return pieces


def _mark_captions(pieces: list[_Piece]) -> None:
    """Each credit's caption: the paragraphs just before it, from the one that opens a
    caption (图为…, 图①：…) or, without one, all of them back to an empty line when they
    are short (a photo's text); a caption that ends with its credit."""
    for k, piece in enumerate(pieces):
        if piece.type == "paragraph" and _ends_with_credit(piece.text):
            piece.type = "caption"
        if piece.credit != "photo":
            continue
        run: list[int] = []
        j = k - 1
        while j >= 0 and pieces[j].type == "paragraph":
            run.append(j)
            j -= 1
        run.reverse()
        leads = {i for i in run if _CAPTION_LEAD.match(pieces[i].text)}
        if leads:
            first = max(leads)
            while first - 1 in leads:
                first -= 1
            run = [i for i in run if i >= first]
        elif sum(len(pieces[i].text) for i in run) > _CAPTION_RUN_MAX:
            run = []
        for i in run:
            pieces[i].type = "caption"


def _subhead_candidate(text: str) -> bool:
    """A short line that closes no sentence: 核心阅读, （六）改进党的领导方式, or a tag after it
    (服务用心才能贴心（记者手记）); never a signature (——编者), a reporter or a date."""
    if len(text) > _SUBHEAD_MAX or text.startswith("——"):
        return False
    tag = _trailing_parenthesis(text)
    if tag > 0 and text[0] not in _OPENERS and not _PROSE_MARKS & set(text):
        text = text[:tag]
    return (
        text[-1] not in _CLOSING
        and not _is_reporter_line(text)
        and not _is_date_line(text)
        and not _DATELINE.match(text)
    )


def _mark_subheads(pieces: list[_Piece]) -> None:
    """Short lines without closing punctuation between paragraphs: one or two in a row (three
    or more are verse or a list, and stay paragraphs)."""
    texts = [i for i, p in enumerate(pieces) if p.type is not None]
    candidate = [
        pieces[i].type == "paragraph" and _subhead_candidate(pieces[i].text) for i in texts
    ]
    n = 0
    while n < len(texts):
        if not candidate[n]:
            n += 1
            continue
        end = n
        while end < len(texts) and candidate[end]:
            end += 1
        if end - n <= 2 and end < len(texts) and pieces[texts[end]].type == "paragraph":
            for m in range(n, end):
                pieces[texts[m]].type = "subhead"
        n = end


def _dateline(blocks: list[Block]) -> tuple[str | None, str | None]:
    """The first dateline that opens a paragraph or caption (after a lead-in quotation too),
    and the reporter named in brackets after it: `本报北京1月31日电 （记者杜一菲）`."""
    for block in blocks:
        m = _DATELINE.match(block.text) if block.type != "subhead" else None
        if m:
            after = _BRACKETED.match(block.text, m.end())
            return m.group(), _reporter(after.group(1)) if after else None
    return None, None


def _reporter(text: str) -> str | None:
    """The reporters a dateline names: `记者杜一菲`, `记者毛鹏飞、高炳南`."""
    spaced = _spaced(text)
    if not spaced or len(spaced) > _BYLINE_MAX or _is_credit(spaced):
        return None
    return spaced if _names(spaced) else None


# ---------------------------------------------------------------------------
# Public
# ---------------------------------------------------------------------------


def parse_article_file(text: str) -> Article:
    """The one article a file of one article holds, whatever the text looks like."""
    lines = _lines(clean(text))
    head = _read_head(lines)
    pieces = _pieces(lines[head.body_from :])
    _mark_captions(pieces)
    _mark_subheads(pieces)
    body = [Block(p.type, p.text) for p in pieces if p.type is not None]
    blocks = (*head.blocks, *body)

    dateline, reporter = _dateline(body)
    byline = head.byline or reporter
    title, column = _column(head.title) if head.title else (None, None)
    photo = any(p.credit for p in pieces) and all(b.type == "caption" for b in body)
    # (a file of captions and credits only: a photo, or a graphic)
    kind: ArticleKind = "photo" if photo else "article"
    return Article(
        id=article_id(kind, title, blocks),
        kind=kind,
        title=title,
        blocks=blocks,
        kicker=head.kicker,
        subtitle=head.subtitle,
        byline=byline,
        dateline=dateline,
        column=column,
    )
