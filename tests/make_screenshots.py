"""Regenerate screenshots/ from the real app on the bundled seed page.

    .venv/bin/python tests/make_screenshots.py

Each SVG is what the reader shows at that size, theme and key sequence.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from tui.library import load_library
from tui.store.settings import Settings
from tui.ui.app import DubaoApp

OUT = Path(__file__).resolve().parent.parent / "screenshots"

# name: (size, theme, language, keys pressed before the shot)
SHOTS: dict[str, tuple[tuple[int, int], str, str, tuple[str, ...]]] = {
    "main-120x40": ((120, 40), "dubao-dark", "zh", ()),
    "main-80x24": ((80, 24), "dubao-dark", "zh", ()),
    "help": ((80, 24), "dubao-dark", "zh", ("question_mark",)),
    "light": ((100, 30), "dubao-light", "zh", ("right_square_bracket", "right_square_bracket")),
    "16-colours": ((80, 24), "dubao-terminal", "zh", ("space",)),
    "narrow-sidebar": ((50, 24), "dubao-dark", "en", ("s",)),
    "search": ((80, 24), "dubao-dark", "zh", ("slash", "山", "西")),
}


async def shoot(
    name: str, size: tuple[int, int], theme: str, language: str, keys: tuple[str, ...]
) -> Path:
    app = DubaoApp(load_library(), settings=Settings(theme=theme), language=language)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()  # a search, say
        await pilot.pause(0.3)
        return Path(app.save_screenshot(f"{name}.svg", path=str(OUT)))


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, (size, theme, language, keys) in SHOTS.items():
        # A reading state of its own for each shot: never the user's, nor the last shot's.
        with tempfile.TemporaryDirectory() as data:
            os.environ["XDG_DATA_HOME"] = data
            path = asyncio.run(shoot(name, size, theme, language, keys))
        print(path.relative_to(OUT.parent))


if __name__ == "__main__":
    main()
