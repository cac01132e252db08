"""An article as search sees it: a fixed list of segments, one per text block.

Segment k of an article is, in order: 0 title, 1 kicker, 2 subtitle, 3 byline, 4 column
(each "" when missing), then 5 + i for `article.blocks[i]`. Results name a segment by
its *block number*: `i` for `article.blocks[i]`, and a negative number for the fields
above the blocks: TITLE = -1, KICKER = -2, SUBTITLE = -3, BYLINE = -4, COLUMN = -5.
The title comes first: the index finds it at the start of an article's text.
"""

from __future__ import annotations

from tui.core.model import Article

TITLE, KICKER, SUBTITLE, BYLINE, COLUMN = -1, -2, -3, -4, -5
FIELD_NAMES = ("title", "kicker", "subtitle", "byline", "column")
FIRST_BLOCK = len(FIELD_NAMES)
# The name of each field above the blocks, by its block number.
HEADER_FIELDS = {-(segment + 1): name for segment, name in enumerate(FIELD_NAMES)}


def _fields(article: Article) -> tuple[str | None, ...]:
    """The fields above the blocks, in segment order."""
    return (article.title, article.kicker, article.subtitle, article.byline, article.column)


def segment_texts(article: Article) -> list[str]:
    """The original text of every segment of `article`, in segment order."""
    return [text or "" for text in _fields(article)] + [block.text for block in article.blocks]


def segment_text(article: Article, segment: int) -> str:
    """The original text of one segment of `article`."""
    if segment >= FIRST_BLOCK:
        return article.blocks[segment - FIRST_BLOCK].text
    return _fields(article)[segment] or ""


def block_number(segment: int) -> int:
    """The block number (see the module docstring) of segment `segment`."""
    return segment - FIRST_BLOCK if segment >= FIRST_BLOCK else -(segment + 1)


def segment_of(block: int) -> int:
    """The segment of block number `block`: `block_number`'s inverse."""
    return block + FIRST_BLOCK if block >= 0 else -(block + 1)


def field_name(article: Article, segment: int) -> str:
    """ "title", "kicker", "subtitle", "byline", "column", or the block's type ("paragraph",
    ...)."""
    if segment < FIRST_BLOCK:
        return FIELD_NAMES[segment]
    return article.blocks[segment - FIRST_BLOCK].type
