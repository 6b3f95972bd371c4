"""The ``[keys]`` checker: unknown actions, words that are not keys, and keys that would
take another action's place are refused, each with one sentence; the rest is used."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections import defaultdict

import pytest
from textual.dom import DOMNode

import sqtui.ui
from sqtui.ui.app import SqtuiApp
from sqtui.ui.keymap import CheckedKeys, chains, check_keymap, every_binding, is_key, normal_keys


def check(**keys: str) -> CheckedKeys:
    return check_keymap(keys, SqtuiApp)


def test_the_defaults_and_fitting_entries_are_used_as_they_are() -> None:
    assert check() == CheckedKeys({}, [])
    checked = check(refresh="f5", palette="ctrl+k", down="j,down,ctrl+n", help="?")
    assert checked.problems == []
    assert checked.usable == {
        "refresh": "f5",
        "palette": "ctrl+k",
        "down": "j,down,ctrl+n",
        "help": "question_mark",  # as Textual names it
    }


def test_an_unknown_action_is_refused_with_the_nearest_name() -> None:
    checked = check(refrsh="f5", frobnicate="f6")
    assert checked.usable == {}
    assert checked.problems == [
        "[keys] refrsh: no such action; did you mean refresh?",
        "[keys] frobnicate: no such action",
    ]


@pytest.mark.parametrize("keys", ["ctrl+rr", "f55", "Ctrl+r", "ctrl+", "j,,k", "", "cmd+r"])
def test_a_word_that_is_not_a_key_is_refused(keys: str) -> None:
    [problem] = check(refresh=keys).problems
    assert problem.startswith(f'[keys] refresh = "{keys}": ')
    assert "is not a key name" in problem or "a key is missing" in problem
    assert problem.endswith("; refresh keeps ctrl+r")


@pytest.mark.parametrize(
    "key",
    ["f5", "ctrl+k", "escape", "pageup", "question_mark", "?", "slash", "G", "ctrl+shift+up"],
)
def test_key_names(key: str) -> None:
    assert is_key(key)


def test_keys_are_named_as_textual_names_them_each_once() -> None:
    assert normal_keys(" ? , ctrl+/ ,j, j") == "question_mark,ctrl+slash,j"


def test_a_key_of_another_action_in_the_same_place_is_refused() -> None:
    checked = check(refresh="n", palette="ctrl+k")
    assert checked.usable == {"palette": "ctrl+k"}
    assert checked.problems == [
        '[keys] refresh = "n": n is taken by new_snapshot on the main screen '
        "(new snapshot of the selected resource); refresh keeps ctrl+r"
    ]


def test_a_key_of_another_action_along_the_focus_chain_is_refused() -> None:
    # The snapshot list sits on the main screen, where ctrl+r refreshes.
    [problem] = check(sort="ctrl+r").problems
    assert problem == (
        '[keys] sort = "ctrl+r": ctrl+r is taken by refresh on the main screen '
        "(reload the account now); sort keeps s"
    )
    # The app's keys work everywhere: q would no longer quit from a list.
    [problem] = check(top="q").problems
    assert "q is taken by quit anywhere" in problem
    # Inside a dialog the app's priority keys (the palette) still catch theirs.
    [problem] = check(cancel="ctrl+p").problems
    assert "ctrl+p is taken by palette anywhere" in problem


def test_two_entries_given_one_key_are_both_refused() -> None:
    checked = check(refresh="x", sort="x")
    assert checked.usable == {}
    assert checked.problems == [
        '[keys] refresh = "x": x is also given to sort; refresh keeps ctrl+r',
        '[keys] sort = "x": x is also given to refresh; sort keeps s',
    ]


def test_a_swap_of_two_keys_is_no_clash() -> None:
    checked = check(refresh="n", new_snapshot="ctrl+r")
    assert (checked.usable, checked.problems) == ({"refresh": "n", "new_snapshot": "ctrl+r"}, [])


def test_a_refused_entry_puts_its_key_back_and_its_partner_is_refused_too() -> None:
    # new_snapshot cannot have "q" (quit), so it keeps n, which refresh then cannot take.
    checked = check(refresh="n", new_snapshot="q")
    assert checked.usable == {}
    assert [p.split(":")[0] for p in checked.problems] == [
        '[keys] refresh = "n"',
        '[keys] new_snapshot = "q"',
    ]


def test_the_default_layout_shadowing_is_not_reported() -> None:
    # q goes back in a file view and quits elsewhere; the defaults say so on purpose.
    assert check(quit="q,ctrl+q").problems == []
    # A Textual binding running the same action (a tree's own down arrow) is no clash.
    assert check(down="j,down").problems == []
    # Dialogs are modal: the app's help key does not reach them, so f1 may mean both.
    assert check(help="f1", close="q,f1").problems == []


def binding_classes() -> list[type[DOMNode]]:
    """Every class in sqtui.ui that declares bindings itself."""
    found: list[type[DOMNode]] = []
    for module_info in pkgutil.walk_packages(sqtui.ui.__path__, "sqtui.ui."):
        module = importlib.import_module(module_info.name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and "BINDINGS" in cls.__dict__:
                found.append(cls)
    return found


def test_every_class_with_bindings_is_a_place_the_checker_knows() -> None:
    places = {place.owner for chain in chains() for place in chain} | {SqtuiApp}
    missing = [cls.__qualname__ for cls in binding_classes() if cls not in places]
    assert missing == []


def test_every_binding_has_an_id_and_one_id_is_one_action_in_a_place() -> None:
    actions: dict[tuple[type, str], set[str]] = defaultdict(set)
    for place, binding in every_binding(SqtuiApp):
        assert binding.id, f"{place.owner.__qualname__}: {binding.key} has no id"
        assert binding.id.isidentifier() and binding.id.islower(), binding.id
        actions[(place.owner, binding.id)].add(binding.action)
    mixed = {k: v for k, v in actions.items() if len(v) > 1}
    assert mixed == {}
    ids = {ident for _owner, ident in actions}
    assert {"down", "up", "top", "bottom", "back", "cancel", "quit", "palette"} <= ids
