"""The API client against the simulator: in-process on a fake clock, or on a loopback port.

``make_sim`` builds a simulated account reached through a recording ASGI transport; its
harness collects every ``ApiError`` a test provokes and, at teardown, checks that none
of them, no ``sqtui`` log record and no ``repr`` of a client carries the API key or a
URL signature.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from starlette.applications import Starlette

from sqtui.api.client import SquareCloudClient
from sqtui.api.errors import ApiError
from sqtui.api.models import ResourceKind
from sqtui.sim import FakeClock, Fault, SimConfig, SimulatedDrop, Simulator, create_app

# Distinctive, so finding it anywhere in a log or an error cannot be a coincidence.
KEY = "sk-live-4c1d9e7a0b3f5a2e8d6c1b9f"
ROOT = "http://127.0.0.1"
BASE_URL = f"{ROOT}/v2"
APP = ResourceKind.APP
DATABASE = ResourceKind.DATABASE

# A signature's own characters (base64, url-safe or percent-encoded), so "REDACTED." at the
# end of a sentence reads as REDACTED.
_SIGNATURE_PARAM = re.compile(r"(?i)Signature=([A-Za-z0-9_%+/=-]*)")


class SimTransport(httpx.AsyncBaseTransport):
    """``httpx.ASGITransport`` to the simulator that records every request it carries.

    A fault's dropped connection reaches an in-process client as ``SimulatedDrop``; a
    real socket reports it as ``httpx.RemoteProtocolError`` (the loopback tests show
    it), so it is translated here into that, the error the client must handle.
    """

    def __init__(self, app: Starlette) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        try:
            return await self.inner.handle_async_request(request)
        except SimulatedDrop as error:
            raise httpx.RemoteProtocolError(str(error), request=request) from None


class Sleeps:
    """The client's backoff sleep: records the delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@dataclass
class SecretWatch:
    """Collects what a test showed or logged, and checks it carries no secret."""

    errors: list[ApiError] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)
    signatures: set[str] = field(default_factory=set)
    keys: set[str] = field(default_factory=lambda: {KEY})

    def error(self, error: ApiError) -> ApiError:
        """Remember an error the user could see."""
        self.errors.append(error)
        return error

    def urls(self, *urls: str) -> None:
        """Remember the signatures of signed URLs, so they can be looked for."""
        for url in urls:
            self.signatures.update(v for k, v in parse_qsl(urlsplit(url).query) if k == "Signature")

    def check(self, caplog: pytest.LogCaptureFixture) -> None:
        """Fail if the key or a signature appears in an error, a ``repr`` or a log record."""
        texts = [*self.shown]
        for error in self.errors:
            texts += [str(error), repr(error), error.human(), error.message, error.path]
        # At teardown ``caplog.records`` holds only the teardown's records.
        records = [
            *caplog.get_records("setup"),
            *caplog.get_records("call"),
            *caplog.get_records("teardown"),
        ]
        assert records or not self.errors, "nothing was logged: the check would be blind"
        for record in records:
            if record.name == "sqtui" or record.name.startswith("sqtui."):
                texts.append(record.getMessage())
                if record.exc_info:
                    texts.append(logging.Formatter().formatException(record.exc_info))
        for text in texts:
            for key in self.keys:
                assert key not in text, f"an API key leaked: {text!r}"
            for value in _SIGNATURE_PARAM.findall(text):
                assert value == "REDACTED", f"a signature leaked: {text!r}"
            for signature in self.signatures:
                assert signature not in text, f"a signature leaked: {text!r}"


@dataclass
class Harness:
    """One simulated account, reached in-process, and the clients a test made for it."""

    clock: FakeClock
    config: SimConfig
    app: Starlette
    sim: Simulator
    transport: SimTransport
    sleeps: Sleeps
    watch: SecretWatch
    clients: list[SquareCloudClient] = field(default_factory=list)

    def client(self, key: str = KEY, **options: Any) -> SquareCloudClient:
        """A client of the simulated API; closed at teardown."""
        options.setdefault("sleep", self.sleeps)
        client = SquareCloudClient(key, base_url=BASE_URL, transport=self.transport, **options)
        self.clients.append(client)
        self.watch.keys.add(key)
        self.watch.shown.append(repr(client))
        return client

    def control(self) -> httpx.AsyncClient:
        """A plain client of the simulator's root URL, for the ``/__sim__/`` routes."""
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=ROOT)

    async def fails(self, call: Awaitable[object]) -> ApiError:
        """The ``ApiError`` that ``call`` raises (failing the test if it does not)."""
        with pytest.raises(ApiError) as info:
            await call
        return self.watch.error(info.value)

    def requests_seen(self, method: str, path: str) -> list[dict[str, Any]]:
        """The simulator's log of requests with this method and exact URL path."""
        return [e for e in self.sim.events if e.get("method") == method and e["path"] == path]

    def now(self) -> datetime:
        """The fake clock as an aware datetime."""
        return datetime.fromtimestamp(self.clock(), UTC)


class MakeSim(Protocol):
    def __call__(self, *, auto_advance: bool = True, **config: Any) -> Harness: ...


@pytest.fixture
def caplog_debug(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every ``sqtui`` record, DEBUG and up."""
    caplog.set_level(logging.DEBUG, logger="sqtui")
    return caplog


@pytest.fixture
async def make_sim(caplog_debug: pytest.LogCaptureFixture) -> AsyncIterator[MakeSim]:
    """Builds simulated accounts (small and quick by default); checks secrets at teardown."""
    made: list[Harness] = []

    def make(*, auto_advance: bool = True, **config: Any) -> Harness:
        clock = FakeClock(auto_advance=auto_advance)
        values: dict[str, Any] = {
            "api_key": KEY,
            "apps": 3,
            "databases": 2,
            "snapshots_per_resource": 5,
            "snapshot_mb": 0.25,
            "clock": clock,
            "sleep": clock.sleep,
        }
        values.update(config)
        cfg = SimConfig(**values)
        app = create_app(cfg)
        harness = Harness(
            clock=clock,
            config=cfg,
            app=app,
            sim=app.state.sim,
            transport=SimTransport(app),
            sleeps=Sleeps(),
            watch=SecretWatch(),
        )
        made.append(harness)
        return harness

    yield make
    for harness in made:
        for client in harness.clients:
            await client.aclose()
        harness.watch.urls(*(str(r.url) for r in harness.transport.requests))
        harness.watch.check(caplog_debug)


@pytest.fixture
def h(make_sim: MakeSim) -> Harness:
    """The default simulated account: plan standard-4, 3 apps, 2 databases."""
    return make_sim()


@pytest.fixture
def watch(caplog_debug: pytest.LogCaptureFixture) -> Iterator[SecretWatch]:
    """A secret check for tests that build their own clients (loopback)."""
    seen = SecretWatch()
    yield seen
    seen.check(caplog_debug)


async def add_fault_via_control(harness: Harness, fault: Fault) -> None:
    """Inject ``fault`` through ``POST /__sim__/faults``, as a tester outside Python would."""
    async with harness.control() as control:
        response = await control.post("/__sim__/faults", json=fault.to_json())
        assert response.status_code == 201, response.text


async def add_fault_directly(harness: Harness, fault: Fault) -> None:
    """Inject ``fault`` through the simulator's Python API."""
    harness.sim.add_fault(fault)


Inject = Callable[[Harness, Fault], Awaitable[None]]


@pytest.fixture(params=[add_fault_directly, add_fault_via_control], ids=["api", "route"])
def inject(request: pytest.FixtureRequest) -> Inject:
    """Both ways of injecting a fault."""
    injector: Inject = request.param
    return injector


def with_query(url: str, **changes: str) -> str:
    """``url`` with some query parameters replaced."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def flip(text: str, at: int = 0) -> str:
    """``text`` with the character at ``at`` replaced by a different one of the same kind."""
    char = text[at]
    digit = "1" if char == "0" else "0"
    other = digit if char.isdigit() else "B" if char == "A" else "A"
    return text[:at] + other + text[at + 1 :]
