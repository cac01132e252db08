"""The key bar: the reader's keys on one line, as Textual's compact Footer showed them, in
one widget; clicked, lit under the mouse, and set again only when the keys change."""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen

from tui.library import load_library
from tui.store.settings import Settings
from tui.ui.app import DubaoApp
from tui.ui.widgets.keybar import KeyBar


class Keyed(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "pressed('q')", "Quit"),
        Binding("x", "pressed('x')", "Off"),  # disabled: check_action
        Binding("h", "pressed('h')", "Hidden", show=False),
        Binding("space,pagedown", "pressed('space')", "Page down", key_display="␣"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.pressed: list[str] = []

    def compose(self) -> ComposeResult:
        yield KeyBar()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if parameters == ("x",) else True

    def action_pressed(self, key: str) -> None:
        self.pressed.append(key)


class KeyedApp(App[None]):
    def on_mount(self) -> None:
        self.push_screen(Keyed())


def segments(app: App[object]) -> list[Segment]:
    return list(app.screen._compositor.render_strips()[-1])


def line(app: App[object]) -> str:
    return "".join(segment.text for segment in segments(app))


def style_of(app: App[object], text: str):  # type: ignore[no-untyped-def]
    return next(segment.style for segment in segments(app) if segment.text == text)


async def test_each_shown_action_once_then_the_palette_on_the_right_where_it_fits() -> None:
    async with KeyedApp().run_test(size=(60, 3)) as pilot:
        await pilot.pause()
        shown = line(pilot.app)
        assert shown.startswith("q Quit x Off ␣ Page down ")
        assert shown.endswith("▏^p palette ")
        assert "Hidden" not in shown and len(shown) == 60
    async with KeyedApp().run_test(size=(30, 3)) as pilot:  # no room: the palette goes
        await pilot.pause()
        assert line(pilot.app) == "q Quit x Off ␣ Page down".ljust(30)


async def test_keys_are_bold_and_a_disabled_one_dim() -> None:
    async with KeyedApp().run_test(size=(60, 3)) as pilot:
        await pilot.pause()
        enabled, disabled = style_of(pilot.app, "q"), style_of(pilot.app, "x")
        assert enabled.bold and disabled.bold
        # Textual shows dim text in a colour nearer the background's
        assert disabled.color != enabled.color
        assert style_of(pilot.app, " Off").color != style_of(pilot.app, " Quit").color


async def test_a_click_presses_the_key_and_a_disabled_one_rings(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    app = KeyedApp()
    rung: list[bool] = []
    monkeypatch.setattr(app, "bell", lambda: rung.append(True))
    async with app.run_test(size=(60, 3)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, Keyed)
        await pilot.click(KeyBar, offset=(15, 0))  # "␣ Page down"
        await pilot.click(KeyBar, offset=(8, 0))  # "x Off": disabled
        await pilot.click(KeyBar, offset=(6, 0))  # the gap after "Quit"
        await pilot.pause()
        assert screen.pressed == ["space"]
        assert rung == [True]


async def test_the_key_under_the_mouse_is_lit() -> None:
    async with KeyedApp().run_test(size=(60, 3)) as pilot:
        await pilot.pause()
        quiet = style_of(pilot.app, " Quit").bgcolor
        await pilot.hover(KeyBar, offset=(2, 0))
        await pilot.pause()
        assert style_of(pilot.app, " Quit").bgcolor != quiet
        assert style_of(pilot.app, " Page down").bgcolor == quiet
        await pilot.hover(KeyBar, offset=(40, 0))  # between the keys and the palette
        await pilot.pause()
        assert style_of(pilot.app, " Quit").bgcolor == quiet


async def test_the_line_is_set_again_when_the_keys_change() -> None:
    async with KeyedApp().run_test(size=(60, 3)) as pilot:
        await pilot.pause()
        screen = pilot.app.screen
        screen._bindings.bind("n", "pressed('n')", "New")
        screen.refresh_bindings()
        await pilot.pause()
        assert "n New" in line(pilot.app)


async def test_the_readers_keys_as_they_were_in_both_languages() -> None:
    for language, expected in [
        ("en", "q Quit ⌫ Back ? Help / Search ␣ Page down ] Next s Sidebar"),
        ("zh", "q 退出 ⌫ 返回 ? 帮助 / 搜索 ␣ 下翻 ] 下一篇 s 版面栏"),
    ]:
        app = DubaoApp(load_library(), settings=Settings(theme="dubao-dark"), language=language)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            shown = line(app)
            assert shown.startswith(expected + " ")
            assert shown.rstrip().endswith(
                "▏^p " + ("Find article" if language == "en" else "查找文章")
            )
