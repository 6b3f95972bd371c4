"""A slow status route (running dots, service health) never holds up the app or a create."""

from __future__ import annotations

from typing import Any

from sqtui.sim import Fault
from sqtui.ui.widgets.status_bar import StatusBar
from tests.ui.conftest import wait_for
from tests.ui.test_main_screen import loaded, main_of


async def test_a_create_is_sent_while_the_status_routes_hang(make_harness: Any) -> None:
    h = make_harness()
    for route in (r"^/v2/apps/status$", r"^/v2/databases/status$", r"^/v2/service/status$"):
        # Two minutes of real time at the harness's speed: far longer than the test.
        h.sim.add_fault(Fault(method="GET", path=route, delay=120_000))
    async with h.app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, loaded(h), within=6)
        await pilot.press("n")
        await wait_for(pilot, lambda: bool(h.requests("POST", "/snapshots")), within=3)
        answered = [e for e in h.requests("GET", "/status") if e.get("status") == 200]
        assert answered == []  # sent without any status answer
        # After its grace, health nobody answered for is said to be unknown.
        status = main_of(h).query_one(StatusBar)
        await wait_for(pilot, lambda: "API unknown" in str(status.render()), within=4)
