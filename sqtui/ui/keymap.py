"""The config's ``[keys]`` table checked against the bindings sqtui declares.

Each binding has an ``id``, its name in the table (``refresh = "f5"``); one id is one
meaning, shared by every place it works (``down`` moves down in every list). An entry
is used only if its name is an id, its keys are key names, and no key it adds is
taken already where the action works: in the same class, or along a chain of classes
whose bindings are active together (the focused widget, its screen, the app). A
refused entry leaves that action on its default keys: a mistake never costs an action.

Textual's own widgets inside ours (an input, a text area) are not part of the chains:
while one is focused, the letters typed are its own, and only a priority key (the
palette's, ``ctrl+q``) reaches the app, as ``ctrl+p`` does by default.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import Keys, _character_to_key
from textual.screen import ModalScreen

from sqtui.display import printable

MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")
"""What may come before a key, joined by ``+``: ``ctrl+shift+f5``."""

# The keys that are not characters (f5, escape, pageup), without Textual's inner names.
_NAMED = frozenset(
    key.value for key in Keys if "+" not in key.value and not key.value.startswith("<")
) - {"ctrl-at"}
# Textual's name of each printable ASCII sign ("?" is question_mark), and back, to write
# keys in messages the way a config file would. A comma stays "comma": it separates keys.
_SIGN_OF = {
    _character_to_key(sign): sign
    for sign in map(chr, range(0x21, 0x7F))
    if not sign.isalnum() and sign != ","
}
_SIGN_NAMES = frozenset(_SIGN_OF) | {"comma"}


@dataclass(frozen=True)
class Place:
    """A class whose bindings work somewhere, and how a sentence says where."""

    owner: type[DOMNode]
    where: str


@dataclass(frozen=True)
class CheckedKeys:
    """A ``[keys]`` table checked: the entries to use, and why each other one is not."""

    usable: dict[str, str] = field(default_factory=dict)
    """The entries with no problem, keys normalised (``?`` is ``question_mark``)."""
    problems: list[str] = field(default_factory=list)
    """One sentence per refused entry, in the table's order."""


@dataclass(frozen=True)
class _Holder:
    """One binding holding one key in one place, once the keymap is applied."""

    binding: Binding
    place: Place
    added: bool
    """The key comes from the keymap and is not one of the binding's own defaults there."""


@cache
def chains() -> tuple[tuple[Place, ...], ...]:
    """The places whose bindings are active together, innermost first; the app comes after.

    Each focused widget's ancestors (keeping the classes with bindings of their own)
    are one of these, or the end of one; a test walks the real screens to keep it so.
    """
    # Imported when asked: these are the screens opened later, not on a first frame.
    from sqtui.ui.inside.compare import DiffScreen, DiffTextScreen, VersionPicker
    from sqtui.ui.inside.contents_screen import ContentsScreen, ContentsTree
    from sqtui.ui.inside.extract_dialog import ExtractDialog
    from sqtui.ui.inside.find_screen import FindScreen
    from sqtui.ui.inside.viewer import TextViewer
    from sqtui.ui.screens.batch_dialogs import BatchCreateDialog
    from sqtui.ui.screens.confirm import ConfirmScreen
    from sqtui.ui.screens.download_dialog import FolderDialog
    from sqtui.ui.screens.help import HelpScreen
    from sqtui.ui.screens.history import HistoryScreen, HistoryTable
    from sqtui.ui.screens.login import LoginScreen
    from sqtui.ui.screens.main import MainScreen
    from sqtui.ui.screens.moment_dialog import MomentDialog
    from sqtui.ui.screens.restore_dialog import RestoreDialog
    from sqtui.ui.widgets.downloads_panel import DownloadsPanel
    from sqtui.ui.widgets.sidebar import ResourceList, Sidebar
    from sqtui.ui.widgets.snapshot_table import SnapshotTable

    main = Place(MainScreen, "on the main screen")
    inside = Place(ContentsScreen, "inside a snapshot")
    history = Place(HistoryScreen, "in the history")
    return (
        (Place(ResourceList, "in the sidebar"), Place(Sidebar, "in the sidebar"), main),
        (Place(SnapshotTable, "in the snapshot list"), main),
        (Place(DownloadsPanel, "in the downloads"), main),
        (Place(ContentsTree, "inside a snapshot"), inside),
        (Place(TextViewer, "in a file"),),
        (Place(DiffScreen, "in a diff"),),
        (Place(VersionPicker, "in the version picker"),),
        (Place(DiffTextScreen, "in a file's diff"),),
        (Place(FindScreen, "in find"),),
        (Place(HistoryTable, "in the history"), history),
        (Place(HelpScreen, "in help"),),
        (Place(ConfirmScreen, "in a yes/no question"),),
        # The download dialogs, one snapshot's and the marked resources' newest.
        (Place(FolderDialog, "in a download dialog"),),
        (Place(RestoreDialog, "in the restore dialog"),),
        (Place(MomentDialog, "in the time travel dialog"),),
        (Place(ExtractDialog, "in the extract dialog"),),
        (Place(BatchCreateDialog, "in the batch snapshot dialog"),),
        (Place(LoginScreen, "on the login screen"),),
    )


def _with_app(app: type[App[Any]]) -> list[tuple[Place, ...]]:
    return [(*chain, Place(app, "anywhere")) for chain in chains()]


def _places(app: type[App[Any]]) -> list[Place]:
    """Every place once, in the order of the chains."""
    seen: dict[type[DOMNode], Place] = {}
    for chain in _with_app(app):
        for place in chain:
            seen.setdefault(place.owner, place)
    return list(seen.values())


def _bindings(owner: type[DOMNode]) -> dict[str, list[Binding]]:
    """Each key of ``owner`` and its bindings, those inherited from Textual included."""
    # What Textual gives each instance of the class before applying a keymap.
    return owner._merge_bindings().key_to_bindings


def default_keys(app: type[App[Any]]) -> dict[str, list[str]]:
    """Every id and its default keys (in all places, each once), in declaration order."""
    keys: dict[str, list[str]] = {}
    for _place, binding in every_binding(app):
        for key in binding.key.split(","):
            if binding.id and key not in keys.setdefault(binding.id, []):
                keys[binding.id].append(key)
    return keys


def is_key(key: str) -> bool:
    """Whether ``key`` names a key: modifiers, then a character, ``f5``, ``question_mark``…"""
    *modifiers, base = key.split("+") if len(key) > 1 else [key]
    if any(m not in MODIFIERS for m in modifiers) or len(set(modifiers)) < len(modifiers):
        return False
    if len(base) == 1:
        return base.isprintable() and not base.isspace() and base != ","
    return base in _NAMED or base in _SIGN_NAMES


def normal_keys(keys: str) -> str:
    """``keys`` as Textual names them (``?`` is ``question_mark``), each key once."""
    named: list[str] = []
    for key in (part.strip() for part in keys.split(",")):
        *modifiers, base = key.split("+") if len(key) > 1 else [key]
        if len(base) == 1:
            base = _character_to_key(base)
        name = "+".join((*modifiers, base))
        if name not in named:
            named.append(name)
    return ",".join(named)


def spelled(keys: str) -> str:
    """Keys as a config file may write them: ``question_mark`` is ``?``, ``slash`` is ``/``."""
    written = []
    for key in keys.split(","):
        *modifiers, base = key.split("+") if len(key) > 1 else [key]
        written.append("+".join((*modifiers, _SIGN_OF.get(base, base))))
    return ",".join(written)


def _bare(action: str) -> str:
    """An action without its namespace: ``app.focus_next`` is ``focus_next``."""
    name, paren, arguments = action.partition("(")
    return name.rpartition(".")[2] + paren + arguments


def _same_meaning(one: Binding, other: Binding) -> bool:
    if one.id and other.id:
        return one.id == other.id
    # A binding of Textual's (no id) and ours mean the same when they run the same action.
    return _bare(one.action) == _bare(other.action)


def _in_force(place: Place, keymap: Mapping[str, str]) -> dict[str, list[_Holder]]:
    """Each key of ``place`` and who holds it once ``keymap`` is applied."""
    declared = _bindings(place.owner)
    own: dict[str, set[str]] = {}
    for key, bindings in declared.items():
        for binding in bindings:
            if binding.id:
                own.setdefault(binding.id, set()).add(key)
    held: dict[str, list[_Holder]] = {}
    moved: set[tuple[str, bool]] = set()
    for key, bindings in declared.items():
        for binding in bindings:
            ident = binding.id
            if ident is None or ident not in keymap:
                held.setdefault(key, []).append(_Holder(binding, place, added=False))
                continue
            # One binding with several keys is several bindings here (one per key); the
            # keymap gives their keys to the first of each (a priority one stays apart).
            if (ident, binding.priority) in moved:
                continue
            moved.add((ident, binding.priority))
            for new in keymap[ident].split(","):
                held.setdefault(new, []).append(
                    _Holder(binding, place, added=new not in own[ident])
                )
    return held


def _together(chain: Sequence[Place], keymap: Mapping[str, str]) -> dict[str, list[_Holder]]:
    """Who holds each key while the innermost place of ``chain`` has the focus."""
    held: dict[str, list[_Holder]] = {}
    modal = False
    for place in chain:
        for key, holders in _in_force(place, keymap).items():
            for holder in holders:
                # Past a modal screen only priority bindings still catch a key.
                if not modal or holder.binding.priority:
                    held.setdefault(key, []).append(holder)
        modal = modal or issubclass(place.owner, ModalScreen)
    return held


def _clashes(
    chains: Sequence[Sequence[Place]], keymap: Mapping[str, str]
) -> dict[str, tuple[str, _Holder]]:
    """Each id given a key held by another meaning where both work: the key, the other."""
    found: dict[str, tuple[str, _Holder]] = {}
    for chain in chains:
        for key, holders in _together(chain, keymap).items():
            for holder in holders:
                ident = holder.binding.id
                if not holder.added or ident is None or ident in found:
                    continue
                other = next(
                    (h for h in holders if not _same_meaning(h.binding, holder.binding)), None
                )
                if other is not None:
                    found[ident] = (key, other)
    return found


def _what(binding: Binding, name: str) -> str:
    """`` (what it does)`` in a few words, or nothing when its name says it already."""
    what = binding.tooltip or binding.description.lower()
    what = re.split(r" \(|: |; ", what, maxsplit=1)[0]
    return f" ({what})" if what and what != name.replace("_", " ") else ""


def check_keymap(keymap: Mapping[str, str], app: type[App[Any]]) -> CheckedKeys:
    """Check a ``[keys]`` table (action id = keys) against the bindings of ``app``."""
    defaults = default_keys(app)
    known = sorted(defaults)
    problems: dict[str, str] = {}
    candidate: dict[str, str] = {}

    def keeps(ident: str) -> str:
        return f"; {ident} keeps {', '.join(spelled(k) for k in defaults[ident])}"

    for ident, keys in keymap.items():
        entry = f"[keys] {printable(ident)} = {_quoted(keys)}"
        if ident not in defaults:
            close = difflib.get_close_matches(ident, known, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]}?" if close else ""
            problems[ident] = f"[keys] {printable(ident)}: no such action{hint}"
            continue
        parts = [part.strip() for part in keys.split(",")]
        wrong = next((part for part in parts if not is_key(part)), None)
        if wrong is not None:
            said = f"{printable(wrong)} is not a key name" if wrong else "a key is missing"
            how = '(keys are written like "f5", "ctrl+k" or "j,down")'
            problems[ident] = f"{entry}: {said} {how}{keeps(ident)}"
            continue
        candidate[ident] = normal_keys(keys)

    # Refusing an entry puts its keys back where they were, and that may clash with
    # another entry (a swap of two keys, one of them refused): check again until none.
    placed = _with_app(app)
    while clashes := _clashes(placed, candidate):
        for ident, (key, other) in clashes.items():
            shown = spelled(key)
            if other.added:
                said = f"{shown} is also given to {other.binding.id}"
            else:
                name = other.binding.id or _bare(other.binding.action)
                what = _what(other.binding, name)
                said = f"{shown} is taken by {name} {other.place.where}{what}"
            problems[ident] = f"[keys] {ident} = {_quoted(keymap[ident])}: {said}{keeps(ident)}"
            del candidate[ident]
    return CheckedKeys(usable=candidate, problems=[problems[i] for i in keymap if i in problems])


def _quoted(keys: str) -> str:
    """A value as TOML writes it, quotes and control characters escaped."""
    return json.dumps(keys, ensure_ascii=False)


def every_binding(app: type[App[Any]]) -> Iterator[tuple[Place, Binding]]:
    """Each binding sqtui declares itself, with its place (Textual's inherited ones left out)."""
    for place in _places(app):
        declared = place.owner.__dict__.get("BINDINGS", [])
        for binding in Binding.make_bindings(declared):
            yield place, binding
