"""An article as search sees it: a fixed list of segments, one per text block.

Segment k of an article is, in order: 0 title, 1 kicker, 2 subtitle, 3 byline (each ""
when missing), then 4 + i for `article.blocks[i]`. Results name a segment by its *block
number*: `i` for `article.blocks[i]`, and a negative number for the fields above the
blocks: TITLE = -1, KICKER = -2, SUBTITLE = -3, BYLINE = -4.
"""

from __future__ import annotations

from tui.model import Article

TITLE, KICKER, SUBTITLE, BYLINE = -1, -2, -3, -4
FIELD_NAMES = ("title", "kicker", "subtitle", "byline")
FIRST_BLOCK = len(FIELD_NAMES)


def segment_texts(article: Article) -> list[str]:
    """The original text of every segment of `article`, in segment order."""
    fields = (article.title, article.kicker, article.subtitle, article.byline)
    return [text or "" for text in fields] + [block.text for block in article.blocks]


def segment_text(article: Article, segment: int) -> str:
    """The original text of one segment of `article`."""
    if segment >= FIRST_BLOCK:
        return article.blocks[segment - FIRST_BLOCK].text
    fields = (article.title, article.kicker, article.subtitle, article.byline)
    return fields[segment] or ""


def block_number(segment: int) -> int:
    """The block number (see the module docstring) of segment `segment`."""
    return segment - FIRST_BLOCK if segment >= FIRST_BLOCK else -(segment + 1)


def field_name(article: Article, segment: int) -> str:
    """ "title", "kicker", "subtitle", "byline", or the block's type ("paragraph", ...)."""
    if segment < FIRST_BLOCK:
        return FIELD_NAMES[segment]
    return article.blocks[segment - FIRST_BLOCK].type
