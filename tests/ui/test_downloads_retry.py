"""A failed download can be retried from the downloads panel, resuming its partial file;
at 80 columns the panel keeps its state words (ETA, speed, failed) whole."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from sqtui.domain.download import Progress, part_path
from sqtui.sim import Fault, SimConfig, SimServer
from sqtui.ui.app import SqtuiApp
from sqtui.ui.screens.main import MainScreen
from sqtui.ui.widgets.downloads_panel import DownloadsPanel
from tests.ui.conftest import Harness, notifications, wait_for
from tests.ui.loopback import on_loopback
from tests.ui.test_download_restore import open_download_dialog
from tests.ui.test_main_screen import loaded

SIZE = (100, 30)


def enabled_keys(app: Any) -> set[str]:
    return {key for key, active in app.active_bindings.items() if active.enabled}


def the_main(h: Harness) -> MainScreen:
    return next(s for s in h.app.screen_stack if isinstance(s, MainScreen))


async def start_download(pilot: Any, h: Harness, directory: Path) -> DownloadsPanel:
    """Start a download of the selected snapshot with no pause between retries."""
    await open_download_dialog(pilot, h, directory)
    main = the_main(h)
    main.workspace.engine.backoff = 0.0
    await pilot.press("enter")
    await wait_for(pilot, lambda: h.app.screen is main)
    return main.downloads


def panel_lines(panel: DownloadsPanel) -> list[str]:
    return [panel.render_line(y).text for y in range(panel.region.height)]


async def test_a_failed_download_is_retried_from_the_panel_and_resumes(
    make_harness: Any, tmp_path: Path
) -> None:
    # A real loopback server: a connection dropped mid-body leaves a partial file.
    with SimServer(SimConfig(seed=3, speed=1000, snapshot_mb=0.05)) as server:
        h = make_harness()
        h.app = SqtuiApp(replace(h.app.settings, api_url=server.base_url))
        h.sim = server.sim
        # The host sends a little, then refuses until the faults are cleared.
        h.sim.add_fault(Fault(method="GET", path=r"^/snapshots/", drop_after_bytes=4000, times=1))
        h.sim.add_fault(Fault(method="GET", path=r"^/snapshots/", status=503))
        await retry_after_a_failure(h, tmp_path)


async def retry_after_a_failure(h: Harness, tmp_path: Path) -> None:
    async with h.app.run_test(size=SIZE) as pilot:
        panel = await start_download(pilot, h, tmp_path / "dl")
        await wait_for(pilot, lambda: any(t.state == "failed" for t in panel.transfers.values()))
        [failed] = panel.transfers.values()
        partial = part_path(failed.path)
        assert partial.is_file() and partial.stat().st_size > 0
        assert "R" not in enabled_keys(h.app)  # the focus is elsewhere
        panel.focus()
        await pilot.pause()
        assert "R" in enabled_keys(h.app)  # the footer offers Retry on a failed row
        h.sim.clear_faults()
        await pilot.press("R")
        await wait_for(pilot, lambda: any(t.state == "done" for t in panel.transfers.values()))
        assert panel.row_count == 1  # the retry takes the failed row's place
        [done] = panel.transfers.values()
        assert done.path == failed.path and not partial.exists()
        digest = hashlib.sha256(done.path.read_bytes()).hexdigest()
        await wait_for(pilot, lambda: any(digest in n for n in notifications(h.app)))
        assert any("resumed 1 time" in n for n in notifications(h.app))
        await pilot.pause()
        assert "R" not in enabled_keys(h.app)  # nothing left to retry
        outcomes = [(e.action, e.outcome) for e in the_main(h).workspace.history.read()]
        assert outcomes == [("download", "ok"), ("download", "failed")]


async def test_enter_on_a_failed_row_retries_it(make_harness: Any, tmp_path: Path) -> None:
    with on_loopback(make_harness()) as h:
        h.sim.add_fault(Fault(method="GET", path=r"^/snapshots/", status=503))
        async with h.app.run_test(size=SIZE) as pilot:
            panel = await start_download(pilot, h, tmp_path / "dl")
            await wait_for(
                pilot, lambda: any(t.state == "failed" for t in panel.transfers.values())
            )
            h.sim.clear_faults()
            panel.focus()
            await pilot.press("enter")
            await wait_for(pilot, lambda: any(t.state == "done" for t in panel.transfers.values()))


async def test_retry_is_listed_in_help(make_harness: Any) -> None:
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        rows = h.app.key_rows()
        assert any(r.where == "Downloads" and r.keys == "R" and "retry" in r.what for r in rows)


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_the_panel_never_cuts_eta_speed_or_failed(
    make_harness: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    with on_loopback(make_harness(sim=SimConfig(seed=3, speed=1, snapshot_mb=0.05))) as h:
        h.sim.add_fault(Fault(method="GET", path=r"^/snapshots/", delay=60))
        async with h.app.run_test(size=size) as pilot:
            panel = await start_download(pilot, h, tmp_path / "dl")
            [transfer] = panel.transfers.values()
            transfer.progress = Progress(
                received=63 << 20,
                total=100 << 20,
                speed_bps=41.3 * 2**20,
                eta_seconds=793,
                resumes=2,
            )
            panel.update(transfer)
            await pilot.pause()
            [line, *_] = panel_lines(panel)
            assert "ETA 13 min" in line and "41.3 MiB/s" in line, line
            assert "63%" in line, line
            transfer.state, transfer.progress = "failed", None
            transfer.detail = "The download kept failing (HTTP 503); the partial file is kept"
            panel.update(transfer)
            await pilot.pause()
            [line, *_] = panel_lines(panel)
            assert "✗ failed · The downl" in line and line.rstrip().endswith("…"), line
