"""One list of keys: help and the command palette are built from the bindings themselves.

A binding's ``tooltip`` is its long description (help, palette); its ``description``
is the short word the footer shows. Its ``id`` names it in the config's ``[keys]``
table: what help and the palette show is the binding as that table leaves it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from textual.app import App
from textual.binding import Binding, BindingType
from textual.dom import DOMNode


@dataclass(frozen=True)
class KeyRow:
    """One key (or several for one action) where it works, and what it does."""

    where: str
    keys: str
    what: str
    action: str


def bindings_of(owner: type[DOMNode]) -> list[Binding]:
    """The bindings a class declares itself (not those it inherits)."""
    declared: Iterable[BindingType] = owner.__dict__.get("BINDINGS", [])
    return list(Binding.make_bindings(declared))


def in_force(app: App[Any], binding: Binding) -> Binding:
    """``binding`` with the keys the app's keymap (the ``[keys]`` table) gives it, if any."""
    # Textual's own copy of the keymap, as it applies it to every binding with an id.
    keys = app._keymap.get(binding.id) if binding.id else None
    return binding.with_key(keys) if keys else binding


def keys_shown(app: App[Any], binding: Binding) -> str:
    """Every key in force for ``binding`` as the footer writes them: ``j / ↓``."""
    return " / ".join(
        app.get_key_display(Binding(key, binding.action))
        for key in in_force(app, binding).key.split(",")
    )


def key_rows(app: App[Any], places: Sequence[tuple[str, Sequence[Binding]]]) -> list[KeyRow]:
    """Rows for help: each place's bindings, the keys of one action on one row (``j / ↓``)."""
    rows: list[KeyRow] = []
    for where, bindings in places:
        for binding in bindings:
            if binding.system:
                continue
            what = binding.tooltip or binding.description or binding.action.replace("_", " ")
            keys = keys_shown(app, binding)
            last = rows[-1] if rows else None
            if last is not None and (last.where, last.action) == (where, binding.action):
                rows[-1] = KeyRow(where, f"{last.keys} / {keys}", last.what, last.action)
            else:
                rows.append(KeyRow(where, keys, what, binding.action))
    return rows
