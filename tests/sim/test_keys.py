"""API keys: the account id they carry, and keys limited to scopes and resources."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.applications import Starlette

from sqtui.sim import FakeClock, SimConfig, create_app
from sqtui.sim.access import SCOPES, account_id
from sqtui.sim.config import DEFAULT_API_KEY

from .conftest import KEY, ROOT, ids, make_client

APP_ID = "0123456789abcdef0123456789abcdef"


def test_the_default_key_has_the_real_shape() -> None:
    prefix, _, secret = DEFAULT_API_KEY.partition("-")
    assert prefix.isdigit() and len(prefix) == 17
    assert re.fullmatch(r"[0-9a-f]{32}", secret)
    assert SimConfig().api_key == DEFAULT_API_KEY == SimConfig().api_key


@pytest.mark.parametrize(
    "key,expected",
    [
        ("23457145698959364-abc", "23457145698959364"),
        ("k-123", "k"),
        ("sk-live-4c1d", "sk"),
        ("acct_9-x-y", "acct_9"),
    ],
)
def test_the_account_id_is_the_part_before_the_first_dash(key: str, expected: str) -> None:
    assert account_id(key) == expected


@pytest.mark.parametrize("key", ["nodash", "-leading", "a/b-c", "../x-y", "é-z"])
def test_a_key_without_a_usable_prefix_gets_a_derived_numeric_id(key: str) -> None:
    derived = account_id(key)
    assert derived.isdigit() and len(derived) == 17
    assert account_id(key) == derived and account_id(key + "2") != derived


async def test_the_account_and_its_urls_carry_the_keys_account_id(clock: FakeClock) -> None:
    key = "98765432109876543-" + "f" * 32
    app = create_app(SimConfig(api_key=key, clock=clock, sleep=clock.sleep))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=f"{ROOT}/v2",
        headers={"Authorization": key},
    ) as client:
        me = (await client.get("/users/me")).json()["response"]
        item = (await client.get(f"/apps/{me['applications'][0]['id']}/snapshots")).json()
    assert me["user"]["id"] == "98765432109876543" == app.state.sim.user_id
    assert "/snapshots/applications/98765432109876543/" in item["response"][0]["url"]


ROUTES = [
    ("GET", "/users/me", "account:read"),
    ("GET", "/apps/status", "apps:read"),
    ("GET", "/apps/{app}", "apps:read"),
    ("GET", "/apps/{app}/status", "apps:read"),
    ("GET", "/databases/status", "databases:read"),
    ("GET", "/users/snapshots", "snapshots:read"),
    ("GET", "/apps/{app}/snapshots", "snapshots:read"),
    ("GET", "/databases/{db}/snapshots", "snapshots:read"),
    ("POST", "/apps/{app}/snapshots", "snapshots:create"),
    ("POST", "/databases/{db}/snapshots/restore", "snapshots:restore"),
]


@pytest.mark.parametrize("method,path,scope", ROUTES)
async def test_a_call_outside_the_keys_scopes_gets_missing_scope(
    clock: FakeClock, method: str, path: str, scope: str
) -> None:
    others = tuple(s for s in SCOPES if s != scope)
    app = create_app(SimConfig(key_scopes=others, clock=clock, sleep=clock.sleep))
    sim = app.state.sim
    apps = [r.id for r in sim.resources.values() if r.kind == "app"]
    databases = [r.id for r in sim.resources.values() if r.kind == "database"]
    async with make_client(app) as client:
        url = path.format(app=apps[0], db=databases[0])
        refused = await client.request(method, url, json={})
        assert refused.status_code == 403 and refused.json()["code"] == "MISSING_SCOPE"
        assert scope in refused.json()["message"]
        sim.set_key_limits(None, None)
        allowed = await client.request(method, url, json={})
    assert allowed.status_code != 403
    assert sim.state()["quota"]["used"] == (1 if method == "POST" and "restore" not in url else 0)


async def test_a_key_limited_to_resources_is_refused_elsewhere(clock: FakeClock) -> None:
    config = SimConfig(key_resources=("worker", "orders-pg"), clock=clock, sleep=clock.sleep)
    app = create_app(config)
    async with make_client(app) as client:
        apps, databases = await ids(client)
        assert (await client.get(f"/apps/{apps[1]}/snapshots")).status_code == 200
        assert (await client.get(f"/databases/{databases[0]}/snapshots")).status_code == 200
        for method, path in [
            ("GET", f"/apps/{apps[0]}/snapshots"),
            ("POST", f"/apps/{apps[0]}/snapshots"),
            ("GET", f"/apps/{apps[0]}"),
            ("GET", f"/apps/{apps[0]}/status"),
            ("POST", f"/databases/{databases[1]}/snapshots/restore"),
        ]:
            response = await client.request(method, path, json={})
            assert response.status_code == 403, path
            assert response.json()["code"] == "RESOURCE_NOT_ALLOWED"
        unknown = await client.get(f"/apps/{'f' * 32}/snapshots")
        assert unknown.json()["code"] == "APP_NOT_FOUND"
        listing = (await client.get("/users/snapshots")).json()["response"]
    assert {item["name"] for item in listing} == {apps[1]}
    assert app.state.sim.state()["quota"]["used"] == 0


async def test_the_key_can_be_limited_over_the_control_route(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    apps, _ = await ids(client)
    limits = {"scopes": ["account:read", "snapshots:read"], "resources": [apps[0]]}
    changed = await client.post(f"{ROOT}/__sim__/key", json=limits)
    assert changed.status_code == 200 and changed.json() == {
        "scopes": ["account:read", "snapshots:read"],
        "resources": [apps[0]],
    }
    assert (await client.get(f"/apps/{apps[0]}/snapshots")).status_code == 200
    assert (await client.post(f"/apps/{apps[0]}/snapshots")).json()["code"] == "MISSING_SCOPE"
    other = await client.get(f"/apps/{apps[1]}/snapshots")
    assert other.json()["code"] == "RESOURCE_NOT_ALLOWED"
    assert (await client.get(f"{ROOT}/__sim__/key")).json() == changed.json()
    assert (await client.get(f"{ROOT}/__sim__/state")).json()["key"] == changed.json()
    for bad in ({"scopes": ["everything"]}, {"scopes": "account:read"}, {"colour": 1}):
        assert (await client.post(f"{ROOT}/__sim__/key", json=bad)).status_code == 400
    cleared = await client.post(f"{ROOT}/__sim__/key", json={"scopes": None, "resources": None})
    assert cleared.json() == {"scopes": None, "resources": None}
    assert (await client.get(f"/apps/{apps[1]}/snapshots")).status_code == 200


async def test_a_wrong_key_is_refused_before_its_scopes_are_checked(clock: FakeClock) -> None:
    app = create_app(SimConfig(key_scopes=(), clock=clock, sleep=clock.sleep))
    async with make_client(app) as client:
        assert (await client.get("/users/me")).json()["code"] == "MISSING_SCOPE"
        wrong = await client.get("/users/me", headers={"Authorization": KEY + "x"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "ACCESS_DENIED"


def test_unknown_scopes_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown scopes"):
        SimConfig(key_scopes=("apps:write",))
