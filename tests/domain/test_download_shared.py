"""Two downloads of one file at once, files that are not sqtui's, and what the messages say."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from sqtui.api.client import SquareCloudClient
from sqtui.cli.exit_codes import ExitCode
from sqtui.domain.download import DownloadError, Progress, part_path
from sqtui.domain.download import files as files_module
from sqtui.sim import Fault, SimServer
from tests.domain.test_download import (
    KEY,
    Ticks,
    engine,
    hold_after,
    newest_snapshot,
    served_bytes,
    sim_config,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server() -> Iterator[SimServer]:
    # A real clock: uvicorn runs in its own thread and loop.
    with SimServer(sim_config(clock=time.time, sleep=asyncio.sleep)) as running:
        yield running


@pytest.fixture
async def loopback_client(server: SimServer) -> AsyncIterator[SquareCloudClient]:
    async with SquareCloudClient(KEY, base_url=server.base_url) as api:
        yield api


async def test_a_second_engine_in_the_same_process_is_told_it_is_busy(
    server: SimServer, loopback_client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = await newest_snapshot(loopback_client)
    expected = await served_bytes(snapshot)
    # The first download is still under way (its resume held a second) when the second asks.
    hold_after(server, 300_000, seconds=1.0)
    started = asyncio.Event()

    def on_progress(progress: Progress) -> None:
        if progress.received > 0:
            started.set()

    destination = tmp_path / "a.zip"
    first = asyncio.ensure_future(
        engine(loopback_client, chunk_size=16 << 10, clock=Ticks(1.0)).download(
            snapshot, destination, on_progress=on_progress
        )
    )
    await started.wait()
    with pytest.raises(DownloadError) as caught:
        await engine(loopback_client).download(snapshot, destination)
    assert caught.value.reason == "busy"
    assert "already being downloaded" in caught.value.human()
    result = await first
    assert result.sha256 == hashlib.sha256(expected).hexdigest()
    assert destination.read_bytes() == expected


def _download_in_a_process(server: SimServer, home: Path, folder: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "SQTUI_HOME": str(home),
        "SQUARECLOUD_API_KEY": KEY,
        "PYTHONPATH": str(ROOT),
    }
    database = next(r for r in server.sim.state()["resources"] if r["kind"] == "database")
    argv = ["snapshots", "download", database["id"], "-o", str(folder)]
    return subprocess.Popen(
        [sys.executable, "-m", "sqtui", *argv, "--api-url", server.base_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )


async def test_two_processes_downloading_one_file_the_second_is_told_clearly(
    server: SimServer, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    # The first download waits three seconds for the host's first byte, holding its .part.
    server.sim.add_fault(Fault(path=r"^/snapshots/", delay=3.0, times=1))
    first = _download_in_a_process(server, tmp_path / "one", folder)
    deadline = time.monotonic() + 30
    while not (folder.exists() and any(folder.glob("*.part"))):
        assert time.monotonic() < deadline and first.poll() is None, first.communicate()
        await asyncio.sleep(0.02)
    second = _download_in_a_process(server, tmp_path / "two", folder)
    out2, err2 = second.communicate(timeout=60)
    out1, err1 = first.communicate(timeout=60)
    assert first.returncode == ExitCode.OK, err1
    assert second.returncode == ExitCode.FAILED
    assert "already being downloaded" in err2
    assert "Traceback" not in err2 and out2 == ""
    [saved] = [p for p in folder.iterdir()]
    assert saved.suffix == ".zip"
    assert hashlib.sha256(saved.read_bytes()).hexdigest() in out1


async def test_a_part_that_is_a_link_is_not_followed_and_left_alone(
    loopback_client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = await newest_snapshot(loopback_client)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    destination = tmp_path / "a.zip"
    part_path(destination).symlink_to(victim)
    with pytest.raises(DownloadError) as caught:
        await engine(loopback_client).download(snapshot, destination)
    assert "is a link" in caught.value.human() and "left as it is" in caught.value.human()
    assert victim.read_text() == "precious"
    assert part_path(destination).is_symlink() and not destination.exists()


@pytest.mark.parametrize("kind", ["folder", "fifo"])
async def test_a_part_that_is_not_a_regular_file_is_refused(
    loopback_client: SquareCloudClient, tmp_path: Path, kind: str
) -> None:
    snapshot = await newest_snapshot(loopback_client)
    destination = tmp_path / "a.zip"
    part = part_path(destination)
    if kind == "folder":
        part.mkdir()
    else:
        os.mkfifo(part)
    with pytest.raises(DownloadError) as caught:
        await asyncio.wait_for(engine(loopback_client).download(snapshot, destination), 20)
    assert caught.value.reason == "disk"
    assert part.exists() and not destination.exists()


@pytest.mark.parametrize("overwrite", [False, True])
async def test_a_destination_that_is_a_link_is_never_written_through(
    loopback_client: SquareCloudClient, tmp_path: Path, overwrite: bool
) -> None:
    snapshot = await newest_snapshot(loopback_client)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    destination = tmp_path / "a.zip"
    destination.symlink_to(victim)
    with pytest.raises(DownloadError) as caught:
        await engine(loopback_client).download(snapshot, destination, overwrite=overwrite)
    assert caught.value.reason == "exists"
    assert "not a regular file" in caught.value.human()
    assert victim.read_text() == "precious" and destination.is_symlink()
    assert not part_path(destination).exists()


async def test_a_dangling_link_as_destination_is_refused_too(
    loopback_client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = await newest_snapshot(loopback_client)
    destination = tmp_path / "a.zip"
    destination.symlink_to(tmp_path / "nowhere" / "x.zip")
    with pytest.raises(DownloadError) as caught:
        await engine(loopback_client).download(snapshot, destination)
    assert caught.value.reason == "exists"
    assert not (tmp_path / "nowhere").exists()


async def test_a_network_failure_with_no_byte_says_no_partial_file_is_kept(
    server: SimServer, loopback_client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = await newest_snapshot(loopback_client)
    server.sim.add_fault(Fault(path=r"^/snapshots/", drop_after_bytes=0))
    destination = tmp_path / "a.zip"
    with pytest.raises(DownloadError) as caught:
        await engine(loopback_client, retries=1).download(snapshot, destination)
    assert caught.value.reason == "network"
    assert "No partial file was kept" in caught.value.human()
    assert "is kept" not in caught.value.human()
    assert not part_path(destination).exists()


async def test_a_network_failure_after_some_bytes_says_how_much_is_kept(
    server: SimServer, loopback_client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = await newest_snapshot(loopback_client)
    server.sim.add_fault(Fault(path=r"^/snapshots/", drop_after_bytes=300_000, times=1))
    server.sim.add_fault(Fault(path=r"^/snapshots/", drop_after_bytes=0))
    destination = tmp_path / "a.zip"
    with pytest.raises(DownloadError) as caught:
        await engine(loopback_client, retries=1).download(snapshot, destination)
    kept = part_path(destination).stat().st_size
    assert kept > 0
    assert "The partial file (" in caught.value.human()
    assert "is kept; downloading again resumes it" in caught.value.human()


async def test_not_enough_space_names_the_margin_it_keeps(
    loopback_client: SquareCloudClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot = await newest_snapshot(loopback_client)
    monkeypatch.setattr(files_module, "free_space", lambda directory: snapshot.size + 1)
    with pytest.raises(DownloadError) as caught:
        await engine(loopback_client, space_margin=16 << 20).download(snapshot, tmp_path / "a.zip")
    assert caught.value.reason == "no_space"
    assert "plus 16.0 MiB kept free" in caught.value.human()
    assert not part_path(tmp_path / "a.zip").exists()
