"""The loopback-only control routes, and resources with hostile names."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from sqtui.sim import FakeClock, Simulator

from .conftest import ROOT, ids, make_client

HOSTILE = ["[bold]x[/]", "\x1b[31mred\x1b[0m", "../../etc/passwd", "ünïcødé 🚀 名前", "a/b\\c\x00"]


async def test_events_list_requests_and_state_changes_oldest_first(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    apps, _ = await ids(client)
    await client.post(f"/apps/{apps[0]}/snapshots")
    listing = (await client.get(f"/apps/{apps[0]}/snapshots")).json()["response"]
    await client.get(listing[0]["url"])
    events = (await client.get(f"{ROOT}/__sim__/events")).json()
    requests = [(e["method"], e["path"], e["status"], e["code"]) for e in events if "method" in e]
    assert requests == [
        ("GET", "/v2/users/me", 200, None),
        ("POST", f"/v2/apps/{apps[0]}/snapshots", 200, None),
        ("GET", f"/v2/apps/{apps[0]}/snapshots", 200, None),
        ("GET", listing[0]["url"].split("?")[0].removeprefix(ROOT), 200, None),
    ]
    changes = [(e["type"], e["resource"]) for e in events if "type" in e]
    assert changes == [("snapshot_created", apps[0]), ("snapshot_ready", apps[0])]
    assert [e["time"] for e in events] == sorted(e["time"] for e in events)
    assert "Signature" not in str(events)


async def test_errors_are_logged_with_their_code(client: httpx.AsyncClient, sim: Simulator) -> None:
    await client.get("/users/me", headers={"Authorization": "nope"})
    await client.get(f"{ROOT}/snapshots/applications/1/{'a' * 32}.zip?Signature=x")
    codes = [(e["status"], e["code"]) for e in sim.events]
    assert codes == [(401, "ACCESS_DENIED"), (403, "AccessDenied")]


async def test_state_reports_account_resources_and_quota(client: httpx.AsyncClient) -> None:
    apps, _ = await ids(client)
    await client.post(f"/apps/{apps[0]}/snapshots")
    state = (await client.get(f"{ROOT}/__sim__/state")).json()
    assert state["account"]["plan"] == "standard-4"
    assert state["quota"]["used"] == 1 and state["quota"]["allowance"] == 32
    first = state["resources"][0]
    assert first["snapshots"] == {"automatic": 30, "manual": 1, "pending": 0}
    assert first["recent_manual"][0]["ready"] is True
    assert [r["kind"] for r in state["resources"]] == ["app"] * 3 + ["database"] * 2


async def test_faults_can_be_added_listed_and_cleared_over_http(
    client: httpx.AsyncClient,
) -> None:
    fault = {"method": "GET", "path": "/users/me", "status": 502, "body": "<html>bad</html>"}
    added = await client.post(f"{ROOT}/__sim__/faults", json=fault)
    assert added.status_code == 201 and added.json()["times"] is None
    assert (await client.get("/users/me")).text == "<html>bad</html>"
    listed = (await client.get(f"{ROOT}/__sim__/faults")).json()["faults"]
    assert [f["path"] for f in listed] == ["/users/me"]
    assert (await client.delete(f"{ROOT}/__sim__/faults")).status_code == 200
    assert (await client.get("/users/me")).status_code == 200
    for bad in ({"status": 500}, {"path": "("}, [1, 2], {"path": "x", "times": "2"}):
        response = await client.post(f"{ROOT}/__sim__/faults", json=bad)
        assert response.status_code == 400 and response.json()["error"]
    broken = await client.post(
        f"{ROOT}/__sim__/faults", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400


async def test_faults_never_touch_the_control_routes(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    await client.post(f"{ROOT}/__sim__/faults", json={"path": ".*", "status": 500})
    assert (await client.get(f"{ROOT}/__sim__/state")).status_code == 200
    assert (await client.get("/users/me")).status_code == 500
    assert all("__sim__" not in e.get("path", "") for e in sim.events)


@pytest.mark.parametrize("name", HOSTILE)
async def test_hostile_names_are_stored_literally(client: httpx.AsyncClient, name: str) -> None:
    response = await client.post(f"{ROOT}/__sim__/resources", json={"kind": "app", "name": name})
    assert response.status_code == 201
    rid = response.json()["id"]
    me = (await client.get("/users/me")).json()["response"]
    assert [a["name"] for a in me["applications"] if a["id"] == rid] == [name]
    items = (await client.get(f"/apps/{rid}/snapshots")).json()["response"]
    assert len(items) == 30 and items[0]["name"] == rid
    download = await client.get(items[0]["url"])
    assert download.status_code == 200 and len(download.content) == items[0]["size"]


async def test_a_database_can_be_added_with_an_engine(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    body = {"kind": "database", "name": "[red]db[/red]", "type": "mysql"}
    rid = (await client.post(f"{ROOT}/__sim__/resources", json=body)).json()["id"]
    items = (await client.get(f"/databases/{rid}/snapshots")).json()["response"]
    assert items[0]["name"] == f"{rid}_mysql"
    assert sim.add_resource("database", "plain") in sim.resources
    for bad in ({"kind": "vm", "name": "x"}, {"kind": "app", "name": ""}, {"kind": "app"}):
        assert (await client.post(f"{ROOT}/__sim__/resources", json=bad)).status_code == 400
    surrogate = b'{"kind": "app", "name": "bad \\ud800"}'
    as_json = {"Content-Type": "application/json"}
    response = await client.post(f"{ROOT}/__sim__/resources", content=surrogate, headers=as_json)
    assert response.status_code == 400
    wrong_engine = {"kind": "database", "name": "x", "type": "oracle"}
    assert (await client.post(f"{ROOT}/__sim__/resources", json=wrong_engine)).status_code == 400


@pytest.mark.parametrize("host", ["10.0.0.5", "192.168.1.2", "2001:db8::1"])
async def test_control_routes_refuse_remote_clients(app: Starlette, host: str) -> None:
    async with make_client(app, client=(host, 5555)) as remote:
        for method, path in [
            ("GET", "/__sim__/events"),
            ("GET", "/__sim__/state"),
            ("POST", "/__sim__/faults"),
            ("DELETE", "/__sim__/faults"),
            ("POST", "/__sim__/resources"),
        ]:
            response = await remote.request(method, f"{ROOT}{path}", json={"path": "x"})
            assert response.status_code == 403, path
        assert (await remote.get("/users/me")).status_code == 200
    assert app.state.sim.faults == []


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1"])
async def test_control_routes_answer_loopback_clients(app: Starlette, host: str) -> None:
    async with make_client(app, client=(host, 5555)) as local:
        assert (await local.get(f"{ROOT}/__sim__/state")).status_code == 200


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "null",
        "http://127.0.0.1:9999",
        "https://127.0.0.1",
        "http://localhost",
        "http://attacker.example@127.0.0.1",
    ],
)
async def test_control_routes_refuse_a_foreign_origin(app: Starlette, origin: str) -> None:
    async with make_client(app) as browser:
        headers = {"Origin": origin}
        for method, path in [
            ("GET", "/__sim__/events"),
            ("GET", "/__sim__/state"),
            ("POST", "/__sim__/faults"),
            ("DELETE", "/__sim__/faults"),
            ("POST", "/__sim__/resources"),
            ("POST", "/__sim__/key"),
        ]:
            response = await browser.request(
                method, f"{ROOT}{path}", json={"path": "x"}, headers=headers
            )
            assert response.status_code == 403, (method, path)
    assert app.state.sim.faults == []


async def test_control_routes_accept_their_own_origin(app: Starlette) -> None:
    async with make_client(app) as page:
        response = await page.post(
            f"{ROOT}/__sim__/faults", json={"path": "x"}, headers={"Origin": ROOT}
        )
    assert response.status_code == 201


@pytest.mark.parametrize(
    "content_type",
    [None, "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"],
)
async def test_control_routes_take_only_json_bodies(
    app: Starlette, content_type: str | None
) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    body = b'{"path": "x", "status": 500}'
    async with make_client(app) as client:
        for path in ("/__sim__/faults", "/__sim__/resources", "/__sim__/key"):
            response = await client.post(f"{ROOT}{path}", content=body, headers=headers)
            assert response.status_code == 415, path
        form = await client.request(
            "DELETE", f"{ROOT}/__sim__/faults", content=b"a=1", headers=headers
        )
        assert form.status_code == 415
        as_json = {"Content-Type": "application/json; charset=utf-8"}
        added = await client.post(f"{ROOT}/__sim__/faults", content=body, headers=as_json)
        assert added.status_code == 201
        assert (await client.delete(f"{ROOT}/__sim__/faults")).status_code == 200
    assert app.state.sim.faults == []


async def test_a_resource_state_can_be_changed_over_http(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    _, databases = await ids(client)
    route = f"{ROOT}/__sim__/resources/{databases[1]}/state"
    changed = await client.post(route, json={"state": "unavailable"})
    assert changed.status_code == 200
    assert changed.json() == {"id": databases[1], "state": "unavailable"}
    refused = await client.post(f"/databases/{databases[1]}/snapshots")
    assert refused.json()["code"] == "DATABASE_UNAVAILABLE"
    by_name = await client.post(f"{ROOT}/__sim__/resources/worker/state", json={"state": "stopped"})
    assert by_name.status_code == 200
    assert [e["type"] for e in sim.events if "type" in e] == ["state_changed", "state_changed"]
    for target, body in [
        (databases[1], {"state": "asleep"}),
        (databases[1], {}),
        ("worker", {"state": "unavailable"}),
        ("nothing", {"state": "stopped"}),
    ]:
        response = await client.post(f"{ROOT}/__sim__/resources/{target}/state", json=body)
        assert response.status_code == 400 and response.json()["error"]
