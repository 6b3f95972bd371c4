"""Time from launch to a populated main screen, in a real terminal, against a bare app.

Each launch runs in a pseudo-terminal of 100x30, as a user's would, and is timed from
the process start to the moment the terminal receives the first frame with the table
filled (the title line's "snapshots, oldest"). In one run, alternating:

- the baseline: ``bare_app.py``, a bare Textual app with the same widgets, filled
  from constants (no API, no state);
- sqtui, cold: a fresh state directory (no cached view), against the simulator on a
  loopback port (5 apps, 3 databases, 30 snapshots each);
- sqtui, warm: the state directory of an earlier run (a cached view is shown first);
- sqtui, cold, with the simulator delaying every answer by 150 ms (``--latency-ms``,
  standing for a real network): the extra time over the plain cold start, divided by
  150 ms, is the number of round trips before the first populated frame. The requests
  the simulator had answered when that frame arrived are listed too.

It also times the imports alone (``sqtui``'s way to its first frame against
``textual.app`` and its widgets) in fresh interpreters. Prints medians and ratios:

    .venv/bin/python benchmarks/startup.py [--rounds 7] [--quick]

Goals: cold start at most 1.5x the bare app; at most 2 round trips.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqtui
from sqtui.sim import SimConfig, SimServer

HERE = Path(__file__).resolve().parent
MARKER = b"snapshots, oldest"
SIZE = (100, 30)
LATENCY_MS = 150.0


@dataclass
class Launch:
    """One launch: seconds to the populated frame, and the API paths answered by then."""

    seconds: float
    answered: list[str]


def sqtui_command() -> list[str]:
    """The installed ``sqtui`` beside this interpreter (as a user runs it)."""
    script = Path(sys.executable).with_name("sqtui")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from sqtui.cli.start import main; sys.exit(main())"]


def terminal_env(**extra: str) -> dict[str, str]:
    """A clean environment for a colour terminal, plus ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SQTUI", "SQUARECLOUD", "TEXTUAL"))
        and k not in ("NO_COLOR", "PYTHONDONTWRITEBYTECODE")
    }
    env.update(TERM="xterm-256color", COLORTERM="truecolor", **extra)
    return env


def launch(
    argv: list[str],
    env: dict[str, str],
    *,
    server: SimServer | None = None,
    linger: float = 0.0,
    timeout: float = 60.0,
) -> Launch:
    """Run ``argv`` in a new pseudo-terminal until ``MARKER`` is drawn; then stop it.

    ``linger`` keeps it running that much longer (so a cached view is saved).
    """
    master, slave = pty.openpty()
    rows, cols = SIZE[1], SIZE[0]
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    seen = b""
    try:
        while True:
            left = started + timeout - time.perf_counter()
            ready, _, _ = select.select([master], [], [], max(0.0, left))
            if not ready:
                raise TimeoutError(f"{argv[-1]}: no populated frame in {timeout:.0f} s")
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:  # the child exited
                raise RuntimeError(f"{argv[-1]} ended before a populated frame") from None
            seen = seen[-len(MARKER) :] + chunk
            if MARKER in seen:
                elapsed = time.perf_counter() - started
                answered = [str(e["path"]) for e in server.sim.events] if server else []
                break
        if linger:
            end = time.perf_counter() + linger
            while (left := end - time.perf_counter()) > 0:
                if select.select([master], [], [], left)[0]:
                    with contextlib.suppress(OSError):
                        os.read(master, 1 << 16)
        return Launch(elapsed, answered)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        os.close(master)


def import_seconds(code: str, rounds: int) -> float:
    """Median seconds for a fresh interpreter to run ``code`` (the imports alone)."""
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env=terminal_env())
        times.append(time.perf_counter() - began)
    return statistics.median(times)


@contextlib.contextmanager
def simulator(latency_ms: float = 0.0) -> Iterator[SimServer]:
    config = SimConfig(
        seed=11, apps=5, databases=3, snapshots_per_resource=30, latency_ms=latency_ms
    )
    with SimServer(config) as server:
        # The simulator lays out each archive's files the first time it is listed: done
        # here, so that what is timed is sqtui, not the simulator's first answers.
        account = server.sim.me()
        for kind, key in (("app", "applications"), ("database", "databases")):
            for resource in account[key]:
                server.sim.list_snapshots(kind, resource["id"], server.root_url)
        yield server


def requests_per_second(server: SimServer, count: int) -> float:
    """Sequential ``GET /users/me`` on one kept connection: the simulator's pace.

    Without TCP_NODELAY a kept connection waits for Nagle's algorithm on every
    answer (about 180 a second); with it, the count is bound by the CPU.
    """
    import httpx

    headers = {"Authorization": server.sim.config.api_key}
    with httpx.Client(base_url=server.base_url, headers=headers) as client:
        client.get("/users/me").raise_for_status()
        began = time.perf_counter()
        for _ in range(count):
            client.get("/users/me")
        return count / (time.perf_counter() - began)


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="launches of each kind")
    parser.add_argument("--quick", action="store_true", help="one launch of each (for CI)")
    args = parser.parse_args()
    rounds = 1 if args.quick else args.rounds
    bare = [sys.executable, str(HERE / "bare_app.py")]
    # Byte-compiled, as an installed package is (pip compiles what it installs), like
    # Textual beside it; a source checkout run with PYTHONDONTWRITEBYTECODE would
    # compile every module at every launch instead.
    compileall.compile_dir(Path(sqtui.__file__).parent, quiet=1)
    times: dict[str, list[float]] = {"bare": [], "cold": [], "warm": [], "latency": []}
    answered_at_frame: list[str] = []
    began = time.perf_counter()
    with simulator() as plain, simulator(LATENCY_MS) as slow, tempfile.TemporaryDirectory() as tmp:
        key = plain.sim.config.api_key

        def sqtui_env(server: SimServer, home: Path) -> dict[str, str]:
            return terminal_env(
                SQTUI_HOME=str(home),
                SQUARECLOUD_API_KEY=key,
                SQUARECLOUD_API_URL=server.base_url,
            )

        warm_home = Path(tmp) / "warm"
        # One launch that stays long enough to save its cached view, for the warm runs.
        launch(sqtui_command(), sqtui_env(plain, warm_home), linger=2.0)
        for index in range(rounds):
            runs = ["bare", "cold", "warm", "latency"]
            if index % 2:
                runs.reverse()  # take turns at going first
            for run in runs:
                home = Path(tmp) / f"cold-{run}-{index}"
                if run == "bare":
                    times["bare"].append(launch(bare, terminal_env()).seconds)
                elif run == "cold":
                    times["cold"].append(launch(sqtui_command(), sqtui_env(plain, home)).seconds)
                elif run == "warm":
                    times["warm"].append(
                        launch(sqtui_command(), sqtui_env(plain, warm_home)).seconds
                    )
                else:
                    before = len(slow.sim.events)
                    done = launch(sqtui_command(), sqtui_env(slow, home), server=slow)
                    times["latency"].append(done.seconds)
                    answered_at_frame = done.answered[before:]
        pace = requests_per_second(plain, 50 if args.quick else 500)
        imports_sqtui = import_seconds(
            "import sqtui.cli.main, sqtui.cli.launch, sqtui.ui.app", rounds
        )
        imports_textual = import_seconds(
            "import textual.app, textual.widgets; from textual.widgets import "
            "DataTable, Footer, OptionList, Static",
            rounds,
        )
    median = {k: statistics.median(v) for k, v in times.items()}
    base = median["bare"]
    print(f"launch to a populated screen, {SIZE[0]}x{SIZE[1]} pseudo-terminal, median of {rounds}")
    print(f"  bare Textual app (baseline)   {base * 1000:6.0f} ms")
    for label, run in (("sqtui, cold (no cache)", "cold"), ("sqtui, warm (cached view)", "warm")):
        ratio = median[run] / base
        print(f"  {label:<29} {median[run] * 1000:6.0f} ms   x{ratio:.2f} (goal <= 1.5 cold)")
    extra = median["latency"] - median["cold"]
    print(
        f"  sqtui, cold, {LATENCY_MS:.0f} ms per answer  {median['latency'] * 1000:6.0f} ms   "
        f"+{extra * 1000:.0f} ms = {extra / (LATENCY_MS / 1000):.1f} round trips (goal <= 2)"
    )
    print(f"  answered before that frame: {', '.join(answered_at_frame) or 'nothing'}")
    print(
        f"imports alone: sqtui {imports_sqtui * 1000:.0f} ms, textual and its widgets "
        f"{imports_textual * 1000:.0f} ms (x{imports_sqtui / imports_textual:.2f})"
    )
    print(f"simulator: {pace:.0f} requests/s on one kept connection (Nagle's algorithm: ~180)")
    print(f"[{time.perf_counter() - began:.0f} s in all]")


if __name__ == "__main__":
    main()
