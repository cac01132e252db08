"""dubao's themes: dark and light for colour terminals, and one built on the terminal's
own colours for 16-colour terminals and NO_COLOR."""

from __future__ import annotations

from collections.abc import Iterable

from textual.theme import Theme

DARK = Theme(
    name="dubao-dark",
    primary="#d9a55b",  # a warm gold for headings and the cursor
    secondary="#8fb3cf",
    accent="#d9a55b",
    warning="#e0b050",
    error="#e06c5f",
    success="#8fbf7a",
    foreground="#dcd6c8",  # newsprint ink, reversed
    background="#1c1d1f",
    surface="#232427",
    panel="#2b2d31",
    dark=True,
)

LIGHT = Theme(
    name="dubao-light",
    primary="#9b2d20",  # newspaper red
    secondary="#2f5b7c",
    accent="#9b2d20",
    warning="#a86b00",
    error="#b3261e",
    success="#2e7d32",
    foreground="#2a2824",
    background="#f7f2e6",  # newsprint
    surface="#efe8d8",
    panel="#e4dbc6",
    dark=False,
)

# Every colour is one the terminal defines: its own foreground and background (so it reads
# on light and dark backgrounds alike) and the standard ANSI ones for accents.
TERMINAL = Theme(
    name="dubao-terminal",
    ansi=True,
    primary="ansi_blue",
    secondary="ansi_cyan",
    accent="ansi_magenta",
    warning="ansi_yellow",
    error="ansi_red",
    success="ansi_green",
    foreground="ansi_default",
    background="ansi_default",
    surface="ansi_default",
    panel="ansi_default",
    boost="ansi_default",
    dark=True,
    variables={
        "ansi-background": "ansi_default",
        "ansi-foreground": "ansi_default",
        "border": "ansi_blue",
        "border-blurred": "ansi_default",
        "block-cursor-foreground": "ansi_default",
        "block-cursor-background": "ansi_default",
        "block-cursor-text-style": "reverse bold",
        "block-cursor-blurred-foreground": "ansi_default",
        "block-cursor-blurred-background": "ansi_default",
        "block-cursor-blurred-text-style": "reverse",
        "block-hover-background": "ansi_default",
        "footer-key-foreground": "ansi_blue",
        "footer-background": "ansi_default",
        "footer-description-background": "ansi_default",
        "footer-key-background": "ansi_default",
        "footer-item-background": "ansi_default",
        "scrollbar": "ansi_blue",
        "scrollbar-background": "ansi_default",
        "scrollbar-corner-color": "ansi_default",
        "input-cursor-text-style": "reverse",
        "input-selection-background": "ansi_blue",
        "screen-selection-background": "ansi_blue",
        "screen-selection-foreground": "ansi_default",
    },
)

THEMES = (DARK, LIGHT, TERMINAL)


def default_theme(
    wanted: str | None, *, color_system: str | None, no_color: bool, available: Iterable[str]
) -> str:
    """The reader's setting if it names a theme; else what the terminal can show well."""
    if wanted and wanted in set(available):
        return wanted
    if no_color or color_system in (None, "standard", "windows"):
        return TERMINAL.name
    return DARK.name
