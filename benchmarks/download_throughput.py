"""Download throughput and memory of sqtui's engine against curl, on a loopback simulator.

Serves one large snapshot (``--snapshot-mb``) and one small one (``--small-mb``) from
``SimServer``, then, alternating for ``--rounds`` rounds, downloads each with
``curl -s -o`` and with ``DownloadEngine`` in a child Python process, whose peak RSS
(VmHWM) is read at the end. Prints bytes, seconds, MB/s, the sqtui/curl ratio (target
>= 0.8) and sqtui's peak RSS for both sizes (target well under 150 MB, and flat).

    .venv/bin/python benchmarks/download_throughput.py [--snapshot-mb 512] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from measure import MB, peak_rss_mb

from sqtui.api.client import SquareCloudClient
from sqtui.api.models import ResourceKind, Snapshot
from sqtui.domain.download import DownloadEngine
from sqtui.sim import SimConfig, SimServer

API_KEY = "sim-benchmark-key-0000000000"


@dataclass
class Run:
    """One timed download."""

    tool: str
    size_mb: float
    bytes: int
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float | None = None

    @property
    def mb_per_s(self) -> float:
        return self.bytes / MB / self.seconds if self.seconds > 0 else 0.0


# -- the child: one engine download, then its peak memory ----------------------------------


def cpu_seconds(who: int) -> float:
    """User plus system CPU time used so far by this process or its waited-for children."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


async def child_download(job: dict[str, object]) -> dict[str, object]:
    """Download the snapshot described by ``job`` with the engine; timings and memory."""
    snapshot = Snapshot(
        name=str(job["name"]),
        version_id=str(job["version_id"]),
        size=int(str(job["size"])),
        modified=datetime.now(UTC),
        origin="unknown",
        url=str(job["url"]),
        key="",
    )
    destination = Path(str(job["destination"]))
    # The engine never sends the key to the snapshot host; any key will do.
    async with SquareCloudClient("unused", base_url=str(job["base_url"])) as client:
        engine = DownloadEngine(client, fsync=bool(job["fsync"]))
        cpu_before = cpu_seconds(resource.RUSAGE_SELF)
        started = time.perf_counter()
        result = await engine.download(snapshot, destination)
        seconds = time.perf_counter() - started
        cpu = cpu_seconds(resource.RUSAGE_SELF) - cpu_before
    return {
        "bytes": result.size,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "sha256": result.sha256,
        "peak_rss_mb": peak_rss_mb(),
    }


def run_child() -> None:
    job = json.loads(sys.stdin.read())
    print(json.dumps(asyncio.run(child_download(job))))


# -- the parent ------------------------------------------------------------------------------


async def newest(base_url: str) -> Snapshot:
    async with SquareCloudClient(API_KEY, base_url=base_url) as client:
        account = await client.me()
        database = account.databases[0]
        return (await client.list_snapshots(ResourceKind.DATABASE, database.id))[0]


def warm_up(url: str) -> None:
    """The simulator computes an archive's CRC on first use; keep that out of the timings."""
    with httpx.Client(timeout=600) as http:
        http.get(url, headers={"Range": "bytes=0-0"}).raise_for_status()


def curl_once(curl: str, url: str, destination: Path, size_mb: float) -> Run:
    cpu_before = cpu_seconds(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([curl, "-s", "-f", "-o", str(destination), url], check=True)
    seconds = time.perf_counter() - started
    cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - cpu_before
    size = destination.stat().st_size
    destination.unlink()
    return Run("curl", size_mb, size, seconds, cpu)


def sqtui_once(
    snapshot: Snapshot, base_url: str, destination: Path, size_mb: float, fsync: bool
) -> Run:
    job = {
        "name": snapshot.name,
        "version_id": snapshot.version_id,
        "size": snapshot.size,
        "url": snapshot.url,
        "base_url": base_url,
        "destination": str(destination),
        "fsync": fsync,
    }
    # The URL goes through stdin: it carries a signature, which has no place in argv.
    done = subprocess.run(
        [sys.executable, __file__, "--child"],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"the sqtui child failed:\n{done.stderr.strip()}")
    report = json.loads(done.stdout)
    destination.unlink()
    return Run(
        "sqtui",
        size_mb,
        int(report["bytes"]),
        float(report["seconds"]),
        float(report["cpu_seconds"]),
        float(report["peak_rss_mb"]),
    )


def measure(size_mb: float, rounds: int, curl: str | None, workdir: Path, fsync: bool) -> list[Run]:
    config = SimConfig(
        api_key=API_KEY, apps=0, databases=1, snapshots_per_resource=1, snapshot_mb=size_mb
    )
    runs: list[Run] = []
    with SimServer(config) as server:
        snapshot = asyncio.run(newest(server.base_url))
        warm_up(snapshot.url)
        for round_number in range(1, rounds + 1):
            # Alternate who goes first, so neither always meets a warmer cache.
            order = ["curl", "sqtui"] if round_number % 2 else ["sqtui", "curl"]
            for tool in order:
                target = workdir / f"{tool}.zip"
                if tool == "curl":
                    if curl is None:
                        continue
                    run = curl_once(curl, snapshot.url, target, size_mb)
                else:
                    run = sqtui_once(snapshot, server.base_url, target, size_mb, fsync)
                runs.append(run)
                rss = f"  peak RSS {run.peak_rss_mb:.0f} MB" if run.peak_rss_mb else ""
                print(
                    f"  {size_mb:>5.0f} MB round {round_number} {run.tool:<5} "
                    f"{run.bytes:>11,} B {run.seconds:6.2f} s {run.mb_per_s:7.1f} MB/s "
                    f"CPU {run.cpu_seconds:5.2f} s{rss}",
                    flush=True,
                )
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot-mb", type=float, default=512.0)
    parser.add_argument("--small-mb", type=float, default=64.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--no-fsync", action="store_true", help="skip the engine's fsync (curl does none)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child()
        return

    curl = shutil.which("curl")
    if curl is None:
        print("curl is not installed: measuring sqtui alone, no ratio can be given.")
    fsync = not args.no_fsync
    print(f"sqtui engine with fsync {'on' if fsync else 'off'}; {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="sqtui-bench-") as tmp:
        workdir = Path(tmp)
        small = measure(args.small_mb, 1, None, workdir, fsync)
        large = measure(args.snapshot_mb, args.rounds, curl, workdir, fsync)

    def best(runs: list[Run], tool: str) -> Run | None:
        of_tool = [run for run in runs if run.tool == tool]
        return max(of_tool, key=lambda run: run.mb_per_s) if of_tool else None

    print()
    print(f"Snapshot of {args.snapshot_mb:.0f} MB, {args.rounds} rounds (median / best MB/s):")
    for tool in ("curl", "sqtui"):
        speeds = [run.mb_per_s for run in large if run.tool == tool]
        cpu = [run.cpu_seconds for run in large if run.tool == tool]
        if speeds:
            print(
                f"  {tool:<5} {statistics.median(speeds):7.1f} / {max(speeds):7.1f} MB/s, "
                f"CPU {statistics.median(cpu):.2f} s per download"
            )
    curl_speeds = [run.mb_per_s for run in large if run.tool == "curl"]
    sqtui_speeds = [run.mb_per_s for run in large if run.tool == "sqtui"]
    if curl_speeds and sqtui_speeds:
        ratio = statistics.median(sqtui_speeds) / statistics.median(curl_speeds)
        best_ratio = max(sqtui_speeds) / max(curl_speeds)
        verdict = "meets" if ratio >= 0.8 else "MISSES"
        print(
            f"  throughput ratio sqtui/curl: {ratio:.2f} of medians ({verdict} the 0.8 target), "
            f"{best_ratio:.2f} of bests"
        )
    small_run, large_run = best(small, "sqtui"), best(large, "sqtui")
    if small_run and large_run:
        peak_large = max(run.peak_rss_mb or 0.0 for run in large if run.tool == "sqtui")
        print(
            f"  sqtui peak RSS: {small_run.peak_rss_mb:.0f} MB for {args.small_mb:.0f} MB, "
            f"{peak_large:.0f} MB for {args.snapshot_mb:.0f} MB (target well under 150 MB)"
        )


if __name__ == "__main__":
    main()
