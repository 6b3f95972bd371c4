"""Time from launch to a populated main screen, for a small and a large account.

Runs the app headless (Textual's test driver) against the simulator on a loopback
port, once per account size in a fresh child process so that import time and peak
memory are measured too, and prints each figure with the large/small ratio:

    .venv/bin/python benchmarks/startup.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import asyncio, json, resource, sys, time
from pathlib import Path
started = time.perf_counter()
from sqtui.domain.settings import RunSettings
from sqtui.storage.credentials import KeySource
from sqtui.storage.locations import Locations
from sqtui.ui.app import SqtuiApp
from sqtui.ui.screens.main import MainScreen
imported = time.perf_counter()
base_url, key, home = sys.argv[1], sys.argv[2], sys.argv[3]

async def main() -> dict[str, float]:
    settings = RunSettings(
        locations=Locations.under(Path(home)), api_url=base_url,
        key=KeySource(api_key=key, origin="session"),
    )
    app = SqtuiApp(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        while True:
            screen = app.screen
            if isinstance(screen, MainScreen) and screen.table.row_count and (
                "/" in str(screen.query_one("#quota").render())
                and "loading" not in str(screen.query_one("#quota").render())
            ):
                break
            await pilot.pause(0.005)
        ready = time.perf_counter()
    return {
        "import_s": imported - started,
        "ready_s": ready - started,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }

print(json.dumps(asyncio.run(main())))
"""


def measure(apps: int, databases: int, rounds: int) -> list[dict[str, float]]:
    """Start a simulator of that size and launch the app ``rounds`` times against it."""
    from sqtui.sim import SimConfig, SimServer

    results = []
    config = SimConfig(seed=11, apps=apps, databases=databases, snapshots_per_resource=30)
    with SimServer(config) as server:
        for _ in range(rounds):
            with tempfile.TemporaryDirectory() as home:
                out = subprocess.run(
                    [sys.executable, "-c", CHILD, server.base_url, config.api_key, home],
                    check=True,
                    capture_output=True,
                    text=True,
                    timeout=120,
                )
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return results


def main() -> None:
    """Measure both sizes and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sizes = {"small (5 apps, 3 databases)": (5, 3), "large (300 apps, 100 databases)": (300, 100)}
    medians: dict[str, dict[str, float]] = {}
    for label, (apps, dbs) in sizes.items():
        began = time.perf_counter()
        runs = measure(apps, dbs, args.rounds)
        medians[label] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        m = medians[label]
        print(
            f"{label}: ready in {m['ready_s']:.2f} s (imports {m['import_s']:.2f} s), "
            f"peak RSS {m['peak_rss_mb']:.0f} MB  [median of {args.rounds}, "
            f"{time.perf_counter() - began:.0f} s in all]"
        )
    small, large = medians.values()
    print(
        f"large/small: time to a populated screen x{large['ready_s'] / small['ready_s']:.2f}, "
        f"peak memory x{large['peak_rss_mb'] / small['peak_rss_mb']:.2f}"
    )


if __name__ == "__main__":
    main()
