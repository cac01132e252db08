"""Write tui/core/t2s.txt, the Traditional → Simplified fold search applies, from OpenCC.

    .venv/bin/python tests/make_fold_table.py

Each line is a Traditional character, a space, and the one Simplified character OpenCC's
`t2s` conversion gives it alone (its first candidate: 乾 → 干, 後 → 后). Only characters
that convert to one other character are kept: search folds character by character, so
that offsets in a text and in its folded form stay the same. Chains are followed to their
end, so that folding twice is folding once. The data is OpenCC's (Apache-2.0).
"""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tui" / "core" / "t2s.txt"
# Where OpenCC's character tables have entries: CJK Extension A, the URO, the
# compatibility ideographs, Extension B.
RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00), (0x20000, 0x2A6E0))


def fold_table() -> dict[str, str]:
    import opencc

    convert = opencc.OpenCC("t2s").convert
    table = {}
    for start, end in RANGES:
        for code in range(start, end):
            ch = chr(code)
            simplified = convert(ch)
            if simplified != ch and len(simplified) == 1:
                table[ch] = simplified
    for ch, simplified in table.items():
        seen = {ch}
        while simplified in table and simplified not in seen:
            seen.add(simplified)
            simplified = table[simplified]
        table[ch] = simplified
    return {ch: s for ch, s in table.items() if ch != s}


def text_of(table: dict[str, str]) -> str:
    import opencc

    head = (
        "# Traditional → Simplified, one character each, for search only (display text is never\n"
        f"# changed). From OpenCC {getattr(opencc, '__version__', '')} t2s (Apache-2.0),\n"
        "# by tests/make_fold_table.py.\n"
    )
    return head + "".join(f"{t} {s}\n" for t, s in sorted(table.items()))


def main() -> None:
    table = fold_table()
    OUT.write_text(text_of(table), encoding="utf-8")
    print(f"{OUT.relative_to(OUT.parents[2])}: {len(table)} characters")


if __name__ == "__main__":
    main()
