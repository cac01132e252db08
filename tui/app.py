"""The Textual app (placeholder until the reader lands): the library as a tree."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Tree

from tui.library import load_library
from tui.model import Library


class DubaoApp(App[None]):
    TITLE = "读报 dubao"
    BINDINGS: ClassVar = [("q", "quit", "Quit")]

    def __init__(self, library: Library) -> None:
        super().__init__()
        self.library = library

    def compose(self) -> ComposeResult:
        yield Header()
        tree: Tree[None] = Tree("library")
        for issue in self.library.issues:
            issue_node = tree.root.add(issue.title, expand=True)
            for section in issue.sections:
                section_node = issue_node.add(section.title, expand=True)
                for article in section.articles:
                    section_node.add_leaf(article.label)
        yield tree
        yield Footer()


def run(paths: Sequence[str] | None = None) -> int:
    DubaoApp(load_library(paths)).run()
    return 0
