"""The download engine against the simulator over a real loopback port.

The engine reads the snapshot host with the standard library's HTTP client on a thread
of its own, the path every download takes, so the simulator is always served on a
socket here (never through an in-process transport).
"""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import hashlib
import logging
import time
import zipfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from sqtui.api.client import SquareCloudClient
from sqtui.api.models import ResourceKind, Snapshot
from sqtui.domain.download import (
    DownloadEngine,
    DownloadError,
    Progress,
    free_space,
    part_path,
)
from sqtui.domain.download import engine as engine_module
from sqtui.domain.download import files as files_module
from sqtui.domain.download import sink as sink_module
from sqtui.sim import FakeClock, Fault, SimConfig, SimServer

KEY = "sim-key-for-download-tests-0001"
EXPIRED_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
)


class Ticks:
    """A monotonic clock that moves ``step`` seconds each time it is read."""

    def __init__(self, step: float = 0.0) -> None:
        self.now = 1000.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


class Sleeps:
    """Records the backoff delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def sim_config(**changes: Any) -> SimConfig:
    clock = FakeClock()
    values: dict[str, Any] = {
        "api_key": KEY,
        "apps": 1,
        "databases": 1,
        "snapshots_per_resource": 2,
        "snapshot_mb": 1.0,
        "clock": clock,
        "sleep": clock.sleep,
    }
    values.update(changes)
    return SimConfig(**values)


@pytest.fixture
def server() -> Iterator[SimServer]:
    # A real clock: uvicorn runs in its own thread and loop.
    with SimServer(sim_config(clock=time.time, sleep=asyncio.sleep)) as running:
        yield running


@pytest.fixture
async def client(server: SimServer) -> AsyncIterator[SquareCloudClient]:
    async with SquareCloudClient(KEY, base_url=server.base_url) as api:
        yield api


async def newest_snapshot(client: SquareCloudClient) -> Snapshot:
    account = await client.me()
    database = account.databases[0]
    return (await client.list_snapshots(ResourceKind.DATABASE, database.id))[0]


async def served_bytes(snapshot: Snapshot) -> bytes:
    """The snapshot's bytes fetched independently of the engine."""
    async with httpx.AsyncClient() as http:
        response = await http.get(snapshot.url)
        assert response.status_code == 200
        return response.content


async def served_and_logged(server: SimServer, snapshot: Snapshot) -> tuple[bytes, int]:
    """The snapshot's bytes, and the number of download requests logged once it is."""
    before = len(download_requests(server))
    expected = await served_bytes(snapshot)
    return expected, before + len(await recorded_requests(server, before, 1))


def engine(client: SquareCloudClient, **options: Any) -> DownloadEngine:
    options.setdefault("sleep", Sleeps())
    options.setdefault("clock", Ticks(0.01))
    options.setdefault("fsync", False)
    return DownloadEngine(client, **options)


def download_requests(server: SimServer) -> list[dict[str, Any]]:
    return [e for e in server.sim.events if str(e.get("path", "")).startswith("/snapshots/")]


async def recorded_requests(server: SimServer, before: int, count: int) -> list[dict[str, Any]]:
    """The download requests since ``before``, once the server thread has logged ``count``.

    The simulator logs a request after its last byte is sent, which can be a moment
    after the client has read it; there is no event to await across the thread.
    """
    for _ in range(500):
        if len(download_requests(server)) - before >= count:
            break
        await asyncio.sleep(0.01)
    return download_requests(server)[before:]


def tampered(snapshot: Snapshot) -> Snapshot:
    """The same snapshot with a forged signature."""
    signature = parse_qs(urlsplit(snapshot.url).query)["Signature"][0]
    forged = ("A" if signature[0] != "A" else "B") + signature[1:]
    return dataclasses.replace(snapshot, url=snapshot.url.replace(signature, forged))


def signature_of(snapshot: Snapshot) -> str:
    return parse_qs(urlsplit(snapshot.url).query)["Signature"][0]


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def no_trace(destination: Path) -> bool:
    return not destination.exists() and not part_path(destination).exists()


async def fails_with(
    reason: str, client: SquareCloudClient, snapshot: Snapshot, target: Path, **kwargs: Any
) -> DownloadError:
    """Download and expect ``reason``, with nothing left under the final name."""
    with pytest.raises(DownloadError) as caught:
        await engine(client).download(snapshot, target, **kwargs)
    assert caught.value.reason == reason
    assert no_trace(target)
    return caught.value


# -- success ---------------------------------------------------------------------------


async def test_full_download_is_the_served_file_and_a_valid_zip(
    server: SimServer, client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = await newest_snapshot(client)
    expected = await served_bytes(snapshot)
    destination = tmp_path / "backups" / "orders.zip"

    result = await engine(client).download(snapshot, destination)

    assert result.path == destination
    assert result.size == snapshot.size == len(expected)
    assert result.sha256 == hashlib.sha256(expected).hexdigest()
    assert destination.read_bytes() == expected
    assert not part_path(destination).exists()
    with zipfile.ZipFile(destination) as archive:
        assert archive.testzip() is None
    assert result.resumes == 0


async def test_progress_is_monotonic_throttled_and_ends_at_the_total(
    client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = await newest_snapshot(client)
    seen: list[Progress] = []
    # 64 chunks of 16 KiB, the clock moving 10 ms per reading: about 10 reports a second.
    run = engine(client, chunk_size=16 << 10, clock=Ticks(0.01))

    await run.download(snapshot, tmp_path / "a.zip", on_progress=seen.append)

    received = [p.received for p in seen]
    assert received == sorted(received)
    assert seen[-1].received == seen[-1].total == snapshot.size
    assert seen[-1].eta_seconds == 0.0
    assert seen[-1].speed_bps > 0
    chunks = snapshot.size // (16 << 10)
    assert 3 <= len(seen) < chunks / 4


async def test_frozen_clock_means_only_first_and_final_reports(
    client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = await newest_snapshot(client)
    seen: list[Progress] = []
    await engine(client, chunk_size=16 << 10, clock=Ticks(0.0)).download(
        snapshot, tmp_path / "a.zip", on_progress=seen.append
    )
    assert [p.received for p in seen] == [0, snapshot.size]


async def test_existing_part_is_resumed_with_a_range_request(
    server: SimServer, client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = await newest_snapshot(client)
    expected, before = await served_and_logged(server, snapshot)
    destination = tmp_path / "a.zip"
    part_path(destination).write_bytes(expected[:300_000])

    result = await engine(client).download(snapshot, destination)

    assert result.sha256 == hashlib.sha256(expected).hexdigest()
    assert result.resumes == 1
    requests = await recorded_requests(server, before, 1)
    assert [(e["status"], e["range"]) for e in requests] == [(206, "bytes=300000-")]


async def test_complete_part_from_an_earlier_run_needs_no_request(
    server: SimServer, client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = await newest_snapshot(client)
    expected, before = await served_and_logged(server, snapshot)
    destination = tmp_path / "a.zip"
    part_path(destination).write_bytes(expected)

    result = await engine(client).download(snapshot, destination)

    assert destination.read_bytes() == expected
    assert result.sha256 == hashlib.sha256(expected).hexdigest()
    assert download_requests(server)[before:] == []


async def test_a_200_to_a_range_request_starts_over_from_zero(tmp_path: Path) -> None:
    config = sim_config(clock=time.time, sleep=asyncio.sleep, host_ignores_range=True)
    with SimServer(config) as server:
        async with SquareCloudClient(KEY, base_url=server.base_url) as client:
            snapshot = await newest_snapshot(client)
            expected, before = await served_and_logged(server, snapshot)
            destination = tmp_path / "a.zip"
            # A stale part whose bytes are wrong: appending to it would corrupt the file.
            part_path(destination).write_bytes(b"\0" * 300_000)

            result = await engine(client).download(snapshot, destination)
            requests = await recorded_requests(server, before, 1)

    assert destination.read_bytes() == expected
    assert result.sha256 == hashlib.sha256(expected).hexdigest()
    assert [(e["status"], e["range"]) for e in requests] == [(200, "bytes=300000-")]


async def test_overwrite_replaces_an_existing_file(
    client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = await newest_snapshot(client)
    destination = tmp_path / "a.zip"
    destination.write_text("old")
    result = await engine(client).download(snapshot, destination, overwrite=True)
    assert destination.stat().st_size == snapshot.size == result.size


# -- refusals before any byte ------------------------------------------------------------


async def test_existing_file_is_kept_and_nothing_is_requested(
    server: SimServer, client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = await newest_snapshot(client)
    destination = tmp_path / "a.zip"
    destination.write_text("my precious backup")
    before = len(download_requests(server))

    with pytest.raises(DownloadError) as caught:
        await engine(client).download(snapshot, destination)

    assert caught.value.reason == "exists"
    assert "a.zip" in caught.value.human()
    assert destination.read_text() == "my precious backup"
    assert download_requests(server)[before:] == []


async def test_not_enough_space_is_said_before_any_request(
    server: SimServer,
    client: SquareCloudClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    snapshot = await newest_snapshot(client)
    monkeypatch.setattr(files_module, "free_space", lambda directory: 4096)
    before = len(download_requests(server))

    with pytest.raises(DownloadError) as caught:
        await engine(client).download(snapshot, tmp_path / "a.zip")

    assert caught.value.reason == "no_space"
    assert "needed" in caught.value.human() and "free" in caught.value.human()
    assert download_requests(server)[before:] == []
    assert no_trace(tmp_path / "a.zip")


async def test_space_check_counts_what_the_part_already_holds(
    server: SimServer,
    client: SquareCloudClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    snapshot = await newest_snapshot(client)
    expected = await served_bytes(snapshot)
    destination = tmp_path / "a.zip"
    part_path(destination).write_bytes(expected[: snapshot.size - 1000])
    monkeypatch.setattr(files_module, "free_space", lambda directory: 5000)
    result = await engine(client, space_margin=0).download(snapshot, destination)
    assert result.sha256 == hashlib.sha256(expected).hexdigest()


def test_free_space_of_a_folder_not_yet_created(tmp_path: Path) -> None:
    assert free_space(tmp_path / "not" / "yet") == free_space(tmp_path) > 0


# -- the disk fails -----------------------------------------------------------------------


async def test_full_disk_leaves_nothing_behind(
    client: SquareCloudClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot = await newest_snapshot(client)
    written = 0
    real_write = sink_module._write_chunk

    def filling_write(file: BinaryIO, data: bytes | memoryview) -> None:
        nonlocal written
        if written + len(data) > 200_000:
            raise OSError(errno.ENOSPC, "No space left on device")
        written += len(data)
        real_write(file, data)

    monkeypatch.setattr(sink_module, "_write_chunk", filling_write)
    destination = tmp_path / "a.zip"

    with pytest.raises(DownloadError) as caught:
        await engine(client, chunk_size=64 << 10).download(snapshot, destination)

    assert caught.value.reason == "no_space"
    assert written > 0
    assert no_trace(destination)
    assert leftovers(tmp_path) == []


async def test_other_write_errors_are_disk_errors(
    client: SquareCloudClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot = await newest_snapshot(client)

    def failing_write(file: BinaryIO, data: bytes | memoryview) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(sink_module, "_write_chunk", failing_write)
    with pytest.raises(DownloadError) as caught:
        await engine(client).download(snapshot, tmp_path / "a.zip")
    assert caught.value.reason == "disk"
    assert "Input/output error" in caught.value.human()
    assert no_trace(tmp_path / "a.zip")


async def test_flushing_to_disk_as_it_goes_gives_the_same_file(
    server: SimServer,
    client: SquareCloudClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    snapshot = await newest_snapshot(client)
    expected = await served_bytes(snapshot)
    syncs: list[int] = []
    real_datasync = sink_module.datasync

    def counting_datasync(fd: int) -> None:
        syncs.append(fd)
        real_datasync(fd)

    monkeypatch.setattr(engine_module, "SYNC_EVERY", 100_000)
    monkeypatch.setattr(sink_module, "datasync", counting_datasync)
    result = await engine(client, fsync=True, chunk_size=32 << 10).download(
        snapshot, tmp_path / "a.zip"
    )
    assert result.sha256 == hashlib.sha256(expected).hexdigest()
    assert syncs


async def test_an_error_flushing_to_disk_is_a_disk_error(
    client: SquareCloudClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot = await newest_snapshot(client)

    def failing_datasync(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(engine_module, "SYNC_EVERY", 100_000)
    monkeypatch.setattr(sink_module, "datasync", failing_datasync)
    with pytest.raises(DownloadError) as caught:
        await engine(client, fsync=True, chunk_size=32 << 10).download(snapshot, tmp_path / "a.zip")
    assert caught.value.reason == "disk"
    assert no_trace(tmp_path / "a.zip")


# -- the host refuses or lies -------------------------------------------------------------


async def test_tampered_url_is_denied_and_leaves_nothing(
    client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = tampered(await newest_snapshot(client))
    destination = tmp_path / "a.zip"

    with pytest.raises(DownloadError) as caught:
        await engine(client).download(snapshot, destination)

    assert caught.value.reason == "denied"
    assert signature_of(snapshot) not in caught.value.human()
    assert no_trace(destination)


async def test_expired_url_is_refreshed_once_then_succeeds(
    server: SimServer, client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = await newest_snapshot(client)
    expected, before = await served_and_logged(server, snapshot)
    server.sim.add_fault(
        Fault(method="GET", path=r"^/snapshots/", status=403, body=EXPIRED_XML, times=1)
    )
    refreshes = 0

    async def refresh() -> Snapshot:
        nonlocal refreshes
        refreshes += 1
        return await newest_snapshot(client)

    result = await engine(client).download(snapshot, tmp_path / "a.zip", refresh=refresh)

    assert refreshes == 1
    assert result.sha256 == hashlib.sha256(expected).hexdigest()
    assert [e["status"] for e in await recorded_requests(server, before, 2)] == [403, 200]


async def test_a_refresh_that_is_refused_again_fails_as_denied(
    client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = await newest_snapshot(client)
    calls = 0

    async def refresh() -> Snapshot:
        nonlocal calls
        calls += 1
        return tampered(snapshot)

    with pytest.raises(DownloadError) as caught:
        await engine(client).download(tampered(snapshot), tmp_path / "a.zip", refresh=refresh)
    assert caught.value.reason == "denied"
    assert calls == 1
    assert no_trace(tmp_path / "a.zip")


async def test_a_refresh_offering_another_version_is_not_used(
    client: SquareCloudClient, tmp_path: Path
) -> None:
    account = await client.me()
    snapshots = await client.list_snapshots(ResourceKind.DATABASE, account.databases[0].id)

    async def refresh() -> Snapshot:
        return snapshots[1]

    await fails_with(
        "not_found", client, tampered(snapshots[0]), tmp_path / "a.zip", refresh=refresh
    )


async def test_missing_object_is_not_found(
    server: SimServer, client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = await newest_snapshot(client)
    body = "<Error><Code>NoSuchVersion</Code><Message>gone</Message></Error>"
    server.sim.add_fault(Fault(path=r"^/snapshots/", status=404, body=body, times=1))
    await fails_with("not_found", client, snapshot, tmp_path / "a.zip")


@pytest.mark.parametrize("delta", [+10, -10])
async def test_listed_size_that_differs_from_the_file_is_a_size_mismatch(
    client: SquareCloudClient, tmp_path: Path, delta: int
) -> None:
    snapshot = await newest_snapshot(client)
    wrong = dataclasses.replace(snapshot, size=snapshot.size + delta)
    await fails_with("size_mismatch", client, wrong, tmp_path / "a.zip")


async def test_short_body_served_as_complete_is_a_size_mismatch(
    server: SimServer, client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = await newest_snapshot(client)
    server.sim.add_fault(Fault(path=r"^/snapshots/", body="PK\x03\x04 truncated", times=1))
    await fails_with("size_mismatch", client, snapshot, tmp_path / "a.zip")


async def test_bytes_of_the_right_size_that_are_no_zip_are_corrupt(
    server: SimServer, client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = await newest_snapshot(client)
    server.sim.add_fault(Fault(path=r"^/snapshots/", body="x" * snapshot.size, times=1))
    await fails_with("corrupt", client, snapshot, tmp_path / "a.zip")


async def test_stale_part_with_wrong_bytes_is_caught_as_corrupt(
    server: SimServer, client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = await newest_snapshot(client)
    expected = await served_bytes(snapshot)
    destination = tmp_path / "a.zip"
    damaged = bytearray(expected[:500_000])
    damaged[400_000:400_010] = b"0123456789"  # inside the data entry: its CRC fails
    part_path(destination).write_bytes(bytes(damaged))

    with pytest.raises(DownloadError) as caught:
        await engine(client).download(snapshot, destination)
    assert caught.value.reason == "corrupt"
    assert "damaged" in caught.value.human()
    assert no_trace(destination)


async def test_a_file_that_appears_meanwhile_is_not_overwritten(
    client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = await newest_snapshot(client)
    destination = tmp_path / "a.zip"

    def someone_else_writes(progress: Progress) -> None:
        if progress.received > 0 and not destination.exists():
            destination.write_text("written by another program")

    with pytest.raises(DownloadError) as caught:
        await engine(client, chunk_size=64 << 10).download(
            snapshot, destination, on_progress=someone_else_writes
        )
    assert caught.value.reason == "exists"
    assert destination.read_text() == "written by another program"
    # The verified download is kept aside, under its .part name.
    assert part_path(destination).stat().st_size == snapshot.size


async def test_logs_never_carry_the_signature(
    client: SquareCloudClient, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    snapshot = await newest_snapshot(client)
    caplog.set_level(logging.DEBUG)
    await engine(client).download(snapshot, tmp_path / "a.zip")
    with pytest.raises(DownloadError):
        await engine(client).download(tampered(snapshot), tmp_path / "b.zip")
    # Only the engine's own lines: httpx's request log is the logging setup's business.
    text = "\n".join(r.getMessage() for r in caplog.records if r.name == "sqtui.download")
    assert "download" in text
    assert signature_of(snapshot) not in text
    assert signature_of(tampered(snapshot)) not in text


def test_error_text_never_holds_a_signature() -> None:
    error = DownloadError("denied", "refused https://h/x.zip?Expires=1&Signature=abcDEF123")
    assert "abcDEF123" not in error.human()
    assert "abcDEF123" not in repr(error)


# -- over a real loopback socket: drops, retries, cancel ----------------------------------


async def test_dropped_connection_resumes_with_range_to_the_same_file(
    server: SimServer, client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = await newest_snapshot(client)
    before = len(download_requests(server))
    expected = await served_bytes(snapshot)
    before += len(await recorded_requests(server, before, 1))
    server.sim.add_fault(
        Fault(method="GET", path=r"^/snapshots/", drop_after_bytes=400_000, times=1)
    )
    sleeps = Sleeps()

    result = await engine(client, sleep=sleeps).download(snapshot, tmp_path / "a.zip")

    assert result.sha256 == hashlib.sha256(expected).hexdigest()
    assert result.resumes >= 1
    requests = await recorded_requests(server, before, 2)
    assert [(e["status"], e.get("dropped", False)) for e in requests] == [(200, True), (206, False)]
    assert sleeps.delays == [0.5]


async def test_drop_then_expired_link_refreshes_and_resumes(
    server: SimServer, client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = await newest_snapshot(client)
    before = len(download_requests(server))
    expected = await served_bytes(snapshot)
    before += len(await recorded_requests(server, before, 1))
    server.sim.add_fault(Fault(path=r"^/snapshots/", drop_after_bytes=300_000, times=1))
    server.sim.add_fault(Fault(path=r"^/snapshots/", status=403, body=EXPIRED_XML, times=1))

    async def refresh() -> Snapshot:
        return await newest_snapshot(client)

    result = await engine(client).download(snapshot, tmp_path / "a.zip", refresh=refresh)
    assert result.sha256 == hashlib.sha256(expected).hexdigest()
    statuses = [e["status"] for e in await recorded_requests(server, before, 3)]
    assert statuses == [200, 403, 206]


async def test_network_failure_keeps_the_part_and_a_later_call_resumes_it(
    server: SimServer, client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = await newest_snapshot(client)
    expected = await served_bytes(snapshot)
    server.sim.add_fault(Fault(path=r"^/snapshots/", drop_after_bytes=300_000, times=1))
    server.sim.add_fault(Fault(path=r"^/snapshots/", drop_after_bytes=0))
    destination = tmp_path / "a.zip"
    sleeps = Sleeps()

    with pytest.raises(DownloadError) as caught:
        await engine(client, sleep=sleeps, retries=4).download(snapshot, destination)

    assert caught.value.reason == "network"
    assert "resume" in caught.value.human()
    # Progress resets the count; then four retries in a row, backing off exponentially.
    assert sleeps.delays == [0.5, 0.5, 1.0, 2.0, 4.0]
    assert not destination.exists()
    assert 0 < part_path(destination).stat().st_size < snapshot.size

    server.sim.clear_faults()
    result = await engine(client).download(snapshot, destination)
    assert result.sha256 == hashlib.sha256(expected).hexdigest()
    assert result.resumes == 1


async def test_unreachable_host_is_a_network_error(tmp_path: Path) -> None:
    with SimServer(sim_config(clock=time.time, sleep=asyncio.sleep)) as server:
        async with SquareCloudClient(KEY, base_url=server.base_url) as client:
            snapshot = await newest_snapshot(client)
    # The server is gone: every connection to its port is refused.
    async with SquareCloudClient(KEY, base_url=server.base_url) as offline:
        sleeps = Sleeps()
        with pytest.raises(DownloadError) as caught:
            await engine(offline, sleep=sleeps, retries=2).download(snapshot, tmp_path / "a.zip")
    assert caught.value.reason == "network"
    assert len(sleeps.delays) == 2
    assert no_trace(tmp_path / "a.zip")


def hold_after(server: SimServer, sent: int, seconds: float = 30.0) -> None:
    """The host sends ``sent`` bytes and drops; the resume then waits ``seconds`` to answer.

    So a download is still under way, with bytes written, whenever the test acts.
    """
    server.sim.add_fault(Fault(path=r"^/snapshots/", drop_after_bytes=sent, times=1))
    server.sim.add_fault(Fault(path=r"^/snapshots/", delay=seconds, times=1))


async def test_cancel_mid_transfer_stops_and_removes_the_part(
    server: SimServer, client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = await newest_snapshot(client)
    hold_after(server, 300_000)
    cancel = asyncio.Event()
    seen: list[int] = []

    def on_progress(progress: Progress) -> None:
        seen.append(progress.received)
        if progress.received > 0:
            cancel.set()

    destination = tmp_path / "a.zip"
    started = time.monotonic()
    with pytest.raises(DownloadError) as caught:
        await engine(client, chunk_size=16 << 10, clock=Ticks(1.0)).download(
            snapshot, destination, on_progress=on_progress, cancel=cancel
        )
    assert caught.value.reason == "cancelled"
    assert 0 < max(seen) < snapshot.size
    assert no_trace(destination)
    assert time.monotonic() - started < 10  # not waiting for the held answer


async def test_cancel_stops_a_request_the_host_holds_at_once(
    server: SimServer, client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = await newest_snapshot(client)
    server.sim.add_fault(Fault(path=r"^/snapshots/", delay=30, times=1))
    cancel = asyncio.Event()
    destination = tmp_path / "a.zip"
    run = asyncio.ensure_future(engine(client).download(snapshot, destination, cancel=cancel))
    await fault_taken(server)  # the request has arrived, and waits for its answer
    cancel.set()
    started = time.monotonic()
    with pytest.raises(DownloadError) as caught:
        await run
    assert caught.value.reason == "cancelled"
    assert time.monotonic() - started < 1.0
    assert no_trace(destination)


async def fault_taken(server: SimServer) -> None:
    """Wait until the host has taken its last fault: the request it holds has arrived."""
    for _ in range(500):
        if not server.sim.faults:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the request never reached the host")


async def test_cancel_interrupts_a_backoff_wait(
    server: SimServer, client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = await newest_snapshot(client)
    server.sim.add_fault(Fault(path=r"^/snapshots/", drop_after_bytes=100_000, times=1))
    cancel = asyncio.Event()

    async def endless_backoff(seconds: float) -> None:
        cancel.set()
        await asyncio.Event().wait()

    destination = tmp_path / "a.zip"
    with pytest.raises(DownloadError) as caught:
        await asyncio.wait_for(
            engine(client, sleep=endless_backoff).download(snapshot, destination, cancel=cancel),
            timeout=10,
        )
    assert caught.value.reason == "cancelled"
    assert no_trace(destination)


async def test_cancel_set_before_start_requests_nothing(
    server: SimServer, client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = await newest_snapshot(client)
    cancel = asyncio.Event()
    cancel.set()
    before = len(download_requests(server))
    with pytest.raises(DownloadError) as caught:
        await engine(client).download(snapshot, tmp_path / "a.zip", cancel=cancel)
    assert caught.value.reason == "cancelled"
    assert download_requests(server)[before:] == []


async def test_two_downloads_to_one_file_are_refused(
    server: SimServer, client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = await newest_snapshot(client)
    run = engine(client)
    destination = tmp_path / "a.zip"
    first = asyncio.ensure_future(run.download(snapshot, destination))
    await asyncio.sleep(0)
    with pytest.raises(DownloadError) as caught:
        await run.download(snapshot, destination)
    assert caught.value.reason == "busy"
    assert "already being downloaded" in caught.value.human()
    result = await first
    assert result.size == snapshot.size


async def test_cancelling_the_task_keeps_the_part_for_a_later_resume(
    server: SimServer, client: SquareCloudClient, tmp_path: Path
) -> None:
    snapshot = await newest_snapshot(client)
    expected = await served_bytes(snapshot)
    hold_after(server, 400_000)
    started = asyncio.Event()

    def on_progress(progress: Progress) -> None:
        if progress.received > 300_000:
            started.set()

    destination = tmp_path / "a.zip"
    run = engine(client, chunk_size=16 << 10, clock=Ticks(1.0))
    task = asyncio.ensure_future(run.download(snapshot, destination, on_progress=on_progress))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert not destination.exists()
    assert 0 < part_path(destination).stat().st_size < snapshot.size
    server.sim.clear_faults()
    result = await engine(client).download(snapshot, destination)
    assert result.sha256 == hashlib.sha256(expected).hexdigest()
    assert result.resumes == 1


async def test_the_event_loop_stays_free_while_a_download_runs(tmp_path: Path) -> None:
    config = sim_config(clock=time.time, sleep=asyncio.sleep, snapshot_mb=24.0)
    with SimServer(config) as server:
        async with SquareCloudClient(KEY, base_url=server.base_url) as client:
            snapshot = await newest_snapshot(client)
            await served_bytes(snapshot)  # the simulator spools the archive first
            gaps: list[float] = []
            running = True

            async def ticker() -> None:
                last = time.monotonic()
                while running:
                    await asyncio.sleep(0.002)
                    now = time.monotonic()
                    gaps.append(now - last)
                    last = now

            ticks = asyncio.ensure_future(ticker())
            result = await DownloadEngine(client, fsync=True).download(snapshot, tmp_path / "a.zip")
            running = False
            await ticks
    assert result.size == snapshot.size > 24 << 20
    # Reading, checking, hashing and writing all happen on other threads.
    assert len(gaps) >= 5 and max(gaps) < 0.25, (len(gaps), max(gaps))
