"""Every way out of the app asks first while a download runs: q, ctrl+q, ctrl+c then
ctrl+q, and the command palette's Quit."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandPalette

from sqtui.sim import Fault, SimConfig
from sqtui.ui.screens.confirm import ConfirmScreen
from sqtui.ui.screens.main import MainScreen
from tests.ui.conftest import Harness, wait_for
from tests.ui.loopback import on_loopback
from tests.ui.test_download_restore import open_download_dialog
from tests.ui.test_main_screen import loaded, main_of

SIZE = (100, 30)


async def start_a_slow_download(pilot: Any, h: Harness, directory: Path) -> MainScreen:
    """Start a download the host holds back for a minute; return the main screen."""
    h.sim.add_fault(Fault(method="GET", path=r"^/snapshots/", delay=60))
    await open_download_dialog(pilot, h, directory)
    await pilot.press("enter")
    main = main_of(h)
    await wait_for(pilot, lambda: bool(main.downloads.running))
    return main


async def open_palette_quit(pilot: Any, h: Harness) -> None:
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(h.app.screen, CommandPalette))
    await pilot.press(*"quit")
    await pilot.pause(0.3)  # the palette gathers hits in the background
    await pilot.press("enter")


PATHS: dict[str, Sequence[str]] = {
    "q": ("q",),
    "ctrl+q": ("ctrl+q",),
    "ctrl+c then ctrl+q": ("ctrl+c", "ctrl+q"),
}


@pytest.mark.parametrize("keys", list(PATHS.values()), ids=list(PATHS))
async def test_quit_keys_ask_while_a_download_runs(
    make_harness: Any, tmp_path: Path, keys: Sequence[str]
) -> None:
    with on_loopback(make_harness(sim=SimConfig(seed=3, speed=1, snapshot_mb=0.05))) as h:
        async with h.app.run_test(size=SIZE) as pilot:
            main = await start_a_slow_download(pilot, h, tmp_path / "dl")
            await pilot.press(*keys)
            await wait_for(pilot, lambda: isinstance(h.app.screen, ConfirmScreen))
            question = h.app.screen
            assert isinstance(question, ConfirmScreen)
            assert "download" in question.question and "Quit anyway?" in question.question
            # A second ctrl+q does not stack another question nor quit.
            await pilot.press("ctrl+q")
            await pilot.pause()
            assert [type(s) for s in h.app.screen_stack].count(ConfirmScreen) == 1
            await pilot.press("n")
            await wait_for(pilot, lambda: isinstance(h.app.screen, MainScreen))
            assert h.app.is_running and main.downloads.running


async def test_palette_quit_asks_while_a_download_runs(make_harness: Any, tmp_path: Path) -> None:
    with on_loopback(make_harness(sim=SimConfig(seed=3, speed=1, snapshot_mb=0.05))) as h:
        async with h.app.run_test(size=SIZE) as pilot:
            main = await start_a_slow_download(pilot, h, tmp_path / "dl")
            await open_palette_quit(pilot, h)
            await wait_for(pilot, lambda: isinstance(h.app.screen, ConfirmScreen))
            await pilot.press("n")
            await wait_for(pilot, lambda: isinstance(h.app.screen, MainScreen))
            assert h.app.is_running and main.downloads.running


async def test_quitting_anyway_records_the_download_as_cancelled(
    make_harness: Any, tmp_path: Path
) -> None:
    with on_loopback(make_harness(sim=SimConfig(seed=3, speed=1, snapshot_mb=0.05))) as h:
        target = tmp_path / "dl"
        async with h.app.run_test(size=SIZE) as pilot:
            await start_a_slow_download(pilot, h, target)
            await pilot.press("ctrl+q")
            await wait_for(pilot, lambda: isinstance(h.app.screen, ConfirmScreen))
            await pilot.press("y")
            await wait_for(pilot, lambda: not h.app.is_running)
        lines = (tmp_path / "state" / "history.jsonl").read_text().splitlines()
        [entry] = [json.loads(line) for line in lines]
        assert (entry["action"], entry["outcome"]) == ("download", "cancelled")
        assert not target.exists() or list(target.iterdir()) == []


async def test_quit_without_work_does_not_ask(make_harness: Any) -> None:
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not h.app.is_running)
