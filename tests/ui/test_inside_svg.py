"""SVG snapshots of the screens inside a snapshot: the tree, a file, a diff (fixed clock, seed)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, RichLog, TextArea

from sqtui.sim import FakeClock, SimConfig
from sqtui.ui.inside.compare import DiffScreen, DiffTextScreen, VersionPicker
from sqtui.ui.inside.contents_screen import ContentsScreen
from sqtui.ui.inside.viewer import FileViewer
from sqtui.ui.screens.main import MainScreen
from tests.ui.conftest import wait_for

SIZES = [(100, 30), (80, 24)]


def harness(make_harness: Any) -> Any:
    return make_harness(
        sim=SimConfig(seed=7, speed=1000, apps=2, databases=1, snapshot_mb=1),
        fixed_clock=FakeClock(),
    )


async def contents(pilot: Pilot[Any]) -> ContentsScreen:
    await wait_for(
        pilot,
        lambda: isinstance(pilot.app.screen, MainScreen) and pilot.app.screen.table.row_count > 0,
    )
    await pilot.press("tab", "enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ContentsScreen))
    screen = pilot.app.screen
    assert isinstance(screen, ContentsScreen)
    await wait_for(pilot, lambda: screen.directory is not None)
    await pilot.pause()
    return screen


@pytest.mark.parametrize("size", SIZES)
def test_contents_tree(snap_compare: Any, make_harness: Any, size: tuple[int, int]) -> None:
    async def open_tree(pilot: Pilot[Any]) -> None:
        screen = await contents(pilot)
        await pilot.press("down", "enter")  # open the first folder
        await pilot.pause()
        assert screen.files_tree.cursor_node is not None

    assert snap_compare(harness(make_harness).app, terminal_size=size, run_before=open_tree)


@pytest.mark.parametrize("size", SIZES)
def test_file_viewer(snap_compare: Any, make_harness: Any, size: tuple[int, int]) -> None:
    async def open_file(pilot: Pilot[Any]) -> None:
        screen = await contents(pilot)
        node = next(n for n in screen.files_tree.root.children if n.label.plain.startswith("src"))
        screen.files_tree.move_cursor(node)
        await pilot.press("enter")  # open src/
        await pilot.pause()
        first = next(c for c in node.children if not c.allow_expand or c.children)
        while first.allow_expand:
            screen.files_tree.move_cursor(first)
            await pilot.press("enter")
            await pilot.pause()
            first = first.children[0]
        screen.files_tree.move_cursor(first)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, FileViewer))
        area = pilot.app.screen.query_one(TextArea)
        await wait_for(pilot, lambda: bool(area.text))
        await pilot.pause()

    assert snap_compare(harness(make_harness).app, terminal_size=size, run_before=open_file)


async def diff_screen(pilot: Pilot[Any]) -> DiffScreen:
    """From the newest snapshot, ``D`` and the version offered first: its changes shown."""
    await contents(pilot)
    await pilot.press("D")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, VersionPicker))
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, DiffScreen))
    screen = pilot.app.screen
    assert isinstance(screen, DiffScreen)
    await wait_for(pilot, lambda: bool(screen.changes))
    return screen


@pytest.mark.parametrize("size", SIZES)
def test_diff(snap_compare: Any, make_harness: Any, size: tuple[int, int]) -> None:
    async def open_diff(pilot: Pilot[Any]) -> None:
        await diff_screen(pilot)
        await pilot.pause()

    assert snap_compare(harness(make_harness).app, terminal_size=size, run_before=open_diff)


@pytest.mark.parametrize("size", SIZES)
def test_file_diff(snap_compare: Any, make_harness: Any, size: tuple[int, int]) -> None:
    async def open_file_diff(pilot: Pilot[Any]) -> None:
        screen = await diff_screen(pilot)
        row = next(
            i
            for i, c in enumerate(screen.changes)
            if c.kind == "modified" and c.path.endswith(".py")
        )
        screen.query_one(DataTable).move_cursor(row=row)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, DiffTextScreen))
        log = pilot.app.screen.query_one(RichLog)
        await wait_for(pilot, lambda: len(log.lines) > 2)
        await pilot.pause()

    assert snap_compare(harness(make_harness).app, terminal_size=size, run_before=open_file_diff)
