"""Fixtures for driving the app with Pilot against the in-process simulator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot

from sqtui.domain.settings import RunSettings
from sqtui.sim import FakeClock, SimConfig, Simulator, create_app
from sqtui.sim.config import DEFAULT_API_KEY
from sqtui.storage.credentials import KeySource
from sqtui.storage.locations import Locations
from sqtui.ui.app import SqtuiApp

API_URL = "http://127.0.0.1/v2"


@dataclass
class Harness:
    """An app wired to one simulator, and that simulator."""

    app: SqtuiApp
    sim: Simulator
    config: SimConfig
    home: Path

    def requests(self, method: str, path_part: str) -> list[dict[str, Any]]:
        """The API requests the simulator saw with ``method`` and ``path_part`` in the path."""
        return [
            e
            for e in self.sim.events
            if e.get("method") == method and path_part in str(e.get("path", ""))
        ]


@pytest.fixture
def make_harness(tmp_path: Path) -> Callable[..., Harness]:
    """Build an app against a fresh simulator; fast by default (speed 1000)."""

    def factory(
        *,
        sim: SimConfig | None = None,
        key: str | None = DEFAULT_API_KEY,
        read_only: bool = False,
        time_scale: float = 1000.0,
        fixed_clock: FakeClock | None = None,
        home: Path | None = None,
        pending_timeout_minutes: float = 15.0,
    ) -> Harness:
        config = sim or SimConfig(
            seed=3, speed=1000, generation_seconds=150, snapshot_mb=0.05, apps=3, databases=2
        )
        if fixed_clock is not None:
            config.clock = fixed_clock
        sim_app = create_app(config)
        where = home or tmp_path
        settings = RunSettings(
            locations=Locations.under(where),
            api_url=API_URL,
            read_only=read_only,
            key=KeySource(api_key=key, origin="session") if key else None,
            time_scale=time_scale,
            pending_timeout_minutes=pending_timeout_minutes,
        )
        extra: dict[str, Any] = {}
        if fixed_clock is not None:
            extra["now"] = lambda: datetime.fromtimestamp(fixed_clock(), tz=UTC)
            extra["monotonic"] = fixed_clock
            extra["sleep"] = fixed_clock.sleep
        app = SqtuiApp(
            settings,
            transport_factory=lambda: httpx.ASGITransport(app=sim_app),
            **extra,
        )
        return Harness(app=app, sim=sim_app.state.sim, config=config, home=where)

    return factory


async def wait_for(pilot: Pilot[Any], predicate: Callable[[], bool], within: float = 5.0) -> None:
    """Let the app run until ``predicate`` holds (fails the test after ``within`` s)."""
    loop_time = 0.0
    while not predicate():
        if loop_time > within:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.02)
        loop_time += 0.02


def notifications(app: SqtuiApp) -> list[str]:
    """The texts of the notifications shown so far."""
    return [n.message for n in app._notifications]
