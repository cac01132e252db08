"""Search as you type: dubao's index against SQLite FTS5 and a brute-force scan.

    .venv/bin/python tests/benchmarks/search.py CORPUS [CORPUS ...] [--queries N] [--no-fts]

Loads the library, builds the index (time; RSS before and after, each measured after
handing freed heap memory back to the system; memory against the corpus's UTF-8 size),
saves it to a temporary file and opens that (mapped, as the reader does; the time to
open it), then replays typing a few hundred queries character by character, timing each
keystroke's `search(prefix, limit=20)` (total + top 20 with snippets) on the index
opened from the file, and on the index as built (in memory) beside it. The term cache
is cleared before each query, so a query only reuses what its own earlier keystrokes
computed. The same keystrokes run against SQLite FTS5 (trigram tokenizer, external
content) over the same normalised blocks: terms of 3+ characters via MATCH, shorter
ones via an `instr` scan of the content table, terms combined per article, the total
counted and the top 20 fetched (bm25 order when a term went through MATCH). Every
total is checked against a brute-force scan, and the full set of matching articles on
every fifth keystroke. `--no-fts` leaves FTS5 out (most of the run's time).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.test_search_pinyin import read_aloud, reads_as  # noqa: E402
from tui.core.model import Library  # noqa: E402
from tui.core.text import normalise  # noqa: E402
from tui.library import load_library  # noqa: E402
from tui.search import SearchIndex, indexfile, query_terms  # noqa: E402
from tui.search.build import build_data, ranked_entries  # noqa: E402
from tui.search.filters import page_number  # noqa: E402
from tui.search.pinyin import header_text, pinyin_query  # noqa: E402
from tui.search.segments import segment_texts  # noqa: E402

LIMIT = 20
MAX_LENGTH = 8  # keystrokes of longer prefixes are reported under 8
SET_CHECK_EVERY = 5
FINGERPRINT = b"b" * 32

NAMES = (
    "习近平 李克强 王沪宁 赵乐际 韩正 栗战书 汪洋 王岐山 杨洁篪 王毅 刘鹤 孙春兰 胡春华 "
    "普京 特朗普 拜登 马克龙 默克尔 安倍晋三 文在寅 金正恩 古特雷斯 谭德塞 林郑月娥 "
    "钟南山 袁隆平 黄大年 张富清"
)
PLACES = (
    "北京 上海 天津 重庆 新疆 西藏 香港 澳门 台湾 广东 浙江 四川 武汉 雄安新区 "
    "粤港澳大湾区 长江经济带 京津冀 海南自由贸易港 黄河流域 长三角 深圳 内蒙古 宁夏 "
    "美国 俄罗斯 日本 朝鲜 印度 巴基斯坦 非洲 欧盟 联合国 东盟 上海合作组织 阿富汗 "
    "乌克兰 哈萨克斯坦"
)
TOPICS = (
    "脱贫攻坚 乡村振兴 疫情防控 新冠肺炎 一带一路 人类命运共同体 供给侧结构性改革 "
    "高质量发展 碳达峰 碳中和 全面从严治党 中国特色社会主义 新时代 改革开放 党史学习教育 "
    "全面建成小康社会 生态文明 扫黑除恶 营商环境 科技创新 人工智能 大数据 北京冬奥会 "
    "进口博览会 十九大 二十大 十四五 新发展格局 共同富裕 垃圾分类 防汛 春运 港珠澳大桥 "
    "嫦娥四号 天问一号 空间站 北斗 疫苗 核酸检测 新闻联播 国务院常务会议 政府工作报告"
)
NUMBERS = "2017 2018 2019 2020 2021 2022 5G 1.3亿 100周年 70周年 14亿 2035年 6.5% 24小时 3.0"
LATIN = "APEC WTO G20 GDP CPI WHO NBA PM2.5 IMF COVID WiFi Apple"
MULTI = (
    "习近平 普京",
    "李克强 国务院",
    "疫情 防控",
    "一带一路 合作",
    "北京 冬奥会",
    "香港 国安法",
    "脱贫 西藏",
    "APEC 领导人",
    "5G 网络",
    "中国 美国 贸易",
    "新疆 棉花",
    "习近平 回信",
)
NO_MATCH = "量子纠缠态 火星殖民地 哈利波特 蒸汽朋克 xyzzy 披萨外卖 恐龙蛋化石展 斯诺克 zzz"


@dataclass
class Timings:
    by_length: dict[int, list[float]] = field(default_factory=dict)

    def add(self, length: int, seconds: float) -> None:
        self.by_length.setdefault(min(length, MAX_LENGTH), []).append(seconds * 1000)

    def all(self) -> list[float]:
        return [t for ts in self.by_length.values() for t in ts]


def trim() -> None:
    """Return freed heap memory to the system, so RSS counts what is in use (glibc)."""
    gc.collect()
    with contextlib.suppress(Exception):
        ctypes.CDLL(None).malloc_trim(0)


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def stats(values: Sequence[float]) -> str:
    if not values:
        return "-"
    return (
        f"p50 {statistics.median(values):7.2f}  p95 {percentile(values, 95):7.2f}  "
        f"max {max(values):7.2f}"
    )


def ratios(ours: Sequence[float], theirs: Sequence[float]) -> str:
    """ours/FTS5 at the median and at p95."""
    median = statistics.median(ours) / statistics.median(theirs)
    return f"{median:.3f}, {percentile(ours, 95) / percentile(theirs, 95):.3f}"


def queries(library: Library, count: int) -> list[str]:
    """The curated queries, then substrings of random titles (fixed seed) up to `count`."""
    chosen = " ".join((NAMES, PLACES, TOPICS, NUMBERS, LATIN)).split()
    chosen += list(MULTI) + NO_MATCH.split()
    rng = random.Random(2024)
    titles = [a.title for a in library.articles() if a.title]
    while len(chosen) < count and titles:
        title = "".join(rng.choice(titles).split())
        length = rng.randint(2, 6)
        if len(title) > length:
            start = rng.randrange(len(title) - length)
            chosen.append(title[start : start + length])
    return chosen


def keystrokes(query: str) -> list[str]:
    return [query[:i] for i in range(1, len(query) + 1)]


# --- Reference: brute force over normalised blocks ------------------------------------


class BruteForce:
    """Every article's normalised blocks joined by "\\n" (no term contains one)."""

    def __init__(self, library: Library) -> None:
        entries = ranked_entries(library)
        self.ids = [e.article.id for e in entries]
        # What filters read: each article's issue month and page number.
        self.months = [e.date.strftime("%Y-%m") if e.date else "" for e in entries]
        self.pages = [page_number(e.section) for e in entries]
        self.blocks = [[normalise(t) for t in segment_texts(e.article) if t] for e in entries]
        self.docs = ["\n".join(blocks) for blocks in self.blocks]
        # Each header read aloud by pypinyin itself, for queries of Latin letters.
        self.spoken = [
            read_aloud(header_text(e.article.title, e.article.kicker, e.article.subtitle))
            for e in entries
        ]

    def pinyin_matches(self, letters: str) -> list[int]:
        return [i for i, tokens in enumerate(self.spoken) if reads_as(tokens, letters)]

    def expected(self, query: str) -> list[int]:
        """The articles a query finds: its terms, then (Latin letters) its pinyin."""
        terms = query_terms(query)
        found = self.matches(terms)
        letters = pinyin_query(query)
        if letters is None:
            return found
        return sorted(set(found) | set(self.pinyin_matches(letters)))

    def matches(self, terms: list[str]) -> list[int]:
        if not terms:
            return []
        return [i for i, doc in enumerate(self.docs) if all(t in doc for t in terms)]


# --- SQLite FTS5 ---------------------------------------------------------------------


class Fts5:
    """The blocks in a plain table, indexed by an external-content FTS5 table."""

    def __init__(self, brute: BruteForce) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE TABLE plain(id INTEGER PRIMARY KEY, text TEXT, article INT)")
        self.db.execute(
            "CREATE VIRTUAL TABLE blocks USING fts5(text, article UNINDEXED,"
            " content='plain', content_rowid='id', tokenize='trigram')"
        )
        rows = ((text, i) for i, blocks in enumerate(brute.blocks) for text in blocks)
        self.db.executemany("INSERT INTO plain(text, article) VALUES (?, ?)", rows)
        self.db.execute("INSERT INTO blocks(rowid, text, article) SELECT * FROM plain")
        self.db.commit()

    def search(self, terms: list[str]) -> int:
        if not terms:
            return 0
        parts, params = [], []
        for term in terms:
            if len(term) >= 3:
                parts.append("SELECT DISTINCT article FROM blocks WHERE blocks MATCH ?")
                params.append('"' + term.replace('"', '""') + '"')
            else:
                parts.append("SELECT DISTINCT article FROM plain WHERE instr(text, ?) > 0")
                params.append(term)
        matching = " INTERSECT ".join(parts)
        total = self.db.execute(f"SELECT count(*) FROM ({matching})", params).fetchone()[0]
        long_terms = [p for t, p in zip(terms, params, strict=True) if len(t) >= 3]
        if long_terms:
            top = (
                "WITH ranked AS MATERIALIZED (SELECT article, bm25(blocks) AS score"
                " FROM blocks WHERE blocks MATCH ?) SELECT article FROM ranked"
                f" WHERE article IN ({matching}) GROUP BY article ORDER BY min(score)"
                f" LIMIT {LIMIT}"
            )
            self.db.execute(top, [long_terms[0], *params]).fetchall()
        else:
            self.db.execute(f"{matching} ORDER BY article LIMIT {LIMIT}", params).fetchall()
        return total


# --- Running ---------------------------------------------------------------------------


def timed(call: Callable[[], object]) -> tuple[object, float]:
    start = time.perf_counter()
    value = call()
    return value, time.perf_counter() - start


def run(args: argparse.Namespace) -> int:
    print(
        f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.2f} at start"
    )
    library, seconds = timed(lambda: load_library(args.corpus))
    assert isinstance(library, Library)
    articles = library.articles()
    corpus_bytes = sum(len(t.encode()) for a in articles for t in segment_texts(a) if t)
    print(
        f"library: {len(articles)} articles, {corpus_bytes / 1e6:.1f} MB UTF-8, "
        f"loaded in {seconds:.1f} s"
    )

    trim()
    before = rss_mb()
    data, seconds = timed(lambda: build_data(library))
    built, viewed = timed(lambda: SearchIndex(data))  # type: ignore[arg-type]
    assert isinstance(built, SearchIndex)
    trim()
    after = rss_mb()
    estimate = built.memory_bytes() / 1e6
    print(
        f"build: {seconds:.1f} s + {viewed:.2f} s encoded and viewed; RSS {before:.0f} MB -> "
        f"{after:.0f} MB (+{after - before:.0f} MB = {(after - before) * 1e6 / corpus_bytes:.2f}x"
        f" corpus); memory_bytes() {estimate:.0f} MB"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "index.bin"
        _, seconds = timed(lambda: indexfile.save(path, data, FINGERPRINT))  # type: ignore[arg-type]
        entries = data.entries  # type: ignore[attr-defined]
        opened, opening = timed(lambda: indexfile.load(path, FINGERPRINT, lambda *_: entries))
        index = SearchIndex(opened)  # type: ignore[arg-type]
        print(
            f"saved in {seconds:.2f} s ({path.stat().st_size / 1e6:.1f} MB), "
            f"opened mapped in {opening * 1000:.1f} ms"
        )
        return replay(args, library, index, built)


def replay(
    args: argparse.Namespace, library: Library, index: SearchIndex, built: SearchIndex
) -> int:
    """Type the queries into `index` (opened from its file) and `built`, checking totals."""
    brute, seconds = timed(lambda: BruteForce(library))
    assert isinstance(brute, BruteForce)
    print(f"brute-force reference normalised in {seconds:.1f} s")
    fts: Fts5 | None = None
    if args.fts:
        table, seconds = timed(lambda: Fts5(brute))
        assert isinstance(table, Fts5)
        fts = table
        print(f"FTS5 (trigram) table built in {seconds:.1f} s")

    typed = queries(library, args.queries)
    ours, theirs, memory = Timings(), Timings(), Timings()
    mismatches = set_mismatches = fts_differences = count = 0
    for query in typed:
        index.clear_cache()
        built.clear_cache()
        for prefix in keystrokes(query):
            count += 1
            # Each first every other keystroke: the second finds the processor's caches warm.
            for searcher, timings in [(index, ours), (built, memory)][:: 1 - 2 * (count % 2)]:
                answer, seconds = timed(lambda s=searcher, p=prefix: s.search(p, limit=LIMIT))
                timings.add(len(prefix), seconds)
                if searcher is index:
                    result = answer
                else:
                    in_memory = answer
            mismatches += in_memory != result
            terms = query_terms(prefix)
            expected = brute.expected(prefix)
            if result.total != len(expected) or len(result.hits) != min(LIMIT, len(expected)):
                mismatches += 1
                print(f"  MISMATCH {prefix!r}: ours {result.total}, brute force {len(expected)}")
            if count % SET_CHECK_EVERY == 0:
                wanted = {brute.ids[i] for i in expected}
                everything = index.search(prefix, limit=0).hits
                if {hit.article_id for hit in everything} != wanted:
                    set_mismatches += 1
                    print(f"  SET MISMATCH {prefix!r}")
            if fts is not None:
                total, seconds = timed(lambda t=terms, f=fts: f.search(t))
                theirs.add(len(prefix), seconds)
                fts_differences += total != len(expected)
    filtered, filter_mismatches = replay_filtered(typed, brute, index)
    spoken, pinyin_mismatches = replay_pinyin(brute, index)
    full = [q for q in typed if 0 < index.search(q, limit=1).total <= 300][:10]
    for query in full:
        everything = index.search(query, limit=0)
        expected = {brute.ids[i] for i in brute.expected(query)}
        if {hit.article_id for hit in everything.hits} != expected:
            set_mismatches += 1
            print(f"  LIMIT=0 MISMATCH {query!r}")

    print(f"\n{len(typed)} queries, {count} keystrokes (search(prefix, limit={LIMIT}), ms)")
    print(f"{'length':>6}  {'n':>4}  {'dubao (file)':<40}  {'FTS5':<40}  ours/FTS5 p50, p95")
    for length in sorted(ours.by_length):
        a, b = ours.by_length[length], theirs.by_length.get(length, [])
        label = f"{length}+" if length == MAX_LENGTH else str(length)
        ratio = ratios(a, b) if b else "-"
        print(f"{label:>6}  {len(a):>4}  {stats(a):<40}  {stats(b):<40}  {ratio}")
    a, b = ours.all(), theirs.all()
    ratio = ratios(a, b) if b else "-"
    print(f"{'all':>6}  {len(a):>4}  {stats(a):<40}  {stats(b):<40}  {ratio}")
    c = memory.all()
    print(f"{'built':>6}  {len(c):>4}  {stats(c):<40}  (the index as built, in memory)")
    p = spoken.all()
    print(f"{'pinyin':>6}  {len(p):>4}  {stats(p):<40}  (headlines' pinyin and initials typed)")
    f = filtered.all()
    print(f"{'filter':>6}  {len(f):>4}  {stats(f):<40}  (a term, then date:YYYY-MM page:1 typed)")
    print(
        f"\nmismatches against brute force (or built against file): {mismatches} totals, "
        f"{set_mismatches} sets "
        f"(every {SET_CHECK_EVERY}th keystroke, plus limit=0 on {len(full)} queries)"
    )
    print(f"FTS5 totals differing from brute force (for information): {fts_differences}")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    print(f"filtered queries' mismatches against brute force: {filter_mismatches}")
    print(f"pinyin queries' mismatches against pypinyin's own reading: {pinyin_mismatches}")
    return 1 if mismatches or set_mismatches or filter_mismatches or pinyin_mismatches else 0


def replay_pinyin(brute: BruteForce, index: SearchIndex) -> tuple[Timings, int]:
    """Type headlines' pinyin as a reader without a Chinese keyboard would, keystroke by
    keystroke: two to four syllables whole (`jingji`), spaced (`jing ji`), and their
    initials (`jj`); every keystroke's total and full set checked against brute force."""
    rng = random.Random(7)
    typed: list[str] = []
    while len(typed) < 90:
        tokens = rng.choice(brute.spoken)
        start = rng.randrange(len(tokens))
        words = [t for t in tokens[start : start + rng.randint(2, 4)] if t]
        if len(words) >= 2:
            typed += ["".join(words), " ".join(words), "".join(w[0] for w in words)]
    timings, mismatches = Timings(), 0
    for query in typed:
        index.clear_cache()
        for prefix in keystrokes(query):
            result, seconds = timed(lambda p=prefix: index.search(p, limit=LIMIT))
            timings.add(len(prefix), seconds)
            expected = brute.expected(prefix)
            if result.total != len(expected):  # type: ignore[attr-defined]
                mismatches += 1
                print(f"  PINYIN MISMATCH {prefix!r}: ours {result.total}, brute {len(expected)}")  # type: ignore[attr-defined]
        everything = {hit.article_id for hit in index.search(query, limit=0).hits}
        if everything != {brute.ids[i] for i in brute.expected(query)}:
            mismatches += 1
            print(f"  PINYIN SET MISMATCH {query!r}")
    return timings, mismatches


def replay_filtered(typed: list[str], brute: BruteForce, index: SearchIndex) -> tuple[Timings, int]:
    """Type a term and then a month and a page, `经济 date:2019-02 page:1`, keystroke by
    keystroke (the term's keystrokes were timed above), checking every complete query's
    total against brute force narrowed by each article's month and page."""
    rng = random.Random(19)
    months = sorted({m for m in brute.months if m})
    timings, mismatches = Timings(), 0
    for query in typed[:: max(1, len(typed) // 40)]:
        index.clear_cache()
        month = rng.choice(months)
        index.search(query, limit=LIMIT)
        tail = f" date:{month} page:1"
        for n in range(1, len(tail) + 1):
            prefix = query + tail[:n]
            result, seconds = timed(lambda p=prefix: index.search(p, limit=LIMIT))
            timings.add(n, seconds)
        pairs = enumerate(zip(brute.months, brute.pages, strict=True))
        allowed = {i for i, (m, page) in pairs if m == month and page == 1}
        expected = [i for i in brute.expected(query) if i in allowed]
        if result.total != len(expected):  # type: ignore[attr-defined]
            mismatches += 1
            ours = result.total  # type: ignore[attr-defined]
            print(f"  FILTER MISMATCH {prefix!r}: ours {ours}, brute force {len(expected)}")
    return timings, mismatches


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="+", help="page files or folders")
    parser.add_argument("--queries", type=int, default=220, help="how many queries to type")
    parser.add_argument(
        "--no-fts", dest="fts", action="store_false", help="leave SQLite FTS5 out (saves minutes)"
    )
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
