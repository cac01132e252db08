"""The section sidebar: a tree of issue → section → article.

Labels are plain `Text` (never markup) and are cut to the sidebar's width with "…",
never in the middle of a character.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.style import Style
from rich.text import Text, TextType
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.strip import Strip
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from tui.core.model import Article, Issue, Library, Section
from tui.core.navigation import ReadingOrder
from tui.core.text import cell_width, truncate

NodeKind = Literal["issue", "section", "article"]
# Issues in the tree before the first screen, tens of screens' worth; the rest come
# PENDING_DELAY seconds after it, or as soon as the tree has the focus or one of them is
# asked for. Years of daily issues are thousands of nodes: a tenth of the CPU a reader
# forked by `dubao serve` spends on its first screen, and when many sessions open at once
# the others' first screens come first.
FIRST_ISSUES = 100
PENDING_DELAY = 1.0
TOGGLE_STYLE = Style.from_meta({"toggle": True})  # what Tree looks for on a click


@dataclass(frozen=True, slots=True)
class ReadingMark:
    """What the sidebar shows of an article's reading: started, and read to the end."""

    started: bool
    read: bool


UNREAD = ReadingMark(started=False, read=False)


@dataclass(frozen=True, slots=True)
class NodeData:
    kind: NodeKind
    id: str


class Sidebar(Tree[NodeData]):
    """The library's tree. Selecting an article posts `ArticleChosen`."""

    ICON_NODE = "▸ "
    ICON_NODE_EXPANDED = "▾ "
    _adding = False  # nodes being added: the tree made new once, after them all

    BINDINGS: ClassVar[list[BindingType]] = [
        # Space and b page the article, as everywhere (space: the app's binding, see
        # check_action); enter opens and folds.
        Binding("b", "app.page(-1)", show=False, id="page_up"),
        Binding("j", "cursor_down", show=False, id="line_down"),
        Binding("k", "cursor_up", show=False, id="line_up"),
        Binding("g,home", "scroll_home", show=False, id="top"),
        Binding("G,end", "scroll_end", show=False, id="bottom"),
        Binding("left,h", "collapse_or_parent", show=False, id="fold"),
        Binding("right,l", "expand_or_open", show=False, id="unfold"),
        Binding("enter", "select_cursor", show=False, id="open"),
    ]

    class ArticleChosen(Message):
        def __init__(self, article_id: str) -> None:
            super().__init__()
            self.article_id = article_id

    def __init__(
        self,
        library: Library,
        photo_label: str,
        *,
        order: ReadingOrder | None = None,
        day: Callable[[dt.date], str] = dt.date.isoformat,
        id: str | None = None,
    ) -> None:
        super().__init__("library", id=id)
        self.show_root = False
        self.guide_depth = 2
        self.auto_expand = False
        self.library = library
        self.photo_label = photo_label
        self.day = day  # how an issue's date is written
        self._article_nodes: dict[str, TreeNode[NodeData]] = {}
        self._section_nodes: dict[str, TreeNode[NodeData]] = {}
        self._issue_nodes: dict[str, TreeNode[NodeData]] = {}
        self._pending: list[Issue] = []  # the library's last issues, not in the tree yet
        self._issues = {issue.id: issue for issue in library.issues}
        # Where each article is: the reader's order, not tables of every article of our own
        # (a reader forked by `dubao serve` would copy every article's page to fill them).
        self._order = order or ReadingOrder.of(library)
        self._sections: dict[str, Section] = {}  # those of the issues filled
        self._marks: dict[str, ReadingMark] = {}
        self._saved: set[str] = set()
        self.unread_only = False  # read articles are left out of pages opened (and refilled)
        self._populate()

    def _populate(self) -> None:
        issues = self.library.issues
        self._add_issues(issues[:FIRST_ISSUES])
        self._pending = list(issues[FIRST_ISSUES:])
        if issues:
            self._fill(issues[0].id)
            self._issue_nodes[issues[0].id].expand()
        if self.is_mounted:  # a library shown again: else once mounted
            self._add_pending_later()

    def on_mount(self) -> None:
        self._add_pending_later()

    def _add_pending_later(self) -> None:
        if self._pending:
            self.set_timer(PENDING_DELAY, self._add_pending)

    def on_focus(self) -> None:
        self._add_pending()

    def _add_pending(self) -> None:
        if self._pending:
            pending, self._pending = self._pending, []
            self._add_issues(pending)

    def _issue_node(self, issue_id: str) -> TreeNode[NodeData] | None:
        if issue_id not in self._issue_nodes:
            self._add_pending()
        return self._issue_nodes.get(issue_id)

    def _add_issues(self, issues: Sequence[Issue]) -> None:
        """Issues only: an issue's pages and articles are added when it is first opened, so
        years of daily issues never build tens of thousands of nodes up front."""
        if not issues:
            return
        with self._adding_nodes():
            for issue in issues:
                label = Text(issue.label_with(self.day))
                node = self.root.add(label, NodeData("issue", issue.id), allow_expand=True)
                self._issue_nodes[issue.id] = node

    @contextmanager
    def _adding_nodes(self) -> Iterator[None]:
        self._adding = True
        try:
            yield
        finally:
            self._adding = False
            self._invalidate()

    def _invalidate(self) -> None:
        # Tree's, called for each node added: its caches cleared and a layout asked for,
        # thousands of times for years of issues. Once for all of them here.
        if not self._adding:
            super()._invalidate()

    def _on_resize(self, event: events.Resize) -> None:
        # Tree's, without the layout its `_invalidate` asks for: a tree's lines do not
        # depend on its size. Sized by the reader's first layout, it laid the reader out
        # again, as the first keys came.
        event.prevent_default()
        self._line_cache.grow(event.size.height)
        self._clear_line_cache()
        self._updates += 1
        self.root._reset()
        self.refresh()

    def _article(self, article_id: str) -> Article:
        place = self._order.place(article_id)
        assert place is not None  # a node's article is in the library shown
        return place.article

    def set_library(self, library: Library, order: ReadingOrder | None = None) -> None:
        """Show another library (`order`: its reading order). One that starts with the
        issues shown (a library still loading) gets its new issues added below them, and
        what is open stays open."""
        shown = self.library.issues
        self._order = order or ReadingOrder.of(library)
        if (
            shown
            and len(library.issues) >= len(shown)
            and all(map(_same_issue, shown, library.issues))
        ):
            self.library = library
            added = library.issues[len(shown) :]
            self._issues.update((issue.id, issue) for issue in added)
            if self._pending:
                self._pending += added
            else:
                self._add_issues(added)
            return
        self.clear()
        self.library = library
        for table in (
            self._article_nodes,
            self._section_nodes,
            self._issue_nodes,
            self._sections,
        ):
            table.clear()
        self._issues = {issue.id: issue for issue in library.issues}
        self._populate()

    def _fill(self, issue_id: str) -> None:
        issue_node = self._issue_node(issue_id)
        if issue_node is None or issue_node.children:
            return
        with self._adding_nodes():
            for section in self._issues[issue_id].sections:
                self._sections[section.id] = section
                articles = [a for a in section.articles if self._shown(a.id)]
                if not articles and self.unread_only:
                    continue
                section_node = issue_node.add(
                    self._section_label(section), NodeData("section", section.id), expand=True
                )
                self._section_nodes[section.id] = section_node
                for article in articles:
                    label = self._label(article)
                    node = section_node.add_leaf(label, NodeData("article", article.id))
                    self._article_nodes[article.id] = node

    def _shown(self, article_id: str) -> bool:
        return not (self.unread_only and self._marks.get(article_id, UNREAD).read)

    def show_unread_only(self, unread_only: bool) -> None:
        """Leave read articles out (or put them back) in every page opened so far."""
        self.unread_only = unread_only
        for issue_id, issue_node in self._issue_nodes.items():
            if not issue_node.children:
                continue  # filled when first opened, the same way
            for section in self._issues[issue_id].sections:
                self._section_nodes.pop(section.id, None)
                for article in section.articles:
                    self._article_nodes.pop(article.id, None)
            issue_node.remove_children()
            self._fill(issue_id)

    def set_saved(self, saved: set[str]) -> None:
        """The saved articles, marked ★."""
        changed = saved ^ self._saved
        self._saved = set(saved)
        for article_id in changed:
            node = self._article_nodes.get(article_id)
            if node is not None:
                node.set_label(self._label(self._article(article_id)))

    def articles_under_cursor(self) -> tuple[NodeKind, list[str]] | None:
        """What the cursor is on, and the articles it holds: an article, a page's, an issue's."""
        node = self.cursor_node
        if node is None or node.data is None:
            return None
        kind, node_id = node.data.kind, node.data.id
        if kind == "article":
            return kind, [node_id]
        if kind == "section":
            return kind, [a.id for a in self._sections[node_id].articles]
        issue = self._issues[node_id]
        return kind, [a.id for section in issue.sections for a in section.articles]

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[NodeData]) -> None:
        data = event.node.data
        if data is not None and data.kind == "issue":
            self._fill(data.id)

    def show_issue(self, issue_id: str) -> None:
        """Open an issue's pages in the tree and put the cursor on it."""
        node = self._issue_node(issue_id)
        if node is None:
            return
        self._fill(issue_id)
        node.expand()
        self.call_after_refresh(self._move_cursor_to, node)

    # -- labels and read marks ------------------------------------------------------------

    def _label(self, article: Article) -> Text:
        mark = self._marks.get(article.id, UNREAD)
        label = article.label
        if article.kind == "photo":
            label = f"{self.photo_label} {label}"
        saved = ("★ ", "bold") if article.id in self._saved else ""
        if mark.read:
            return Text.assemble("  ", saved, label, style="dim")
        marker = "◐ " if mark.started else "● "
        return Text.assemble((marker, "bold"), saved, label)

    def _section_label(self, section: Section) -> Text:
        unread = sum(not self._marks.get(a.id, UNREAD).read for a in section.articles)
        if not unread:
            return Text(section.title, style="dim")
        return Text.assemble(section.title, (f" ({unread})", "bold"))

    def set_marks(self, marks: dict[str, ReadingMark]) -> None:
        """Read marks for many articles at once (at start-up)."""
        self._marks.update(marks)
        for article_id, node in self._article_nodes.items():
            node.set_label(self._label(self._article(article_id)))
        for section_id, node in self._section_nodes.items():
            node.set_label(self._section_label(self._sections[section_id]))

    def update_mark(self, article_id: str, mark: ReadingMark) -> None:
        place = self._order.place(article_id)
        if self._marks.get(article_id) == mark or place is None:
            return
        self._marks[article_id] = mark
        node = self._article_nodes.get(article_id)
        if node is None:
            return  # its issue has not been opened in the tree: labelled when it is
        node.set_label(self._label(place.article))
        self._section_nodes[place.section.id].set_label(self._section_label(place.section))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Tree's own space binding (fold a node) steps aside, so that space reaches the app's
        # "page down". A binding of our own would do that too, but it would also take the key
        # out of the footer while the sidebar has focus: every focus change would then
        # rebuild the footer (~1.5 KB at 80x24).
        return action != "toggle_node"

    # -- following the reader ------------------------------------------------------

    def select_article(self, article_id: str) -> None:
        """Put the cursor on an article (opening its issue and section) without choosing it."""
        place = self._order.place(article_id)
        if place is None:
            return
        issue_id = place.issue.id
        self._fill(issue_id)
        node = self._article_nodes.get(article_id)
        if node is None:  # left out (read, with unread articles only): its page, or its issue
            section = self._section_nodes.get(place.section.id)
            node = section if section is not None else self._issue_node(issue_id)
            if node is None:
                return
        parent = node.parent
        while parent is not None:
            parent.expand()
            parent = parent.parent
        self.call_after_refresh(self._move_cursor_to, node)

    def _move_cursor_to(self, node: TreeNode[NodeData]) -> None:
        self.move_cursor(node)
        self.scroll_to_node(node, animate=False)

    # -- keys --------------------------------------------------------------------

    def action_collapse_or_parent(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and node.is_expanded:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
            self.move_cursor(node.parent)

    def action_expand_or_open(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and not node.is_expanded:
            node.expand()
        elif node.data is not None and node.data.kind == "article":
            self.post_message(self.ArticleChosen(node.data.id))

    def on_tree_node_selected(self, event: Tree.NodeSelected[NodeData]) -> None:
        event.stop()
        data = event.node.data
        if data is not None and data.kind == "article":
            self.post_message(self.ArticleChosen(data.id))

    # -- drawing -----------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        # Tree draws guides, icon, label and padding as separate segments, most of them in
        # one style; each costs an SGR sequence (~40 bytes on a truecolor terminal).
        return super().render_line(y).simplify()

    def render_label(self, node: TreeNode[NodeData], base_style: Style, style: Style) -> Text:
        if node.allow_expand:
            icon = self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE
            prefix = Text(icon, style=base_style + TOGGLE_STYLE)
        else:
            prefix = Text("", style=base_style)
        depth = -1
        parent = node.parent
        while parent is not None:
            depth += 1
            parent = parent.parent
        room = self.scrollable_content_region.width - depth * self.guide_depth - prefix.cell_len
        plain = node.label.plain
        if room > 0 and cell_width(plain) > room:
            label = node.label[: len(truncate(plain, room)) - 1]  # keeps the marker's style
            label.append("…")
        else:
            label = node.label.copy()
        label.stylize(style)
        return Text.assemble(prefix, label)

    def process_label(self, label: TextType) -> Text:
        """A label of ours as it is: `Tree`'s would copy each (its first line), and a
        library of years has thousands of issues to label before the first screen."""
        if isinstance(label, Text) and "\n" not in label.plain:
            return label
        return super().process_label(label)

    def get_label_width(self, node: TreeNode[NodeData]) -> int:
        # Labels are cut to the width, so the tree never scrolls sideways.
        return 0

    def notify_style_update(self) -> None:
        """Tree's, keeping the list of lines: Tree makes it again (a line for each of
        thousands of issues) after every change of style, as each focus change is, though
        only the drawn lines depend on styles."""
        lines = getattr(self, "_tree_lines_cached", None)
        super().notify_style_update()
        if lines is not None:
            self._tree_lines_cached = lines


def _same_issue(a: Issue, b: Issue) -> bool:
    return a.id == b.id and [s.id for s in a.sections] == [s.id for s in b.sections]
