"""One page's text → Articles.

A page is Markdown as extracted from a printed newspaper page (`#`/`##` headlines,
`###` subheads, bold datelines, bylines in parentheses, photo captions with credits),
or a plain-text article file (first line the title, each further line a paragraph).
Extraction leaves damage that this module repairs where it can tell, and never drops
text: apart from Markdown markers, whitespace and the brackets around a byline, every
character of the page ends up in some article.

The work is done in two passes: `_items` turns lines into headings, paragraphs and
credit lines; `_Builder` walks those items and decides which article each belongs to.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from tui.core.model import Article, Block
from tui.core.text import clean

# ---------------------------------------------------------------------------
# Recognisers
# ---------------------------------------------------------------------------

_RULE = re.compile(r"^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_LINE_MARKER = re.compile(r"^ {0,3}(?:>[ \t]?|[-+*][ \t]+)+")

# A dateline: 本报讯, 本报北京12月9日电, 新华社北京12月9日电, 记者日前从…获悉 is not one.
_DATELINE_WORDS = (
    r"(?:本报讯|(?:本报|新华社|中新社|人民网|新华网|央视网)[^\s，。,.*]{0,16}?(?:讯|电))"
)
_BOLD_LEAD = re.compile(r"^\*\*([^*\n]{1,30}?)\*\*")
_PLAIN_DATELINE = re.compile(rf"^{_DATELINE_WORDS}(?=[\s（(，,:：]|$)")
_DATELINE_TEXT = re.compile(rf"^(?:{_DATELINE_WORDS}|.{{0,24}}(?:讯|电|报道|消息))$")

# A byline closing a paragraph: (李俊华), （记者 张三）, (李 静), (本报记者 王五 赵六).
# It stands alone or after a finished sentence; `李欣然（满族）` in a list of names is no byline.
_BYLINE = re.compile(
    r"(?:^|(?<=[。！？!?”’」』…]))[ \t\u3000]*[（(][ \t\u3000]*([^()（）]{1,30}?)[ \t\u3000]*[)）]"
    r"[ \t\u3000]*$"
)
# Who wrote or took it: 记者, 本报记者, 新华社记者, 通讯员… (and the agency alone, for credits).
_ROLE = re.compile(
    r"(?:本报|新华社|中新社|人民日报|央视)?(?:特约|见习|实习|首席)?(?:摄影记者|记者|通讯员|实习生)"
    r"|^(?:新华社|中新社|本报)"
)
_NAME_PART = re.compile(r"[\u3400-\u9fff]{2,4}(?:·[\u3400-\u9fff]{1,6})?|[A-Z][a-z]+")
_NAME_SEPARATORS = re.compile(r"[ \u3000、]+")
# A photo credit line: 邓寅明 摄, 新华社记者某某摄, 本报记者 张三 摄影; or 资料图片.
_CREDIT_END = re.compile(r"^(.{2,24}?)[ \u3000]*(?<!拍)(?:摄影|摄|供图|制图|/摄|／摄)$")
_STOCK_CREDITS = frozenset(("资料图片", "新华社发", "本报资料图片"))


def _heading(line: str) -> tuple[int, str] | None:
    r"""An ATX heading's level and text: `## 标题`, `## 标题 ##`; None for any other line.

    What `^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$` matches, without its
    backtracking: that regex is quadratic in a run of spaces inside the heading.
    """
    body = line.lstrip(" ")
    text = body.lstrip("#")
    level = len(body) - len(text)
    if len(line) - len(body) > 3 or not 1 <= level <= 6 or text[:1] not in ("", " ", "\t"):
        return None
    text = text.strip(" \t")
    unclosed = text.rstrip("#")
    if unclosed != text and unclosed[-1:] in (" ", "\t"):  # a closing sequence: `## 标题 ##`
        text = unclosed.rstrip(" \t")
    return level, text


def _names(text: str) -> bool:
    """Whether `text` is one to five names, with roles: 李俊华, 李 静, 记者 王五 赵六."""
    tokens = _NAME_SEPARATORS.split(_ROLE.sub(" ", text).strip())
    names: list[str] = []
    single = ""  # a two-character name printed with a space in it: 李 静
    for token in tokens:
        if len(token) == 1 and "\u3400" <= token <= "\u9fff":
            single += token
            continue
        if single:
            names.append(single)
            single = ""
        if token:
            names.append(token)
    if single:
        names.append(single)
    return 0 < len(names) <= 5 and all(_NAME_PART.fullmatch(n) for n in names)


# A line that opens a list entry (`1982－1983年 …`, `（一）…`, `2. …`): never a continuation.
_LIST_LEAD = re.compile(
    r"^(?:\d{1,4}[－\-—~～.．、年)）]|[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、|[•·●■◆▲])"
)
# Prose punctuation, and the marks that open a quoted title or quotation (with their closers).
_PROSE_OR_QUOTE = re.compile(r"[，。,；;《“「]")
_CLOSING_QUOTE = {"《": "》", "“": "”", "「": "」"}

# A paragraph that ends on one of these finished its sentence.
_SENTENCE_END = set("。！？!?…；;”’」』）)》.：:—]】")
# A quotation mark that opens, and the marks that end a sentence: a paragraph ending on
# `。“` finished its sentence too, whether the mark opens the next quotation or is a closing
# one printed the wrong way round (”你好。“).
_OPENING_QUOTE = set("“‘「『")
_FULL_STOP = set("。！？!?…；;")
# Where a clause ends: a short line ending on one is an entry of a list or a line of verse.
_CLAUSE_END = set("，,、")
# What a title line is without: any punctuation of a sentence.
_PUNCTUATION = re.compile(r"[，。,.；;！？!?：:、…]")
_SLOGAN_MAX = 30
_KICKER_MAX = 30
_HEADLINE_LINE_MAX = 30  # an unmarked line longer than this is no headline
_JOIN_MIN = 20


def is_credit(text: str) -> bool:
    if text in _STOCK_CREDITS:
        return True
    m = _CREDIT_END.match(text) if len(text) <= 30 else None
    return m is not None and _names(m.group(1))


# ---------------------------------------------------------------------------
# Inline Markdown
# ---------------------------------------------------------------------------

_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_EMPHASIS = re.compile(r"(?<![A-Za-z0-9*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![A-Za-z0-9*])")
_UNDERSCORE_EMPHASIS = re.compile(r"(?<![A-Za-z0-9_])_(?=\S)([^_\n]+?)(?<=\S)_(?![A-Za-z0-9_])")
_CODE = re.compile(r"`+([^`]*)`+")
_STRAY_STRONG = re.compile(r"\*\*+|__+")
_SENTINEL = "\x00"  # never survives clean(), so it cannot collide with page text

# Images, links and strong emphasis are found by the scanners below, not by a regex: a
# regex tried at every `[` or `**` of a line that never closes them reads to the end of
# the line from each, and a 40 KB paragraph of `**a ` took 17 s. The scanners find
# exactly what these regexes would, with each search reused while it still holds:
#   image   !\[([^\]]*)\]\([^)]*\)
#   link    \[([^\]]+)\]\([^)\s]*(?:\s+"[^"]*")?\)
#   strong  (\*\*|__)(?=\S)(.+?)(?<=\S)\1
_CLOSE_BRACKET = re.compile(r"\]")
_CLOSE_PAREN = re.compile(r"\)")
_URL_END = re.compile(r"[)\s]")
_LINK_TITLE = re.compile(r'\s+"[^"]*"\)')
_STRONG_MARK = re.compile(r"\*\*|__")
_STRONG_OTHER = {"**": re.compile("__"), "__": re.compile(r"\*\*")}
_STRONG_CLOSE = {"**": re.compile(r"(?<=\S)\*\*"), "__": re.compile(r"(?<=\S)__")}
_NEWLINE = re.compile("\n")


class _Next:
    """Where `pattern` next matches in `text` at or after a position (len(text) if
    nowhere). Asked for positions that only grow, it searches each character once."""

    __slots__ = ("_at", "_from", "_pattern", "_text")

    def __init__(self, pattern: re.Pattern[str], text: str) -> None:
        self._pattern, self._text = pattern, text
        self._from, self._at = 0, -1  # no match from _from until _at

    def __call__(self, pos: int) -> int:
        if not self._from <= pos <= self._at:
            m = self._pattern.search(self._text, pos)
            self._from, self._at = pos, m.start() if m else len(self._text)
        return self._at


def _sub_images(text: str) -> str:
    """`![alt](src)` → alt. Stops at the first `![` with no `]…(…)` after it."""
    n = len(text)
    bracket, paren = _Next(_CLOSE_BRACKET, text), _Next(_CLOSE_PAREN, text)
    out: list[str] = []
    done = 0
    i = text.find("![")
    while i != -1:
        k = bracket(i + 2)
        if k == n:
            break
        if text[k + 1 : k + 2] == "(":
            close = paren(k + 2)
            if close == n:
                break
            out += (text[done:i], text[i + 2 : k])
            done = close + 1
            i = text.find("![", done)
        else:  # every `![` before this `]` fails alike
            i = text.find("![", k + 1)
    return "".join(out) + text[done:] if out else text


def _sub_links(text: str) -> str:
    """`[text](url)` and `[text](url "title")` → text. Stops where no `]` or URL ends."""
    n = len(text)
    bracket, url_end = _Next(_CLOSE_BRACKET, text), _Next(_URL_END, text)
    titled_at, titled_end = -1, -1  # the last title tried, which the next may share
    out: list[str] = []
    done = 0
    i = text.find("[")
    while i != -1:
        k = bracket(i + 1)
        if k == n:
            break
        end = -1
        if k > i + 1 and text[k + 1 : k + 2] == "(":
            u = url_end(k + 2)
            if u == n:
                break
            if text[u] == ")":
                end = u + 1
            else:
                if u != titled_at:
                    m = _LINK_TITLE.match(text, u)
                    titled_at, titled_end = u, (m.end() if m else -1)
                end = titled_end
        if end == -1:  # every `[` before this `]` fails alike
            i = text.find("[", k + 1)
        else:
            out += (text[done:i], text[i + 1 : k])
            done = end
            i = text.find("[", done)
    return "".join(out) + text[done:] if out else text


def _sub_strong(text: str) -> str:
    """`**strong**` and `__strong__` → strong: the first closing mark after a non-space."""
    n = len(text)
    closers = {mark: _Next(pattern, text) for mark, pattern in _STRONG_CLOSE.items()}
    newline = _Next(_NEWLINE, text)
    out: list[str] = []
    done = 0
    marks = _STRONG_MARK
    m = marks.search(text)
    while m:
        i = m.start()
        if i + 2 < n and not text[i + 2].isspace():
            close = closers[m.group()](i + 3)
            line_end = newline(i + 2)
            if close < line_end:
                out += (text[done:i], text[i + 2 : close])
                done = close + 2
                m = marks.search(text, done)
                continue
            if close == n:  # none of this mark closes from here on
                if marks is not _STRONG_MARK:
                    break
                marks = _STRONG_OTHER[m.group()]
        m = marks.search(text, i + 1)
    return "".join(out) + text[done:] if out else text


_MARKUP_CHARS = re.compile(r"[*_\[\]`\\]")


def strip_inline(text: str) -> str:
    """Plain text of a Markdown inline span: no emphasis markers, links reduced to text."""
    if not _MARKUP_CHARS.search(text):
        return text.strip()
    escaped: list[str] = []

    def protect(m: re.Match[str]) -> str:
        escaped.append(m.group(1))
        return _SENTINEL

    text = _ESCAPED.sub(protect, text)
    text = _sub_images(text)
    text = _sub_links(text)
    text = _CODE.sub(r"\1", text)
    for _ in range(3):  # nested emphasis (***x***) unwraps in a few rounds
        text = _sub_strong(text)
        text = _EMPHASIS.sub(r"\1", text)
    text = _UNDERSCORE_EMPHASIS.sub(r"\1", text)
    text = _STRAY_STRONG.sub("", text)
    if escaped:
        parts = text.split(_SENTINEL)
        text = parts[0] + "".join(e + p for e, p in zip(escaped, parts[1:], strict=False))
    return text.strip()


def _join_lines(lines: list[str]) -> str:
    """Lines of one paragraph: joined with a space, except where CJK meets CJK."""
    out = ""
    for line in lines:
        if out and not (_is_wide(out[-1]) or _is_wide(line[0])):
            out += " "
        out += line
    return out


def _is_wide(ch: str) -> bool:
    return ch >= "\u2e80"


# ---------------------------------------------------------------------------
# Pass 1: lines → items
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Heading:
    level: int
    text: str


@dataclass(slots=True)
class _Para:
    text: str
    dateline: str | None = None


@dataclass(slots=True)
class _Credit:
    text: str


_Item = _Heading | _Para | _Credit


def _paragraph(raw: str) -> _Para | _Credit:
    """A paragraph's Markdown → its plain text, with a leading dateline recognised."""
    dateline = None
    lead = _BOLD_LEAD.match(raw)
    if lead and _DATELINE_TEXT.match(lead.group(1).strip()):
        dateline = strip_inline(lead.group(1))
        rest = raw[lead.end() :]
        sep = " " if rest[:1].isspace() else ""
        text = dateline + sep + strip_inline(rest)
    else:
        text = strip_inline(raw)
        plain = _PLAIN_DATELINE.match(text)
        if plain:
            dateline = plain.group(0)
    if dateline is None and is_credit(text):
        return _Credit(text)
    return _Para(text, dateline)


_ANY_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)", re.M)


def is_markdown(text: str) -> bool:
    return _ANY_HEADING.search(text) is not None


def _items(text: str, markdown: bool) -> list[_Item]:
    items: list[_Item] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            item = _paragraph(_join_lines(pending))
            if item.text:
                items.append(item)
            pending.clear()

    for raw_line in text.split("\n"):
        line = raw_line.strip()
        if not line or (line[0] in "*-_" and _RULE.match(line)):
            flush()
            continue
        heading = _heading(raw_line) if markdown and line[0] == "#" else None
        if heading:
            flush()
            items.append(_Heading(heading[0], strip_inline(heading[1])))
            continue
        if markdown:
            line = _LINE_MARKER.sub("", line).strip()
            if not line:
                continue
            # A credit line printed straight under its caption is a paragraph of its own.
            if pending and is_credit(strip_inline(line)):
                flush()
                pending.append(line)
                flush()
                continue
            pending.append(line)
        else:
            pending.append(line)
            flush()
    flush()

    if not markdown:
        # A plain-text article file: its first line is the title.
        for i, item in enumerate(items):
            if isinstance(item, _Para | _Credit):
                items[i] = _Heading(1, item.text)
                break
    return items


# ---------------------------------------------------------------------------
# Pass 2: items → articles
# ---------------------------------------------------------------------------


class _Prose:
    """Whether a growing text reads as prose: a comma or full stop outside quoted titles
    and quotations. A mark (《, “, 「) quotes up to the first closing mark after it; one
    that is never closed is plain text (what removing `《[^》]*》|“[^”]*”|「[^」]*」` leaves).

    Text is added piece by piece, at a cost linear in what is added: the scan up to the
    first punctuation found stands, unless the new text closes a mark left open before it.
    """

    __slots__ = ("found", "length", "open")

    def __init__(self) -> None:
        self.length = 0
        self.found = False
        # closing mark → where the first mark it would close, left open, is (before any
        # punctuation found)
        self.open: dict[str, int] = {}

    def add(self, text: str) -> None:
        base = self.length
        self.length += len(text)
        closed = [(at, close) for close, at in self.open.items() if close in text]
        if closed:  # the first mark closed now quotes all that followed it
            at, close = min(closed)
            self.open = {c: a for c, a in self.open.items() if a < at}
            self.found = False
            self._scan(text, text.index(close) + 1, base)
        elif not self.found:
            self._scan(text, 0, base)

    def _scan(self, text: str, i: int, base: int) -> None:
        unclosed: set[str] = set()  # closing marks `text` has no more of
        while m := _PROSE_OR_QUOTE.search(text, i):
            close = _CLOSING_QUOTE.get(m.group())
            if close is None:
                self.found = True
                return
            end = -1 if close in unclosed else text.find(close, m.end())
            if end == -1:
                unclosed.add(close)
                self.open.setdefault(close, base + m.start())
                i = m.end()
            else:
                i = end + 1


class _Tail:
    """A draft's last paragraph, kept in pieces while column breaks may continue it, so
    that a page of continued paragraphs is joined once, not once per piece."""

    __slots__ = ("_list_lead", "_prose", "_read", "end", "ending", "length", "parts")

    def __init__(self, text: str) -> None:
        self.parts = [text]
        self.length = len(text)
        self.end = text[-1:]  # its last character
        self.ending = text[-2:]  # its last two
        self._prose: _Prose | None = None
        self._read = 0  # parts the prose scan has seen
        self._list_lead: bool | None = None

    def add(self, text: str) -> None:
        if text:
            self.parts.append(text)
            self.length += len(text)
            self.end = text[-1]
            self.ending = text[-2:] if len(text) > 1 else self.ending[-1:] + text

    def finished(self) -> bool:
        """Whether it ends on the end of a sentence (`。`, `”`, `。“`)."""
        end = self.end
        return end in _SENTENCE_END or (end in _OPENING_QUOTE and self.ending[:1] in _FULL_STOP)

    def reads_as_prose(self) -> bool:
        if self._prose is None:
            self._prose = _Prose()
        for part in self.parts[self._read :]:
            self._prose.add(part)
        self._read = len(self.parts)
        return self._prose.found

    def opens_list(self) -> bool:
        # Asked only of prose, whose punctuation ends any list lead: what follows cannot
        # change the answer.
        if self._list_lead is None:
            self._list_lead = _LIST_LEAD.match(self.parts[0]) is not None
        return self._list_lead

    def text(self) -> str:
        return "".join(self.parts)


@dataclass(slots=True)
class _Draft:
    kind: str = "article"
    title: str | None = None
    kicker: str | None = None
    subtitle: str | None = None
    byline: str | None = None
    dateline: str | None = None
    blocks: list[Block] = field(default_factory=list)
    # A body that began after a finished article, still waiting for its headline.
    orphan: bool = False
    # The last block, while it is a paragraph: its block holds only its first piece until
    # `close` joins them.
    tail: _Tail | None = None

    @property
    def finished(self) -> bool:
        return self.byline is not None

    def has_paragraphs(self) -> bool:
        return any(b.type == "paragraph" for b in self.blocks)

    def add(self, block: Block) -> None:
        self.close()
        self.blocks.append(block)
        self.tail = _Tail(block.text) if block.type == "paragraph" else None

    def close(self) -> None:
        """The last paragraph's pieces joined into its block."""
        if self.tail is not None and len(self.tail.parts) > 1:
            self.blocks[-1] = Block("paragraph", self.tail.text())
        self.tail = None


def _cut_by_column_break(tail: _Tail, following: str) -> bool:
    """The paragraph `tail` stops mid-sentence and `following` reads as the rest of it.

    Only a paragraph long enough to have been cut (_JOIN_MIN) and not ending on a finished
    sentence (`。`, or `。“`) is rejoined, and only prose: a line without commas or full
    stops is a heading, a list entry or a name list. What follows is no rest of a sentence
    where it is a line of its own: one that opens a list entry, or a short one
    (_HEADLINE_LINE_MAX) with no punctuation, a title. A paragraph ending on a comma
    finished a clause: a short one followed by a short one is an entry of a list
    (任命…为…部长，) or a line of verse, and neither is continued.
    """
    end = tail.end
    if tail.finished() or end.isspace() or tail.length < _JOIN_MIN:
        return False
    if _LIST_LEAD.match(following) or _is_title_line(following):
        return False
    if end in _CLAUSE_END:
        return tail.length > _HEADLINE_LINE_MAX or len(following) > _HEADLINE_LINE_MAX
    return tail.reads_as_prose() and not tail.opens_list()


def _is_title_line(text: str) -> bool:
    """A short line with no punctuation: 甲国总理表示愿深化合作. The rest of a cut sentence
    that is so short ends the sentence, with a full stop."""
    return len(text) <= _HEADLINE_LINE_MAX and _PUNCTUATION.search(text) is None


# What a headline never holds: the end of a sentence.
_SENTENCE_MARK = re.compile(r"[。；;！？!?]")


def _shaped_like_headline(text: str) -> bool:
    """A short line with no sentence ended in it, nor a clause left open at its end:
    中国银联助力海水稻研究事业, 改革潮头，帆高舵稳."""
    return (
        len(text) <= _HEADLINE_LINE_MAX
        and _SENTENCE_MARK.search(text) is None
        and text[-1:] not in ("，", ",", "：", ":", "、")
    )


# Editors' notes printed in brackets where a byline would be: no one's name.
_NOTES = re.compile(
    r"全文另发|全文见\S*|[待未]续|续完|完|有删节|略有删节|摘编|节选|摘要|详见\S*|见\S{1,6}版"
    r"|[上中下]|本版责编\S*|责编\S*|图片来源\S*"
)


def _split_byline(text: str) -> tuple[str, str | None]:
    m = _BYLINE.search(text)
    if not m or not _names(m.group(1)) or _NOTES.fullmatch(m.group(1).strip()):
        return text, None
    return text[: m.start()].rstrip(), m.group(1).strip()


class _Builder:
    def __init__(self, items: list[_Item], markdown: bool) -> None:
        self.items = items
        self.markdown = markdown  # a page that marks its headlines
        self.drafts: list[_Draft] = []
        self.current: _Draft | None = None  # the article new body text belongs to

    # -- helpers over the item list ---------------------------------------

    def _at(self, i: int) -> _Item | None:
        return self.items[i] if 0 <= i < len(self.items) else None

    def _is_headline(self, i: int) -> bool:
        item = self._at(i)
        return isinstance(item, _Heading) and item.level <= 2

    def _bodiless(self, i: int) -> bool:
        """A headline followed straight by another headline or by the end of the page."""
        return self._is_headline(i) and (i + 1 >= len(self.items) or self._is_headline(i + 1))

    def _past_photos(self, i: int) -> int:
        """The index of the first item from `i` on that is not part of a photo (a caption
        with its credit, or a credit alone)."""
        while True:
            item = self._at(i)
            if isinstance(item, _Credit):
                i += 1
            elif isinstance(item, _Para) and isinstance(self._at(i + 1), _Credit):
                i += 2
            else:
                return i

    def _article_ends_before(self, i: int) -> bool:
        """Whether what starts at item `i`, past any photos, cannot continue the article
        above it: the end of the page, a headline, a paragraph opened by a dateline, or, on
        a plain-text page, which marks no headlines, a line shaped like one with text after
        it. Body text or a subhead goes on with the article, and a photo may stand in it."""
        i = self._past_photos(i)
        item = self._at(i)
        if item is None or self._is_headline(i):
            return True
        if not isinstance(item, _Para):
            return False
        if item.dateline is not None:
            return True
        return (
            not self.markdown and _shaped_like_headline(item.text) and self._at(i + 1) is not None
        )

    def _kicker_at(self, i: int) -> tuple[str, str | None, int] | None:
        """`## 引题` [slogan] `# 主题`: (kicker, subtitle, index of the main headline)."""
        kicker = self._at(i)
        if not isinstance(kicker, _Heading) or len(kicker.text) > _KICKER_MAX:
            return None
        nxt = self._at(i + 1)
        if (
            isinstance(nxt, _Para)
            and nxt.dateline is None
            and len(nxt.text) <= _SLOGAN_MAX
            and not any(c in "。！？!?" for c in nxt.text)
        ):
            main = self._at(i + 2)
            if isinstance(main, _Heading) and main.level < kicker.level:
                return kicker.text, nxt.text, i + 2
        if isinstance(nxt, _Heading) and nxt.level < kicker.level:
            return kicker.text, None, i + 1
        return None

    # -- building -----------------------------------------------------------

    def _start(self, draft: _Draft) -> _Draft:
        self.drafts.append(draft)
        if draft.kind == "article":
            self.current = draft
        return draft

    def _body_target(self, para: _Para | None) -> _Draft:
        """The article a paragraph (or subhead, for None) belongs to, opening one if needed."""
        cur = self.current
        starts_anew = cur is None or cur.finished
        if para is not None and para.dateline and cur is not None and cur.has_paragraphs():
            starts_anew = True  # a dateline only ever opens an article
        if starts_anew:
            return self._start(_Draft(orphan=True))
        assert cur is not None
        return cur

    def build(self) -> list[_Draft]:
        i = 0
        while i < len(self.items):
            item = self.items[i]
            if isinstance(item, _Heading) and item.level <= 2:
                i = self._headline(i)
            elif isinstance(item, _Heading):
                target = self._body_target(None)
                target.add(Block("subhead", item.text))
                i += 1
            elif isinstance(item, _Para) and isinstance(self._at(i + 1), _Credit):
                credit = self._at(i + 1)
                assert isinstance(credit, _Credit)
                self._start(
                    _Draft(kind="photo", blocks=[Block("caption", item.text)], byline=credit.text)
                )
                i += 2
            elif isinstance(item, _Credit):
                self._start(_Draft(kind="photo", byline=item.text))
                i += 1
            else:
                self._paragraph(i)
                i += 1
        for draft in self.drafts:
            draft.close()
        return self.drafts

    def _headline(self, i: int) -> int:
        heading = self.items[i]
        assert isinstance(heading, _Heading)
        cur = self.current
        if (
            cur is not None
            and cur.orphan
            and cur.finished
            and cur.title is None
            and self._bodiless(i)
        ):
            # A whole article, opened after a finished one and closed by its byline, then a
            # headline with no body: the body was extracted before its headline.
            cur.title = heading.text
            cur.orphan = False
            self.current = None
            return i + 1
        kicker = self._kicker_at(i)
        if kicker is not None:
            kicker_text, subtitle, main = kicker
            main_heading = self.items[main]
            assert isinstance(main_heading, _Heading)
            self._start(_Draft(title=main_heading.text, kicker=kicker_text, subtitle=subtitle))
            return main + 1
        self._start(_Draft(title=heading.text))
        return i + 1

    def _byline_in(self, i: int) -> tuple[str, str | None]:
        """Paragraph `i`'s text and the byline that ends its article, if it has one.

        A name in brackets, alone or after a finished sentence, is that byline only where
        the article cannot go on after it: (用俩画面) with more of the article after it is
        a note, and stays in the text."""
        text = self.items[i].text
        if not text.rstrip(" \t\u3000").endswith((")", "）")):
            return text, None  # no byline, without trying the pattern all along the text
        if not self._article_ends_before(i + 1):
            return text, None
        return _split_byline(text)

    def _paragraph(self, i: int) -> None:
        para = self.items[i]
        assert isinstance(para, _Para)
        text, byline = self._byline_in(i)
        if not text and byline is not None:
            # A byline on a line of its own closes the article it follows.
            closing = self.current
            if closing is not None and not closing.finished:
                closing.byline = byline
                return
            text, byline = para.text, None
        target = self._body_target(para)
        tail = target.tail
        if tail is not None and para.dateline is None and _cut_by_column_break(tail, text):
            # A paragraph cut by a column break: the next one continues it.
            sep = "" if _is_wide(tail.end) or _is_wide(text[:1] or " ") else " "
            tail.add(sep + text)
        elif text:
            if para.dateline and not target.has_paragraphs():
                target.dateline = para.dateline
            target.add(Block("paragraph", text))
        if byline is not None:
            target.byline = byline


# ---------------------------------------------------------------------------
# Public
# ---------------------------------------------------------------------------


def article_id(kind: str, title: str | None, blocks: tuple[Block, ...]) -> str:
    """A content id: the same article keeps it wherever its file is or is called.

    Built from the title and the start of the body with all whitespace removed, so
    that small changes in how a page is split into paragraphs do not change it.
    """
    body = "".join("".join(b.text.split()) for b in blocks)[:400]
    key = "\x1f".join((kind, "".join((title or "").split()), body))
    return hashlib.blake2b(key.encode(), digest_size=8).hexdigest()


def parse_page(text: str) -> list[Article]:
    """Articles of one page, in reading order. Ids are content ids, not yet unique."""
    text = clean(text)
    markdown = is_markdown(text)
    drafts = _Builder(_items(text, markdown), markdown).build()
    articles = []
    for d in drafts:
        if d.title is None and not d.blocks and d.byline is None:
            continue
        blocks = tuple(d.blocks)
        articles.append(
            Article(
                id=article_id(d.kind, d.title, blocks),
                kind=d.kind,  # type: ignore[arg-type]
                title=d.title,
                blocks=blocks,
                kicker=d.kicker,
                subtitle=d.subtitle,
                byline=d.byline,
                dateline=d.dateline,
            )
        )
    return articles
