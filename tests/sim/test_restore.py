"""Restoring a snapshot: validation, the held request, RESTORE_IN_PROGRESS, running state."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from sqtui.sim import FakeClock, Simulator

from .conftest import ids


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
