"""Batches in the app: marking in the sidebar, ``n`` sends one snapshot of each, paced,
in the order marked; the quota dialog; ``X`` stops; a quit asks; ``d`` downloads the
newest of each. The simulator's event log (on a fake clock) is the oracle for pacing."""

from __future__ import annotations

import itertools
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from textual.widgets import Button, Static

from sqtui.sim import FakeClock, SimConfig
from sqtui.sim.config import DEFAULT_API_KEY
from sqtui.ui.screens.batch_dialogs import BatchCreateDialog, BatchDownloadDialog
from sqtui.ui.screens.confirm import ConfirmScreen
from sqtui.ui.screens.main import MainScreen
from tests.ui.conftest import Harness, notifications, wait_for
from tests.ui.loopback import on_loopback
from tests.ui.test_main_screen import loaded, main_of, settled, sidebar_lines

SIZE = (100, 30)


def paced_harness(make_harness: Any, clock: FakeClock | None = None, **changes: Any) -> Harness:
    """Real cooldowns (5 s, 180 s) on a fake clock (by default, each wait moves it on at
    once), the app's and the simulator's."""
    clock = clock or FakeClock()
    values: dict[str, Any] = {
        "seed": 3,
        "speed": 1,
        "generation_seconds": 0,
        "snapshot_mb": 0.05,
        "apps": 2,
        "databases": 3,
        "sleep": clock.sleep,
    }
    values.update(changes)
    harness: Harness = make_harness(sim=SimConfig(**values), fixed_clock=clock, time_scale=1.0)
    return harness


def marked_names(main: MainScreen) -> list[str]:
    return [r.name for r in main.sidebar.marked]


def batch_line(main: MainScreen) -> str:
    line = main.query_one("#batch", Static)
    return str(line.render()) if line.display else ""


def created(h: Harness) -> list[dict[str, Any]]:
    return [e for e in h.sim.events if e.get("type") == "snapshot_created"]


def database_ids(h: Harness) -> dict[str, str]:
    return {r["name"]: r["id"] for r in h.sim.state()["resources"] if r["kind"] == "database"}


async def mark_databases_bottom_up(pilot: Any, main: MainScreen) -> list[str]:
    """Mark the three databases last to first with the keyboard; their names in that order."""
    await pilot.press("G", "space", "k", "space", "k", "space")
    return marked_names(main)


async def send_three(pilot: Any, h: Harness) -> list[str]:
    """Mark the three databases, ``n``, and send them from the dialog; their names."""
    order = await mark_databases_bottom_up(pilot, main_of(h))
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(h.app.screen, BatchCreateDialog))
    await pilot.press("enter")
    return order


async def test_space_shift_and_star_mark_escape_unmarks_then_clears_the_filter(
    make_harness: Any,
) -> None:
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, settled(h))
        main = main_of(h)
        first, second, third = (r.name for r in main.sidebar.resources[:3])
        await pilot.press("space")
        assert marked_names(main) == [first]
        assert f"1 marked: {first}" in batch_line(main)
        assert any(line.startswith("● ✓ ") and first in line for line in sidebar_lines(h))
        await pilot.press("space")
        assert marked_names(main) == [] and batch_line(main) == ""
        await pilot.press("shift+down", "shift+down")
        assert marked_names(main) == [first, second, third]
        assert main.sidebar.highlighted_resource is not None
        assert main.sidebar.highlighted_resource.name == third
        # * marks what the filter shows, and no more.
        await pilot.press("escape")
        assert marked_names(main) == []
        await pilot.press("slash", *"orders", "enter")
        await pilot.press("asterisk")
        assert marked_names(main) == ["orders-pg"]
        await pilot.press("asterisk")
        assert marked_names(main) == []
        await pilot.press("asterisk")
        # escape: the marks first, then the filter.
        await pilot.press("escape")
        assert marked_names(main) == [] and main.sidebar.filter_input.value == "orders"
        await pilot.press("escape")
        assert main.sidebar.filter_input.value == ""


async def test_a_batch_of_three_databases_is_sent_paced_in_the_order_marked(
    make_harness: Any,
) -> None:
    h = paced_harness(make_harness)
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, settled(h))
        main = main_of(h)
        order = await mark_databases_bottom_up(pilot, main)
        assert len(order) == 3 and order != sorted(order, key=list(database_ids(h)).index)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(h.app.screen, BatchCreateDialog))
        dialog = h.app.screen
        assert isinstance(dialog, BatchCreateDialog)
        assert "All 3 fit in today's quota" in str(dialog.query_one("#batch-quota").render())
        assert str(dialog.query_one("#send", Button).label) == "Send 3"
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("3 sent" in n for n in notifications(h.app)), 10)
        ids = database_ids(h)
        sent = created(h)
        assert [e["resource"] for e in sent] == [ids[name] for name in order]
        gaps = [b["time"] - a["time"] for a, b in itertools.pairwise(sent)]
        assert all(gap >= 5 for gap in gaps), gaps
        assert not [e for e in h.sim.events if e.get("status") == 429]
        assert "3 sent: 3 ready." in notifications(h.app)[-1]
        # The marks went with the batch; the line is gone once it is over.
        assert marked_names(main) == [] and batch_line(main) == ""


@asynccontextmanager
async def waiting_batch(make_harness: Any) -> AsyncIterator[tuple[Any, Harness, FakeClock]]:
    """Three databases sent as a batch on a clock that moves only when told: the first
    sent, the batch waiting its pace for the second."""
    clock = FakeClock(auto_advance=False)
    h = paced_harness(make_harness, clock)
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, settled(h))
        await send_three(pilot, h)
        await wait_for(pilot, lambda: "2 queued · next in 6 s" in batch_line(main_of(h)))
        yield pilot, h, clock


async def test_the_queue_line_counts_down_and_x_stops_the_rest(make_harness: Any) -> None:
    async with waiting_batch(make_harness) as (pilot, h, clock):
        main = main_of(h)
        assert "X stops it" in batch_line(main)
        assert len(created(h)) == 1
        clock.advance(2)
        await wait_for(pilot, lambda: "2 queued · next in 4 s" in batch_line(main))
        await pilot.press("X")
        await wait_for(pilot, lambda: any("Cancelled: 1 sent" in n for n in notifications(h.app)))
        clock.advance(60)
        await pilot.pause()
        assert len(created(h)) == 1 and batch_line(main) == ""


async def test_the_dialog_says_what_the_quota_leaves_out_and_sends_what_fits(
    make_harness: Any,
) -> None:
    # The free plan: 4 a day; two taken already by another device.
    clock = FakeClock()
    h = paced_harness(make_harness, clock, plan="free")
    for app in [r for r in h.sim.state()["resources"] if r["kind"] == "app"]:
        h.sim.create_snapshot("app", app["id"])
        clock.advance(6)
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, settled(h))
        main = main_of(h)
        order = await mark_databases_bottom_up(pilot, main)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(h.app.screen, BatchCreateDialog))
        dialog = h.app.screen
        quota = str(dialog.query_one("#batch-quota").render())
        assert "Only 2 of 3 fit in today's quota (2 left of 4" in quota
        assert f"left out: {order[2]}." in quota
        assert str(dialog.query_one("#send", Button).label) == "Send 2"
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("2 sent" in n for n in notifications(h.app)), 10)
        ids = database_ids(h)
        assert [e["resource"] for e in created(h)][-2:] == [ids[order[0]], ids[order[1]]]
        assert len(created(h)) == 4
        assert f"left out, no room in today's quota: {order[2]}" in notifications(h.app)[-1]


async def test_quitting_with_a_queue_asks_first(make_harness: Any) -> None:
    async with waiting_batch(make_harness) as (pilot, h, _clock):
        main = main_of(h)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(h.app.screen, ConfirmScreen))
        question = h.app.screen
        assert isinstance(question, ConfirmScreen)
        assert "a batch of snapshots (2 not sent yet)" in question.question
        await pilot.press("escape")
        assert h.app.is_running and main.batches.running


async def test_d_on_marked_resources_downloads_the_newest_of_each(make_harness: Any) -> None:
    base = make_harness(
        sim=SimConfig(seed=3, speed=1000, generation_seconds=150, snapshot_mb=0.05, databases=3)
    )
    with on_loopback(base) as h:
        async with h.app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, loaded(h))
            main = main_of(h)
            order = await mark_databases_bottom_up(pilot, main)
            await pilot.press("d")
            await wait_for(pilot, lambda: isinstance(h.app.screen, BatchDownloadDialog))
            dialog = h.app.screen
            assert isinstance(dialog, BatchDownloadDialog)
            target = h.home / "incident"
            dialog.query_one("#directory").value = str(target)  # type: ignore[attr-defined]
            await pilot.pause()
            assert str(dialog.query_one("#start", Button).label) == "Download 3"
            await pilot.press("enter")
            await wait_for(pilot, lambda: len(list(target.glob("*.zip"))) == 3, 20)
            await wait_for(pilot, lambda: not main.downloads.running, 20)
        # The oracle: each database's listing read over HTTP, newest by its own times.
        api = h.app.settings.api_url
        for name in order:
            rid = database_ids(h)[name]
            async with httpx.AsyncClient(headers={"Authorization": DEFAULT_API_KEY}) as client:
                listed = await client.get(f"{api}/databases/{rid}/snapshots")
            items = listed.json()["response"]
            newest = max(items, key=lambda item: item["modified"])
            (saved,) = target.glob(f"{name}_*.zip")
            assert newest["version_id"][:8] in saved.name
            assert saved.stat().st_size == newest["size"]
            with zipfile.ZipFile(saved) as archive:
                assert archive.testzip() is None
        assert not list(target.glob("*.part"))
