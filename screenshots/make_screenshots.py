"""Make the README's pictures with the app itself, against the seeded simulator.

Run from the repository root: ``python screenshots/make_screenshots.py``.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx

from sqtui.domain.settings import RunSettings
from sqtui.sim import FakeClock, SimConfig, create_app
from sqtui.storage.credentials import KeySource
from sqtui.storage.locations import Locations
from sqtui.ui.app import SqtuiApp
from sqtui.ui.inside.compare import DiffScreen
from sqtui.ui.screens.main import MainScreen

HERE = Path(__file__).resolve().parent


async def shoot(
    name: str,
    size: tuple[int, int],
    keys: tuple[str, ...] = (),
    ready: Callable[[SqtuiApp], bool] = lambda app: True,
) -> Path:
    """Save one screenshot of the demo account after pressing ``keys`` (and ``ready``)."""
    clock = FakeClock()
    config = SimConfig(
        seed=7, speed=1000, apps=5, databases=3, snapshot_mb=24, generation_seconds=400
    )
    config.clock = clock
    sim = create_app(config)
    now: Callable[[], datetime] = lambda: datetime.fromtimestamp(clock(), tz=UTC)  # noqa: E731
    with tempfile.TemporaryDirectory() as home:
        settings = RunSettings(
            locations=Locations.under(Path(home)),
            api_url="http://127.0.0.1/v2",
            key=KeySource(api_key=config.api_key, origin="session"),
            demo=True,
        )
        app = SqtuiApp(
            settings,
            transport_factory=lambda: httpx.ASGITransport(app=sim),
            now=now,
            monotonic=clock,
        )
        async with app.run_test(size=size) as pilot:
            for _ in range(200):
                screen = app.screen
                if isinstance(screen, MainScreen) and screen.table.row_count:
                    break
                await pilot.pause(0.02)
            for key in keys:
                await pilot.press(key)
                await pilot.pause(0.3)
            for _ in range(500):
                if ready(app):
                    break
                await pilot.pause(0.02)
            await pilot.pause(0.3)
            path = HERE / f"{name}.svg"
            app.save_screenshot(filename=path.name, path=str(HERE))
    return path


def main() -> None:
    """Write every picture the README uses."""
    os.environ["TZ"] = "UTC"
    time.tzset()
    print(asyncio.run(shoot("main", (100, 30), ("j", "j", "j", "j", "j", "j", "n"))))
    print(asyncio.run(shoot("diff", (100, 30), ("tab", "D", "enter"), _diff_shown)))


def _diff_shown(app: SqtuiApp) -> bool:
    screen = app.screen
    return isinstance(screen, DiffScreen) and bool(screen.changes)


if __name__ == "__main__":
    main()
