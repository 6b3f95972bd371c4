"""Injected faults: replaced answers, raw bodies, delays, dropped connections, counts."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from sqtui.sim import FakeClock, Fault, SimConfig, SimulatedDrop, Simulator, create_app

from .conftest import ids, make_client


async def test_a_status_and_code_give_an_enveloped_error(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    apps, _ = await ids(client)
    sim.add_fault(
        Fault(method="POST", path=r"/v2/apps/.*/snapshots$", status=500, code="SNAPSHOT_FAILED")
    )
    response = await client.post(f"/apps/{apps[0]}/snapshots")
    assert response.status_code == 500
    assert response.json()["status"] == "error" and response.json()["code"] == "SNAPSHOT_FAILED"
    assert (await client.get(f"/apps/{apps[0]}/snapshots")).status_code == 200
    assert sim.state()["quota"]["used"] == 0
    logged = sim.events[-2]
    assert (logged["method"], logged["status"], logged["code"]) == ("POST", 500, "SNAPSHOT_FAILED")


async def test_a_status_alone_gets_a_code_from_its_phrase(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    sim.add_fault(Fault(path="/users/me", status=503))
    response = await client.get("/users/me")
    assert response.status_code == 503 and response.json()["code"] == "SERVICE_UNAVAILABLE"


@pytest.mark.parametrize(
    "body,status,media",
    [
        ("<html>502 Bad Gateway</html>", 502, "text/html"),
        ('{"status": "succ', 200, "application/json"),
        ("upstream connect error", 503, "text/plain"),
    ],
)
async def test_a_raw_body_is_served_as_is(
    client: httpx.AsyncClient, sim: Simulator, body: str, status: int, media: str
) -> None:
    sim.add_fault(Fault(path="^/v2/users/me$", status=None if status == 200 else status, body=body))
    response = await client.get("/users/me")
    assert response.status_code == status and response.text == body
    assert response.headers["content-type"].startswith(media)


async def test_times_counts_down_and_then_the_fault_is_gone(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    sim.add_fault(Fault(method="GET", path="/apps/status", status=502, times=2))
    codes = [(await client.get("/apps/status")).status_code for _ in range(3)]
    assert codes == [502, 502, 200] and sim.faults == []


async def test_method_and_path_must_both_match(client: httpx.AsyncClient, sim: Simulator) -> None:
    apps, _ = await ids(client)
    sim.add_fault(Fault(method="POST", path="/snapshots$", status=500))
    assert (await client.get(f"/apps/{apps[0]}/snapshots")).status_code == 200
    assert (await client.get("/users/me")).status_code == 200
    sim.clear_faults()
    assert (await client.post(f"/apps/{apps[0]}/snapshots")).status_code == 200


async def test_a_delay_holds_the_real_answer(
    client: httpx.AsyncClient, clock: FakeClock, sim: Simulator
) -> None:
    sim.add_fault(Fault(path="/users/me", delay=2.5))
    started = clock()
    response = await client.get("/users/me")
    assert response.status_code == 200 and response.json()["status"] == "success"
    assert clock() - started == 2.5


async def test_a_drop_cuts_a_download_after_n_bytes(app: Starlette, sim: Simulator) -> None:
    async with make_client(app, raise_app_exceptions=False) as client:
        apps, _ = await ids(client)
        item = (await client.get(f"/apps/{apps[0]}/snapshots")).json()["response"][0]
        sim.add_fault(Fault(path=r"^/snapshots/", drop_after_bytes=70_000, times=1))
        cut = await client.get(item["url"])
        assert int(cut.headers["content-length"]) == item["size"]
        assert len(cut.content) == 70_000
        rest = await client.get(item["url"], headers={"Range": "bytes=70000-"})
        whole = await client.get(item["url"])
    assert cut.content + rest.content == whole.content
    dropped = [e for e in sim.events if e.get("dropped")]
    assert len(dropped) == 1 and dropped[0]["path"].endswith(".zip")
    assert "?" not in dropped[0]["path"]


async def test_a_drop_reaches_an_in_process_client_as_an_exception(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    sim.add_fault(Fault(path="/users/me", drop_after_bytes=10))
    with pytest.raises(SimulatedDrop):
        await client.get("/users/me")
    sim.add_fault(Fault(path="/apps/status", drop_after_bytes=10_000))
    assert (await client.get("/apps/status")).status_code == 200


async def test_a_lost_create_answer_still_creates_the_snapshot(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    apps, _ = await ids(client)
    sim.add_fault(Fault(method="POST", path="/snapshots$", drop_after_bytes=0))
    with pytest.raises(SimulatedDrop):
        await client.post(f"/apps/{apps[0]}/snapshots")
    sim.clear_faults()
    newest = (await client.get(f"/apps/{apps[0]}/snapshots")).json()["response"][0]
    assert newest["origin"] == "manual" and sim.state()["quota"]["used"] == 1


async def test_the_first_matching_fault_wins(client: httpx.AsyncClient, sim: Simulator) -> None:
    sim.add_fault(Fault(path="/users/me", status=500, times=1))
    sim.add_fault(Fault(path="/users/", status=404, code="GONE"))
    assert (await client.get("/users/me")).status_code == 500
    assert (await client.get("/users/me")).json()["code"] == "GONE"


def test_faults_are_validated() -> None:
    with pytest.raises(ValueError):
        Fault(path="(")
    with pytest.raises(ValueError):
        Fault(path="x", times=0)
    with pytest.raises(ValueError):
        Fault.from_json({"path": "x", "colour": "red"})
    with pytest.raises(ValueError):
        Fault.from_json({"path": "x", "status": "500"})
    with pytest.raises(ValueError):
        Fault.from_json({"status": 500})
    fault = Fault.from_json({"path": "x", "method": "get", "delay": 1})
    assert fault.method == "GET" and fault.delay == 1.0
    assert Fault.from_json(fault.to_json()) == fault


async def test_latency_delays_every_answer_but_the_control_routes() -> None:
    clock = FakeClock()
    config = SimConfig(latency_ms=250, speed=10, clock=clock, sleep=clock.sleep)
    app = create_app(config)
    async with make_client(app) as client:
        started = clock()
        apps, _ = await ids(client)
        assert clock() - started == 0.25
        item = (await client.get(f"/apps/{apps[0]}/snapshots")).json()["response"][0]
        await client.get(item["url"], headers={"Range": "bytes=-100"})
        await client.get("/service/status")
        assert clock() - started == 1.0
        await client.get("http://127.0.0.1/__sim__/state")
    # A network's latency is not simulated time: speed does not shorten it.
    assert clock() - started == 1.0
