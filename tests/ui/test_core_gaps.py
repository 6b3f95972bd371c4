"""The palette, the keys in help, and the app's behaviour at the edges of its flows."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import timedelta
from typing import Any

from textual.binding import Binding
from textual.command import CommandPalette
from textual.dom import DOMNode
from textual.widgets import OptionList

import sqtui.ui
from sqtui.sim import FakeClock, Fault, SimConfig
from sqtui.ui.keys import bindings_of
from sqtui.ui.screens.help import HelpScreen
from sqtui.ui.screens.history import HistoryScreen
from sqtui.ui.screens.main import MainScreen
from sqtui.ui.screens.restore_dialog import RestoreDialog

from .conftest import Harness, notifications, wait_for

SIZE = (100, 30)


def main_of(h: Harness) -> MainScreen:
    screen = h.app.screen
    assert isinstance(screen, MainScreen)
    return screen


async def ready(pilot: Any, h: Harness) -> MainScreen:
    await wait_for(pilot, lambda: isinstance(h.app.screen, MainScreen))
    await wait_for(pilot, lambda: main_of(h).table.row_count > 0)
    # And what follows the first listing: running states, service health, the quota.
    await wait_for(pilot, lambda: main_of(h).loader.settled)
    return main_of(h)


async def palette(pilot: Any, h: Harness, query: str) -> None:
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(h.app.screen, CommandPalette))
    await pilot.press(*query)
    await pilot.pause()


async def test_the_palette_jumps_to_a_resource_and_runs_an_action(make_harness: Any) -> None:
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        main = await ready(pilot, h)
        await palette(pilot, h, "cache-redis")
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: main.current is not None and main.current.name == "cache-redis"
        )
        assert h.app.focused is main.table
        await palette(pilot, h, "history of creates")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(h.app.screen, HistoryScreen))


async def test_the_palette_shows_names_with_markup_literally(make_harness: Any) -> None:
    h = make_harness()
    hostile = ("cron[/5]", "[link=file:///etc/passwd]a[/]", "[@click=app.quit]x[/]")
    for name in hostile:
        h.sim.add_resource("app", name)
    async with h.app.run_test(size=SIZE) as pilot:
        await ready(pilot, h)
        await palette(pilot, h, "[")
        options = h.app.screen.query_one("CommandList", OptionList)
        await wait_for(pilot, lambda: options.option_count >= len(hostile))
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        for name in hostile:
            assert any(name in prompt for prompt in prompts), (name, prompts)
        assert h.app.is_running and isinstance(h.app.screen, CommandPalette)


def _widget_classes() -> list[type[DOMNode]]:
    found: list[type[DOMNode]] = []
    for module in pkgutil.walk_packages(sqtui.ui.__path__, "sqtui.ui."):
        loaded = importlib.import_module(module.name)
        for _name, value in inspect.getmembers(loaded, inspect.isclass):
            if issubclass(value, DOMNode) and value.__module__ == module.name:
                found.append(value)
    return found


async def test_help_lists_every_binding_of_the_main_screen_and_its_widgets(
    make_harness: Any,
) -> None:
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await ready(pilot, h)
        rows = h.app.key_rows()
        listed = {row.action for row in rows}
        screens = ("HelpScreen", "LoginScreen", "ConfirmScreen", "DownloadDialog")
        dialogs = ("RestoreDialog",)
        for widget in _widget_classes():
            if widget.__name__ in screens + dialogs:
                continue  # a dialog's own keys show in its footer and buttons
            for binding in bindings_of(widget):
                assert isinstance(binding, Binding)
                assert binding.action in listed, f"{widget.__name__}: {binding.key} not in help"
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(h.app.screen, HelpScreen))


async def test_a_safety_snapshot_still_generating_lets_the_restore_go_on(
    make_harness: Any,
) -> None:
    # Generation outlasts the soft deadline: the safety snapshot is pending (202).
    h = make_harness(sim=SimConfig(seed=3, speed=1000, generation_seconds=150, snapshot_mb=0.05))
    async with h.app.run_test(size=SIZE) as pilot:
        main = await ready(pilot, h)
        await pilot.press("tab", "j", "r")
        await wait_for(pilot, lambda: isinstance(h.app.screen, RestoreDialog))
        await pilot.press(*"api-gateway", "enter")
        await wait_for(pilot, lambda: any("restored" in n for n in notifications(h.app)))
        entries = [(e.action, e.outcome) for e in main.workspace.history.read()]
        assert ("safety-snapshot", "pending") in entries and entries[0] == ("restore", "ok")
        # Watched like any pending snapshot, then recorded as the safety snapshot it is.
        await wait_for(
            pilot,
            lambda: (
                ("safety-snapshot", "ok")
                in [(e.action, e.outcome) for e in main.workspace.history.read()]
            ),
        )


async def test_a_pending_snapshot_of_a_deleted_resource_is_forgotten_and_said(
    make_harness: Any,
) -> None:
    h = make_harness(sim=SimConfig(seed=3, speed=1000, generation_seconds=1_000_000))
    async with h.app.run_test(size=SIZE) as pilot:
        main = await ready(pilot, h)
        await pilot.press("n")
        await wait_for(pilot, lambda: bool(main.session.pending.items))
        app_id = main.session.pending.items[0].resource_id
        h.sim.add_fault(
            Fault(
                method="GET", path=rf"/apps/{app_id}/snapshots$", status=404, code="APP_NOT_FOUND"
            )
        )
        await wait_for(pilot, lambda: not main.session.pending.items)
        await wait_for(pilot, lambda: any("APP_NOT_FOUND" in n for n in notifications(h.app)))
        entries = [(e.action, e.outcome) for e in main.workspace.history.read()]
        assert entries[0] == ("create", "failed")


async def test_the_quota_is_read_again_only_every_ten_minutes(make_harness: Any) -> None:
    clock = FakeClock()
    h = make_harness(fixed_clock=clock)
    async with h.app.run_test(size=SIZE) as pilot:
        main = await ready(pilot, h)
        before = len(h.requests("GET", "/users/snapshots"))
        assert before == 2  # both scopes, once, at start
        main.loader.refresh_periodically()
        await wait_for(
            pilot, lambda: not any(w.group == "refresh" and w.is_running for w in h.app.workers)
        )
        assert len(h.requests("GET", "/users/snapshots")) == before
        clock.advance(timedelta(minutes=10).total_seconds())
        main.loader.refresh_periodically()
        await wait_for(pilot, lambda: len(h.requests("GET", "/users/snapshots")) == before + 2)


async def test_a_history_that_cannot_be_written_is_said_and_the_work_goes_on(
    make_harness: Any,
) -> None:
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        main = await ready(pilot, h)
        history = main.workspace.history.path
        history.parent.mkdir(parents=True, exist_ok=True)
        history.mkdir()  # a folder where the file should be: every append fails
        await pilot.press("n")
        await wait_for(
            pilot, lambda: any("history could not be written" in n for n in notifications(h.app))
        )
        await wait_for(pilot, lambda: len(h.requests("POST", "/snapshots")) == 1)
        assert isinstance(h.app.screen, MainScreen)
