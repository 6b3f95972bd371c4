"""SVG snapshots of a batch at 80x24: the dialog over marked rows, then marked rows and the
queue line together."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from sqtui.sim import FakeClock, SimConfig
from sqtui.ui.screens.batch_dialogs import BatchCreateDialog
from sqtui.ui.screens.main import MainScreen
from tests.ui.conftest import wait_for
from tests.ui.test_screens_svg import _loaded

SIZE = (80, 24)


def harness(make_harness: Any, clock: FakeClock) -> Any:
    """The key screens' account, with real cooldowns on a clock the test moves."""
    return make_harness(
        sim=SimConfig(
            seed=7,
            speed=1,
            apps=5,
            databases=3,
            snapshot_mb=24,
            generation_seconds=0,
            sleep=clock.sleep,
        ),
        fixed_clock=clock,
        time_scale=1.0,
    )


async def mark_three(pilot: Pilot[Any]) -> None:
    """Loaded, then the three databases marked last to first."""
    await _loaded(pilot)
    await pilot.press("G", "space", "k", "space", "k", "space")
    await pilot.pause()


def test_marked_rows_and_the_batch_dialog(snap_compare: Any, make_harness: Any) -> None:
    async def ask(pilot: Pilot[Any]) -> None:
        await mark_three(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, BatchCreateDialog))
        await pilot.pause()

    h = harness(make_harness, FakeClock(auto_advance=False))
    assert snap_compare(h.app, terminal_size=SIZE, run_before=ask)


def test_the_queue_line_while_a_batch_waits(snap_compare: Any, make_harness: Any) -> None:
    clock = FakeClock(auto_advance=False)

    async def queued(pilot: Pilot[Any]) -> None:
        await mark_three(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, BatchCreateDialog))
        await pilot.press("enter")
        main = pilot.app.screen
        assert isinstance(main, MainScreen)
        await wait_for(pilot, lambda: "next in 6 s" in str(main.query_one("#batch").render()))
        clock.advance(2)
        await wait_for(pilot, lambda: "next in 4 s" in str(main.query_one("#batch").render()))
        # Two more marked meanwhile: marked rows and the queue on one line.
        await pilot.press("g", "space", "j", "space")
        # The toasts of the first create would cover the sidebar: the line is the subject.
        pilot.app.clear_notifications()
        # The top line's age moves on the once-a-second tick: run it now rather than
        # race it, so the picture shows "refreshed 2 s ago" every time.
        main.tick()
        await pilot.pause()

    h = harness(make_harness, clock)
    assert snap_compare(h.app, terminal_size=SIZE, run_before=queued)
