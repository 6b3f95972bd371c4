"""Creating snapshots: the held request, 200 vs 202, cooldowns, the rolling quota."""

from __future__ import annotations

import asyncio

import httpx

from sqtui.sim import FakeClock, SimConfig, Simulator, create_app

from .conftest import ids, make_client


async def test_a_quick_snapshot_answers_200_with_a_signed_link(
    client: httpx.AsyncClient, clock: FakeClock, sim: Simulator
) -> None:
    apps, _ = await ids(client)
    started = clock()
    response = await client.post(f"/apps/{apps[0]}/snapshots")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success" and set(body["response"]) == {"url", "key"}
    assert clock() - started == 20.0
    newest = (await client.get(f"/apps/{apps[0]}/snapshots")).json()["response"][0]
    assert newest["origin"] == "manual"
    assert body["response"]["url"] == newest["url"] and body["response"]["key"] == newest["key"]
    download = await client.get(body["response"]["url"])
    assert download.status_code == 200 and len(download.content) == newest["size"]
    types = [e.get("type") for e in sim.events if "type" in e]
    assert types == ["snapshot_created", "snapshot_ready"]


async def test_a_slow_snapshot_answers_202_and_appears_in_the_listing_later() -> None:
    clock = FakeClock()
    config = SimConfig(generation_seconds=150, clock=clock, sleep=clock.sleep)
    app = create_app(config)
    sim: Simulator = app.state.sim
    async with make_client(app) as client:
        _, databases = await ids(client)
        listing = f"/databases/{databases[0]}/snapshots"
        before = len((await client.get(listing)).json()["response"])
        response = await client.post(listing)
        assert response.status_code == 202
        assert response.json()["status"] == "error"
        assert response.json()["code"] == "SNAPSHOT_PROCESSING"
        assert len((await client.get(listing)).json()["response"]) == before
        assert sim.state()["resources"][3]["snapshots"]["pending"] == 1
        clock.advance(59)
        assert len((await client.get(listing)).json()["response"]) == before
        clock.advance(1)
        items = (await client.get(listing)).json()["response"]
    assert len(items) == before + 1 and items[0]["origin"] == "manual"
    ready = [e for e in sim.events if e.get("type") == "snapshot_ready"]
    assert len(ready) == 1 and ready[0]["time"] == clock() and ready[0]["resource"] == databases[0]
    times = [e["time"] for e in sim.events]
    assert times == sorted(times)


async def test_speed_scales_generation_and_the_deadline() -> None:
    clock = FakeClock()
    config = SimConfig(speed=10, generation_seconds=150, clock=clock, sleep=clock.sleep)
    async with make_client(create_app(config)) as client:
        apps, _ = await ids(client)
        started = clock()
        response = await client.post(f"/apps/{apps[1]}/snapshots")
        assert response.status_code == 202 and clock() - started == 9.0
        clock.advance(6)
        newest = (await client.get(f"/apps/{apps[1]}/snapshots")).json()["response"][0]
    assert newest["origin"] == "manual"


async def test_keep_calm_per_user_then_per_resource(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    apps, _ = await ids(client)
    clock.auto_advance = False
    held = asyncio.create_task(client.post(f"/apps/{apps[0]}/snapshots"))
    await clock.wait_for_sleepers()
    other = await client.post(f"/apps/{apps[1]}/snapshots")
    assert other.status_code == 429 and other.json()["code"] == "KEEP_CALM"
    assert "5 s" in other.json()["message"]
    clock.advance(20)
    assert (await held).status_code == 200
    clock.auto_advance = True
    again = await client.post(f"/apps/{apps[0]}/snapshots")
    assert again.status_code == 429 and again.json()["code"] == "KEEP_CALM"
    assert "160 s" in again.json()["message"]
    assert (await client.post(f"/apps/{apps[1]}/snapshots")).status_code == 200
    clock.advance(140)
    assert (await client.post(f"/apps/{apps[0]}/snapshots")).status_code == 200


async def test_refused_creates_spend_nothing(client: httpx.AsyncClient, sim: Simulator) -> None:
    apps, _ = await ids(client)
    assert (await client.post(f"/apps/{apps[0]}/snapshots")).status_code == 200
    for _ in range(3):
        assert (await client.post(f"/apps/{apps[0]}/snapshots")).status_code == 429
    assert sim.state()["quota"]["used"] == 1


async def test_the_daily_quota_rolls_on_wall_clock_time_whatever_the_speed() -> None:
    clock = FakeClock()
    config = SimConfig(plan="free", speed=60, apps=6, databases=0, clock=clock, sleep=clock.sleep)
    app = create_app(config)
    sim: Simulator = app.state.sim
    async with make_client(app) as client:
        apps, _ = await ids(client)
        started = clock()
        for app_id in apps[:4]:
            clock.advance(1)
            assert (await client.post(f"/apps/{app_id}/snapshots")).status_code == 200
        clock.advance(1)
        refused = await client.post(f"/apps/{apps[4]}/snapshots")
        assert refused.status_code == 429
        assert refused.json()["code"] == "DAILY_SNAPSHOTS_LIMIT_REACHED"
        assert "4r/24h" in refused.json()["message"]
        assert sim.state()["quota"] == {
            "used": 4,
            "allowance": 4,
            "window_seconds": 86400.0,
            "next_slot_at": started + 1 + 86_400,
        }
        clock.advance(86_400 - 10)
        still = await client.post(f"/apps/{apps[4]}/snapshots")
        assert still.json()["code"] == "DAILY_SNAPSHOTS_LIMIT_REACHED"
        clock.advance(10)
        assert (await client.post(f"/apps/{apps[4]}/snapshots")).status_code == 200


async def test_keep_calm_is_checked_before_the_quota() -> None:
    clock = FakeClock()
    config = SimConfig(plan="free", apps=5, clock=clock, sleep=clock.sleep, generation_seconds=0)
    async with make_client(create_app(config)) as client:
        apps, _ = await ids(client)
        for app_id in apps[:4]:
            clock.advance(5)
            assert (await client.post(f"/apps/{app_id}/snapshots")).status_code == 200
        assert (await client.post(f"/apps/{apps[4]}/snapshots")).json()["code"] == "KEEP_CALM"
        clock.advance(5)
        code = (await client.post(f"/apps/{apps[4]}/snapshots")).json()["code"]
    assert code == "DAILY_SNAPSHOTS_LIMIT_REACHED"
