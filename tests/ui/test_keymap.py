"""Keys the user chooses: the config's ``[keys]`` table moves an action to other keys,
and help, the footer and the palette show the keys in force."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.command import CommandList, CommandPalette
from textual.widget import Widget

from sqtui.ui.keymap import chains
from sqtui.ui.screens.help import HelpScreen
from sqtui.ui.screens.history import HistoryScreen
from sqtui.ui.screens.main import MainScreen
from sqtui.ui.widgets.footer import KeysFooter
from tests.ui.conftest import Harness, notifications, wait_for
from tests.ui.test_main_screen import main_of, settled

SIZE = (100, 30)


def with_keys(h: Harness, **keys: str) -> Harness:
    """The harness's app with a ``[keys]`` table, as if read from the config file."""
    h.app.settings = replace(h.app.settings, keys=keys)
    return h


async def keys_applied(pilot: Any, h: Harness) -> None:
    """Settled, and the [keys] table checked and in force (done after the first frame)."""
    await wait_for(pilot, settled(h))
    await wait_for(pilot, lambda: bool(h.app._keymap) or bool(notifications(h.app)))


def account_loads(h: Harness) -> int:
    return len(h.requests("GET", "/users/me"))


def palette_entries(h: Harness) -> list[str]:
    """Each line of the open palette's list, titles and their help."""
    command_list = h.app.screen.query_one(CommandList)
    return [
        line
        for i in range(command_list.option_count)
        for line in str(command_list.get_option_at_index(i).prompt).split("\n")
    ]


async def test_a_remapped_refresh_key_refreshes_and_help_and_palette_show_it(
    make_harness: Any,
) -> None:
    h = with_keys(make_harness(), refresh="f5")
    async with h.app.run_test(size=SIZE) as pilot:
        await keys_applied(pilot, h)
        before = account_loads(h)
        await pilot.press("ctrl+r")
        await pilot.pause(0.2)
        assert account_loads(h) == before  # the old key does nothing now
        await pilot.press("f5")
        await wait_for(pilot, lambda: account_loads(h) > before)

        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(h.app.screen, HelpScreen))
        help_screen = h.app.screen
        assert isinstance(help_screen, HelpScreen)
        [row] = [r for r in help_screen.rows if r.action == "refresh"]
        assert (row.where, row.keys) == ("Main screen", "f5")
        await pilot.press("escape")

        await wait_for(pilot, lambda: not isinstance(h.app.screen, HelpScreen))
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: CommandPalette.is_open(h.app))
        await pilot.press(*"reload")
        await wait_for(pilot, lambda: "Reload the account now" in palette_entries(h))
        entries = palette_entries(h)
        assert entries[entries.index("Reload the account now") + 1] == "key: f5"


async def test_a_remapped_palette_key_opens_it_and_the_footer_shows_it(make_harness: Any) -> None:
    h = with_keys(make_harness(), palette="ctrl+k")
    async with h.app.run_test(size=SIZE) as pilot:
        await keys_applied(pilot, h)
        footer = str(main_of(h).query_one(KeysFooter).render())
        assert footer.rstrip().endswith("^k palette") and "^p" not in footer
        await pilot.press("ctrl+p")
        await pilot.pause(0.1)
        assert not CommandPalette.is_open(h.app)
        await pilot.press("ctrl+k")
        await wait_for(pilot, lambda: CommandPalette.is_open(h.app))


async def test_a_remapped_key_keeps_its_place_in_the_footer(make_harness: Any) -> None:
    h = with_keys(make_harness(), new_snapshot="N", mark="m")
    async with h.app.run_test(size=SIZE) as pilot:
        await keys_applied(pilot, h)
        footer = str(main_of(h).query_one(KeysFooter).render())
        assert footer.startswith("N New d Download r Restore"), footer
        await pilot.press("m")
        assert [r.name for r in main_of(h).sidebar.marked] == ["api-gateway"]


async def test_a_remapped_down_key_moves_the_sidebar(make_harness: Any) -> None:
    h = with_keys(make_harness(), down="ctrl+n,down")
    async with h.app.run_test(size=SIZE) as pilot:
        await keys_applied(pilot, h)
        main = main_of(h)
        main.sidebar.option_list.focus()
        assert main.current is not None and main.current.name == "api-gateway"
        await pilot.press("j")  # j is no longer down
        await pilot.pause(0.1)
        assert main.current.name == "api-gateway"
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: main.current is not None and main.current.name == "worker")
        await pilot.press("k")  # up keeps its keys
        await wait_for(
            pilot, lambda: main.current is not None and main.current.name == "api-gateway"
        )


async def test_a_clashing_entry_is_refused_with_a_warning_and_the_default_stays(
    make_harness: Any,
) -> None:
    h = with_keys(make_harness(), refresh="n", palette="ctrl+k")
    async with h.app.run_test(size=SIZE) as pilot:
        await keys_applied(pilot, h)
        refused = [n for n in h.app._notifications if "[keys]" in n.message]
        assert [n.message for n in refused] == [
            '[keys] refresh = "n": n is taken by new_snapshot on the main screen '
            "(new snapshot of the selected resource); refresh keeps ctrl+r"
        ]
        assert refused[0].severity == "warning"
        assert h.app._keymap == {"palette": "ctrl+k"}  # the other entry is used
        before = account_loads(h)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: account_loads(h) > before)
        await pilot.press("n")
        await wait_for(pilot, lambda: bool(h.requests("POST", "/snapshots")))


def binding_chain(widget: Widget) -> tuple[type, ...]:
    """The classes along ``widget``'s ancestors whose bindings are sqtui's own."""
    return tuple(
        type(node)
        for node in widget.ancestors_with_self
        if type(node).__module__.startswith("sqtui") and "BINDINGS" in type(node).__dict__
    )


def known(chain: tuple[type, ...], app: type) -> bool:
    """``chain`` is one the checker knows, or the end of one (the app last)."""
    for places in chains():
        owners = (*(place.owner for place in places), app)
        if owners[len(owners) - len(chain) :] == chain:
            return True
    return False


async def test_the_checker_knows_every_focus_chain_of_the_screens(make_harness: Any) -> None:
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, settled(h))
        seen: list[tuple[type, ...]] = []
        for opened in ("", "question_mark", "h"):
            if opened:
                await pilot.press(opened)
                await wait_for(pilot, lambda: isinstance(h.app.screen, HelpScreen | HistoryScreen))
            focusable = [w for w in h.app.screen.query("*") if w.focusable]
            assert focusable
            for widget in focusable:
                chain = binding_chain(widget)
                assert known(chain, type(h.app)), chain
                seen.append(chain)
            if opened:
                await pilot.press("escape")
                await wait_for(pilot, lambda: isinstance(h.app.screen, MainScreen))
        # The sidebar's list, the snapshots, the downloads, and help's and history's own.
        assert len({chain[0] for chain in seen}) >= 5
