"""The first populated frame waits for two answers: ``/users/me``, then the selected
listing. Running states, service health and the quota's listings come after it."""

from __future__ import annotations

from typing import Any

import pytest

from sqtui.sim import Fault
from sqtui.ui.screens.main import MainScreen
from sqtui.ui.widgets.snapshot_table import SnapshotTable
from tests.ui.conftest import Harness, wait_for
from tests.ui.test_main_screen import loaded, main_of, settled


def paths(h: Harness) -> list[str]:
    """The API paths the simulator answered, in the order it answered them."""
    return [str(e["path"]) for e in h.sim.events if e.get("method") == "GET" and "path" in e]


async def test_a_cold_start_lists_the_selected_resource_right_after_the_account(
    make_harness: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = make_harness()
    seen_at_first_rows: list[str] = []
    shown = SnapshotTable.show

    def spy(table: SnapshotTable, *args: Any, **kwargs: Any) -> None:
        shown(table, *args, **kwargs)
        if table.row_count and not seen_at_first_rows:
            seen_at_first_rows.extend(paths(h))

    monkeypatch.setattr(SnapshotTable, "show", spy)
    async with h.app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(h.app.screen, MainScreen))
        main = main_of(h)
        await wait_for(pilot, settled(h))
        selected = main.sidebar.highlighted_resource
        assert selected is not None
        # When the first rows were drawn, two answers were in: nothing else.
        assert seen_at_first_rows == ["/v2/users/me", f"/v2/apps/{selected.id}/snapshots"]
        # The rest came after, each once.
        later = paths(h)[2:]
        assert sorted(later) == sorted(
            [
                "/v2/apps/status",
                "/v2/databases/status",
                "/v2/service/status",
                "/v2/users/snapshots",
                "/v2/users/snapshots",
            ]
        )
        # The running dots and the quota are shown once they are in.
        assert "/" in str(main.query_one("#quota").render())


async def test_with_a_cached_view_the_listing_is_asked_beside_the_account(
    make_harness: Any, tmp_path: Any
) -> None:
    home = tmp_path / "home"
    first = make_harness(home=home)
    async with first.app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, settled(first))

    again = make_harness(home=home)
    # /users/me is slow this time; the cached rows are shown meanwhile, and the
    # selected listing does not wait for it.
    again.sim.add_fault(Fault(method="GET", path=r"^/v2/users/me$", delay=300, times=1))
    async with again.app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, loaded(again))
        await wait_for(pilot, settled(again))
        selected = main_of(again).sidebar.highlighted_resource
        assert selected is not None
        answered = paths(again)
        listing = f"/v2/apps/{selected.id}/snapshots"
        assert answered.index(listing) < answered.index("/v2/users/me")
        assert answered.count(listing) == 1


async def test_a_create_pressed_before_the_quota_is_counted_waits_for_that_count(
    make_harness: Any,
) -> None:
    h = make_harness()
    # The account-wide listings are slow: the first rows come before the quota.
    h.sim.add_fault(Fault(method="GET", path=r"^/v2/users/snapshots$", delay=200, times=2))
    async with h.app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, loaded(h))
        main = main_of(h)
        assert main.session.quota_loaded_at is None
        await pilot.press("n")
        await wait_for(pilot, lambda: bool(h.sim.events and h.requests("POST", "/snapshots")))
        events = [e for e in h.sim.events if "path" in e]
        counted = [i for i, e in enumerate(events) if "/users/snapshots" in e["path"]]
        created = next(i for i, e in enumerate(events) if e["method"] == "POST")
        # Counted once (joined, not asked again), and before the create was sent.
        assert len(counted) == 2
        assert max(counted) < created
