"""Every label, help text and message the reader shows, in Chinese and in English.

The language follows the locale: Chinese when LC_ALL, LC_MESSAGES or LANG (the first one
set) starts with `zh`, English otherwise. `DUBAO_LANG=zh|en` overrides it.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping

from tui.core.dates import chinese_date

Language = str  # "zh" or "en"


def detect_language(environ: Mapping[str, str] | None = None) -> Language:
    env = os.environ if environ is None else environ
    forced = env.get("DUBAO_LANG", "").lower()
    if forced in ("zh", "en"):
        return forced
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


_STRINGS: dict[str, tuple[str, str]] = {
    # key: (English, Chinese)
    "app.title": ("dubao", "读报"),
    "key.quit": ("Quit", "退出"),
    "key.help": ("Help", "帮助"),
    "key.search": ("Search", "搜索"),
    "key.back": ("Back", "返回"),
    "key.forward": ("Forward", "前进"),
    "msg.no_back": ("Nothing to go back to.", "没有可返回的地方。"),
    "msg.no_forward": ("Nothing to go forward to.", "没有可前进的地方。"),
    "key.next_article": ("Next", "下一篇"),
    "key.prev_article": ("Previous", "上一篇"),
    "key.next_section": ("Next page", "下一版"),
    "key.prev_section": ("Previous page", "上一版"),
    "key.page_down": ("Page down", "下翻"),
    "key.page_up": ("Page up", "上翻"),
    "key.switch_pane": ("Switch pane", "切换窗格"),
    "key.sidebar": ("Sidebar", "版面栏"),
    "key.next_theme": ("Theme", "主题"),
    "key.wider": ("Wider", "加宽"),
    "key.narrower": ("Narrower", "收窄"),
    "key.palette": ("Find article", "查找文章"),
    "key.line_down": ("Line down", "下移一行"),
    "key.line_up": ("Line up", "上移一行"),
    "key.top": ("Top", "文章顶部"),
    "key.bottom": ("Bottom", "文章底部"),
    "key.fold": ("Fold", "折叠"),
    "key.unfold": ("Unfold", "展开"),
    "key.open": ("Open", "打开"),
    "status.position": ("Article {i} of {n}", "第 {i}/{n} 篇"),
    "status.percent": ("{p}% read", "已读 {p}%"),
    "status.photo": ("Photo", "图片"),
    "label.photo": ("[photo]", "[图]"),
    "label.untitled": ("(untitled)", "（无题）"),
    "label.column": ("Column: {column}", "栏目：{column}"),
    "search.placeholder": (
        "Search: words; date:2019-02 page:1 is:unread narrow it",
        "搜索：字词；加 date:2019-02 page:1 is:unread 缩小范围",
    ),
    "search.indexing": ("Indexing…", "正在建立索引…"),
    "search.indexing.done": ("Indexing… {percent}%", "正在建立索引…{percent}%"),
    "search.indexing.left": (
        "Indexing… {percent}%, about {seconds} s left",
        "正在建立索引…{percent}%，还要约 {seconds} 秒",
    ),
    "search.total": ("{n} articles", "{n} 篇"),
    "search.total.one": ("{n} article", "{n} 篇"),
    "key.next_match": ("Next match", "下一处"),
    "key.prev_match": ("Previous match", "上一处"),
    "key.next_unread": ("Next unread", "下一篇未读"),
    "key.toggle_read": ("Mark read", "标为已读"),
    "msg.read": ("Marked as read.", "已标为已读。"),
    "msg.unread": ("Marked as unread.", "已标为未读。"),
    "msg.page_changed": (  # an outlined article's page no longer holds it
        "This page changed since it was loaded: the article cannot be shown whole.",
        "此版面在载入后已改动：无法显示全文。",
    ),
    "msg.all_read": ("Everything is read.", "全部已读。"),
    "key.save": ("Save", "收藏"),
    "key.saved": ("Saved articles", "收藏的文章"),
    "key.mark_page": ("Mark page read", "本版标为已读"),
    "key.unread_only": ("Unread only", "只看未读"),
    "msg.saved": ("Saved: {title}", "已收藏：{title}"),
    "msg.unsaved": ("No longer saved: {title}", "已取消收藏：{title}"),
    "msg.marked_many": ("{n} articles marked as read.", "{n} 篇已标为已读。"),
    "msg.marked_many.one": ("1 article marked as read.", "1 篇已标为已读。"),
    "msg.unmarked_many": ("{n} articles marked as unread.", "{n} 篇已标为未读。"),
    "msg.unmarked_many.one": ("1 article marked as unread.", "1 篇已标为未读。"),
    "msg.unread_only": ("Unread articles only.", "只显示未读文章。"),
    "msg.all_articles": ("All articles shown.", "显示全部文章。"),
    "saved.title": ("Saved articles", "收藏的文章"),
    "saved.none": (
        "Nothing saved yet: * saves the article open.",
        "还没有收藏：按 * 收藏当前文章。",
    ),
    "saved.count": ("{n} saved", "收藏 {n} 篇"),
    "saved.elsewhere": (
        "{n} saved, {m} of them in other libraries",
        "收藏 {n} 篇，其中 {m} 篇在别的报库",
    ),
    "command.saved.about": ("Newest saved first; Enter opens", "最近收藏的在前，回车打开"),
    "command.save.about": ("Or no longer: the article open", "收藏或取消收藏当前文章"),
    "command.mark_page.about": ("Every article of the page open", "当前版面的每篇文章"),
    "command.unread_only.about": ("Read articles leave the sidebar", "版面栏不再列出已读文章"),
    "command.copy.about": (
        "The article as plain text, or the text selected",
        "纯文本全文，或所选文字",
    ),
    "command.cite.about": (
        "Paper, date, page and headline in one line",
        "报名、日期、版次和标题，一行",
    ),
    "msg.no_matches": ("No search matches in this article.", "本文没有搜索结果。"),
    "msg.last_article": ("This is the last article.", "已是最后一篇。"),
    "msg.first_article": ("This is the first article.", "已是第一篇。"),
    "msg.last_page": ("This is the last page.", "已是最后一版。"),
    "msg.first_page": ("This is the first page.", "已是第一版。"),
    "msg.the_end": ("The end: this is the last article.", "读完了：这是最后一篇。"),
    "msg.theme": ("Theme: {name}", "主题：{name}"),
    "msg.measure": ("Text width: {n} columns", "版心宽度：{n} 列"),
    "msg.problems": (
        "Skipped {n} unreadable files: {first}",
        "跳过 {n} 个无法读取的文件：{first}",
    ),
    "msg.problems.one": ("Skipped 1 unreadable file: {first}", "跳过 1 个无法读取的文件：{first}"),
    "key.jump_to_date": ("Go to date", "跳到日期"),
    "key.copy": ("Copy", "复制"),
    "key.cite": ("Copy citation", "复制引用"),
    "msg.copied_article": ("Copied the article.", "已复制全文。"),
    "msg.copied_selection": ("Copied the selected text.", "已复制选中的文字。"),
    "msg.copied_citation": ("Copied: {citation}", "已复制引用：{citation}"),
    "msg.copy_too_long": (
        "Too long for the terminal's clipboard ({kb:,} KB, at most {most} KB): nothing was copied.",
        "太长，终端剪贴板放不下（{kb:,} KB，最多 {most} KB）：没有复制。",
    ),
    "msg.copy_tmux": (  # tmux load-buffer failed: the sequence went out wrapped for tmux
        "Not copied? Add to ~/.tmux.conf: {line}",
        "没复制上？请在 ~/.tmux.conf 加一行：{line}",
    ),
    "palette.date": (
        "A date: 2019-05-01, 2019-05, yesterday…",
        "日期，如 2019-05-01、5月1日、昨天…",
    ),
    "palette.none": ("Nothing found", "没有找到"),
    "date.undated": ("This library's issues have no dates", "这个报库的报纸没有日期"),
    "palette.find": ("Find an article by its title, or a command…", "按标题找文章，或输入命令…"),
    "command.help": ("Help", "帮助"),
    "command.help.about": ("The keys, and how to read", "按键和用法"),
    "command.theme": ("Next theme", "换配色"),
    "command.theme.about": ("Dark, light, 16 colours", "深色、浅色、16 色"),
    "command.quit": ("Quit", "退出"),
    "command.quit.about": ("The place is kept", "保留阅读位置"),
    "date.go": ("Go to {label}", "跳到 {label}"),
    "date.nearest": (
        "No issue on {wanted}: the nearest is {label}",
        "{wanted} 没有报纸：最近的是 {label}",
    ),
    "load.start": ("Loading the library…", "正在读取报纸…"),
    "load.progress": (
        "Reading {done:,}/{total:,} pages, {articles:,} articles",
        "读取版面 {done:,}/{total:,}，{articles:,} 篇文章",
    ),
    "help.close": ("Esc or q closes this help", "按 Esc 或 q 关闭帮助"),
    "help.no_key": ("(no key)", "（无按键）"),
    "help.key.space": ("Space", "空格"),
    "help.key.enter": ("Enter", "回车"),
}


class Strings:
    """Look up a label in one language: `strings("status.position", i=1, n=9)`."""

    def __init__(self, language: Language | None = None) -> None:
        self.language = language or detect_language()
        self._index = 1 if self.language == "zh" else 0

    def __call__(self, key: str, **values: object) -> str:
        text = _STRINGS[key][self._index]
        return text.format(**values) if values else text

    def count(self, key: str, n: int, **values: object) -> str:
        """`key` for a number `n` of things: its `.one` form for one, where it has one."""
        one = f"{key}.one"
        return self(one if n == 1 and one in _STRINGS else key, n=n, **values)

    def day(self, date: dt.date) -> str:
        """A date with its weekday, as a paper prints it: 2019年5月1日 星期三, Wed 2019-05-01."""
        weekday = date.weekday()
        if self.language == "zh":
            return f"{chinese_date(date)} 星期{_ZH_WEEKDAYS[weekday]}"
        return f"{_EN_WEEKDAYS[weekday]} {date.isoformat()}"


_ZH_WEEKDAYS = "一二三四五六日"
_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def keys() -> list[str]:
    return list(_STRINGS)
