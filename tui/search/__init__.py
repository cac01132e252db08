"""Full-text search over a library: exact normalised substrings, ranked BM25-style.

    index = SearchIndex.build(library, on_progress=None, should_stop=None)
    result = index.search("习近平 北京", limit=20)      # limit=0: every hit
    result.total, [(hit.article_id, hit.score, hit.snippet.text) for hit in result.hits]
    index.matches_in(article_id, "习近平 北京")         # [(block, start, end), ...]
    index = open_index(library, on_progress, should_stop, on_note=print)  # cached on disk
    index = open_stored_index(Pages(paths))  # from the disk, the library left unloaded

A query is split on whitespace into terms, each normalised (`tui.core.text.normalise`); an
article matches when every term occurs inside one of its blocks (title, kicker,
subtitle, byline, column, each paragraph, subhead and caption), also normalised. Every
match is found, whatever a term's length.

Blocks are numbered as in `article.blocks`, and the fields above them negatively:
TITLE = -1, KICKER = -2, SUBTITLE = -3, BYLINE = -4, COLUMN = -5 (`Snippet.block`,
`matches_in`); HEADER_FIELDS names them ("title", ..., "column") by that number.
Offsets are always in the original (displayed) text.

Modules, one job each: `tokenize` (terms, normalised forms, key codes), `postings`
(packed posting lists, built with NumPy), `bitset` (sets of articles as integers),
`build` (library → arrays), `termcache` (recent terms' matches, kept for the next
keystroke), `rank` (which matches to score, and their scores), `align` (normalised →
original offsets), `snippet`, `segments` (block numbering), `words` (jieba, quiet and
lazy), `index` (SearchIndex); `store` (keeping the index on disk: `open_index`,
`open_stored_index`), `indexfile` (its file), `places` (where its articles are) and
`fingerprint` (what identifies it). The reader's builds run in a worker process, the
headers' part in a second one (`tui.background.indexer`).
Importing this package loads none of jieba's dictionary, NumPy and Textual.
"""

from tui.search.build import BuildCancelled
from tui.search.index import Hit, SearchIndex, SearchResult
from tui.search.segments import BYLINE, COLUMN, HEADER_FIELDS, KICKER, SUBTITLE, TITLE
from tui.search.snippet import Snippet
from tui.search.store import open_cached_index, open_index, open_stored_index
from tui.search.tokenize import query_terms

__all__ = [
    "BYLINE",
    "COLUMN",
    "HEADER_FIELDS",
    "KICKER",
    "SUBTITLE",
    "TITLE",
    "BuildCancelled",
    "Hit",
    "SearchIndex",
    "SearchResult",
    "Snippet",
    "open_cached_index",
    "open_index",
    "open_stored_index",
    "query_terms",
]
