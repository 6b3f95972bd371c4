"""Restoring from the app: the dialog follows the cooldowns live, confirms against the
name as shown, the safety snapshot shows while the restore runs, and the resource is
watched until it runs again."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from textual.widgets import Button, Checkbox, Input, Static

from sqtui.sim import FakeClock, SimConfig
from sqtui.ui.screens.main import MainScreen
from sqtui.ui.screens.restore_dialog import RestoreDialog
from tests.ui.conftest import Harness, notifications, wait_for
from tests.ui.test_main_screen import loaded, main_of

SIZE = (100, 30)


async def open_restore_dialog(pilot: Any, h: Harness) -> RestoreDialog:
    await wait_for(pilot, loaded(h))
    await pilot.press("tab", "j", "r")
    await wait_for(pilot, lambda: isinstance(h.app.screen, RestoreDialog))
    dialog = h.app.screen
    assert isinstance(dialog, RestoreDialog)
    return dialog


def note_of(dialog: RestoreDialog) -> str:
    note = dialog.query_one("#safety-note", Static)
    return str(note.render()) if note.display else ""


async def test_the_safety_box_counts_down_and_enables_itself(make_harness: Any) -> None:
    clock = FakeClock()
    h = make_harness(fixed_clock=clock, time_scale=1.0)
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        await pilot.press("n")
        await wait_for(pilot, lambda: len(h.requests("POST", "/snapshots")) == 1)
        dialog = await open_restore_dialog(pilot, h)
        safety = dialog.query_one("#safety", Checkbox)
        assert safety.disabled and not safety.value
        assert "wait 3 min 0 s" in note_of(dialog)
        clock.advance(62)
        await wait_for(pilot, lambda: "wait 1 min 58 s" in note_of(dialog))
        assert safety.disabled
        clock.advance(120)
        await wait_for(pilot, lambda: not safety.disabled)
        assert safety.value is True and note_of(dialog) == ""


HIDDEN = "pay\u200bments-" + "x" * 150  # a zero-width space, and longer than the dialog


async def test_the_visible_name_confirms_and_a_long_name_is_shown_whole(
    make_harness: Any,
) -> None:
    h = make_harness(
        sim=SimConfig(
            seed=3,
            speed=1000,
            generation_seconds=20,
            snapshot_mb=0.05,
            apps=1,
            databases=0,
            app_names=((HIDDEN, "python"),),
        )
    )
    async with h.app.run_test(size=SIZE) as pilot:
        dialog = await open_restore_dialog(pilot, h)
        shown = dialog.expected
        assert "\\u200b" in shown and "\u200b" not in shown
        console = Console(width=70, record=True, file=io.StringIO())
        console.print(dialog.query_one("#facts", Static).content)
        facts = "".join(console.export_text().split())
        assert "".join(shown.split()) in facts  # whole, wrapped over lines
        dialog.query_one("#confirm-name", Input).value = shown
        await pilot.pause()
        button = dialog.query_one("#restore-button", Button)
        assert not button.disabled
        assert h.app.screen.region.contains_region(button.region)
        await pilot.click("#restore-button")
        await wait_for(pilot, lambda: isinstance(h.app.screen, MainScreen))
        await wait_for(pilot, lambda: bool(h.requests("POST", "/restore")))


async def test_a_restored_app_is_said_to_run_again(make_harness: Any) -> None:
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        dialog = await open_restore_dialog(pilot, h)
        dialog.query_one("#safety", Checkbox).value = False
        await pilot.press(*dialog.expected, "enter")
        await wait_for(pilot, lambda: any("running again" in n for n in notifications(h.app)))
        [said] = [n for n in notifications(h.app) if "running again" in n]
        assert said.startswith(f"{dialog.resource.name} is running again, restored from ")
        done = [e for e in h.sim.events if e.get("type") == "restore_done"]
        looks = h.requests("GET", f"/apps/{dialog.resource.id}/status")
        assert done and looks  # watched after the restore ended


async def test_a_restored_app_that_does_not_come_back_is_said(make_harness: Any) -> None:
    config = SimConfig(
        seed=3,
        speed=1000,
        generation_seconds=20,
        snapshot_mb=0.05,
        resource_states={"api-gateway": "stopped"},
    )
    h = make_harness(sim=config)
    async with h.app.run_test(size=SIZE) as pilot:
        dialog = await open_restore_dialog(pilot, h)
        assert dialog.resource.name == "api-gateway"
        dialog.query_one("#safety", Checkbox).value = False
        await pilot.press(*dialog.expected, "enter")
        await wait_for(pilot, lambda: any("is not running" in n for n in notifications(h.app)))
        assert len(h.requests("GET", f"/apps/{dialog.resource.id}/status")) >= 3


async def test_the_safety_snapshot_shows_while_the_restore_runs(make_harness: Any) -> None:
    # Safety snapshot ready in 0.2 s; the restore lasts 3 s.
    config = SimConfig(
        seed=3, speed=100, generation_seconds=20, restore_seconds=300, snapshot_mb=0.05
    )
    h = make_harness(sim=config)
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        main = main_of(h)
        table = main.table
        dialog = await open_restore_dialog(pilot, h)
        resource = dialog.resource
        before = {s.version_id for s in table.snapshots}
        await pilot.press(*dialog.expected, "enter")
        await wait_for(pilot, lambda: any(e.get("type") == "restore_started" for e in h.sim.events))

        def safety_row_shown() -> bool:
            return any(s.version_id not in before and s.origin == "manual" for s in table.snapshots)

        await wait_for(pilot, safety_row_shown, within=2.5)
        # Still restoring: the row did not wait for the restore to end.
        assert not any(e.get("type") == "restore_done" for e in h.sim.events)
        assert resource.id in main.restores.running
