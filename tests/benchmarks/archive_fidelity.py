"""How faithfully dubao reads real archives: each file's articles against what the file's
own layout says they are.

    .venv/bin/python tests/benchmarks/archive_fidelity.py CORPUS... [--runs N] [--examples N]
        [--no-seeds]

Each CORPUS (a folder of pages) is loaded as dubao loads it, `load_library([CORPUS],
cache=False)`, --runs times (3 by default): the median time gives the parse speed in files
per second. The last library is then held against the files, which are sorted by layout,
file by file:

one-article files, named `YYYYMMDD-PP-NN`, `YYYY-MM-DD-PP-NN` or `<paper>_YYYYMMDD_NN-PP`
(page PP, the NN-th article on it). Those in the crawler's layout (line 1 the kicker, often
empty; line 2 the headline; line 3 the subtitle, often empty; then paragraphs) say what
the article is: how many files give exactly one article; headline, kicker and subtitle
of the file's first article against lines 2, 1 and 3 (a headline `标题（栏目）`, in
brackets of either width, read as title 标题 and column 栏目 is right; whitespace is not
compared, and an empty line is None); the dateline, where a paragraph starts with 本报讯,
本报…电, 新华社…电 or 中新社…电, maybe after 据 (the first such paragraph, first or after
the paragraphs that lead in to it), against that of the article holding the paragraph,
and datelines set where there is none; photo credits (…摄, 资料图片) taken as bylines.
Every one-article file: its issue's date and its section `第PP版` from the name; one
section per page; sections in page order; articles of a section in NN order.

Markdown daily pages (`## ` lines): articles against `## ` lines per file, articles with
no title, and whether each `## ` section's text (up to the next `#` or `##` line) is all in
the article of that title (or kicker: a `##` over a `#` headline).

Every file: characters lost, the non-whitespace characters of the file (as a multiset; in
Markdown, heading marks and `**` left out) that none of its articles' fields and blocks
hold (the brackets around bylines and columns excused), and characters added (in the
articles, not in the file; a dateline or byline that a block holds too is a copy).

For each figure: how many are right of how many, the share, and up to --examples failures.
Last, the bundled seed page as the library gives it is held against the gold of its tests
in tests/test_parse.py (each `test_seed_*` run on the library's articles).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tui.core.model import Article, Issue, Library, Section  # noqa: E402
from tui.library import load_library, seeds_path  # noqa: E402

DESCRIPTION = "How faithfully dubao reads real archives: articles against each file's layout."
SUFFIXES = (".md", ".markdown", ".txt")
ARTICLE_FILES, MARKDOWN_PAGES, OTHER_FILES = "one-article files", "Markdown daily pages", "other"

# The one-article names, written from the archives' own naming (not from tui.library.filenames).
_DAY = r"(?P<year>(?:19|20)\d\d)(?P<month>\d\d)(?P<day>\d\d)"
_DASHED_DAY = r"(?P<year>(?:19|20)\d\d)-(?P<month>\d\d)-(?P<day>\d\d)"
ARTICLE_NAMES = (
    re.compile(rf"{_DAY}-(?P<page>\d{{1,3}})-(?P<order>\d{{1,3}})"),
    re.compile(rf"{_DASHED_DAY}-(?P<page>\d{{1,3}})-(?P<order>\d{{1,3}})"),
    re.compile(rf"(?P<paper>[A-Za-z]{{2,12}})_{_DAY}_(?P<order>\d{{1,3}})-(?P<page>\d{{1,3}})"),
)
LINE_BREAK = re.compile(r"\r\n|\r|\n")
H2_LINE = re.compile(r"^ {0,3}## +(.*?)(?:[ \t]+#+)?[ \t]*$")
HEADING_MARKS = re.compile(r"^ {0,3}#{1,6}(?=[ \t]|$)", re.M)
STRONG_MARKS = re.compile(r"\*\*|__")
HEADLINE_LINE = re.compile(r"^ {0,3}#{1,2}(?:[ \t]|$)")
# A dateline opening a paragraph, maybe "according to" (据新华社…电); what follows it is a
# space, a bracket (the reporter), or punctuation.
DATELINE = re.compile(
    r"^(?:本报讯|据?(?:本报|新华社|中新社)[^\s，。,.：:；;“”（）()]{0,20}?电)(?=[\s（(，,：:]|$)"
)
PHOTO_CREDIT = re.compile(r"(?:摄|摄影|摄影报道|供图|制图|图片)$|^(?:资料图片|新华社发|视觉中国)$")
BRACKETS = (("（", "("), ("）", ")"))
SNIPPET = 40


def squeeze(text: str | None) -> str:
    """The text without any whitespace; None is empty."""
    return "".join((text or "").split())


def snippet(text: str | None) -> str:
    if text is None:
        return "None"
    text = " ".join(text.split())
    return repr(text if len(text) <= SNIPPET else text[:SNIPPET] + "…")


# ---------------------------------------------------------------------------
# Files and their layouts
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArticleName:
    date: dt.date
    page: int
    order: int
    paper: str


def article_name(stem: str) -> ArticleName | None:
    """The date, page and order a one-article file's name gives."""
    for pattern in ARTICLE_NAMES:
        m = pattern.fullmatch(stem)
        if m is None:
            continue
        try:
            date = dt.date(int(m["year"]), int(m["month"]), int(m["day"]))
        except ValueError:
            return None
        paper = m.groupdict().get("paper") or ""
        return ArticleName(date, int(m["page"]), int(m["order"]), paper.lower())
    return None


@dataclass(slots=True)
class File:
    path: str  # real path
    shown: str  # as printed: relative to its corpus
    text: str
    lines: list[str]
    layout: str
    name: ArticleName | None

    @property
    def crawler_layout(self) -> bool:
        """Line 2 a headline: lines 1-3 say kicker, headline and subtitle."""
        return (
            self.layout == ARTICLE_FILES
            and len(self.lines) >= 2
            and bool(self.lines[1].strip())
            and not H2_LINE.match(self.lines[1])
        )

    def body(self) -> list[str]:
        """The paragraphs after the first three lines, stripped, empty ones left out."""
        return [line.strip() for line in self.lines[3:] if line.strip()]


def page_files(corpus: str) -> list[str]:
    """The page files under `corpus` as dubao finds them: hidden names and symlinked
    folders left out."""
    found = []
    for folder, folders, names in os.walk(corpus):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        for name in sorted(names):
            if not name.startswith(".") and name.lower().endswith(SUFFIXES):
                found.append(os.path.join(folder, name))
    return found


def read_text(path: str) -> str:
    data = Path(path).read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def read_file(path: str, corpus: str) -> File:
    text = read_text(path)
    lines = LINE_BREAK.split(text)
    name = article_name(os.path.splitext(os.path.basename(path))[0])
    if name is not None:
        layout = ARTICLE_FILES
    elif any(H2_LINE.match(line) for line in lines):
        layout = MARKDOWN_PAGES
    else:
        layout = OTHER_FILES
    shown = os.path.relpath(path, corpus)
    return File(os.path.realpath(path), shown, text, lines, layout, name)


# ---------------------------------------------------------------------------
# Where the library put each file's articles
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Placed:
    article: Article
    issue: Issue
    section: Section
    section_index: int  # among the issue's sections


def placements(library: Library) -> dict[str, list[Placed]]:
    """Each file's articles (by real path), in their order in the file."""
    by_file: dict[str, list[tuple[int, Placed]]] = {}
    for issue in library.issues:
        for index, section in enumerate(issue.sections):
            for (path, position), article in zip(
                section.file_positions(), section.articles, strict=True
            ):
                placed = Placed(article, issue, section, index)
                by_file.setdefault(os.path.realpath(path), []).append((position, placed))
    return {
        path: [p for _, p in sorted(items, key=lambda i: i[0])] for path, items in by_file.items()
    }


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class Figure:
    """How many of `total` are right, with the first failures as examples."""

    label: str
    right: int = 0
    total: int = 0
    failures: list[str] = field(default_factory=list)
    note: str = ""  # printed under the figure

    def add(self, ok: bool, failure: str) -> None:
        """One more, right or not; `failure` says what was wrong, where it was."""
        self.total += 1
        if ok:
            self.right += 1
        else:
            self.failures.append(failure)

    def show(self, examples: int, width: int = 46) -> None:
        # Rounded down: 3,982 of 3,983 is no 100.0 %.
        share = f"{1000 * self.right // self.total / 10:6.1f} %" if self.total else "     — "
        print(f"  {self.label:<{width}} {self.right:>7,} / {self.total:<7,} {share}")
        if self.note:
            print(f"      ({self.note})")
        for line in self.failures[:examples]:
            print(f"      {line}")
        if len(self.failures) > examples > 0:
            print(f"      … {len(self.failures) - examples:,} more")


def visible(texts: Iterable[str | None]) -> Counter[str]:
    return Counter(ch for text in texts if text for ch in text if not ch.isspace())


def copied(article: Article, text: str | None) -> bool:
    """Whether one of the article's blocks holds `text`: a dateline, or a byline taken from
    the paragraph it opens, is a copy, not text of its own."""
    return bool(text) and any(squeeze(text) in squeeze(b.text) for b in article.blocks)


def article_texts(article: Article) -> list[str | None]:
    """Every field that holds text of the page: the dateline and byline where they are no
    copy of a block's text."""
    byline, dateline = article.byline, article.dateline
    own = [None if copied(article, text) else text for text in (byline, dateline)]
    fields = [article.kicker, article.title, article.subtitle, article.column, *own]
    return [*fields, *(b.text for b in article.blocks)]


def bracketed(article: Article) -> int:
    """How many of the article's fields were printed in brackets that it does not hold:
    a column, a byline of its own."""
    return bool(article.column) + (bool(article.byline) and not copied(article, article.byline))


def markdown_text(text: str) -> str:
    """Markdown without the marks that are not text: heading marks and strong emphasis."""
    return STRONG_MARKS.sub("", HEADING_MARKS.sub("", text))


def lost_and_added(text: str, articles: Sequence[Article]) -> tuple[Counter[str], Counter[str]]:
    """The non-whitespace characters of `text` none of `articles` hold, and those they
    hold that `text` does not. The brackets a byline or a column was printed in are
    excused where the article holds the byline or column only as a field."""
    held = visible(t for a in articles for t in article_texts(a))
    file_chars = visible([text])
    lost, added = file_chars - held, held - file_chars
    excused = sum(map(bracketed, articles))
    for pair in BRACKETS:  # an opening bracket each, full or half width; a closing one each
        budget = excused
        for bracket in pair:
            taken = min(lost[bracket], budget)
            lost[bracket] -= taken
            budget -= taken
    return +lost, +added


def chars(counter: Counter[str], limit: int = 24) -> str:
    text = "".join(ch * n for ch, n in counter.most_common())
    return text if len(text) <= limit else text[:limit] + "…"


# ---------------------------------------------------------------------------
# One-article files
# ---------------------------------------------------------------------------


def count_figure(files: list[File], placed: dict[str, list[Placed]]) -> Figure:
    figure = Figure("files giving exactly 1 article")
    worst = sorted(files, key=lambda f: -abs(len(placed.get(f.path, [])) - 1))
    for file in worst:
        n = len(placed.get(file.path, []))
        figure.add(n == 1, f"{file.shown}: {n} articles")
    return figure


def headline_right(file: File, article: Article) -> bool:
    line = squeeze(file.lines[1])
    title = squeeze(article.title)
    if title == line:
        return True
    column = squeeze(article.column)
    printed = {f"{title}{o}{column}{c}" for o in "（(" for c in "）)"}  # a paper mixes widths
    return article.column is not None and line in printed


def line_role_figures(files: list[File], placed: dict[str, list[Placed]]) -> list[Figure]:
    """Headline, kicker and subtitle of each crawler-layout file's first article against
    lines 2, 1 and 3."""
    headline = Figure("headline == line 2 (or title（column）)")
    kicker = Figure("kicker == line 1 (None == empty)")
    subtitle = Figure("subtitle == line 3 (None == empty)")
    for file in files:
        articles = placed.get(file.path)
        if not file.crawler_layout or not articles:
            continue
        first = articles[0].article
        line1, line3 = file.lines[0], file.lines[2] if len(file.lines) > 2 else ""
        headline.add(
            headline_right(file, first),
            f"{file.shown}: title {snippet(first.title)} column {snippet(first.column)}; "
            f"line 2 {snippet(file.lines[1])}",
        )
        kicker.add(
            squeeze(first.kicker) == squeeze(line1),
            f"{file.shown}: {snippet(first.kicker)}; line 1 {snippet(line1)}",
        )
        subtitle.add(
            squeeze(first.subtitle) == squeeze(line3),
            f"{file.shown}: {snippet(first.subtitle)}; line 3 {snippet(line3)}",
        )
    return [headline, kicker, subtitle]


PAGE_TITLE = re.compile(r"^第0*(\d+)版(?:\s.*)?$")


def section_page(section: Section) -> int | None:
    m = PAGE_TITLE.match(section.title)
    return int(m.group(1)) if m else None


def placement_figures(files: list[File], placed: dict[str, list[Placed]]) -> list[Figure]:
    """Issue, page and order from the names, against the issues and sections they are in."""
    date = Figure("issue date == the name's date")
    title = Figure("section titled 第PP版 (PP from the name)")
    pages: dict[tuple[dt.date, str, int], set[tuple[str, int]]] = {}
    sections: dict[tuple[str, int], Section] = {}
    named = {f.path: f for f in files}
    for file in files:
        assert file.name is not None
        articles = placed.get(file.path, [])
        first = articles[0] if articles else None
        date.add(
            first is not None and first.issue.date == file.name.date,
            f"{file.shown}: issue {first.issue.title if first else 'none'}",
        )
        title.add(
            first is not None and section_page(first.section) == file.name.page,
            f"{file.shown}: section {first.section.title if first else 'none'!r}",
        )
        key = (file.name.date, file.name.paper, file.name.page)
        for p in articles:
            pages.setdefault(key, set()).add((p.issue.id, p.section_index))
            sections.setdefault((p.issue.id, p.section_index), p.section)
    one_section = Figure("pages whose files make one section")
    for (day, paper, page), where in sorted(pages.items()):
        paper_shown = f" {paper}" if paper else ""
        one_section.add(
            len(where) == 1, f"{day}{paper_shown} page {page}: in {len(where)} sections"
        )
    one_page = Figure("sections of one page's files only")
    in_order = Figure("sections with their articles in NN order")
    for section in sections.values():
        ours = [named[p] for p in section_files(section) if p in named]
        page_numbers = sorted({f.name.page for f in ours if f.name})
        orders = [f.name.order for f in ours if f.name]
        where = f"{ours[0].shown} … {section.title}"
        one_page.add(len(page_numbers) == 1, f"{where}: pages {page_numbers}")
        in_order.add(orders == sorted(orders), f"{where}: orders {orders}")
    return [date, title, one_section, issue_order_figure(placed, named), one_page, in_order]


def section_files(section: Section) -> list[str]:
    """The files of a section's articles, each once, in the section's order."""
    seen: dict[str, None] = {}
    for path, _ in section.file_positions():
        seen.setdefault(os.path.realpath(path), None)
    return list(seen)


def issue_order_figure(placed: dict[str, list[Placed]], named: dict[str, File]) -> Figure:
    """Issues whose sections of one-article files come in page order (by their names)."""
    issues: dict[str, Issue] = {}
    for path in named:
        for p in placed.get(path, []):
            issues[p.issue.id] = p.issue
    figure = Figure("issues with their pages in page order")
    for issue in issues.values():
        pages = []
        for section in issue.sections:
            names = [named[p].name for p in section_files(section) if p in named]
            if names and names[0] is not None:
                pages.append(names[0].page)
        figure.add(
            pages == sorted(pages) and len(set(pages)) == len(pages),
            f"{issue.title}: pages {pages}",
        )
    return figure


def dateline_figures(files: list[File], placed: dict[str, list[Placed]]) -> list[Figure]:
    """The first paragraph opening with a dateline, against the dateline of the article
    that holds that paragraph; and datelines set where no paragraph opens with one."""
    first = Figure("datelines in the 1st paragraph, set and equal")
    later = Figure("datelines after a lead-in, set and equal")
    spurious = Figure("no dateline in the file, none set")
    for file in files:
        articles = [p.article for p in placed.get(file.path, [])]
        if not file.crawler_layout or not articles:
            continue
        body = file.body()
        found = next(((i, m) for i, p in enumerate(body) if (m := DATELINE.match(p))), None)
        if found is None:
            set_ones = [a.dateline for a in articles if a.dateline]
            spurious.add(
                not set_ones, f"{file.shown}: dateline {snippet(next(iter(set_ones), None))}"
            )
            continue
        index, m = found
        holder = holding(articles, body[index])
        figure = first if index == 0 else later
        got = snippet(holder.dateline) if holder else "its paragraph in no article"
        figure.add(
            holder is not None and squeeze(holder.dateline) == squeeze(m.group(0)),
            f"{file.shown}: {got}; file {snippet(m.group(0))}",
        )
    return [first, later, spurious]


def holding(articles: Sequence[Article], paragraph: str) -> Article | None:
    """The article one of whose blocks holds the start of `paragraph`."""
    start = squeeze(paragraph)[:30]
    for article in articles:
        if any(start in squeeze(b.text) for b in article.blocks):
            return article
    return None


def credit_figure(files: list[File], placed: dict[str, list[Placed]]) -> Figure:
    """Bylines that are not photo credits; the kinds of the articles whose are."""
    figure = Figure("bylines that are no photo credit")
    kinds: Counter[str] = Counter()
    for file in files:
        for p in placed.get(file.path, []):
            byline = p.article.byline
            if not byline:
                continue
            credit = PHOTO_CREDIT.search(squeeze(byline)) is not None
            kinds[p.article.kind] += credit
            figure.add(not credit, f"{file.shown}: {p.article.kind} byline {snippet(byline)}")
    if kinds.total():
        figure.note = "credits: " + ", ".join(f"{n:,} of kind {k}" for k, n in kinds.items())
    return figure


# ---------------------------------------------------------------------------
# Markdown daily pages
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class HeadlineSection:
    """A `#` or `##` line and the lines up to the next one."""

    level: int
    title: str
    text: str


def headline_sections(file: File) -> list[HeadlineSection]:
    sections: list[HeadlineSection] = []
    for line in file.lines:
        if HEADLINE_LINE.match(line):
            m = H2_LINE.match(line)
            level = 2 if m else 1
            title = STRONG_MARKS.sub("", m.group(1) if m else line.lstrip(" #"))
            sections.append(HeadlineSection(level, title, title))
        elif sections:
            sections[-1].text += "\n" + markdown_text(line)
    return sections


def titled_as(articles: list[Article], title: str) -> Article | None:
    """The first of `articles` with that title, else with that kicker (a `##` line over
    a `#` headline is its kicker), taken from the list."""
    wanted = squeeze(title)
    for field_of in (lambda a: a.title, lambda a: a.kicker):
        for i, article in enumerate(articles):
            if squeeze(field_of(article)) == wanted:
                return articles.pop(i)
    return None


def markdown_figures(files: list[File], placed: dict[str, list[Placed]]) -> list[Figure]:
    """Articles against `## ` lines; each `## ` section inside the article of its title."""
    counts = Figure("files with as many articles as ## lines")
    titled = Figure("articles with a title")
    whole = Figure("## sections all inside the article of that title")
    for file in files:
        articles = [p.article for p in placed.get(file.path, [])]
        sections = [s for s in headline_sections(file) if s.level == 2]
        counts.add(
            len(articles) == len(sections),
            f"{file.shown}: {len(articles)} articles, {len(sections)} ## lines",
        )
        for article in articles:
            titled.add(article.title is not None, f"{file.shown}: {snippet(article.label)}")
        unmatched = list(articles)
        for section in sections:
            article = titled_as(unmatched, section.title)
            missing = lost_and_added(section.text, [article])[0] if article else Counter()
            wrong = f"lacks {chars(missing)!r}" if article is not None else "has no article"
            whole.add(
                article is not None and not missing,
                f"{file.shown}: {snippet(section.title)} {wrong}",
            )
    return [counts, titled, whole]


# ---------------------------------------------------------------------------
# Every file
# ---------------------------------------------------------------------------


def loss_figures(files: list[File], placed: dict[str, list[Placed]]) -> list[Figure]:
    lost_figure = Figure("files with no character lost")
    added_figure = Figure("files with no character added")
    lost_total = added_total = 0
    for file in files:
        articles = [p.article for p in placed.get(file.path, [])]
        text = markdown_text(file.text) if file.layout == MARKDOWN_PAGES else file.text
        lost, added = lost_and_added(text, articles)
        lost_total += lost.total()
        added_total += added.total()
        lost_figure.add(not lost, f"{file.shown}: {lost.total():,} lost: {chars(lost)!r}")
        added_figure.add(not added, f"{file.shown}: {added.total():,} added: {chars(added)!r}")
    lost_figure.note = f"{lost_total:,} characters lost in all"
    added_figure.note = f"{added_total:,} characters added in all"
    return [lost_figure, added_figure]


# ---------------------------------------------------------------------------
# A corpus
# ---------------------------------------------------------------------------


def timed_loads(corpus: str, runs: int) -> tuple[Library, list[float]]:
    """The library of `corpus`, parsed anew `runs` times, and the time each load took."""
    times = []
    library = None
    for _ in range(max(runs, 1)):
        start = time.perf_counter()
        library = load_library([corpus], cache=False)
        times.append(time.perf_counter() - start)
    assert library is not None
    return library, times


def report_corpus(corpus: str, runs: int, examples: int) -> None:
    library, times = timed_loads(corpus, runs)
    files = [read_file(path, corpus) for path in page_files(corpus)]
    placed = placements(library)
    median = statistics.median(times)
    articles = len(library.articles())
    print(f"\n== {corpus}")
    print(
        f"{len(files):,} files, {len(library.issues):,} issues, {articles:,} articles, "
        f"{len(library.problems):,} files not read"
    )
    runs_shown = " ".join(f"{t:.2f}" for t in times)
    print(
        f"parse speed: load_library(cache=False) median {median:.2f} s of {len(times)} "
        f"({runs_shown}) → {len(files) / median:,.0f} files/s, {articles / median:,.0f} articles/s"
    )
    for problem in library.problems[:examples]:
        print(f"  not read: {os.path.relpath(problem.source, corpus)}: {problem.message}")
    missing = [f for f in files if f.path not in placed]
    if missing:
        print(f"files with no article in the library: {len(missing):,}")
        for file in missing[:examples]:
            print(f"      {file.shown}")
    groups: dict[str, list[File]] = {}
    for file in files:
        groups.setdefault(file.layout, []).append(file)
    for layout in (ARTICLE_FILES, MARKDOWN_PAGES, OTHER_FILES):
        group = groups.get(layout)
        if group:
            report_group(layout, group, placed, examples)


def report_group(
    layout: str, files: list[File], placed: dict[str, list[Placed]], examples: int
) -> None:
    articles = sum(len(placed.get(f.path, [])) for f in files)
    print(f"\n{layout}: {len(files):,} files, {articles:,} articles")
    figures: list[Figure] = []
    if layout == ARTICLE_FILES:
        crawler = [f for f in files if f.crawler_layout]
        print(f"  in the crawler's layout (line 2 a headline): {len(crawler):,}")
        figures += [count_figure(files, placed), *line_role_figures(crawler, placed)]
        figures += placement_figures(files, placed)
        figures += [*dateline_figures(crawler, placed), credit_figure(files, placed)]
    elif layout == MARKDOWN_PAGES:
        figures += markdown_figures(files, placed)
    figures += loss_figures(files, placed)
    for figure in figures:
        figure.show(examples)


# ---------------------------------------------------------------------------
# The seed against its gold
# ---------------------------------------------------------------------------


def report_seeds() -> None:
    """Each `test_seed_*` of tests/test_parse.py, given the seed library's articles where
    it parses the seed page."""
    import tests.test_parse as gold

    seeds = sorted(p for p in seeds_path().iterdir() if p.suffix.lower() in SUFFIXES)
    print("\n== the bundled seeds, against the gold in tests/test_parse.py")
    if len(seeds) != 1:
        print(f"  skipped: {len(seeds)} seed files, the gold is for one")
        return
    library = load_library()
    articles = library.articles()
    text = seeds[0].read_text(encoding="utf-8")
    tests = {name: test for name, test in vars(gold).items() if name.startswith("test_seed_")}
    failed = []
    parse_page = gold.parse_page
    gold.parse_page = lambda _text: list(articles)  # type: ignore[assignment]
    try:
        for name, test in tests.items():
            try:
                test(text)
            except AssertionError as e:
                failed.append(f"{name}: {str(e).splitlines()[0] if str(e) else 'failed'}")
    finally:
        gold.parse_page = parse_page
    print(f"  {len(articles)} articles; {len(tests) - len(failed)} / {len(tests)} gold tests pass")
    for line in failed:
        print(f"      {line}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("corpus", nargs="+", help="a folder of pages")
    parser.add_argument("--runs", type=int, default=3, help="loads per corpus (median time)")
    parser.add_argument("--examples", type=int, default=5, help="failures shown per figure")
    parser.add_argument("--no-seeds", action="store_true", help="leave out the seed check")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    command = " ".join(["tests/benchmarks/archive_fidelity.py", *(argv or sys.argv[1:])])
    print(f"$ .venv/bin/python {command}")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs; load average {load}")
    for corpus in args.corpus:
        report_corpus(corpus, args.runs, args.examples)
    if not args.no_seeds:
        report_seeds()
    return 0


if __name__ == "__main__":
    sys.exit(main())
