"""/users/me, the status routes, auth, the envelope and unknown routes."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.applications import Starlette

from sqtui.sim import FakeClock, SimConfig, create_app

from .conftest import KEY, ROOT, ids, make_client

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|\+00:00)")


async def test_users_me_has_the_documented_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/users/me")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status", "response"} and body["status"] == "success"
    me = body["response"]
    user = me["user"]
    assert set(user) == {"id", "name", "email", "locale", "created_at", "plan"}
    assert user["id"].isdigit() and len(user["id"]) == 17
    assert user["name"] == "Acme Ltd" and ISO.fullmatch(user["created_at"])
    plan = user["plan"]
    assert plan["name"] == "standard-4"
    assert plan["memory"]["limit"] == 4096
    assert plan["memory"]["used"] + plan["memory"]["available"] == 4096
    assert isinstance(plan["duration"], int) and plan["duration"] > 0
    assert [a["name"] for a in me["applications"]] == ["api-gateway", "worker", "landing-page"]
    assert [(d["name"], d["type"]) for d in me["databases"]] == [
        ("orders-pg", "postgres"),
        ("cache-redis", "redis"),
    ]
    for app in me["applications"]:
        assert re.fullmatch(r"[0-9a-f]{32}", app["id"])
        assert {"id", "name", "ram", "lang", "cluster", "created_at"} <= set(app)
        assert set(app) <= {
            "id",
            "name",
            "desc",
            "ram",
            "lang",
            "cluster",
            "domain",
            "custom",
            "created_at",
        }
    for database in me["databases"]:
        assert set(database) == {"id", "name", "ram", "type", "cluster", "created_at"}


async def test_free_plan_has_no_end_and_a_small_memory(clock: FakeClock) -> None:
    app = create_app(SimConfig(plan="free", clock=clock, sleep=clock.sleep))
    async with make_client(app) as client:
        plan = (await client.get("/users/me")).json()["response"]["user"]["plan"]
    assert plan["duration"] is None and plan["memory"]["limit"] == 512


def test_unknown_plan_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown plan"):
        SimConfig(plan="gold")
    assert SimConfig(plan="enterprise-32").plan == "enterprise-32"


@pytest.mark.parametrize("header", [None, "", "wrong", f"Bearer {KEY}"])
@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/users/me"),
        ("GET", "/apps/status"),
        ("GET", "/databases/status"),
        ("GET", "/users/snapshots?scope=applications"),
        ("GET", "/apps/0123456789abcdef0123456789abcdef/snapshots"),
        ("POST", "/apps/0123456789abcdef0123456789abcdef/snapshots"),
        ("POST", "/databases/0123456789abcdef0123456789abcdef/snapshots/restore"),
    ],
)
async def test_a_missing_or_wrong_key_gets_access_denied(
    app: Starlette, header: str | None, method: str, path: str
) -> None:
    headers = {} if header is None else {"Authorization": header}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=f"{ROOT}/v2") as client:
        response = await client.request(method, path, headers=headers)
    assert response.status_code == 401
    assert response.json() == {
        "status": "error",
        "code": "ACCESS_DENIED",
        "message": response.json()["message"],
    }


async def test_unknown_ids_routes_and_methods_get_enveloped_errors(
    client: httpx.AsyncClient,
) -> None:
    apps, databases = await ids(client)
    unknown = "f" * 32
    cases = [
        ("GET", f"/apps/{unknown}/snapshots", "APP_NOT_FOUND"),
        ("POST", f"/apps/{unknown}/snapshots", "APP_NOT_FOUND"),
        ("POST", f"/apps/{unknown}/snapshots/restore", "APP_NOT_FOUND"),
        ("GET", f"/databases/{unknown}/snapshots", "DATABASE_NOT_FOUND"),
        ("GET", f"/databases/{apps[0]}/snapshots", "DATABASE_NOT_FOUND"),
        ("GET", f"/apps/{databases[0]}/snapshots", "APP_NOT_FOUND"),
        ("GET", "/nothing/here", "NOT_FOUND"),
        ("GET", "/users/me/", "NOT_FOUND"),
        ("GET", f"/apps/{apps[0]}/snapshots/restore", "METHOD_NOT_ALLOWED"),
        ("GET", f"{ROOT}/elsewhere", "NOT_FOUND"),
    ]
    for method, path, code in cases:
        response = await client.request(method, path)
        assert response.status_code == (405 if code == "METHOD_NOT_ALLOWED" else 404), path
        body = response.json()
        assert body["status"] == "error" and body["code"] == code and body["message"]
        assert "response" not in body


async def test_status_routes_list_every_resource(client: httpx.AsyncClient) -> None:
    apps, databases = await ids(client)
    app_status = (await client.get("/apps/status")).json()["response"]
    database_status = (await client.get("/databases/status")).json()["response"]
    assert [s["id"] for s in app_status] == apps
    assert [s["id"] for s in database_status] == databases
    running = {s["id"]: s["running"] for s in app_status}
    assert running == {apps[0]: True, apps[1]: True, apps[2]: False}
    for status in app_status + database_status:
        if status["running"]:
            assert re.fullmatch(r"\d+\.\d\d%", status["cpu"])
            assert re.fullmatch(r"\d+\.\d\dMB", status["ram"])
        else:
            assert set(status) == {"id", "running"}


async def test_service_status_is_public_and_not_enveloped(app: Starlette) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=f"{ROOT}/v2") as client:
        response = await client.get("/service/status")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "online" and body["message"]
    assert "response" not in body


async def test_the_plan_duration_is_its_end_as_epoch_milliseconds(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    first = (await client.get("/users/me")).json()["response"]["user"]["plan"]["duration"]
    clock.advance(3600)
    later = (await client.get("/users/me")).json()["response"]["user"]["plan"]["duration"]
    # An instant, not a time left: it does not shrink as time passes.
    assert first == later
    assert clock() * 1000 + 20 * 86_400_000 <= first <= clock() * 1000 + 40 * 86_400_000


async def test_one_app_is_its_entry_in_users_me(client: httpx.AsyncClient) -> None:
    me = (await client.get("/users/me")).json()["response"]
    for entry in me["applications"]:
        response = await client.get(f"/apps/{entry['id']}")
        assert response.status_code == 200 and response.json()["response"] == entry
    database = me["databases"][0]["id"]
    assert (await client.get(f"/apps/{database}")).json()["code"] == "APP_NOT_FOUND"
    assert (await client.get(f"/apps/{'f' * 32}/status")).json()["code"] == "APP_NOT_FOUND"


async def test_one_apps_status_has_the_documented_shape(client: httpx.AsyncClient) -> None:
    apps, _ = await ids(client)
    running = (await client.get(f"/apps/{apps[0]}/status")).json()["response"]
    assert set(running) == {"cpu", "ram", "status", "running", "storage", "network", "uptime"}
    assert running["status"] == "running" and running["running"] is True
    assert re.fullmatch(r"\d+\.\d\d%", running["cpu"])
    assert re.fullmatch(r"\d+\.\d\dMB", running["ram"])
    assert re.fullmatch(r"\d+\.\d\dMB", running["storage"])
    assert set(running["network"]) == {"total", "now"}
    assert "↑" in running["network"]["total"] and "↓" in running["network"]["now"]
    assert isinstance(running["uptime"], int)
    stopped = (await client.get(f"/apps/{apps[2]}/status")).json()["response"]
    assert stopped["status"] == "exited" and stopped["running"] is False
    assert stopped["uptime"] is None and stopped["cpu"] == "0.00%"
