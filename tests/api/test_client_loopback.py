"""``SquareCloudClient`` over a real loopback socket: drops, timeouts, refused connections."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sqtui.api.client import SquareCloudClient
from sqtui.api.errors import ApiError
from sqtui.api.models import CreateGenerating, CreateReady
from sqtui.sim import Fault, SimConfig, SimServer

from .conftest import APP, DATABASE, KEY, SecretWatch, Sleeps


def config(**changes: Any) -> SimConfig:
    # A real clock: uvicorn serves from its own thread and event loop.
    values: dict[str, Any] = {
        "api_key": KEY,
        "apps": 1,
        "databases": 1,
        "snapshots_per_resource": 2,
        "snapshot_mb": 0.5,
        "generation_seconds": 0.0,
        "clock": time.time,
        "sleep": asyncio.sleep,
    }
    values.update(changes)
    return SimConfig(**values)


@pytest.fixture
def server() -> Iterator[SimServer]:
    with SimServer(config(), port=0) as running:
        yield running


def client_of(server: SimServer, watch: SecretWatch, **options: Any) -> SquareCloudClient:
    options.setdefault("sleep", Sleeps())
    client = SquareCloudClient(KEY, base_url=server.base_url, **options)
    watch.shown.append(repr(client))
    return client


async def test_me_over_a_real_socket(server: SimServer, watch: SecretWatch) -> None:
    async with client_of(server, watch) as client:
        account = await client.me()
    assert account.user.id == server.sim.user_id
    assert [d.db_type for d in account.databases] == ["postgres"]


async def test_a_download_cut_mid_way_resumes_to_the_same_file(
    server: SimServer, watch: SecretWatch
) -> None:
    async with client_of(server, watch) as client:
        database = (await client.me()).databases[0]
        snapshot = (await client.list_snapshots(DATABASE, database.id))[0]
        watch.urls(snapshot.url)
        whole = hashlib.sha256()
        async with client.open_download(snapshot.url) as response:
            async for chunk in response.aiter_bytes():
                whole.update(chunk)
        server.sim.add_fault(Fault(path=r"^/snapshots/", drop_after_bytes=150_000, times=1))
        received = bytearray()
        with pytest.raises(httpx.RemoteProtocolError):
            async with client.open_download(snapshot.url) as response:
                assert response.status_code == 200
                assert int(response.headers["content-length"]) == snapshot.size
                async for chunk in response.aiter_bytes():
                    received += chunk
        assert len(received) == 150_000
        async with client.open_download(snapshot.url, start=len(received)) as response:
            assert response.status_code == 206
            async for chunk in response.aiter_bytes():
                received += chunk
    assert len(received) == snapshot.size
    assert hashlib.sha256(received).digest() == whole.digest()
    dropped = [e for e in server.sim.events if e.get("dropped")]
    assert len(dropped) == 1 and dropped[0]["path"].endswith(".zip")


async def test_a_create_whose_connection_drops_is_pending_lost(
    server: SimServer, watch: SecretWatch
) -> None:
    async with client_of(server, watch) as client:
        app = (await client.me()).applications[0]
        server.sim.add_fault(Fault(method="POST", path=r"/snapshots$", drop_after_bytes=0))
        result = await client.create_snapshot(APP, app.id)
        assert isinstance(result, CreateGenerating) and result.reason == "lost"
        server.sim.clear_faults()
        newest = (await client.list_snapshots(APP, app.id))[0]
    posts = [e for e in server.sim.events if e.get("method") == "POST"]
    assert len(posts) == 1 and posts[0].get("dropped") is True
    assert newest.origin == "manual"


async def test_a_create_that_outlives_the_long_timeout_is_pending_lost(
    watch: SecretWatch,
) -> None:
    with SimServer(config(), port=0) as server:
        async with client_of(server, watch, long_timeout=0.2) as client:
            app = (await client.me()).applications[0]
            server.sim.add_fault(Fault(method="POST", path=r"/snapshots$", delay=0.6))
            result = await client.create_snapshot(APP, app.id)
        assert isinstance(result, CreateGenerating) and result.reason == "lost"
        assert "timed out" in result.detail
    # Stopping the server let the held request finish: it was sent exactly once.
    posts = [e for e in server.sim.events if e.get("method") == "POST"]
    assert len(posts) == 1 and server.sim.state()["quota"]["used"] == 1


async def test_a_create_may_take_longer_than_the_ordinary_timeout(
    server: SimServer, watch: SecretWatch
) -> None:
    async with client_of(server, watch, timeout=0.2, long_timeout=5.0) as client:
        app = (await client.me()).applications[0]
        server.sim.add_fault(Fault(method="POST", path=r"/snapshots$", delay=0.5))
        result = await client.create_snapshot(APP, app.id)
    assert isinstance(result, CreateReady)


async def test_a_closed_port_is_a_network_error_after_the_retries(watch: SecretWatch) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps = Sleeps()
    client = SquareCloudClient(KEY, base_url=f"http://127.0.0.1:{port}/v2", sleep=sleeps)
    async with client:
        with pytest.raises(ApiError) as info:
            await client.me()
    error = watch.error(info.value)
    assert error.is_network_error and error.status is None and error.code == "NETWORK_ERROR"
    assert "could not be reached" in error.human()
    assert sleeps.delays == [0.5, 1.0]


async def test_a_create_that_never_reached_the_server_is_a_network_error(
    watch: SecretWatch,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = SquareCloudClient(KEY, base_url=f"http://127.0.0.1:{port}/v2", sleep=Sleeps())
    async with client:
        # Nothing was sent, so nothing can be generating: a pending row would never resolve.
        with pytest.raises(ApiError) as info:
            await client.create_snapshot(APP, "0123456789abcdef0123456789abcdef")
    assert watch.error(info.value).is_network_error


async def test_a_tls_setup_that_fails_is_a_clear_network_error(
    server: SimServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    # The pool is built on a thread of its own; what goes wrong there reaches the
    # request as a sentence, not as a traceback, and nothing was sent.
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "no-such-bundle.pem"))
    client = SquareCloudClient(KEY, base_url=server.base_url)
    with pytest.raises(ApiError) as raised:
        await client.me()
    assert raised.value.code == "NETWORK_ERROR"
    assert "TLS could not be set up" in raised.value.human()
    assert not raised.value.request_sent
    await client.aclose()


async def test_the_tls_context_is_built_off_the_event_loop(
    server: SimServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import certifi

    # A bundle named in the environment: a context of its own, built for this test.
    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())
    loop_thread = threading.get_ident()
    built_on: list[int] = []
    real = httpx.create_ssl_context

    def spy() -> Any:
        built_on.append(threading.get_ident())
        return real()

    monkeypatch.setattr(httpx, "create_ssl_context", spy)
    async with SquareCloudClient(KEY, base_url=server.base_url) as client:
        account = await client.me()
    assert account.resources
    assert len(built_on) == 1 and built_on[0] != loop_thread
