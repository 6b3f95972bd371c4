"""Downloads of archives built here (sound, damaged, cut short, no zip at all) from a small
host on a loopback port: the zip check made while the bytes stream refuses what
``zipfile`` refuses, and nothing is ever left under the final name.

The same host shows what a request carries (never the API key) and that downloads go
through the proxy the environment names.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import itertools
import threading
import time
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from sqtui.api.client import SquareCloudClient
from sqtui.api.models import Snapshot
from sqtui.domain.download import DownloadEngine, DownloadError, Progress, part_path, zipcheck
from tests.domain.test_download import Sleeps, Ticks, leftovers, no_trace
from tests.domain.test_download_zipcheck import build, noise, text

KEY = "sim-key-for-download-tests-0001"


@dataclasses.dataclass
class Seen:
    """One request the host received."""

    target: str
    headers: dict[str, str]


class ByteHost:
    """Serves ``body`` for any GET (``bytes=N-`` ranges too); records what it is sent."""

    def __init__(self) -> None:
        self.body = b""
        self.seen: list[Seen] = []
        # Send ``(bytes, seconds)``: that many bytes, then a pause; None: all at once.
        self.pace: tuple[int, float] | None = None
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                host.seen.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
                start = 0
                wanted = self.headers.get("Range", "")
                if wanted.startswith("bytes=") and wanted.endswith("-"):
                    start = int(wanted[6:-1])
                data = host.body[start:]
                self.send_response(206 if start else 200)
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{len(host.body) - 1}/*")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if host.pace is None:
                    self.wfile.write(data)
                    return
                step, pause = host.pace
                for at in range(0, len(data), step):
                    self.wfile.write(data[at : at + step])
                    self.wfile.flush()
                    time.sleep(pause)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ByteHost:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def snapshot(
        self, size: int | None = None, host: str | None = None, scheme: str = "http"
    ) -> Snapshot:
        """A listed snapshot whose signed URL points here (or at ``host``)."""
        where = host or f"127.0.0.1:{self.port}"
        query = "Expires=1&Signature=s3cr3t"
        return Snapshot(
            name="a1b2_postgres.zip",
            version_id="v1",
            size=len(self.body) if size is None else size,
            modified=datetime(2025, 1, 1, tzinfo=UTC),
            origin="automatic",
            url=f"{scheme}://{where}/snapshots/databases/u/a1b2_postgres.zip?{query}",
            signed_query=query,
        )


@pytest.fixture
def host() -> Iterator[ByteHost]:
    with ByteHost() as running:
        yield running


@pytest.fixture
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


async def download(snapshot: Snapshot, destination: Path, **options: Any) -> Any:
    async with SquareCloudClient(KEY, base_url="http://127.0.0.1:9/v2") as client:
        engine = DownloadEngine(client, sleep=Sleeps(), clock=Ticks(0.01), fsync=False, **options)
        return await engine.download(snapshot, destination)


def zipfile_refuses(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.testzip() is not None
    except Exception:
        return True


MIXED = [
    ("squarecloud.app", text(400), zipfile.ZIP_DEFLATED),
    ("src/main.py", text(120_000, 5), zipfile.ZIP_DEFLATED),
    ("data/blob.bin", noise(300_000, 6), zipfile.ZIP_STORED),
    ("README.md", text(3000, 7), zipfile.ZIP_DEFLATED),
]


class ReadBacks:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = zipcheck._read_back

        def counting(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
            self.count += 1
            return real(archive, info)

        monkeypatch.setattr(zipcheck, "_read_back", counting)


@pytest.mark.parametrize("streamed", [False, True])
async def test_a_sound_archive_is_verified_as_it_streams(
    host: ByteHost, tmp_path: Path, no_proxy: None, monkeypatch: pytest.MonkeyPatch, streamed: bool
) -> None:
    host.body = build(MIXED[:2] + MIXED[3:], streamed=streamed) if streamed else build(MIXED)
    read_backs = ReadBacks(monkeypatch)
    destination = tmp_path / "a.zip"
    result = await download(host.snapshot(), destination, chunk_size=16 << 10)
    assert destination.read_bytes() == host.body
    assert result.sha256 == hashlib.sha256(host.body).hexdigest()
    assert not zipfile_refuses(host.body)
    assert read_backs.count == 0  # every member's CRC was checked on the way


async def test_a_resumed_download_checks_the_bytes_it_already_had(
    host: ByteHost, tmp_path: Path, no_proxy: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    host.body = build(MIXED)
    read_backs = ReadBacks(monkeypatch)
    destination = tmp_path / "a.zip"
    # Cut in the middle of the deflated src/main.py: its CRC spans both attempts.
    part_path(destination).write_bytes(host.body[:20_000])
    result = await download(host.snapshot(), destination)
    assert result.resumes == 1 and destination.read_bytes() == host.body
    assert host.seen[-1].headers["range"] == "bytes=20000-"
    assert read_backs.count == 0


def flipped(data: bytes, at: int) -> bytes:
    damaged = bytearray(data)
    damaged[at] ^= 0x55
    return bytes(damaged)


def damaged_cases() -> dict[str, tuple[bytes, int | None]]:
    """Name: (served bytes, listed size if not theirs)."""
    sound = build(MIXED)
    stored_at = sound.index(noise(300_000, 6)[:32]) + 150_000
    deflated_at = sound.index(b"src/main.py") + 200
    cut = sound[: len(sound) - 30]
    return {
        "stored member data": (flipped(sound, stored_at), None),
        "deflated member data": (flipped(sound, deflated_at), None),
        "a local header's name": (flipped(sound, sound.index(b"README.md")), None),
        "a CRC in the central directory": (flipped(sound, sound.rindex(b"PK\x01\x02") + 16), None),
        "cut short, listed as it is": (cut, len(cut)),
        "not a zip": (noise(50_000, 8), None),
        "empty": (b"", 0),
    }


@pytest.mark.parametrize("case", sorted(damaged_cases()))
async def test_a_damaged_archive_is_refused_and_nothing_is_kept(
    host: ByteHost, tmp_path: Path, no_proxy: None, case: str
) -> None:
    body, size = damaged_cases()[case]
    host.body = body
    assert zipfile_refuses(body)  # the oracle agrees it is damaged
    destination = tmp_path / "a.zip"
    with pytest.raises(DownloadError) as caught:
        await download(host.snapshot(size), destination)
    assert caught.value.reason == "corrupt"
    assert "not a valid zip archive" in caught.value.human()
    assert no_trace(destination)
    assert leftovers(tmp_path) == []


async def test_the_api_key_is_never_sent_to_the_snapshot_host(
    host: ByteHost, tmp_path: Path, no_proxy: None
) -> None:
    host.body = build(MIXED[:1])
    await download(host.snapshot(), tmp_path / "a.zip")
    [request] = host.seen
    assert "authorization" not in request.headers
    assert KEY not in str(request.headers)
    assert request.headers["user-agent"].startswith("sqtui/")
    assert request.headers["accept-encoding"] == "identity"


async def test_downloads_go_through_the_proxy_the_environment_names(
    host: ByteHost, tmp_path: Path, no_proxy: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    host.body = build(MIXED[:1])
    # The host's name cannot be resolved: only the proxy (our host, too) can reach it.
    snapshot = host.snapshot(host="snapshots.invalid")
    monkeypatch.setenv("HTTP_PROXY", f"http://ops:p%40ss@127.0.0.1:{host.port}")
    await download(snapshot, tmp_path / "a.zip")
    [request] = host.seen
    assert request.target == snapshot.url
    token = base64.b64encode(b"ops:p@ss").decode()
    assert request.headers["proxy-authorization"] == f"Basic {token}"
    assert (tmp_path / "a.zip").read_bytes() == host.body


async def test_no_proxy_goes_direct(
    host: ByteHost, tmp_path: Path, no_proxy: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    host.body = build(MIXED[:1])
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{host.port}")
    monkeypatch.setenv("NO_PROXY", "snapshots.invalid")
    destination = tmp_path / "a.zip"
    with pytest.raises(DownloadError) as caught:
        await download(host.snapshot(host="snapshots.invalid"), destination, retries=0)
    assert caught.value.reason == "network"
    assert "could not be resolved" in caught.value.human()
    assert host.seen == [] and no_trace(destination)


async def test_on_a_slow_link_progress_still_moves_several_times_a_second(
    host: ByteHost, tmp_path: Path, no_proxy: None
) -> None:
    # 240 KB at about 240 KB/s, far less than one 1 MiB buffer a second.
    host.body = build([("dump.sql", noise(240_000, 3), zipfile.ZIP_STORED)])
    host.pace = (12_000, 0.05)
    seen: list[tuple[float, int]] = []

    def on_progress(progress: Progress) -> None:
        seen.append((time.monotonic(), progress.received))

    async with SquareCloudClient(KEY, base_url="http://127.0.0.1:9/v2") as client:
        engine = DownloadEngine(client, fsync=False)
        await engine.download(host.snapshot(), tmp_path / "a.zip", on_progress=on_progress)
    moving = [at for at, received in seen if 0 < received < len(host.body)]
    assert len(moving) >= 5, seen
    gaps = [b - a for a, b in itertools.pairwise(moving)]
    assert max(gaps) < 0.5, gaps
