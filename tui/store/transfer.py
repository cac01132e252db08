"""The reading state as JSON, to carry it to another machine: `dubao state export|import`.

    {"format": "dubao-state", "version": 1, "exported": "2026-12-06T03:00:00Z",
     "positions": [{"article_id", "block", "offset", "percent", "max_percent", "read",
                    "updated"}],
     "libraries": [{"library", "article_id", "updated"}],
     "saved": [{"article_id", "saved", "library", "paper", "date", "page", "title",
                "updated"}]}

`updated` is when the record last changed, in seconds since the epoch (UTC); an import
keeps, of two records of one thing, the newer (`StateStore.merge`). A position's `block`
-1 is the article's header; `read` and `saved` are booleans (an unsaved article is kept,
saved false, so that an import knows an unsave newer than a save). Articles are named by
their content id, the same wherever and however their pages are read.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from collections.abc import Callable
from typing import Any

FORMAT = "dubao-state"
VERSION = 1


class TransferError(ValueError):
    """A file that is not a dubao state export this version can read: one line says why."""


# For each section of the file: the store's table, and its fields in the table's column
# order, each with the check its value must pass.
_Field = tuple[str, Callable[[Any], bool]]


def _text(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 10_000


def _id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 200


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -(2**62) < value < 2**62


def _percent(value: Any) -> bool:
    return _int(value) and 0 <= value <= 100


def _flag(value: Any) -> bool:
    return isinstance(value, bool)


def _time(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


SECTIONS: dict[str, tuple[str, tuple[_Field, ...]]] = {
    "positions": (
        "article",
        (
            ("article_id", _id),
            ("block", _int),
            ("offset", _int),
            ("percent", _percent),
            ("max_percent", _percent),
            ("read", _flag),
            ("updated", _time),
        ),
    ),
    "libraries": ("library", (("library", _id), ("article_id", _id), ("updated", _time))),
    "saved": (
        "saved",
        (
            ("article_id", _id),
            ("saved", _flag),
            ("library", _text),
            ("paper", _text),
            ("date", _text),
            ("page", _text),
            ("title", _text),
            ("updated", _time),
        ),
    ),
}


def utc_time(seconds: float) -> str:
    """A time in seconds since the epoch as ISO 8601, in UTC: 2026-12-06T03:00:00Z."""
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_json(tables: dict[str, list[tuple]]) -> dict[str, Any]:
    """A store's rows (`StateStore.dump`) as the export's JSON object."""
    data: dict[str, Any] = {"format": FORMAT, "version": VERSION, "exported": utc_time(time.time())}
    for section, (table, fields) in SECTIONS.items():
        flags = [n for n, (_, check) in enumerate(fields) if check is _flag]
        data[section] = [
            {
                name: bool(value) if n in flags else value
                for n, ((name, _), value) in enumerate(zip(fields, row, strict=True))
            }
            for row in tables.get(table, [])
        ]
    return data


def dumps(data: dict[str, Any]) -> str:
    """The export as text, a section a line: json's indenting encoder is pure Python, and
    one call per record is slow too (0.65 s for 150,000)."""
    head = {name: value for name, value in data.items() if name not in SECTIONS}
    parts = [json.dumps(head, ensure_ascii=False)[:-1]]
    for section in SECTIONS:
        parts.append(f',\n"{section}": {json.dumps(data[section], ensure_ascii=False)}')
    return "".join(parts) + "}\n"


def from_json(data: Any) -> dict[str, list[tuple]]:
    """The rows an export holds, for `StateStore.merge`; TransferError if any is not right
    (nothing is half taken)."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise TransferError(f'not a dubao state export (no "format": "{FORMAT}")')
    version = data.get("version")
    if version != VERSION:
        raise TransferError(f"an export of version {version!r:.20}: this dubao reads {VERSION}")
    tables: dict[str, list[tuple]] = {}
    for section, (table, fields) in SECTIONS.items():
        records = data.get(section, [])
        if not isinstance(records, list):
            raise TransferError(f"{section!r} is not a list")
        rows = []
        for n, record in enumerate(records):
            if not isinstance(record, dict):
                raise TransferError(f"{section}[{n}] is not an object")
            row = []
            for name, check in fields:
                value = record.get(name)
                if not check(value):
                    raise TransferError(f"{section}[{n}].{name} is missing or wrong: {value!r:.40}")
                row.append(int(value) if check is _flag else value)
            rows.append(tuple(row))
        tables[table] = rows
    return tables
