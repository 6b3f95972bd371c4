"""SVG snapshots of the key screens at fixed sizes, with a fixed clock and seed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from sqtui.domain.download import Progress
from sqtui.sim import FakeClock, SimConfig
from sqtui.ui.screens.main import MainScreen
from sqtui.ui.widgets.downloads_panel import Transfer
from tests.ui.conftest import wait_for


def harness(make_harness: Any) -> Any:
    return make_harness(
        sim=SimConfig(seed=7, speed=1000, apps=5, databases=3, snapshot_mb=24),
        fixed_clock=FakeClock(),
    )


async def _loaded(pilot: Pilot[Any]) -> None:
    await wait_for(
        pilot,
        lambda: (
            isinstance(pilot.app.screen, MainScreen)
            and pilot.app.screen.table.row_count > 0
            and "/ 32" in str(pilot.app.screen.query_one("#quota").render())
        ),
    )
    await pilot.pause()


@pytest.mark.parametrize("size", [(100, 30), (80, 24)])
def test_main_screen(snap_compare: Any, make_harness: Any, size: tuple[int, int]) -> None:
    assert snap_compare(harness(make_harness).app, terminal_size=size, run_before=_loaded)


@pytest.mark.parametrize("size", [(100, 30), (80, 24)])
def test_help_screen(snap_compare: Any, make_harness: Any, size: tuple[int, int]) -> None:
    async def open_help(pilot: Pilot[Any]) -> None:
        await _loaded(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(harness(make_harness).app, terminal_size=size, run_before=open_help)


@pytest.mark.parametrize("size", [(100, 30), (80, 24)])
def test_download_dialog(
    snap_compare: Any, make_harness: Any, size: tuple[int, int], tmp_path: Any
) -> None:
    h = harness(make_harness)

    async def open_dialog(pilot: Pilot[Any]) -> None:
        await _loaded(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen)
        # A fixed folder that exists on every machine, so the picture is stable; the
        # free-space figure is replaced because it differs from disk to disk.
        screen.workspace.last_download_dir = Path("/nonexistent-sqtui/backups")
        await pilot.press("tab", "d")
        await pilot.pause()
        pilot.app.screen.query_one("#space").update("Free space: 42.0 GiB")  # type: ignore[attr-defined]
        await pilot.pause()

    assert snap_compare(h.app, terminal_size=size, run_before=open_dialog)


@pytest.mark.parametrize("size", [(100, 30), (80, 24)])
def test_restore_dialog(snap_compare: Any, make_harness: Any, size: tuple[int, int]) -> None:
    async def open_dialog(pilot: Pilot[Any]) -> None:
        await _loaded(pilot)
        await pilot.press("tab", "r")
        await pilot.pause()
        await pilot.press(*"api-gate")
        await pilot.pause()

    assert snap_compare(harness(make_harness).app, terminal_size=size, run_before=open_dialog)


def test_downloads_panel(snap_compare: Any, make_harness: Any) -> None:
    async def show_transfers(pilot: Pilot[Any]) -> None:
        await _loaded(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen)
        panel = screen.downloads
        running = Transfer(
            key="one", label="orders-pg 2026-11-22 03:00", path=Path("/x/a.zip"), total=100 << 20
        )
        running.progress = Progress(
            received=63 << 20, total=100 << 20, speed_bps=41 << 20, eta_seconds=4, resumes=1
        )
        done = Transfer(
            key="two", label="worker 2026-11-21 03:00", path=Path("/x/b.zip"), total=50 << 20
        )
        done.state, done.detail = "done", "/x/b.zip · sha256 3f9a1c2b9d0e…"
        panel.add(running)
        panel.add(done)
        await pilot.pause()

    assert snap_compare(
        harness(make_harness).app, terminal_size=(100, 30), run_before=show_transfers
    )
