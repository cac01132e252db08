"""The reader's own keys: `settings.toml`'s `[keys]` table checked and made a Textual keymap.

A binding's id is the name readers give it (`next_article = "n,right"`), and Textual's
keymap (`App.set_keymap`) swaps the keys of every binding with that id. An entry replaces
the action's default keys; a key it gives is taken from every other binding of the reader
(`give_way`), so that it does what it was given to do whichever pane has the focus.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from functools import cache

from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import Keys, _character_to_key, format_key

from tui.core.i18n import Strings

# Textual names a key's modifiers in this order ("alt+ctrl+x", "ctrl+shift+left").
MODIFIERS = ("alt", "ctrl", "hyper", "meta", "shift", "super")
KEY_EXAMPLES = "x, N, ctrl+x, right, pagedown, f5"


@cache
def _names() -> frozenset[str]:
    """The keys Textual knows by a name: `right`, `f5`, `space`, `question_mark`…"""
    named = {k.value.rpartition("+")[2] for k in Keys if not k.value.startswith("<")}
    named.discard("ctrl-at")
    named.update(_character_to_key(chr(c)) for c in range(0x21, 0x7F))
    return frozenset(n for n in named if len(n) > 1)


def normal_key(text: str) -> str | None:
    """`text` as Textual names the key (`Ctrl+X` → `ctrl+x`, `?` → `question_mark`), or None
    when it is not a key."""
    text = text.strip()
    if len(text) == 1:
        return _character_to_key(text) if text.isprintable() and not text.isspace() else None
    *modifiers, base = text.split("+")
    modifiers = [m.lower() for m in modifiers]
    if not all(m in MODIFIERS for m in modifiers):
        return None
    if len(base) == 1:
        if not base.isprintable() or base.isspace():
            return None
        base = _character_to_key(base)
    elif base.lower() in _names():
        base = base.lower()
    else:
        return None
    return "+".join([*sorted(set(modifiers)), base])


def default_keys(classes: Iterable[type[DOMNode]]) -> dict[str, list[str]]:
    """Every binding id of `classes` (the names `[keys]` may use), with its default keys."""
    keys: dict[str, list[str]] = {}
    for cls in classes:
        for binding in Binding.make_bindings(cls.BINDINGS):
            if binding.id is not None:
                found = keys.setdefault(binding.id, [])
                if binding.key not in found:
                    found.append(binding.key)
    return keys


def read_keys(
    entries: Mapping[str, str], defaults: Mapping[str, list[str]]
) -> tuple[dict[str, str], list[str]]:
    """The keymap `entries` make (binding id → keys, as Textual names them), and a problem
    for each entry left out, whose action keeps its default keys."""
    keymap: dict[str, str] = {}
    problems: list[str] = []
    for action, text in entries.items():
        if action not in defaults:
            near = difflib.get_close_matches(action, defaults, n=1)
            hint = f" (did you mean {near[0]}?)" if near else ""
            problems.append(f"keys.{action}: no such action{hint}")
            continue
        given = [k.strip() for k in text.split(",")]
        keys = [normal_key(k) for k in given]
        if given == [""]:
            problems.append(f"keys.{action}: no key given; {action} keeps its keys")
        elif None in keys:
            bad = given[keys.index(None)]
            problems.append(
                f"keys.{action}: {bad!r} is not a key (keys are named like {KEY_EXAMPLES}); "
                f"{action} keeps its keys"
            )
        else:
            keymap[action] = ",".join(dict.fromkeys(k for k in keys if k))
    return keymap, problems


def give_way(node: DOMNode, keymap: Mapping[str, str]) -> None:
    """Take the keys `keymap` gives from `node`'s other bindings, id or none.

    Textual's keymap does that within one node's bindings; this does it across nodes, so that
    a key given to a reader's action is not kept by a widget that has the focus (the
    article's `right`, which does nothing, would hide `next_article = "right"`).
    """
    taken = {key for keys in keymap.values() for key in keys.split(",")}
    bindings = node._bindings.key_to_bindings
    for key in taken & bindings.keys():
        # Those being given other keys: the keymap moves them.
        kept = [b for b in bindings[key] if b.id in keymap]
        if kept:
            bindings[key] = kept
        else:
            del bindings[key]


def keys_in_force(
    nodes: Iterable[DOMNode], keymap: Mapping[str, str], defaults: Mapping[str, list[str]]
) -> dict[str, list[str]]:
    """Each binding id of `defaults` with its keys on `nodes`, as Textual binds them with
    `keymap` (none, where others took them all), in the order the keymap or the defaults
    give them."""
    found: dict[str, set[str]] = {name: set() for name in defaults}
    for node in nodes:
        bindings = node._bindings.copy()
        bindings.apply_keymap(keymap)
        for key, entries in bindings.key_to_bindings.items():
            for binding in entries:
                if binding.id in found:
                    found[binding.id].add(key)
    keys = {}
    for name, bound in found.items():
        order = keymap[name].split(",") if name in keymap else defaults[name]
        keys[name] = sorted(bound, key=lambda k: order.index(k) if k in order else len(order))
    return keys


_SHOWN = {
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
    "pagedown": "PgDn",
    "pageup": "PgUp",
    "escape": "Esc",
    "backspace": "Backspace",
    "delete": "Del",
    "insert": "Ins",
}


def key_label(key: str, strings: Strings) -> str:
    """A key as the help writes it: `Space`, `PgDn`, `Ctrl+O`, `Alt+←`, `?`, `F1`."""
    *modifiers, base = key.split("+")
    if base in ("space", "enter"):
        shown = strings(f"help.key.{base}")
    elif base in _SHOWN:
        shown = _SHOWN[base]
    elif re.fullmatch(r"f\d+", base):
        shown = base.upper()
    else:
        shown = format_key(base)
        if shown == base and len(base) > 1:
            shown = base.capitalize()
    if modifiers and len(shown) == 1:
        shown = shown.upper()
    return "+".join([*(m.capitalize() for m in modifiers), shown])


PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def fill_keys(text: str, keys: Mapping[str, list[str]], strings: Strings) -> str:
    """`text` with each `{id}` of a binding replaced by its keys in force, as code."""

    def keys_of(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in keys:
            return match.group(0)
        shown = [f"`{key_label(k, strings)}`" for k in keys[name]]
        return " ".join(shown) or strings("help.no_key")

    return PLACEHOLDER.sub(keys_of, text)
