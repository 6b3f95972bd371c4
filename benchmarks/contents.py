"""Looking inside snapshots without downloading them: requests, bytes, time and memory.

Serves an application whose snapshots hold ``--files`` files (20,000 by default) and a
database whose snapshot is ``--big-mb`` MB (1 GiB by default) from ``SimServer`` on a
loopback port. A child Python process (so its peak memory is its own) then:

- lists the newest version's directory, first time (host requests counted by the
  simulator) and again from the disk cache;
- diffs two versions once both directories are cached;
- reads one small file of the big snapshot (bytes the host sent counted);

and, as the baseline in the same run, ``zipfile`` lists the same archive from a local
copy. Prints each figure, its goal and the ratio to the baseline:

    .venv/bin/python benchmarks/contents.py [--files 20000] [--big-mb 1024] [--rounds 3]
    .venv/bin/python benchmarks/contents.py --quick      # small sizes: CI runs this
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx
from measure import MB, peak_rss_mb

from sqtui.api.client import SquareCloudClient
from sqtui.api.models import ResourceKind, Snapshot
from sqtui.sim import SimConfig, SimServer

API_KEY = "23457145698959364-be9c4b5e0be9c4b5e0be9c4b5e0be9c4"


# -- the child ------------------------------------------------------------------------------


def _snapshot(data: dict[str, Any]) -> Snapshot:
    from datetime import datetime

    return Snapshot(
        name=data["name"],
        version_id=data["version_id"],
        size=data["size"],
        modified=datetime.fromisoformat(data["modified"]),
        origin="automatic",
        url=data["url"],
        signed_query=data["url"].partition("?")[2],
    )


async def child(job: dict[str, Any]) -> dict[str, Any]:
    """One phase: ``ls`` (first time, then cached), ``diff`` (cached) or ``cat``."""
    from sqtui.domain.contents import (
        DirectoryCache,
        SnapshotContents,
        build_tree,
        diff_versions,
    )

    cache = DirectoryCache(Path(job["cache"]))
    newest, older = _snapshot(job["newest"]), _snapshot(job["older"])
    figures: dict[str, Any] = {}
    async with SquareCloudClient("unused", base_url=job["base_url"]) as client:
        if job["phase"] == "ls":
            started = time.perf_counter()
            directory = await SnapshotContents(client, newest, cache=cache).directory()
            tree = build_tree(directory.entries)
            figures["ls_first_s"] = time.perf_counter() - started
            figures["entries"] = len(directory.entries)
            figures["tree_files"] = tree.file_count
            started = time.perf_counter()
            build_tree((await SnapshotContents(client, newest, cache=cache).directory()).entries)
            figures["ls_cached_s"] = time.perf_counter() - started
        elif job["phase"] == "diff":
            await SnapshotContents(client, older, cache=cache).directory()
            started = time.perf_counter()
            changes = await diff_versions(
                SnapshotContents(client, older, cache=cache),
                SnapshotContents(client, newest, cache=cache),
            )
            figures["diff_cached_s"] = time.perf_counter() - started
            figures["changes"] = len(changes.changes)
        else:
            contents = SnapshotContents(client, newest, cache=cache)
            wanted = min(
                (e for e in (await contents.directory()).entries if not e.is_dir),
                key=lambda e: abs(e.size - 10 * 1024),
            )
            figures["cat_member_size"] = wanted.size
            started = time.perf_counter()
            await contents.read_member(wanted)
            figures["cat_s"] = time.perf_counter() - started
    figures["peak_rss_mb"] = peak_rss_mb()
    return figures


def run_child() -> None:
    job = json.loads(sys.stdin.read())
    print(json.dumps(asyncio.run(child(job))))


# -- the parent -----------------------------------------------------------------------------


def _as_job(snapshot: Snapshot) -> dict[str, Any]:
    return {
        "name": snapshot.name,
        "version_id": snapshot.version_id,
        "size": snapshot.size,
        "modified": snapshot.modified.isoformat(),
        "url": snapshot.url,
    }


async def listing(base_url: str) -> list[Snapshot]:
    async with SquareCloudClient(API_KEY, base_url=base_url) as client:
        app = (await client.me()).applications[0]
        return await client.list_snapshots(ResourceKind.APP, app.id)


def host_bytes(server: SimServer, since: int) -> tuple[int, int]:
    """Requests to the snapshot host and bytes it sent, since event ``since``."""
    events = [
        e for e in server.sim.events[since:] if str(e.get("path", "")).startswith("/snapshots/")
    ]
    return len(events), sum(int(e.get("bytes_sent") or 0) for e in events)


def zipfile_baseline(url: str, folder: Path, rounds: int) -> tuple[float, int]:
    """Seconds for zipfile to list a local copy of the archive (median), and its size."""
    local = folder / "baseline.zip"
    with (
        httpx.Client(timeout=600) as http,
        local.open("wb") as out,
        http.stream("GET", url) as answer,
    ):
        answer.raise_for_status()
        for piece in answer.iter_bytes(1 << 20):
            out.write(piece)
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        with zipfile.ZipFile(local) as archive:
            archive.infolist()
        times.append(time.perf_counter() - started)
    size = local.stat().st_size
    local.unlink()
    return statistics.median(times), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=20_000, help="files per snapshot")
    parser.add_argument("--big-mb", type=float, default=1024, help="size of each snapshot")
    parser.add_argument("--rounds", type=int, default=3, help="child runs (medians printed)")
    parser.add_argument("--quick", action="store_true", help="small sizes, one round (CI)")
    args = parser.parse_args()
    if args.quick:
        args.files, args.big_mb, args.rounds = 500, 8, 1
    config = SimConfig(
        api_key=API_KEY,
        seed=7,
        apps=1,
        databases=0,
        snapshots_per_resource=2,
        files_per_app=args.files,
        snapshot_mb=args.big_mb,
    )
    with SimServer(config) as server, tempfile.TemporaryDirectory() as scratch:
        snapshots = asyncio.run(listing(server.base_url))
        # The simulator builds an archive's layout (and CRCs) on first use: not ours to time.
        with httpx.Client(timeout=600) as http:
            for snapshot in snapshots[:2]:
                http.get(snapshot.url, headers={"Range": "bytes=-1"}).raise_for_status()
        runs: dict[str, list[dict[str, Any]]] = {"ls": [], "diff": [], "cat": []}
        host: dict[str, list[tuple[int, int]]] = {"ls": [], "diff": [], "cat": []}
        for round_ in range(args.rounds):
            for phase in ("ls", "diff", "cat"):
                job = {
                    "phase": phase,
                    "base_url": server.base_url,
                    "cache": str(Path(scratch) / f"cache-{round_}"),
                    "newest": _as_job(snapshots[0]),
                    "older": _as_job(snapshots[1]),
                }
                before = len(server.sim.events)
                done = subprocess.run(
                    [sys.executable, __file__, "--child"],
                    input=json.dumps(job),
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if done.returncode:
                    sys.exit(f"the reading process failed:\n{done.stderr}")
                runs[phase].append(json.loads(done.stdout))
                host[phase].append(host_bytes(server, before))
        baseline, archive_size = zipfile_baseline(snapshots[0].url, Path(scratch), 3)

    def median(phase: str, key: str) -> float:
        return statistics.median(float(r[key]) for r in runs[phase])

    entries = runs["ls"][0]["entries"]
    print(
        f"contents benchmark: {entries:,} entries in an archive of {archive_size / MB:,.0f} MB;"
        f" {args.rounds} round(s), medians"
    )
    print(f"  baseline: zipfile lists a local copy       {baseline * 1000:8.1f} ms")
    ls_first = median("ls", "ls_first_s")
    requests, sent = host["ls"][0]
    print(
        f"  ls, first time                             {ls_first * 1000:8.1f} ms"
        f"  ({ls_first / baseline:.1f}x baseline; {requests} requests, {sent / 1024:,.0f} KiB;"
        " goal < 1 s, <= 2 requests)"
    )
    ls_cached = median("ls", "ls_cached_s")
    print(
        f"  ls, from the disk cache                    {ls_cached * 1000:8.1f} ms"
        f"  ({ls_cached / baseline:.1f}x baseline; goal < 100 ms)"
    )
    diff = median("diff", "diff_cached_s")
    changes = runs["diff"][0]["changes"]
    print(
        f"  diff of two cached versions                {diff * 1000:8.1f} ms"
        f"  ({changes:,} changes; goal < 300 ms)"
    )
    cat = median("cat", "cat_s")
    requests, sent = host["cat"][0]
    size = runs["cat"][0]["cat_member_size"]
    print(
        f"  cat a {size / 1024:5,.1f} KiB file                     {cat * 1000:8.1f} ms"
        f"  ({requests} request(s), {sent / 1024:,.0f} KiB from the host; goal < 1 MB)"
    )
    print(
        f"  peak memory, ls of the whole tree          {median('ls', 'peak_rss_mb'):8.1f} MB"
        "  (goal < 100 MB)"
    )


if __name__ == "__main__":
    if "--child" in sys.argv:
        run_child()
    else:
        main()
