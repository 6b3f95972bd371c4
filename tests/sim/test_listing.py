"""Snapshot listings: shape, order, retention, the account-wide route, scale, determinism."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import tracemalloc
from urllib.parse import parse_qs, urlsplit

import httpx
from starlette.applications import Starlette

from sqtui.sim import FakeClock, SimConfig, Simulator, create_app
from sqtui.sim.account import Snapshot, automatic_snapshots
from sqtui.sim.listing import ListingJob, envelope, listing_item

from .conftest import KEY, ROOT, ids, make_client

DAY = 86_400


def parse_time(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


async def test_an_app_listing_has_the_documented_items(
    client: httpx.AsyncClient, clock: FakeClock, sim: Simulator
) -> None:
    apps, _ = await ids(client)
    response = await client.get(f"/apps/{apps[0]}/snapshots")
    assert response.status_code == 200 and response.json()["status"] == "success"
    items = response.json()["response"]
    assert len(items) == 30
    for item in items:
        assert set(item) == {"name", "size", "modified", "key", "version_id", "url", "origin"}
        assert item["name"] == apps[0] and item["origin"] == "automatic"
        assert isinstance(item["size"], int) and 0.9 * 2**20 < item["size"] < 1.1 * 2**20
        query = parse_qs(item["key"])
        assert set(query) == {"AWSAccessKeyId", "Expires", "Signature", "versionId"}
        assert query["versionId"] == [item["version_id"]]
        assert int(query["Expires"][0]) == int(clock() + 30 * DAY)
        url = urlsplit(item["url"])
        assert (url.scheme, url.netloc) == ("http", "127.0.0.1")
        assert url.path == f"/snapshots/applications/{sim.user_id}/{apps[0]}.zip"
        assert url.query == item["key"]
    times = [parse_time(item["modified"]) for item in items]
    assert times == sorted(times, reverse=True)
    assert all(b - a == DAY for a, b in zip(times[1:], times, strict=False))
    assert clock() - DAY < times[0] <= clock() and times[-1] >= clock() - 30 * DAY
    assert len({item["size"] for item in items}) > 20
    assert len({item["version_id"] for item in items}) == 30


async def test_a_database_listing_names_the_object_with_its_engine(
    client: httpx.AsyncClient,
) -> None:
    _, databases = await ids(client)
    items = (await client.get(f"/databases/{databases[1]}/snapshots")).json()["response"]
    assert {item["name"] for item in items} == {f"{databases[1]}_redis"}
    assert "/snapshots/databases/" in items[0]["url"]


async def test_old_snapshots_leave_the_listing_and_new_days_bring_new_ones(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    apps, _ = await ids(client)
    before = (await client.get(f"/apps/{apps[0]}/snapshots")).json()["response"]
    clock.advance(2 * DAY)
    after = (await client.get(f"/apps/{apps[0]}/snapshots")).json()["response"]
    assert len(after) == 30
    old = {item["version_id"] for item in before}
    assert [item["version_id"] in old for item in after] == [False, False] + [True] * 28
    assert before[-1]["version_id"] not in {item["version_id"] for item in after}


async def test_the_account_listing_gives_every_snapshot_of_a_scope(
    client: httpx.AsyncClient,
) -> None:
    apps, databases = await ids(client)
    response = await client.get("/users/snapshots", params={"scope": "applications"})
    items = response.json()["response"]
    assert len(items) == 30 * len(apps)
    assert {item["name"] for item in items} == set(apps)
    times = [parse_time(item["modified"]) for item in items]
    assert times == sorted(times, reverse=True)
    response = await client.get("/users/snapshots", params={"scope": "databases"})
    assert {i["name"].split("_")[0] for i in response.json()["response"]} == set(databases)
    bad = await client.get("/users/snapshots", params={"scope": "everything"})
    assert bad.status_code == 400 and bad.json()["code"] == "INVALID_SCOPE"


async def test_the_account_listing_is_rate_limited_then_lifts(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    for _ in range(10):
        clock.advance(1)
        ok = await client.get("/users/snapshots", params={"scope": "databases"})
        assert ok.status_code == 200
    limited = await client.get("/users/snapshots", params={"scope": "databases"})
    assert limited.status_code == 429
    assert limited.json()["code"] == "RATE_LIMITED" and "51 s" in limited.json()["message"]
    clock.advance(50)
    assert (await client.get("/users/snapshots?scope=databases")).status_code == 429
    clock.advance(1)
    assert (await client.get("/users/snapshots?scope=databases")).status_code == 200
    assert (await client.get("/users/snapshots?scope=databases")).status_code == 429


async def test_the_same_seed_gives_the_same_account(clock: FakeClock) -> None:
    async def snapshot_of(seed: int) -> tuple[object, object]:
        fresh = FakeClock(clock())
        secret = b"fixed for this test"
        app = create_app(
            SimConfig(seed=seed, clock=fresh, sleep=fresh.sleep, signing_secret=secret)
        )
        async with make_client(app) as client:
            me = (await client.get("/users/me")).json()
            listing = (await client.get("/users/snapshots?scope=applications")).json()
            first = listing["response"][0]["url"]
            archive = (await client.get(first)).content
        return (me, listing), archive

    first, archive_1 = await snapshot_of(7)
    again, archive_2 = await snapshot_of(7)
    other, archive_3 = await snapshot_of(8)
    assert first == again and archive_1 == archive_2
    assert first != other and archive_1 != archive_3


async def test_signatures_differ_between_runs_unless_the_secret_is_fixed(clock: FakeClock) -> None:
    async def first_url(secret: bytes | None) -> str:
        app = create_app(SimConfig(seed=7, clock=clock, signing_secret=secret))
        async with make_client(app) as client:
            apps, _ = await ids(client)
            item = (await client.get(f"/apps/{apps[0]}/snapshots")).json()["response"][0]
        url: str = item["url"]
        return url

    assert await first_url(None) != await first_url(None)
    assert await first_url(b"s") == await first_url(b"s") != await first_url(b"t")


def large_config(clock: FakeClock) -> SimConfig:
    return SimConfig(
        apps=300, databases=100, snapshots_per_resource=30, snapshot_mb=150, clock=clock
    )


async def test_a_large_account_starts_and_lists_in_little_memory() -> None:
    config = large_config(FakeClock())
    tracemalloc.start()
    try:
        started = time.perf_counter()
        app = create_app(config)
        built = time.perf_counter() - started
        account_bytes, _ = tracemalloc.get_traced_memory()
        async with make_client(app) as client:
            me = (await client.get("/users/me")).json()["response"]
            assert len(me["applications"]) == 300 and len(me["databases"]) == 100
            assert me["applications"][-1]["name"] == "app-300"
            started = time.perf_counter()
            listing = await client.get(f"/apps/{me['applications'][150]['id']}/snapshots")
            one = time.perf_counter() - started
            everything = await client.get("/users/snapshots?scope=applications")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(listing.json()["response"]) == 30
    assert len(everything.json()["response"]) == 9000
    # Generous bounds (tracemalloc slows everything): this guards against O(snapshots) state.
    assert built < 1.0 and one < 0.5
    assert account_bytes < 2 * 2**20 and peak < 60 * 2**20
    state = app.state.sim.state()
    assert sum(r["snapshots"]["automatic"] for r in state["resources"]) == 12_000


async def test_a_large_accounts_whole_listing_is_quick() -> None:
    # Every item's size comes from its archive's files: this guards against building them.
    async with make_client(create_app(large_config(FakeClock()))) as client:
        started = time.perf_counter()
        everything = await client.get("/users/snapshots?scope=applications")
        whole = time.perf_counter() - started
    assert len(everything.json()["response"]) == 9000 and whole < 4.0


async def test_stopped_generated_resources_are_deterministic(app: Starlette) -> None:
    config = SimConfig(apps=40, databases=20)
    first = create_app(config).state.sim.state()["resources"]
    second = create_app(SimConfig(apps=40, databases=20)).state.sim.state()["resources"]
    stopped = [r["name"] for r in first if not r["running"]]
    assert stopped == [r["name"] for r in second if not r["running"]]
    assert "landing-page" in stopped and len(stopped) < 15


async def test_a_listing_url_is_absolute_for_the_host_asked(app: Starlette) -> None:
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": KEY}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://sim.test:9999/v2", headers=headers
    ) as client:
        apps, _ = await ids(client)
        item = (await client.get(f"/apps/{apps[0]}/snapshots")).json()["response"][0]
    assert item["url"].startswith("http://sim.test:9999/snapshots/applications/")
    assert ROOT not in item["url"]


async def test_the_account_listing_scope_defaults_to_applications(
    client: httpx.AsyncClient,
) -> None:
    plain = (await client.get("/users/snapshots")).json()["response"]
    explicit = (await client.get("/users/snapshots?scope=applications")).json()["response"]
    assert [i["version_id"] for i in plain] == [i["version_id"] for i in explicit]
    for scope in ("", "Applications", "apps"):
        bad = await client.get("/users/snapshots", params={"scope": scope})
        assert bad.status_code == 400 and bad.json()["code"] == "INVALID_SCOPE"


async def test_the_account_listing_needs_a_paid_plan(clock: FakeClock) -> None:
    app = create_app(SimConfig(plan="free", clock=clock, sleep=clock.sleep))
    async with make_client(app) as client:
        for _ in range(12):
            refused = await client.get("/users/snapshots")
            assert refused.status_code == 402 and refused.json()["code"] == "UPGRADE_REQUIRED"
        apps, _ = await ids(client)
        assert (await client.get(f"/apps/{apps[0]}/snapshots")).status_code == 200


async def test_a_cached_listing_shows_a_new_snapshot_only_once_it_expires() -> None:
    clock = FakeClock()
    config = SimConfig(
        listing_cache_seconds=120, speed=2, generation_seconds=0, clock=clock, sleep=clock.sleep
    )
    async with make_client(create_app(config)) as client:
        apps, _ = await ids(client)
        listing = f"/apps/{apps[0]}/snapshots"
        before = (await client.get(listing)).json()["response"]
        account_before = (await client.get("/users/snapshots")).json()["response"]
        created = await client.post(listing)
        assert created.status_code == 200
        assert (await client.get(listing)).json()["response"] == before
        assert (await client.get("/users/snapshots")).json()["response"] == account_before
        # 120 simulated seconds at speed 2: the cached answers live 60 clock seconds.
        clock.advance(59)
        assert (await client.get(listing)).json()["response"] == before
        clock.advance(1)
        after = (await client.get(listing)).json()["response"]
        account_after = (await client.get("/users/snapshots")).json()["response"]
    assert len(after) == len(before) + 1 and after[0]["origin"] == "manual"
    assert after[0]["url"].split("&")[-1] == created.json()["response"]["url"].split("&")[-1]
    assert account_after[0]["version_id"] == after[0]["version_id"]


async def test_cached_account_listings_still_count_against_the_rate_limit() -> None:
    clock = FakeClock()
    config = SimConfig(listing_cache_seconds=1800, clock=clock, sleep=clock.sleep)
    async with make_client(create_app(config)) as client:
        codes = [(await client.get("/users/snapshots")).status_code for _ in range(11)]
    assert codes == [200] * 10 + [429]


async def test_other_requests_are_answered_while_a_huge_listing_is_built() -> None:
    clock = FakeClock()
    config = SimConfig(apps=2000, databases=0, clock=clock, sleep=clock.sleep)
    app = create_app(config)
    async with make_client(app) as client:
        huge = asyncio.create_task(client.get("/users/snapshots"))
        await asyncio.sleep(0)
        answered = 0
        while not huge.done():
            response = await client.get("/service/status")
            assert response.status_code == 200
            answered += 1
            if answered >= 20:
                break
        assert not huge.done(), "the listing was built before other requests could be answered"
        items = (await huge).json()["response"]
    assert len(items) == 60_000 and answered >= 20


async def test_listing_answers_are_the_items_written_one_by_one() -> None:
    # Items are rendered once and only signed per answer: the JSON must not differ from
    # each snapshot written on its own, odd hosts, account ids and names included.
    clock = FakeClock()
    config = SimConfig(
        api_key='12"3\\4-secret',
        apps=3,
        databases=3,
        generation_seconds=0,
        speed=1000,
        clock=clock,
        sleep=clock.sleep,
    )
    sim = Simulator(config)
    sim.add_resource("app", 'we"ird\\name\u202e')
    for rid in list(sim.resources)[:3]:
        sim.create_snapshot(sim.resources[rid].kind, rid)
        clock.advance(400)
    for _ in range(2):  # rendered, then from what was kept
        for root in (ROOT, 'http://h"o\\st:1/'):
            for scope in ("applications", "databases"):
                job = sim.account_listing(scope, root)
                assert isinstance(job, ListingJob)
                dated = []
                for resource, manual in zip(job.resources, job.manual, strict=True):
                    snapshots = [
                        *automatic_snapshots(resource, config.seed, job.now),
                        *(Snapshot(resource, v, at, "manual") for v, at in manual),
                    ]
                    for snapshot in snapshots:
                        item = listing_item(
                            snapshot,
                            root_url=root,
                            now=job.now,
                            user_id=sim.user_id,
                            signer=sim.signer,
                            config=config,
                        )
                        dated.append((snapshot.modified, item))
                dated.sort(key=lambda pair: pair[0], reverse=True)
                assert job.render() == envelope([item for _, item in dated])
                assert any(i["origin"] == "manual" for _, i in dated) == (scope == "applications")
        clock.advance(DAY)
