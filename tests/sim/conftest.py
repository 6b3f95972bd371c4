"""Fixtures: a simulator on a fake clock, reached in-process through httpx.ASGITransport."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from sqtui.sim import FakeClock, SimConfig, Simulator, create_app
from sqtui.sim.config import DEFAULT_API_KEY

KEY = DEFAULT_API_KEY
ROOT = "http://127.0.0.1"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def config(clock: FakeClock) -> SimConfig:
    return SimConfig(clock=clock, sleep=clock.sleep)


@pytest.fixture
def app(config: SimConfig) -> Starlette:
    return create_app(config)


@pytest.fixture
def sim(app: Starlette) -> Simulator:
    simulator: Simulator = app.state.sim
    return simulator


def make_client(app: Starlette, **transport: object) -> httpx.AsyncClient:
    """An authenticated client of the API, in-process."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, **transport),  # type: ignore[arg-type]
        base_url=f"{ROOT}/v2",
        headers={"Authorization": KEY},
    )


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(app) as http:
        yield http


async def ids(client: httpx.AsyncClient) -> tuple[list[str], list[str]]:
    """The account's app ids and database ids, in order."""
    me = (await client.get("/users/me")).json()["response"]
    return [a["id"] for a in me["applications"]], [d["id"] for d in me["databases"]]
