"""A large library read by the loader holds its articles' outlines (`tui.library.outline`);
the reader shows each article whole, read again from its page (`tui.library.WholeArticles`),
or its outline and one line where the page changed since."""

from __future__ import annotations

from pathlib import Path

from tui.background.loader import Loader
from tui.core.model import Article, Block, Library
from tui.library import PageChanged, WholeArticles, load_library, outline
from tui.store.settings import Settings
from tui.ui.app import DubaoApp

from .conftest import loaded, write_archive

DAYS = 10  # 20 page files: more than a library read before the window has


def reader(root: Path) -> DubaoApp:
    """The reader as `dubao` starts it on a large library: its loader first."""
    loader = Loader.start([str(root)])
    return DubaoApp(
        loader.first(timeout=5),
        paths=[str(root)],
        loader=loader,
        settings=Settings(theme="dubao-dark"),
        language="en",
    )


def block_count(library: Library) -> int:
    return sum(len(article.blocks) for article in library.articles())


def test_an_outline_keeps_the_blocks_up_to_the_first_with_text() -> None:
    blocks = (Block("caption", ""), Block("paragraph", "第一段。"), Block("paragraph", "第二段。"))
    article = Article("id", "article", None, blocks, byline="记者")
    cut = outline(article)
    assert cut.blocks == blocks[:2]
    assert cut.label == article.label
    assert (cut.id, cut.byline) == (article.id, article.byline)
    assert outline(cut) is cut


def test_a_titled_outline_keeps_no_block() -> None:
    """A list names a titled article by its title: its blocks (a paragraph, on average
    88 characters on the benchmark archive) would only take memory."""
    blocks = (Block("paragraph", "第一段。"), Block("paragraph", "第二段。"))
    article = Article("id", "photo", "标题", blocks, kicker="引题", dateline="北京电")
    cut = outline(article)
    assert cut.blocks == ()
    assert (cut.id, cut.kind, cut.label, cut.kicker, cut.dateline) == (
        article.id,
        article.kind,
        article.label,
        article.kicker,
        article.dateline,
    )
    assert outline(cut) is cut


def test_a_library_without_bodies_is_outlined_and_the_rest_is_the_same(tmp_path: Path) -> None:
    root = write_archive(tmp_path / "archive", 3)
    whole = load_library([root])
    outlined = load_library([root], bodies=False)
    assert outlined.outline and not whole.outline
    assert len(outlined.issues) == len(whole.issues)
    for mine, theirs in zip(outlined.issues, whole.issues, strict=True):
        assert (mine.id, mine.title, mine.date) == (theirs.id, theirs.title, theirs.date)
        assert [s.id for s in mine.sections] == [s.id for s in theirs.sections]
        for section, whole_section in zip(mine.sections, theirs.sections, strict=True):
            assert section.articles == tuple(map(outline, whole_section.articles))
            assert section.file_positions() == whole_section.file_positions()
    assert block_count(outlined) < block_count(whole)


def test_whole_articles_come_from_their_pages_checked(tmp_path: Path) -> None:
    root = write_archive(tmp_path / "archive", 3)
    whole = load_library([root])
    outlined = load_library([root], bodies=False)
    pages = WholeArticles()
    for issue in outlined.issues:  # the same seed page each day: ids made unique (-2, -3)
        for section in issue.sections:
            for position, article in enumerate(section.articles):
                assert pages.article(section, position) == whole.article(article.id)
    section = outlined.issues[-1].sections[0]
    Path(section.source or "").write_text("## 另一篇\n\n别的正文。\n\n第二段。\n", "utf-8")
    pages = WholeArticles()
    try:
        pages.article(section, 0)
    except PageChanged:
        pass
    else:
        raise AssertionError("a changed page gave an article")
    Path(section.source or "").unlink()
    try:
        pages.article(section, 1)
    except PageChanged:
        pass
    else:
        raise AssertionError("a page gone gave an article")
    pages.close()


async def test_the_reader_holds_outlines_and_shows_each_article_whole(tmp_path: Path) -> None:
    root = write_archive(tmp_path / "archive", DAYS)
    whole = load_library([root], cache=False)
    app = reader(root)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(app.reader, pilot)
        library = app.reader.library
        assert library.outline
        articles = library.articles()
        assert [a.id for a in articles] == [a.id for a in whole.articles()]
        assert [a.label for a in articles] == [a.label for a in whole.articles()]
        assert block_count(library) == sum(1 for a in articles if a.blocks)
        assert block_count(whole) > block_count(library)
        for index, place in enumerate(app.reader.places):
            app.reader.open_place(index)
            assert app.reader.article_view.article == whole.article(place.article.id)
        assert not list(app._notifications)


async def test_a_page_changed_since_loading_shows_the_outline_and_says_so(tmp_path: Path) -> None:
    root = write_archive(tmp_path / "archive", DAYS)
    app = reader(root)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(app.reader, pilot)
        section = app.reader.library.issues[-1].sections[0]  # not opened yet
        assert len(section.articles) > 1
        other = "".join(f"## 另一篇{n}\n\n别的正文{n}。\n\n第二段。\n\n" for n in range(4))
        Path(section.source or "").write_text(other, "utf-8")
        index = app.reader._index_of[section.articles[1].id]
        app.reader.open_place(index)
        await pilot.pause()
        assert app.reader.article_view.article == section.articles[1]
        notices = [str(n.message) for n in app._notifications]
        assert notices == [
            "This page changed since it was loaded: the article cannot be shown whole."
        ]
        app.reader.action_next_article()  # the next one, on the same page: said again
        assert app.reader.article_view.article == section.articles[2]


async def test_the_index_of_an_outlined_library_holds_whole_articles(tmp_path: Path) -> None:
    root = write_archive(tmp_path / "archive", DAYS)
    whole = load_library([root], cache=False)
    article = max(whole.articles(), key=lambda a: len(a.blocks))
    last = len(article.blocks) - 1
    assert last > 0
    app = reader(root)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(app.reader, pilot)
        for _ in range(400):
            if app.reader.index is not None:
                break
            await pilot.pause(0.05)
        index = app.reader.index
        assert index is not None
        query = article.blocks[last].text[2:6]
        matches = index.matches_in(article.id, query)
        assert any(block == last for block, _, _ in matches)
