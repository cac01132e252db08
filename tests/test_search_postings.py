"""Posting lists built with NumPy against a dictionary of sets built from `text_codes`."""

from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.search import bitset
from tui.search import postings as postings_module
from tui.search.postings import DENSE_SHARE, Postings, build_postings
from tui.search.tokenize import text_codes

# Han, ASCII, the separator, a full-width form and an astral character (two units).
ALPHABET = "中国人民日报新闻联播的了abc \n，Ｆ𠀋"


def reference(docs: list[str]) -> dict[int, list[int]]:
    lists: defaultdict[int, list[int]] = defaultdict(list)
    for doc_id, doc in enumerate(docs):
        for code in text_codes(doc):
            lists[code].append(doc_id)
    return lists


def assert_same(postings: Postings, docs: list[str]) -> None:
    size, codes, starts, ids, dense = postings.parts()
    expected = reference(docs)
    assert size == len(docs)
    assert list(codes) == sorted(c for c, found in expected.items() if not is_dense(found, size))
    assert sorted(dense) == sorted(c for c, found in expected.items() if is_dense(found, size))
    assert starts[0] == 0 and starts[-1] == len(ids) == sum(
        len(found) for found in expected.values() if not is_dense(found, size)
    )
    for code, found in expected.items():
        assert postings.count(code) == len(found)
        assert postings.bits(code) == bitset.from_ids(found, size)
        if not is_dense(found, size):
            assert list(postings.sparse(code)) == found
    assert postings.count(0xFFFFFFFF) == 0 and list(postings.sparse(0xFFFFFFFF)) == []


def is_dense(found: list[int], size: int) -> bool:
    return len(found) * DENSE_SHARE > size


@settings(max_examples=60, deadline=None)
@given(
    docs=st.lists(st.text(alphabet=ALPHABET, max_size=30), max_size=40),
    chunk=st.integers(min_value=1, max_value=64),
    partition=st.integers(min_value=1, max_value=32),
)
def test_postings_are_the_codes_of_each_text(docs: list[str], chunk: int, partition: int) -> None:
    # Small chunks: an article's keys, and a partition's, come from many chunks; small
    # partitions: many, cut where the first chunk's codes say.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(postings_module, "CHUNK_UNITS", chunk)
        patch.setattr(postings_module, "PARTITION_POSTINGS", partition)
        assert_same(build_postings(docs), docs)


def test_a_code_in_most_articles_is_a_bitmap_and_a_rare_one_a_run() -> None:
    docs = ["中国" if i % 2 else "人民" for i in range(40)] + ["日报"]
    postings = build_postings(docs)
    pair = ord("中") | ord("国") << 16
    assert postings.is_dense(pair) and postings.count(pair) == 20
    rare = ord("日") | ord("报") << 16
    assert not postings.is_dense(rare) and list(postings.sparse(rare)) == [40]
    assert_same(postings, docs)


def test_more_than_65536_articles_get_32_bit_ids() -> None:
    docs = ["" if i % 1000 else "中" for i in range(70_000)] + ["国"]
    postings = build_postings(docs)
    _, _, _, ids, _ = postings.parts()
    assert ids.typecode == "I"
    assert list(postings.sparse(ord("中"))) == list(range(0, 70_000, 1000))
    assert list(postings.sparse(ord("国"))) == [70_000]
    # One chunk whose code is in more articles than a 16-bit count holds.
    assert build_postings(["中"] * 70_000).count(ord("中")) == 70_000


def test_progress_rises_to_one() -> None:
    heard: list[float] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(postings_module, "CHUNK_UNITS", 4)
        build_postings(["中国人民", "日报", "新闻联播"] * 3, heard.append)
    assert heard == sorted(heard) and heard[-1] == 1.0 and len(heard) > 3


def test_no_articles_give_empty_postings() -> None:
    postings = build_postings([])
    assert postings.parts()[1:4] == (
        postings.parts()[1][:0],
        postings.parts()[2][:1],
        postings.parts()[3][:0],
    )
    assert postings.count(ord("中")) == 0
    assert build_postings(["", ""]).count(ord("中")) == 0


def test_a_code_in_exactly_one_article_in_dense_share_is_a_run() -> None:
    docs = ["日报" if i < 2 else "" for i in range(2 * DENSE_SHARE)] + ["日报"]
    postings = build_postings(docs[:-1])  # 2 of 32: not more than one in DENSE_SHARE
    assert not postings.is_dense(ord("日"))
    assert build_postings(docs).is_dense(ord("日"))  # 3 of 33
