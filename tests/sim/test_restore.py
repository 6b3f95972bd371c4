"""Restoring a snapshot: validation, the held request, RESTORE_IN_PROGRESS, running state."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from sqtui.sim import FakeClock, SimConfig, Simulator, create_app

from .conftest import ids, make_client


async def newest(client: httpx.AsyncClient, kind: str, rid: str) -> dict[str, Any]:
    item: dict[str, Any] = (await client.get(f"/{kind}/{rid}/snapshots")).json()["response"][0]
    return item


async def test_a_restore_is_held_then_succeeds(
    client: httpx.AsyncClient, clock: FakeClock, sim: Simulator
) -> None:
    apps, _ = await ids(client)
    snapshot = await newest(client, "apps", apps[0])
    started = clock()
    response = await client.post(
        f"/apps/{apps[0]}/snapshots/restore",
        json={"snapshotId": snapshot["name"], "versionId": snapshot["version_id"]},
    )
    assert response.status_code == 200 and response.json() == {"status": "success"}
    assert clock() - started == 60.0
    changes = [(e["type"], e["resource"], e["time"]) for e in sim.events if "type" in e]
    assert changes == [
        ("restore_started", apps[0], started),
        ("restore_done", apps[0], started + 60),
    ]


async def test_a_running_restore_stops_the_resource_and_refuses_another(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    _, databases = await ids(client)
    snapshot = await newest(client, "databases", databases[0])
    body = {"snapshotId": snapshot["name"], "versionId": snapshot["version_id"]}
    path = f"/databases/{databases[0]}/snapshots/restore"
    clock.auto_advance = False
    held = asyncio.create_task(client.post(path, json=body))
    await clock.wait_for_sleepers()
    status = (await client.get("/databases/status")).json()["response"]
    assert [s["running"] for s in status] == [False, True]
    clock.advance(30)
    second = await client.post(path, json=body)
    assert second.status_code == 409 and second.json()["code"] == "RESTORE_IN_PROGRESS"
    assert not held.done()
    clock.advance(30)
    assert (await held).status_code == 200
    status = (await client.get("/databases/status")).json()["response"]
    assert [s["running"] for s in status] == [True, True]
    clock.auto_advance = True
    assert (await client.post(path, json=body)).status_code == 200


async def test_a_client_that_gives_up_does_not_stop_the_clock(
    client: httpx.AsyncClient, clock: FakeClock, sim: Simulator
) -> None:
    apps, _ = await ids(client)
    snapshot = await newest(client, "apps", apps[1])
    body = {"snapshotId": snapshot["name"], "versionId": snapshot["version_id"]}
    clock.auto_advance = False
    held = asyncio.create_task(client.post(f"/apps/{apps[1]}/snapshots/restore", json=body))
    await clock.wait_for_sleepers()
    held.cancel()
    with pytest.raises(asyncio.CancelledError):
        await held
    assert sim.state()["resources"][1]["restoring"]
    clock.advance(60)
    assert not sim.state()["resources"][1]["restoring"]
    assert [e["type"] for e in sim.events if "type" in e][-1] == "restore_done"


@pytest.mark.parametrize(
    "body,status,code",
    [
        (None, 400, "INVALID_SNAPSHOT_ID"),
        ({}, 400, "INVALID_SNAPSHOT_ID"),
        ({"snapshotId": 42, "versionId": "x"}, 400, "INVALID_SNAPSHOT_ID"),
        ({"snapshotId": "not-a-name", "versionId": "x"}, 400, "INVALID_SNAPSHOT_ID"),
        ({"snapshotId": "{app}_postgres", "versionId": "{version}"}, 400, "INVALID_SNAPSHOT_ID"),
        ({"snapshotId": "{app}"}, 400, "INVALID_VERSION_ID"),
        ({"snapshotId": "{app}", "versionId": 7}, 400, "INVALID_VERSION_ID"),
        ({"snapshotId": "{app}", "versionId": "short"}, 400, "INVALID_VERSION_ID"),
        ({"snapshotId": "{app}", "versionId": "A" * 32}, 404, "SNAPSHOT_NOT_FOUND"),
        ({"snapshotId": "{other}", "versionId": "{version}"}, 404, "SNAPSHOT_NOT_FOUND"),
    ],
)
async def test_bad_app_restores_are_refused(
    client: httpx.AsyncClient, body: Any, status: int, code: str
) -> None:
    apps, _ = await ids(client)
    snapshot = await newest(client, "apps", apps[0])
    if isinstance(body, dict):
        values = {"app": apps[0], "other": apps[1], "version": snapshot["version_id"]}
        body = {k: v.format(**values) if isinstance(v, str) else v for k, v in body.items()}
    response = await client.post(
        f"/apps/{apps[0]}/snapshots/restore",
        content=b"not json" if body is None else None,
        json=body if body is not None else None,
    )
    assert response.status_code == status
    assert response.json()["status"] == "error" and response.json()["code"] == code


async def test_a_database_restore_checks_the_engine(client: httpx.AsyncClient) -> None:
    _, databases = await ids(client)
    pg, redis = databases
    snapshot = await newest(client, "databases", pg)
    path = f"/databases/{pg}/snapshots/restore"
    cases = [
        (f"{pg}_redis", 400, "SNAPSHOT_DATABASE_MISMATCH"),
        (f"{redis}_redis", 400, "SNAPSHOT_DATABASE_MISMATCH"),
        (pg, 400, "INVALID_SNAPSHOT_ID"),
        (f"{pg}_oracle", 400, "INVALID_SNAPSHOT_ID"),
        (f"{redis}_postgres", 404, "SNAPSHOT_NOT_FOUND"),
    ]
    for name, status, code in cases:
        body = {"snapshotId": name, "versionId": snapshot["version_id"]}
        response = await client.post(path, json=body)
        assert (response.status_code, response.json()["code"]) == (status, code), name


async def test_a_snapshot_still_generating_cannot_be_restored(
    client: httpx.AsyncClient, clock: FakeClock, sim: Simulator
) -> None:
    apps, _ = await ids(client)
    pending = sim.create_snapshot("app", apps[0])
    body = {"snapshotId": apps[0], "versionId": pending.version_id}
    response = await client.post(f"/apps/{apps[0]}/snapshots/restore", json=body)
    assert response.json()["code"] == "SNAPSHOT_NOT_FOUND"
    clock.advance(20)
    response = await client.post(f"/apps/{apps[0]}/snapshots/restore", json=body)
    assert response.status_code == 200


async def test_a_resource_can_be_restored_once_a_minute(clock: FakeClock) -> None:
    config = SimConfig(restore_seconds=10, clock=clock, sleep=clock.sleep)
    async with make_client(create_app(config)) as client:
        _, databases = await ids(client)
        bodies = []
        for database in databases:
            snapshot = await newest(client, "databases", database)
            bodies.append({"snapshotId": snapshot["name"], "versionId": snapshot["version_id"]})
        paths = [f"/databases/{database}/snapshots/restore" for database in databases]
        assert (await client.post(paths[0], json=bodies[0])).status_code == 200
        again = await client.post(paths[0], json=bodies[0])
        assert again.status_code == 429 and again.json()["code"] == "KEEP_CALM"
        assert "50 s" in again.json()["message"]
        assert (await client.post(paths[1], json=bodies[1])).status_code == 200
        clock.advance(39)
        assert (await client.post(paths[0], json=bodies[0])).status_code == 429
        clock.advance(1)
        assert (await client.post(paths[0], json=bodies[0])).status_code == 200


async def test_a_refused_restore_does_not_start_the_cooldown(client: httpx.AsyncClient) -> None:
    apps, _ = await ids(client)
    snapshot = await newest(client, "apps", apps[0])
    path = f"/apps/{apps[0]}/snapshots/restore"
    bad = await client.post(path, json={"snapshotId": apps[0], "versionId": "A" * 32})
    assert bad.json()["code"] == "SNAPSHOT_NOT_FOUND"
    body = {"snapshotId": snapshot["name"], "versionId": snapshot["version_id"]}
    assert (await client.post(path, json=body)).status_code == 200


async def test_a_client_can_watch_a_restored_app_come_back(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    apps, _ = await ids(client)
    snapshot = await newest(client, "apps", apps[0])
    before = (await client.get(f"/apps/{apps[0]}/status")).json()["response"]
    clock.auto_advance = False
    body = {"snapshotId": snapshot["name"], "versionId": snapshot["version_id"]}
    held = asyncio.create_task(client.post(f"/apps/{apps[0]}/snapshots/restore", json=body))
    await clock.wait_for_sleepers()
    during = (await client.get(f"/apps/{apps[0]}/status")).json()["response"]
    assert (during["status"], during["running"], during["uptime"]) == ("restarting", False, None)
    clock.advance(60)
    await held
    after = (await client.get(f"/apps/{apps[0]}/status")).json()["response"]
    assert after["status"] == "running" and after["running"] is True
    assert after["uptime"] == int(clock() * 1000) > before["uptime"]


@pytest.mark.parametrize(
    "state,status,code",
    [("stopped", 409, "DATABASE_NOT_RUNNING"), ("unavailable", 503, "DATABASE_UNAVAILABLE")],
)
async def test_a_database_that_does_not_run_refuses_snapshots_and_restores(
    client: httpx.AsyncClient, sim: Simulator, state: str, status: int, code: str
) -> None:
    _, databases = await ids(client)
    snapshot = await newest(client, "databases", databases[0])
    sim.set_resource_state("orders-pg", state)
    body = {"snapshotId": snapshot["name"], "versionId": snapshot["version_id"]}
    created = await client.post(f"/databases/{databases[0]}/snapshots")
    restored = await client.post(f"/databases/{databases[0]}/snapshots/restore", json=body)
    for response in (created, restored):
        assert response.status_code == status and response.json()["code"] == code
    assert sim.state()["quota"]["used"] == 0
    listed = (await client.get("/databases/status")).json()["response"]
    assert [s["running"] for s in listed] == [False, True]
    assert (await client.get(f"/databases/{databases[0]}/snapshots")).status_code == 200
    sim.set_resource_state(databases[0], "running")
    assert (await client.post(f"/databases/{databases[0]}/snapshots")).status_code == 200


async def test_a_stopped_app_can_still_be_snapshotted(client: httpx.AsyncClient) -> None:
    apps, _ = await ids(client)
    assert (await client.post(f"/apps/{apps[2]}/snapshots")).status_code == 200


async def test_resource_states_come_from_the_config(clock: FakeClock) -> None:
    states = {"cache-redis": "unavailable", "worker": "stopped"}
    config = SimConfig(resource_states=states, clock=clock, sleep=clock.sleep)
    sim = create_app(config).state.sim
    assert sim.events == []
    by_name = {r["name"]: r["state"] for r in sim.state()["resources"]}
    assert by_name == {
        "api-gateway": "running",
        "worker": "stopped",
        "landing-page": "stopped",
        "orders-pg": "running",
        "cache-redis": "unavailable",
    }
    with pytest.raises(ValueError, match="only a database"):
        create_app(SimConfig(resource_states={"worker": "unavailable"}))
    with pytest.raises(ValueError, match="no resource"):
        create_app(SimConfig(resource_states={"nothing": "stopped"}))
    with pytest.raises(ValueError, match="state of"):
        SimConfig(resource_states={"worker": "asleep"})
