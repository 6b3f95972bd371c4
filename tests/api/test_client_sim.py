"""``SquareCloudClient`` against the simulator, in-process: every answer a user can meet."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from sqtui.api.client import SquareCloudClient
from sqtui.api.errors import ErrorKind
from sqtui.api.models import CreateGenerating, CreateReady, Resource, Snapshot
from sqtui.sim import Fault

from .conftest import APP, DATABASE, KEY, ROOT, Harness, Inject, MakeSim, flip, with_query

DAY = 86_400
MB = 1024 * 1024


async def read_all(client: SquareCloudClient, url: str, start: int = 0) -> bytes:
    """Download ``url`` from byte ``start`` to the end."""
    async with client.open_download(url, start=start) as response:
        return b"".join([chunk async for chunk in response.aiter_bytes()])


async def raw_listing(h: Harness, path: str) -> list[dict[str, object]]:
    """A listing exactly as the simulator serves it, bypassing the client."""
    async with h.control() as http:
        response = await http.get(f"/v2{path}", headers={"Authorization": KEY})
    assert response.status_code == 200
    items: list[dict[str, object]] = response.json()["response"]
    return items


def manual_posts(h: Harness, resource: Resource) -> list[dict[str, object]]:
    return h.requests_seen("POST", f"/v2/{resource.kind.route}/{resource.id}/snapshots")


# -- account, statuses, service ------------------------------------------------------------


async def test_me_parses_the_account_and_its_plan(h: Harness) -> None:
    client = h.client()
    account = await client.me()
    user = account.user
    assert user.id == h.sim.user_id == client.user_id
    assert (user.name, user.email, user.locale) == ("Acme Ltd", "ops@acme.example", "en-US")
    assert user.created_at is not None and user.created_at.tzinfo is not None
    assert user.created_at < h.now() - timedelta(days=300)
    plan = user.plan
    assert (plan.name, plan.memory_limit_mb) == ("standard-4", 4096)
    used = sum(r.ram_mb for r in account.resources)
    assert used > 0 and plan.memory_used_mb == used
    assert plan.memory_available_mb == 4096 - used
    assert plan.duration_ms is not None and plan.duration_ms > 0
    assert [(a.name, a.detail) for a in account.applications] == [
        ("api-gateway", "python"),
        ("worker", "python"),
        ("landing-page", "javascript"),
    ]
    assert account.applications[0].domain == "acme-api.squareweb.app"
    assert [(d.name, d.db_type) for d in account.databases] == [
        ("orders-pg", "postgres"),
        ("cache-redis", "redis"),
    ]
    assert all(len(r.id) == 32 for r in account.resources)
    worker = account.applications[1]
    assert account.by_id(worker.id) is worker


async def test_a_free_plan_has_no_end_and_512_mb(make_sim: MakeSim) -> None:
    plan = (await make_sim(plan="free").client().me()).user.plan
    assert (plan.name, plan.memory_limit_mb, plan.duration_ms) == ("free", 512, None)


async def test_statuses_tell_running_from_stopped(h: Harness) -> None:
    client = h.client()
    account = await client.me()
    apps = {s.id: s for s in await client.statuses(APP)}
    databases = {s.id: s for s in await client.statuses(DATABASE)}
    assert set(apps) == {a.id for a in account.applications}
    assert set(databases) == {d.id for d in account.databases}
    # The simulator's third demo app is stopped; the others run and report usage.
    assert [apps[a.id].running for a in account.applications] == [True, True, False]
    running = apps[account.applications[0].id]
    assert running.cpu is not None and running.cpu.endswith("%")
    assert running.ram is not None and running.ram.endswith("MB")
    assert apps[account.applications[2].id].cpu is None


async def test_service_status_is_read_without_the_envelope(h: Harness) -> None:
    status = await h.client().service_status()
    assert (status.status, status.message) == ("online", "All systems operational")


# -- listings ------------------------------------------------------------------------------


async def test_listings_are_newest_first_with_times_sizes_origin_and_expiry(h: Harness) -> None:
    client = h.client()
    account = await client.me()
    expires = datetime.fromtimestamp(int(h.clock()) + 30 * DAY, UTC)
    for resource in account.resources:
        listing = await client.list_snapshots(resource.kind, resource.id)
        raw = await raw_listing(h, f"/{resource.kind.route}/{resource.id}/snapshots")
        assert len(listing) == len(raw) == 5
        times = [s.modified for s in listing]
        assert times == sorted(times, reverse=True)
        assert all(t.utcoffset() == timedelta(0) for t in times)
        assert h.now() - timedelta(days=1) < times[0] <= h.now()
        object_name = resource.id if resource.kind is APP else f"{resource.id}_{resource.db_type}"
        for snapshot, item in zip(listing, raw, strict=True):
            assert snapshot.name == object_name and snapshot.resource_id == resource.id
            assert snapshot.version_id == item["version_id"] and len(snapshot.version_id) == 32
            assert snapshot.size == item["size"] and 0.2 * MB < snapshot.size < 0.3 * MB
            assert snapshot.origin == "automatic"
            assert snapshot.expires == expires
            assert snapshot.url == item["url"] and snapshot.signed_query == item["key"]
            assert "Signature=REDACTED" in snapshot.redacted_url
            assert snapshot.url not in repr(snapshot) and snapshot.signed_query not in repr(
                snapshot
            )


async def test_the_client_sorts_a_listing_served_oldest_first(h: Harness) -> None:
    client = h.client()
    app = (await client.me()).applications[0]
    path = f"/apps/{app.id}/snapshots"
    raw = await raw_listing(h, path)
    oldest_first = json.dumps({"status": "success", "response": raw[::-1]})
    h.sim.add_fault(Fault(method="GET", path=f"^/v2{path}$", body=oldest_first, times=1))
    listing = await client.list_snapshots(APP, app.id)
    assert [s.version_id for s in listing] == [item["version_id"] for item in raw]


async def test_an_older_listing_without_url_still_gives_downloadable_snapshots(
    make_sim: MakeSim,
) -> None:
    h = make_sim()
    setup = h.client()
    database = (await setup.me()).databases[0]
    path = f"/databases/{database.id}/snapshots"
    raw = await raw_listing(h, path)
    older = [{k: item[k] for k in ("name", "size", "modified", "key")} for item in raw]
    h.sim.add_fault(
        Fault(path=f"^/v2{path}$", body=json.dumps({"status": "success", "response": older}))
    )
    # A fresh client does not know the user id yet: it must ask /users/me for it.
    client = h.client(snapshot_host=f"{ROOT}/snapshots")
    listing = await client.list_snapshots(DATABASE, database.id)
    assert [s.version_id for s in listing] == [item["version_id"] for item in raw]
    assert [s.url for s in listing] == [item["url"] for item in raw]
    assert len(h.requests_seen("GET", "/v2/users/me")) == 2
    body = await read_all(client, listing[0].url)
    assert len(body) == listing[0].size


async def test_account_listings_cover_each_scope(h: Harness) -> None:
    client = h.client()
    account = await client.me()
    apps = await client.list_account_snapshots(APP)
    databases = await client.list_account_snapshots(DATABASE)
    assert len(apps) == 3 * 5 and len(databases) == 2 * 5
    assert {s.resource_id for s in apps} == {a.id for a in account.applications}
    assert {s.name for s in databases} == {f"{d.id}_{d.db_type}" for d in account.databases}
    for listing in (apps, databases):
        times = [s.modified for s in listing]
        assert times == sorted(times, reverse=True)
    one = await client.list_snapshots(APP, account.applications[1].id)
    assert {s.version_id for s in one} <= {s.version_id for s in apps}


async def test_the_quota_reads_the_manual_snapshots_of_the_account_listings(
    make_sim: MakeSim,
) -> None:
    h = make_sim(generation_seconds=0)
    client = h.client()
    account = await client.me()
    worker, orders = account.applications[1], account.databases[0]
    for resource in (worker, orders):
        await client.create_snapshot(resource.kind, resource.id)
        h.clock.advance(6)
    for kind, resource in ((APP, worker), (DATABASE, orders)):
        counted = await client.account_manual_times(kind)
        manual = [s for s in await client.list_account_snapshots(kind) if s.origin == "manual"]
        assert counted == {resource.id: [s.modified for s in manual]}
        assert len(manual) == 1


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        (Fault(method="GET", path="^/v2/users/snapshots$", body="<html>502</html>"), None),
        (Fault(method="GET", path="^/v2/users/snapshots$", body='{"status": "success"}'), None),
        (
            Fault(method="GET", path="^/v2/users/snapshots$", status=402, code="UPGRADE_REQUIRED"),
            "UPGRADE_REQUIRED",
        ),
    ],
)
async def test_the_quotas_reading_of_a_bad_answer_is_the_typed_error(
    h: Harness, fault: Fault, code: str | None
) -> None:
    h.sim.add_fault(fault)
    error = await h.fails(h.client().account_manual_times(APP))
    if code is None:
        assert error.is_invalid_response
    else:
        assert (error.code, error.status) == (code, 402)


async def test_the_quotas_reading_is_retried_after_a_dropped_connection(
    make_sim: MakeSim,
) -> None:
    h = make_sim(generation_seconds=0)
    client = h.client()
    account = await client.me()
    await client.create_snapshot(APP, account.applications[0].id)
    path = "/v2/users/snapshots"
    h.sim.add_fault(Fault(method="GET", path=f"^{path}$", drop_after_bytes=700, times=1))
    counted = await client.account_manual_times(APP)
    assert list(counted) == [account.applications[0].id]
    assert [e.get("dropped", False) for e in h.requests_seen("GET", path)] == [True, False]


async def test_an_error_envelope_beats_an_item_the_quota_cannot_read(h: Harness) -> None:
    body = json.dumps({"response": [1], "status": "error", "code": "SOMETHING_ELSE"})
    h.sim.add_fault(Fault(method="GET", path="^/v2/users/snapshots$", status=200, body=body))
    error = await h.fails(h.client().account_manual_times(APP))
    assert error.code == "SOMETHING_ELSE"


async def test_the_account_listing_has_its_own_rate_limit(h: Harness) -> None:
    client = h.client()
    for _ in range(10):
        await client.list_account_snapshots(APP)
    error = await h.fails(client.list_account_snapshots(DATABASE))
    assert error.is_rate_limited and error.code == "RATE_LIMITED" and error.status == 429
    assert "RATE_LIMITED" in error.human()
    refused = [e for e in h.requests_seen("GET", "/v2/users/snapshots") if e["status"] == 429]
    assert len(refused) == 1 and h.sleeps.delays == []
    # Other routes are not limited, and the limit lifts as the window rolls.
    await client.me()
    h.clock.advance(61)
    assert len(await client.list_account_snapshots(DATABASE)) == 10


# -- refusals ------------------------------------------------------------------------------


async def test_a_wrong_key_is_access_denied_everywhere(h: Harness) -> None:
    good = await h.client().me()
    client = h.client(key="sk-live-wrong-key-00000000000000")
    app = good.applications[0]
    for call in (
        client.me(),
        client.list_snapshots(APP, app.id),
        client.create_snapshot(APP, app.id),
    ):
        error = await h.fails(call)
        assert error.is_access_denied and error.code == "ACCESS_DENIED" and error.status == 401
        assert "refused" in error.human()
    assert len(h.requests_seen("GET", "/v2/users/me")) == 2  # one good, one refused
    assert h.sim.state()["quota"]["used"] == 0


async def test_an_unknown_resource_is_not_found(h: Harness) -> None:
    client = h.client()
    account = await client.me()
    missing = "0123456789abcdef0123456789abcdef"
    cases = [
        (client.list_snapshots(APP, missing), "APP_NOT_FOUND"),
        (client.list_snapshots(DATABASE, missing), "DATABASE_NOT_FOUND"),
        (client.create_snapshot(APP, missing), "APP_NOT_FOUND"),
        (client.create_snapshot(DATABASE, missing), "DATABASE_NOT_FOUND"),
        # An application's id asked for as a database.
        (client.list_snapshots(DATABASE, account.applications[0].id), "DATABASE_NOT_FOUND"),
    ]
    for call, code in cases:
        error = await h.fails(call)
        assert error.is_not_found and error.code == code and error.status == 404
    assert h.sim.state()["quota"]["used"] == 0


# -- create --------------------------------------------------------------------------------


async def test_a_create_under_the_soft_deadline_is_ready(make_sim: MakeSim) -> None:
    h = make_sim(generation_seconds=20)
    client = h.client()
    app = (await client.me()).applications[0]
    started = h.clock()
    result = await client.create_snapshot(APP, app.id)
    assert isinstance(result, CreateReady)
    assert h.clock() - started == 20  # the answer waited for the generation
    assert result.url and result.signed_query and result.url.endswith(result.signed_query)
    h.watch.shown.append(repr(result))
    newest = (await client.list_snapshots(APP, app.id))[0]
    assert newest.origin == "manual" and result.version_id == newest.version_id
    created = [e for e in h.sim.events if e.get("type") == "snapshot_created"]
    assert [e["version_id"] for e in created] == [newest.version_id]
    body = await read_all(client, result.url)
    assert len(body) == newest.size and zipfile.ZipFile(io.BytesIO(body)).testzip() is None


async def test_a_slow_create_is_pending_then_appears_in_the_listing(make_sim: MakeSim) -> None:
    h = make_sim(generation_seconds=150)
    client = h.client()
    app = (await client.me()).applications[0]
    started = h.clock()
    result = await client.create_snapshot(APP, app.id)
    assert isinstance(result, CreateGenerating) and result.reason == "processing"
    assert h.clock() - started == 90  # held up to the soft deadline
    assert all(s.origin == "automatic" for s in await client.list_snapshots(APP, app.id))
    h.clock.advance(60)
    newest = (await client.list_snapshots(APP, app.id))[0]
    created = [e for e in h.sim.events if e.get("type") == "snapshot_created"]
    assert newest.origin == "manual" and newest.version_id == created[0]["version_id"]
    assert newest.modified == datetime.fromtimestamp(started + 150, UTC)
    assert len(manual_posts(h, app)) == 1


async def test_a_lost_create_answer_is_pending_and_never_posted_again(
    make_sim: MakeSim, inject: Inject
) -> None:
    h = make_sim()
    client = h.client()
    app = (await client.me()).applications[0]
    await inject(h, Fault(method="POST", path=r"/snapshots$", drop_after_bytes=0))
    result = await client.create_snapshot(APP, app.id)
    assert isinstance(result, CreateGenerating) and result.reason == "lost"
    assert "dropped" in result.detail
    posts = manual_posts(h, app)
    assert len(posts) == 1 and posts[0].get("dropped") is True
    assert h.sleeps.delays == []
    # The server did take it: it counts against the quota and shows up in the listing.
    assert h.sim.state()["quota"]["used"] == 1
    h.sim.clear_faults()
    assert (await client.list_snapshots(APP, app.id))[0].origin == "manual"
    assert len(manual_posts(h, app)) == 1


async def test_keep_calm_per_user_then_per_resource(make_sim: MakeSim) -> None:
    h = make_sim(generation_seconds=0)
    client = h.client()
    first, second, _ = (await client.me()).applications
    assert isinstance(await client.create_snapshot(APP, first.id), CreateReady)

    error = await h.fails(client.create_snapshot(APP, second.id))
    assert error.is_cooldown and error.code == "KEEP_CALM" and error.status == 429
    assert "5 s" in error.message and "KEEP_CALM" in error.human()

    h.clock.advance(6)
    error = await h.fails(client.create_snapshot(APP, first.id))
    assert error.is_cooldown and "this resource" in error.message and "174 s" in error.message
    assert isinstance(await client.create_snapshot(APP, second.id), CreateReady)

    h.clock.advance(175)
    assert isinstance(await client.create_snapshot(APP, first.id), CreateReady)
    assert [e["status"] for e in manual_posts(h, first)] == [200, 429, 200]
    assert h.sim.state()["quota"]["used"] == 3


async def test_the_daily_quota_follows_the_plan_and_frees_as_the_window_rolls(
    make_sim: MakeSim,
) -> None:
    h = make_sim(plan="free", generation_seconds=0)  # 512 MB: (512 / 256) * 2 = 4 a day
    client = h.client()
    resources = (await client.me()).resources
    assert len(resources) == 5
    for resource in resources[:4]:
        assert isinstance(await client.create_snapshot(resource.kind, resource.id), CreateReady)
        h.clock.advance(6)
    last = resources[4]
    error = await h.fails(client.create_snapshot(last.kind, last.id))
    assert error.is_daily_quota and error.code == "DAILY_SNAPSHOTS_LIMIT_REACHED"
    assert error.status == 429 and "4r/24h" in error.message
    assert "quota" in error.human()
    h.clock.advance(DAY)
    assert isinstance(await client.create_snapshot(last.kind, last.id), CreateReady)


# -- restore -------------------------------------------------------------------------------


async def test_a_restore_waits_for_the_server_and_succeeds(h: Harness) -> None:
    client = h.client()
    account = await client.me()
    for resource in (account.applications[0], account.databases[0]):
        older = (await client.list_snapshots(resource.kind, resource.id))[2]
        started = h.clock()
        await client.restore_snapshot(resource.kind, resource.id, older.name, older.version_id)
        assert h.clock() - started == 60
    restored = [(e["resource"], e["version_id"]) for e in h.sim.events if e.get("type")]
    assert [r for r, _ in restored] == [
        account.applications[0].id,
        account.applications[0].id,
        account.databases[0].id,
        account.databases[0].id,
    ]


async def test_a_second_restore_while_one_runs_is_refused(make_sim: MakeSim) -> None:
    h = make_sim(auto_advance=False)
    client = h.client()
    database = (await client.me()).databases[0]
    listing = await client.list_snapshots(DATABASE, database.id)
    held = asyncio.create_task(
        client.restore_snapshot(DATABASE, database.id, listing[1].name, listing[1].version_id)
    )
    await asyncio.wait_for(h.clock.wait_for_sleepers(), timeout=5)
    assert not (await client.statuses(DATABASE))[0].running
    error = await h.fails(
        client.restore_snapshot(DATABASE, database.id, listing[0].name, listing[0].version_id)
    )
    assert error.is_restore_in_progress and error.code == "RESTORE_IN_PROGRESS"
    assert error.status == 409
    assert not held.done()
    h.clock.advance(60)
    await asyncio.wait_for(held, timeout=5)
    assert (await client.statuses(DATABASE))[0].running


async def test_restore_errors_name_what_was_wrong(h: Harness) -> None:
    client = h.client()
    account = await client.me()
    app, other_app = account.applications[:2]
    postgres, redis = account.databases
    mine = (await client.list_snapshots(APP, app.id))[0]
    theirs = (await client.list_snapshots(APP, other_app.id))[0]
    cache = (await client.list_snapshots(DATABASE, redis.id))[0]
    cases = [
        (APP, app.id, mine.name, "not-a-version", "INVALID_VERSION_ID", 400),
        (APP, app.id, mine.name, "A" * 32, "SNAPSHOT_NOT_FOUND", 404),
        (APP, app.id, theirs.name, theirs.version_id, "SNAPSHOT_NOT_FOUND", 404),
        (APP, app.id, "not-a-name", mine.version_id, "INVALID_SNAPSHOT_ID", 400),
        (DATABASE, postgres.id, cache.name, cache.version_id, "SNAPSHOT_DATABASE_MISMATCH", 400),
    ]
    for kind, rid, name, version, code, status in cases:
        error = await h.fails(client.restore_snapshot(kind, rid, name, version))
        assert (error.code, error.status) == (code, status)
        assert f"[{code}]" in error.human()
        assert error.is_not_found == (code == "SNAPSHOT_NOT_FOUND")
    assert "another engine" in h.watch.errors[-1].human()
    assert not [e for e in h.sim.events if e.get("type") == "restore_started"]


# -- faults --------------------------------------------------------------------------------


async def test_a_get_answered_500_is_retried_twice(make_sim: MakeSim, inject: Inject) -> None:
    h = make_sim()
    client = h.client()
    await inject(h, Fault(method="GET", path=r"^/v2/users/me$", status=500, times=2))
    account = await client.me()
    assert account.user.plan.name == "standard-4"
    assert [e["status"] for e in h.requests_seen("GET", "/v2/users/me")] == [500, 500, 200]
    assert h.sleeps.delays == [0.5, 1.0]


async def test_a_get_failing_on_every_try_is_a_server_error(
    make_sim: MakeSim, inject: Inject
) -> None:
    h = make_sim()
    client = h.client()
    await inject(h, Fault(method="GET", path=r"^/v2/users/me$", status=503))
    error = await h.fails(client.me())
    assert error.is_server_error and error.status == 503
    assert error.code == "SERVICE_UNAVAILABLE" and "HTTP 503" in error.human()
    assert [e["status"] for e in h.requests_seen("GET", "/v2/users/me")] == [503, 503, 503]


async def test_a_post_answered_500_is_not_retried(make_sim: MakeSim, inject: Inject) -> None:
    h = make_sim()
    client = h.client()
    app = (await client.me()).applications[0]
    await inject(h, Fault(method="POST", path=r"/snapshots$", status=500))
    error = await h.fails(client.create_snapshot(APP, app.id))
    assert error.is_server_error and error.status == 500
    assert len(manual_posts(h, app)) == 1 and h.sleeps.delays == []
    await inject(h, Fault(method="POST", path=r"/restore$", status=502, times=1))
    snapshot = (await client.list_snapshots(APP, app.id))[0]
    error = await h.fails(client.restore_snapshot(APP, app.id, snapshot.name, snapshot.version_id))
    assert error.is_server_error and error.status == 502
    assert len(h.requests_seen("POST", f"/v2/apps/{app.id}/snapshots/restore")) == 1


async def test_an_html_error_page_is_an_invalid_response(make_sim: MakeSim, inject: Inject) -> None:
    h = make_sim()
    client = h.client()
    app = (await client.me()).applications[0]
    await inject(h, Fault(path=r"^/v2/", status=502, body="<html>502 Bad Gateway</html>"))
    error = await h.fails(client.list_snapshots(APP, app.id))
    assert error.is_invalid_response and error.status == 502
    assert "Invalid response from server (HTTP 502)" in str(error)
    assert len(h.requests_seen("GET", f"/v2/apps/{app.id}/snapshots")) == 3  # 5xx: retried
    error = await h.fails(client.create_snapshot(APP, app.id))
    assert error.is_invalid_response and "(HTTP 502)" in error.human()
    assert len(manual_posts(h, app)) == 1


async def test_a_truncated_json_body_is_an_invalid_response(
    make_sim: MakeSim, inject: Inject
) -> None:
    h = make_sim()
    client = h.client()
    await inject(h, Fault(path=r"^/v2/users/me$", body='{"status": "success", "response": {"us'))
    error = await h.fails(client.me())
    assert error.is_invalid_response and error.status == 200
    assert "Invalid response from server (HTTP 200)" in str(error)
    assert len(h.requests_seen("GET", "/v2/users/me")) == 1


async def test_an_unknown_code_is_a_generic_failure_naming_it(
    make_sim: MakeSim, inject: Inject
) -> None:
    h = make_sim()
    client = h.client()
    await inject(h, Fault(path=r"^/v2/users/me$", status=418, code="BRAND_NEW"))
    error = await h.fails(client.me())
    assert error.kind is ErrorKind.FAILED and error.status == 418
    assert "BRAND_NEW" in error.human() and "HTTP 418" in error.human()
    assert len(h.requests_seen("GET", "/v2/users/me")) == 1


async def test_a_2xx_answer_with_status_error_is_a_failure(h: Harness) -> None:
    client = h.client()
    account = await client.me()
    app = account.applications[0]
    failed = '{"status": "error", "code": "SNAPSHOT_FAILED", "message": "Disk full"}'
    h.sim.add_fault(Fault(method="POST", path=r"/snapshots$", status=200, body=failed, times=1))
    error = await h.fails(client.create_snapshot(APP, app.id))
    assert (error.code, error.status) == ("SNAPSHOT_FAILED", 200)
    assert "could not be created" in error.human() and "Disk full" in error.human()
    # 202 SNAPSHOT_PROCESSING means "pending" only as the answer to a create.
    h.sim.add_fault(
        Fault(method="GET", path=r"/snapshots$", status=202, code="SNAPSHOT_PROCESSING")
    )
    error = await h.fails(client.list_snapshots(APP, app.id))
    assert (error.code, error.status) == ("SNAPSHOT_PROCESSING", 202)
    h.sim.add_fault(Fault(method="POST", path=r"/snapshots$", status=202, code="SOMETHING_ELSE"))
    error = await h.fails(client.create_snapshot(APP, app.id))
    assert (error.code, error.status) == ("SOMETHING_ELSE", 202)
    h.sim.add_fault(Fault(path=r"^/v2/users/me$", body='{"response": {}}'))
    error = await h.fails(client.me())
    assert error.is_invalid_response


# -- downloads -----------------------------------------------------------------------------


async def test_a_download_is_the_listed_zip_and_never_carries_the_key(h: Harness) -> None:
    client = h.client()
    account = await client.me()
    for resource in (account.applications[0], account.databases[1]):
        snapshot = (await client.list_snapshots(resource.kind, resource.id))[0]
        async with client.open_download(snapshot.url) as response:
            assert response.status_code == 200
            assert int(response.headers["content-length"]) == snapshot.size
            body = b"".join([chunk async for chunk in response.aiter_bytes()])
        assert len(body) == snapshot.size
        archive = zipfile.ZipFile(io.BytesIO(body))
        assert archive.testzip() is None
        if resource.kind is APP:
            # The application's files as deployed, its manifest naming it.
            manifest = archive.read("squarecloud.app").decode()
            assert f"DISPLAY_NAME={resource.name}" in manifest.splitlines()
        else:
            # A database's engine dump.
            assert resource.db_type == "redis" and archive.namelist() == ["dump.rdb"]
            assert archive.read("dump.rdb").startswith(b"REDIS")
    downloads = [r for r in h.transport.requests if r.url.path.startswith("/snapshots/")]
    api_calls = [r for r in h.transport.requests if r.url.path.startswith("/v2/")]
    assert len(downloads) == 2 and api_calls
    assert all("authorization" not in r.headers for r in downloads)
    assert all(KEY not in str(r.url) for r in downloads)
    assert all(r.headers["authorization"] == KEY for r in api_calls)


async def test_a_range_resume_completes_the_same_file(h: Harness) -> None:
    client = h.client()
    database = (await client.me()).databases[0]
    snapshot: Snapshot = (await client.list_snapshots(DATABASE, database.id))[1]
    whole = await read_all(client, snapshot.url)
    # Stop part-way, as an interrupted download would, then resume from what arrived.
    received = b""
    async with client.open_download(snapshot.url) as response:
        async for chunk in response.aiter_bytes(chunk_size=32_768):
            received += chunk
            if len(received) >= 100_000:
                break
    assert 100_000 <= len(received) < snapshot.size
    start = len(received)
    async with client.open_download(snapshot.url, start=start) as response:
        assert response.status_code == 206
        assert response.headers["content-range"] == (
            f"bytes {start}-{snapshot.size - 1}/{snapshot.size}"
        )
        rest = b"".join([chunk async for chunk in response.aiter_bytes()])
    assert len(rest) == snapshot.size - start
    assert hashlib.sha256(received + rest).digest() == hashlib.sha256(whole).digest()
    ranged = [r for r in h.transport.requests if "range" in r.headers]
    assert [r.headers["range"] for r in ranged] == [f"bytes={start}-"]
    # Resuming a file that is already whole: a typed 416 the download engine relies on.
    error = await h.fails(read_all(client, snapshot.url, start=snapshot.size))
    assert error.status == 416 and not error.is_download_denied


async def test_a_tampered_url_is_refused(h: Harness) -> None:
    client = h.client()
    app = (await client.me()).applications[0]
    snapshot = (await client.list_snapshots(APP, app.id))[0]
    assert len(await read_all(client, snapshot.url)) == snapshot.size
    query = dict(item.split("=", 1) for item in httpx.URL(snapshot.url).query.decode().split("&"))
    tampered = [
        with_query(snapshot.url, Signature=flip(query["Signature"], 5)),
        with_query(snapshot.url, versionId=flip(query["versionId"], 3)),
        with_query(snapshot.url, Expires=str(int(query["Expires"]) + 86_400)),
    ]
    for url in tampered:
        assert url != snapshot.url
        error = await h.fails(read_all(client, url))
        assert error.is_download_denied and error.status == 403
        assert "SignatureDoesNotMatch" in error.message
        assert "?" not in error.path and error.path.endswith(".zip")
    h.watch.urls(*tampered)


async def test_an_expired_url_is_refused(h: Harness) -> None:
    client = h.client()
    app = (await client.me()).applications[0]
    snapshot = (await client.list_snapshots(APP, app.id))[0]
    assert snapshot.expires is not None
    h.clock.advance(30 * DAY + 1)
    assert h.now() > snapshot.expires
    error = await h.fails(read_all(client, snapshot.url))
    assert error.is_download_denied and error.status == 403
    assert "expired" in error.message and "expired" in error.human()


# -- secrets -------------------------------------------------------------------------------


async def test_the_key_and_signatures_stay_out_of_reprs_errors_and_logs(
    h: Harness, caplog_debug: pytest.LogCaptureFixture
) -> None:
    client = h.client()
    assert KEY not in repr(client) and KEY[-4:] in repr(client)
    assert client.masked_key == "…" + KEY[-4:]
    app = (await client.me()).applications[0]
    snapshot = (await client.list_snapshots(APP, app.id))[0]
    await read_all(client, snapshot.url, start=10)
    h.sim.add_fault(Fault(method="GET", path=r"/snapshots$", status=500, times=1))
    await client.list_snapshots(APP, app.id)
    await h.fails(read_all(client, with_query(snapshot.url, Expires="1")))
    h.sim.add_fault(Fault(path=r"/users/me$", drop_after_bytes=5, times=3))
    error = await h.fails(client.me())
    assert error.is_network_error and error.status is None
    # Answers that echo the signed URL back: the error shows it redacted.
    signature = dict(httpx.URL(snapshot.url).params)["Signature"]
    echo = f"<Error><Code>AccessDenied</Code><Message>Signature={signature}</Message></Error>"
    h.sim.add_fault(Fault(path=r"^/snapshots/", status=403, body=echo, times=1))
    error = await h.fails(read_all(client, snapshot.url))
    assert error.is_download_denied and "Signature=REDACTED" in error.message
    echo = json.dumps({"status": "error", "code": "BAD_URL", "message": snapshot.url})
    h.sim.add_fault(Fault(path=r"^/v2/users/me$", status=400, body=echo, times=1))
    error = await h.fails(client.me())
    assert error.code == "BAD_URL" and "Signature=REDACTED" in error.message
    h.watch.urls(snapshot.url)
    h.watch.shown.append(repr(snapshot))
    # The teardown check must have something to look at: a download and a retry logged.
    logged = [r.getMessage() for r in caplog_debug.records if r.name.startswith("sqtui")]
    assert any("download" in m and ".zip" in m for m in logged)
    assert any("HTTP 500" in m for m in logged)
    assert any("RemoteProtocolError" in m for m in logged)
