"""Launching the app in a child process and waiting for a populated main screen.

Shared by the benchmarks. ``launch()`` runs this file with ``--child`` in a fresh
Python process (so imports and peak memory are that process's own) and a fresh home
directory (no cached view). The API key reaches the child on standard input, never on
its command line. The child imports sqtui, opens the app headless (Textual's test
driver) on the API URL and prints one JSON line of figures:

- ``import_s``: importing sqtui and Textual;
- ``ready_s``: from the first import to a populated main screen (the sidebar lists
  the account and the table shows the selected resource's snapshots);
- ``quota_s``: to the quota counted (the account-wide listings read) and shown;
- ``ready_rss_mb`` and ``peak_rss_mb``: peak resident memory at ``ready_s`` and at the end.

A scenario (an async function ``(app, pilot, figures)`` in a Python file, see
:class:`Scenario`) then runs in the child with the app still open and adds its own
figures; :func:`settle`, :func:`wait_until` and :func:`timed_keys` are for scenarios.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from measure import peak_rss_mb

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from sqtui.ui.app import SqtuiApp

HERE = Path(__file__).resolve()
SIZE = (100, 30)
POLL_SECONDS = 0.005

Figures = dict[str, float]


@dataclass(frozen=True)
class Scenario:
    """``function`` (a name) in the Python file ``path``, run in the child once ready."""

    path: Path
    function: str


# -- the parent ---------------------------------------------------------------------


def launch(
    base_url: str,
    api_key: str,
    *,
    scenario: Scenario | None = None,
    timeout: float = 300.0,
) -> Figures:
    """Start the app in a child process against ``base_url``; the child's figures."""
    with tempfile.TemporaryDirectory() as home:
        command = [sys.executable, str(HERE), "--child", base_url, home]
        if scenario is not None:
            command += [str(scenario.path), scenario.function]
        out = subprocess.run(
            command,
            input=api_key + "\n",
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    if out.returncode != 0:
        raise RuntimeError(f"the app's child process failed:\n{out.stderr[-4000:]}")
    figures: Figures = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def medians(runs: list[Figures]) -> Figures:
    """The median of each figure over several launches."""
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


# -- helpers for the child and its scenarios ----------------------------------------------


async def wait_until(
    pilot: Pilot[Any], condition: Callable[[], bool], within: float = 120.0
) -> None:
    """Let the app run until ``condition()`` holds (checked every few milliseconds)."""
    deadline = time.perf_counter() + within
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the app did not get there in time")
        await pilot.pause(POLL_SECONDS)


def _pending(app: SqtuiApp) -> bool:
    """Whether the app or a widget of its screen has a message waiting."""
    pumps = [app, *app.screen.walk_children(with_self=True)]
    return any(not pump._message_queue.empty() for pump in pumps)


async def settle(pilot: Pilot[Any]) -> None:
    """Until no message is waiting anywhere and the screen has painted what changed.

    ``pilot.pause()`` and ``pilot.press()`` wait for the process to look idle, at least
    20 ms each time; this does the same work (every message, each message's follow-ups,
    the screen's pending layout and the compositor) without that floor.
    """
    app = pilot.app
    for _ in range(100):
        await pilot._wait_for_screen()
        app.screen._on_timer_update()
        await asyncio.sleep(0)
        if not _pending(app):
            return


async def press(pilot: Pilot[Any], key: str) -> None:
    """Send one key as the terminal would, without ``pilot.press``'s idle waits."""
    from textual import events
    from textual.keys import _character_to_key, _get_unicode_name_from_key

    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        char: str | None = unicodedata.lookup(_get_unicode_name_from_key(key))
    except KeyError:
        char = key if len(key) == 1 else None
    event = events.Key(key, char)
    event.set_sender(pilot.app)
    await pilot.app._post_message(event)


async def timed_keys(pilot: Pilot[Any], *keys: str) -> list[float]:
    """Seconds from each key sent to the screen settled, one key at a time.

    Between two keys the app finishes its background work (untimed), so that a key
    is not measured against the work the previous one started.
    """
    app = pilot.app
    times = []
    for key in keys:
        started = time.perf_counter()
        await press(pilot, key)
        await settle(pilot)
        times.append(time.perf_counter() - started)
        await app.workers.wait_for_complete()
        await settle(pilot)
    return times


def populated(app: SqtuiApp) -> bool:
    """The sidebar lists the account and the table shows the selected resource's rows."""
    from sqtui.ui.screens.main import MainScreen

    screen = app.screen
    if not isinstance(screen, MainScreen) or screen.current is None:
        return False
    sidebar = screen.sidebar
    return (
        bool(sidebar.resources)
        and sidebar.option_list.option_count >= len(sidebar.resources)
        and screen.current.id in screen.session.listings
        and screen.table.row_count > 0
    )


def quota_shown(app: SqtuiApp) -> bool:
    """The quota is counted (the account-wide listings read) and the gauge shows it."""
    from sqtui.ui.screens.main import MainScreen

    screen = app.screen
    if not isinstance(screen, MainScreen) or screen.session.quota_loaded_at is None:
        return False
    text = str(screen.query_one("#quota").render())
    return "/" in text and "loading" not in text


# -- the child ------------------------------------------------------------------------


def _load(scenario: Scenario) -> Callable[[SqtuiApp, Pilot[Any], Figures], Awaitable[None]]:
    spec = importlib.util.spec_from_file_location("scenario", scenario.path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {scenario.path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    function: Callable[[SqtuiApp, Pilot[Any], Figures], Awaitable[None]]
    function = getattr(module, scenario.function)
    return function


async def _child(started: float, base_url: str, home: str, scenario: Scenario | None) -> Figures:
    key = sys.stdin.readline().strip()
    from sqtui.domain.settings import RunSettings
    from sqtui.storage.credentials import KeySource
    from sqtui.storage.locations import Locations
    from sqtui.ui.app import SqtuiApp

    imported = time.perf_counter()
    settings = RunSettings(
        locations=Locations.under(Path(home)),
        api_url=base_url,
        key=KeySource(api_key=key, origin="session"),
    )
    app = SqtuiApp(settings)
    figures: Figures = {"import_s": imported - started}
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: populated(app))
        figures["ready_s"] = time.perf_counter() - started
        figures["ready_rss_mb"] = peak_rss_mb()
        await wait_until(pilot, lambda: quota_shown(app))
        figures["quota_s"] = time.perf_counter() - started
        if scenario is not None:
            await _load(scenario)(app, pilot, figures)
        figures["peak_rss_mb"] = peak_rss_mb()
    return figures


def main() -> None:
    """``--child BASE_URL HOME [SCENARIO_FILE FUNCTION]``, the key on standard input."""
    started = time.perf_counter()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", action="store_true", required=True)
    parser.add_argument("base_url")
    parser.add_argument("home")
    parser.add_argument("scenario", nargs="*")
    args = parser.parse_args()
    scenario = Scenario(Path(args.scenario[0]), args.scenario[1]) if args.scenario else None
    figures = asyncio.run(_child(started, args.base_url, args.home, scenario))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
