"""A large account against a small one: start-up, memory, refresh, the sidebar's filter.

Serves a small account (5 apps, 3 databases) and a large one (1,000 apps and 1,000
databases, 30 snapshots each: 60,000 snapshots, 30,000 per account-wide listing) from
the simulator on a loopback port, and measures in the same run:

- the simulator: how long the large account takes to create, to list account-wide the
  first time and again, and the latency of ``GET /users/me`` idle and while such a
  listing is being built (in a probe process of its own);
- the app, launched in a child process per round (``launch.py``), taking turns at the
  two sizes with a fresh simulator each time: time to a populated main screen and to
  the quota's count, peak memory, ``ctrl+r`` until the selected resource's listing is
  shown again, a keystroke in the sidebar's filter and ``escape`` clearing it (each
  from the key to the screen settled), and one ``Sidebar.show`` (what every refresh
  runs).

Prints the medians, the large/small ratios and each goal:

    .venv/bin/python benchmarks/large_account.py [--rounds 3]
    .venv/bin/python benchmarks/large_account.py --quick    # 200 resources; CI runs this
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from launch import Figures, Scenario, launch, medians, press, settle, timed_keys, wait_until

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from sqtui.sim import SimConfig
    from sqtui.ui.app import SqtuiApp

HERE = Path(__file__).resolve()
SNAPSHOTS_PER_RESOURCE = 30
# Typed into the filter one key at a time, one word per round, then cleared by escape;
# each matches in both accounts, so both measure the same thing.
WORDS = ("worker", "orders", "cache", "billing", "api-g")
REFRESHES = 2
IDLE_PROBES = 30


@dataclass(frozen=True)
class Size:
    """An account size: its label and how many apps and databases."""

    label: str
    apps: int
    databases: int

    @property
    def snapshots(self) -> int:
        """Snapshots listed across the account."""
        return (self.apps + self.databases) * SNAPSHOTS_PER_RESOURCE

    def config(self) -> SimConfig:
        """The simulator's settings for this size."""
        from sqtui.sim import SimConfig

        return SimConfig(
            seed=11,
            apps=self.apps,
            databases=self.databases,
            snapshots_per_resource=SNAPSHOTS_PER_RESOURCE,
        )


# -- in the app's child process (see launch.py) -------------------------------------------


async def interact_quick(app: SqtuiApp, pilot: Pilot[Any], figures: Figures) -> None:
    """:func:`interact` once over: one refresh, one word typed and cleared."""
    await interact(app, pilot, figures, words=WORDS[:1], refreshes=1)


async def interact(
    app: SqtuiApp,
    pilot: Pilot[Any],
    figures: Figures,
    *,
    words: tuple[str, ...] = WORDS,
    refreshes: int = REFRESHES,
) -> None:
    """What an engineer does on a loaded screen, timed: refresh, filter, clear the filter."""
    from sqtui.ui.screens.main import MainScreen

    screen = app.screen
    assert isinstance(screen, MainScreen)
    await app.workers.wait_for_complete()
    await settle(pilot)

    overview = screen.session.overview
    assert overview is not None
    shows = []
    for _ in range(5):
        started = time.perf_counter()
        screen.sidebar.show(overview.account.resources, overview.statuses)
        await settle(pilot)
        shows.append(time.perf_counter() - started)
    figures["sidebar_show_s"] = statistics.median(shows)

    to_listing, to_done = [], []
    for _ in range(refreshes):
        await app.workers.wait_for_complete()
        current = screen.current
        assert current is not None
        before = screen.session.listings[current.id]
        started = time.perf_counter()
        await press(pilot, "ctrl+r")
        await wait_until(
            pilot,
            lambda rid=current.id, old=before: screen.session.listings.get(rid) is not old,
        )
        to_listing.append(time.perf_counter() - started)
        await app.workers.wait_for_complete()
        await settle(pilot)
        to_done.append(time.perf_counter() - started)
    figures["refresh_listing_s"] = statistics.median(to_listing)
    figures["refresh_all_s"] = statistics.median(to_done)

    # A key bound to nothing: what sending a key and settling costs by itself.
    figures["unbound_key_s"] = statistics.median(await timed_keys(pilot, *["f12"] * 5))
    keys: list[float] = []
    in_filter: list[float] = []
    from_table: list[float] = []
    for word in words:
        await timed_keys(pilot, "slash")
        keys += await timed_keys(pilot, *word)
        # Escape in the filter box: cleared, and the focus goes back to the list.
        in_filter += await timed_keys(pilot, "escape")
        assert not screen.sidebar.filter_input.value
        # Escape after enter opened the match: cleared from the table, focus stays.
        await timed_keys(pilot, "slash", *word, "enter")
        from_table += await timed_keys(pilot, "escape")
        assert not screen.sidebar.filter_input.value
    figures["key_s"] = statistics.median(keys)
    figures["key_max_s"] = max(keys)
    figures["escape_s"] = statistics.median(from_table)
    figures["escape_max_s"] = max(from_table)
    figures["escape_in_filter_s"] = statistics.median(in_filter)


# -- the probe: GET /users/me while a big listing is built ----------------------------------


def probe(base_url: str, key: str, idle_probes: int = IDLE_PROBES) -> dict[str, Any]:
    """``/users/me`` latencies idle, then during two account-wide listings (cold, warm)."""
    import httpx

    headers = {"Authorization": key}
    figures: dict[str, Any] = {}
    with httpx.Client(base_url=base_url, headers=headers, timeout=300) as http:

        def me() -> float:
            started = time.perf_counter()
            http.get("/users/me").raise_for_status()
            return time.perf_counter() - started

        me()
        figures["idle"] = [me() for _ in range(idle_probes)]
        for run in ("first", "again"):
            done = threading.Event()

            def listing(run: str = run, done: threading.Event = done) -> None:
                started = time.perf_counter()
                with httpx.Client(base_url=base_url, headers=headers, timeout=300) as other:
                    answer = other.get("/users/snapshots", params={"scope": "applications"})
                answer.raise_for_status()
                figures[f"{run}_listing_s"] = time.perf_counter() - started
                figures[f"{run}_listing_mb"] = len(answer.content) / 1e6
                done.set()

            thread = threading.Thread(target=listing)
            thread.start()
            busy = []
            while not done.is_set():
                busy.append(me())
                time.sleep(0.005)
            thread.join()
            figures[run] = busy
    return figures


def run_probe(base_url: str, key: str) -> dict[str, Any]:
    """The probe in a process of its own, so that its client does not slow the server."""
    out = subprocess.run(
        [sys.executable, str(HERE), "--probe", base_url],
        input=key + "\n",
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _ms(values: list[float]) -> str:
    if not values:
        return "no request finished meanwhile"
    return (
        f"median {statistics.median(values) * 1000:.1f} ms, "
        f"max {max(values) * 1000:.1f} ms ({len(values)} requests)"
    )


def measure_simulator(size: Size) -> None:
    """Creation, listing times and ``/users/me`` latency under a listing, printed."""
    from sqtui.sim import SimServer

    started = time.perf_counter()
    server = SimServer(size.config())
    created = time.perf_counter() - started
    with server:
        figures = run_probe(server.base_url, server.config.api_key)
    per_scope = size.apps * SNAPSHOTS_PER_RESOURCE
    print(
        f"simulator, {size.label}: created in {created:.3f} s; account-wide listing of "
        f"{per_scope:,} snapshots ({figures['first_listing_mb']:.1f} MB) answered in "
        f"{figures['first_listing_s']:.2f} s the first time, {figures['again_listing_s']:.2f} s "
        "again"
    )
    print(f"  GET /users/me idle: {_ms(figures['idle'])}")
    print(f"  GET /users/me during the first listing: {_ms(figures['first'])}")
    print(f"  GET /users/me during the listing again: {_ms(figures['again'])}")


# -- the app, both sizes ------------------------------------------------------------------


def measure_app(size: Size, scenario: str = "interact") -> Figures:
    """One launch against a fresh simulator of ``size``, with the interaction scenario."""
    from sqtui.sim import SimServer

    started = time.perf_counter()
    server = SimServer(size.config())
    created = time.perf_counter() - started
    with server:
        # A fresh simulator computes every archive's size on its first account-wide
        # listings (measured above): done before the app starts, as a real server has
        # its listings at hand.
        started = time.perf_counter()
        for scope in ("applications", "databases"):
            server.sim.list_account_snapshots(scope, server.root_url)
        warmed = time.perf_counter() - started
        figures = launch(server.base_url, server.config.api_key, scenario=Scenario(HERE, scenario))
    figures["sim_created_s"] = created
    figures["sim_warmed_s"] = warmed
    return figures


def _line(label: str, m: Figures) -> str:
    ms = {key: value * 1000 for key, value in m.items()}
    return (
        f"{label} (simulator created in {m['sim_created_s']:.3f} s, its listings warmed "
        f"in {m['sim_warmed_s']:.2f} s):\n"
        f"  ready {m['ready_s']:.2f} s (imports {m['import_s']:.2f} s), quota counted "
        f"{m['quota_s']:.2f} s; peak RSS {m['ready_rss_mb']:.0f} MB at ready, "
        f"{m['peak_rss_mb']:.0f} MB in all\n"
        f"  ctrl+r {m['refresh_listing_s']:.2f} s to the listing shown "
        f"({m['refresh_all_s']:.2f} s to idle); Sidebar.show {ms['sidebar_show_s']:.1f} ms\n"
        f"  filter key {ms['key_s']:.1f} ms (max {ms['key_max_s']:.0f}); escape "
        f"{ms['escape_s']:.1f} ms (max {ms['escape_max_s']:.0f}); escape in the filter box "
        f"(focus back to the list) {ms['escape_in_filter_s']:.1f} ms; an unbound key "
        f"{ms['unbound_key_s']:.1f} ms"
    )


def _goal(what: str, value: str, met: bool, goal: str, quick: bool = False) -> str:
    if quick:
        return f"  {what}: {value} (the goal, {goal}, is for 2,000 resources)"
    return f"  {what}: {value} (goal {goal}: {'met' if met else 'NOT met'})"


def main() -> None:
    """Measure the simulator, then both sizes in turn, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="200 resources, one round")
    parser.add_argument("--probe", metavar="BASE_URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        print(json.dumps(probe(args.probe, sys.stdin.readline().strip())))
        return
    small = Size("small (5 apps, 3 databases)", 5, 3)
    large = (
        Size("large (100 apps, 100 databases)", 100, 100)
        if args.quick
        else Size("large (1,000 apps, 1,000 databases)", 1000, 1000)
    )
    rounds = 1 if args.quick else args.rounds
    began = time.perf_counter()
    measure_simulator(large)
    runs: dict[Size, list[Figures]] = {small: [], large: []}
    for _ in range(rounds):
        for size in (small, large):
            runs[size].append(measure_app(size, "interact_quick" if args.quick else "interact"))
    s, m = medians(runs[small]), medians(runs[large])
    for size, figures in ((small, s), (large, m)):
        print(_line(f"{size.label}, {size.snapshots:,} snapshots", figures))
    print(f"large/small [median of {rounds}, {time.perf_counter() - began:.0f} s in all]:")
    ratio = m["ready_s"] / s["ready_s"]
    goals = [
        ("start-up to a populated screen", f"x{ratio:.2f}", ratio <= 1.5, "<= x1.5"),
        (
            "peak memory (whole run)",
            f"{m['peak_rss_mb']:.0f} MB (x{m['peak_rss_mb'] / s['peak_rss_mb']:.2f})",
            m["peak_rss_mb"] < 120,
            "< 120 MB",
        ),
        (
            "ctrl+r to the listing",
            f"{m['refresh_listing_s']:.2f} s "
            f"(x{m['refresh_listing_s'] / s['refresh_listing_s']:.2f})",
            m["refresh_listing_s"] < 1,
            "< 1 s",
        ),
        (
            "filter keystroke",
            f"{m['key_s'] * 1000:.1f} ms (x{m['key_s'] / s['key_s']:.2f})",
            m["key_s"] < 0.03,
            "< 30 ms",
        ),
        (
            "escape",
            f"{m['escape_s'] * 1000:.1f} ms (x{m['escape_s'] / s['escape_s']:.2f})",
            m["escape_s"] < 0.03,
            "< 30 ms",
        ),
        (
            "escape in the filter box",
            f"{m['escape_in_filter_s'] * 1000:.1f} ms "
            f"(x{m['escape_in_filter_s'] / s['escape_in_filter_s']:.2f}; the small account's "
            f"{s['escape_in_filter_s'] * 1000:.0f} ms is moving the focus)",
            m["escape_in_filter_s"] < 0.03,
            "< 30 ms",
        ),
    ]
    for what, value, met, goal in goals:
        print(_goal(what, value, met, goal, quick=args.quick))


if __name__ == "__main__":
    main()
