"""``Session`` against the simulator: quota, cooldowns, pending creates, rate limits."""

from __future__ import annotations

import pytest

from sqtui.api.client import SquareCloudClient
from sqtui.api.models import Resource, Snapshot
from sqtui.domain.refusal import Refused
from sqtui.domain.session import Created, Listed, Session
from sqtui.sim import Fault

from .conftest import APP, Harness, MakeSim


async def newly_listed(session: Session, app: Resource) -> list[Snapshot]:
    """List ``app``; the pending snapshots that listing showed for the first time."""
    seen: list[Listed] = []
    session.on_listed = seen.append
    try:
        await session.list_snapshots(app)
    finally:
        session.on_listed = None
    return [done.snapshot for done in seen]


def session_of(
    h: Harness, client: SquareCloudClient | None = None, *, read_only: bool = False
) -> Session:
    """A session on the harness's fake clock."""
    return Session(client or h.client(), read_only=read_only, now=h.now, monotonic=h.clock)


def posts_to(h: Harness, resource: Resource) -> int:
    return len(h.requests_seen("POST", f"/v2/{resource.kind.route}/{resource.id}/snapshots"))


async def test_the_overview_sets_the_quota_from_the_plan(make_sim: MakeSim) -> None:
    for plan, allowance in (("free", 4), ("standard-4", 32)):
        h = make_sim(plan=plan)
        session = session_of(h)
        overview = await session.load_overview()
        assert overview.account.user.plan.name == plan
        assert overview.service is not None and overview.service.status == "online"
        apps = overview.account.applications
        assert [overview.statuses[a.id].running for a in apps] == [True, True, False]
        quota = session.quota()
        assert (quota.allowance, quota.used, quota.remaining) == (allowance, 0, allowance)


async def test_the_overview_counts_manual_snapshots_of_the_last_day(make_sim: MakeSim) -> None:
    h = make_sim(plan="free", generation_seconds=0)
    other = h.client()
    account = await other.me()
    for resource in account.resources[:2]:
        await other.create_snapshot(resource.kind, resource.id)
        h.clock.advance(6)
    session = session_of(h)
    await session.load_overview()
    quota = session.quota()
    assert (quota.used, quota.remaining) == (2, 2) and not quota.exhausted
    assert quota.next_slot_at is not None and quota.next_slot_at > h.now()


async def test_a_paid_plan_counts_from_the_account_listings_alone(make_sim: MakeSim) -> None:
    h = make_sim(generation_seconds=0)
    other = h.client()
    account = await other.me()
    # Made two days ago: still listed (kept 30 days), no longer counted.
    await other.create_snapshot(APP, account.applications[2].id)
    h.clock.advance(2 * 86_400)
    for resource in (account.applications[0], account.databases[1]):
        await other.create_snapshot(resource.kind, resource.id)
        h.clock.advance(6)
    session = session_of(h)
    await session.load_overview()
    assert session.quota().used == 2
    for resource in account.resources:
        path = f"/v2/{resource.kind.route}/{resource.id}/snapshots"
        assert h.requests_seen("GET", path) == []


async def test_a_second_create_within_the_cooldown_is_not_sent(h: Harness) -> None:
    session = session_of(h)
    app = (await session.load_overview()).account.applications[0]
    created = await session.create(app)
    assert created.ready is not None and created.pending is None
    assert session.quota().used == 1
    h.clock.advance(30)
    with pytest.raises(Refused) as refused:
        await session.create(app)
    assert refused.value.reason == "cooldown"
    assert refused.value.cooldown is not None and refused.value.cooldown.scope == "resource"
    assert "KEEP_CALM" in refused.value.sentence
    assert posts_to(h, app) == 1
    # Listed at last, the snapshot and the request count once.
    assert (await session.list_snapshots(app))[0].origin == "manual"
    assert session.quota().used == 1


async def test_read_only_refuses_create_and_restore_without_a_request(h: Harness) -> None:
    writer = session_of(h)
    account = (await writer.load_overview()).account
    app = account.applications[0]
    snapshot = (await writer.list_snapshots(app))[0]
    session = session_of(h, read_only=True)
    before = len(h.sim.events)
    with pytest.raises(Refused) as refused:
        await session.create(app)
    assert refused.value.reason == "read_only"
    with pytest.raises(Refused) as refused:
        await session.restore(app, snapshot)
    assert refused.value.reason == "read_only"
    assert len(h.sim.events) == before
    assert session.pending.items == []


async def test_a_202_create_stays_pending_until_the_listing_shows_it(make_sim: MakeSim) -> None:
    h = make_sim(generation_seconds=150)
    session = session_of(h)
    app = (await session.load_overview()).account.applications[0]
    await session.list_snapshots(app)
    created = await session.create(app)
    assert created.ready is None and created.pending is not None
    assert created.pending.reason == "processing"
    assert [p.reason for p in session.pending.for_resource(app.id)] == ["processing"]

    assert await newly_listed(session, app) == []
    assert len(session.pending.for_resource(app.id)) == 1

    h.clock.advance(60)
    found = await newly_listed(session, app)
    made = [e["version_id"] for e in h.sim.events if e.get("type") == "snapshot_created"]
    assert [s.version_id for s in found] == made and found[0].origin == "manual"
    assert session.pending.items == []
    assert posts_to(h, app) == 1
    assert session.quota().used == 1  # the request and its listed snapshot count once


async def test_a_lost_create_is_watched_and_counted(h: Harness) -> None:
    session = session_of(h)
    app = (await session.load_overview()).account.applications[0]
    await session.list_snapshots(app)
    h.sim.add_fault(Fault(method="POST", path=r"/snapshots$", drop_after_bytes=0, times=1))
    created = await session.create(app)
    assert created.pending is not None and created.pending.reason == "lost"
    assert session.quota().used == 1
    assert session.cooldown(app) is not None
    found = await newly_listed(session, app)
    assert len(found) == 1 and session.pending.items == []
    assert posts_to(h, app) == 1


async def test_the_servers_daily_limit_beats_the_local_count(make_sim: MakeSim) -> None:
    h = make_sim(plan="free", generation_seconds=0)
    session = session_of(h)
    resources = (await session.load_overview()).account.resources
    assert session.quota().used == 0
    # Another device uses up the day's four snapshots.
    other = h.client()
    for resource in resources[:4]:
        await other.create_snapshot(resource.kind, resource.id)
        h.clock.advance(6)
    error = await h.fails(session.create(resources[4]))
    assert error.is_daily_quota
    quota = session.quota()
    assert quota.exhausted and quota.used == 0 and quota.remaining == 0
    assert session.pending.items == []
    # The next attempt, on a resource without a cooldown, is refused before any request.
    h.clock.advance(6)
    with pytest.raises(Refused) as refused:
        await session.create(resources[3])
    assert refused.value.reason == "quota"
    assert refused.value.next_slot_at is not None and refused.value.next_slot_at > h.now()
    assert posts_to(h, resources[3]) == 1  # only the other device's


async def test_the_account_wide_listings_own_limit_does_not_pause_polling(
    make_sim: MakeSim,
) -> None:
    h = make_sim()
    session = session_of(h)
    client = h.client()
    for _ in range(10):
        await client.list_account_snapshots(APP)
    # The overview still loads: only its account-wide listings are refused, by a limit
    # of that route alone, so watching pending snapshots goes on.
    overview = await session.load_overview()
    assert overview.account.applications
    assert session.polling_paused_for() is None
    assert session.quota().allowance == 32


async def test_rate_limited_on_a_listing_pauses_polling(h: Harness) -> None:
    session = session_of(h)
    app = (await session.load_overview()).account.applications[0]
    h.sim.add_fault(Fault(method="GET", path=r"/snapshots$", status=429, code="RATE_LIMITED"))
    error = await h.fails(session.list_snapshots(app))
    assert error.is_rate_limited
    assert session.polling_paused_for() is not None


async def test_a_create_refused_for_another_devices_cooldown_can_be_retried_after_it(
    make_sim: MakeSim,
) -> None:
    h = make_sim(generation_seconds=0)
    session = session_of(h)
    first, second, _ = (await session.load_overview()).account.applications
    # Another device has just created a snapshot: the account's 5 s cooldown runs.
    await h.client().create_snapshot(first.kind, first.id)
    error = await h.fails(session.create(second))
    assert error.is_cooldown and "5 s" in error.message
    h.clock.advance(6)
    # The server would take it now; the session must not invent a 3-minute wait.
    created = await session.create(second)
    assert created.ready is not None


async def test_two_creates_of_one_resource_count_twice_while_the_second_is_pending(
    make_sim: MakeSim,
) -> None:
    h = make_sim(generation_seconds=100)  # over the 90 s soft deadline: 202 each time
    session = session_of(h)
    app = (await session.load_overview()).account.applications[0]
    await session.list_snapshots(app)
    assert (await session.create(app)).pending is not None
    h.clock.advance(91)  # past the 180 s resource cooldown, counted from the first request
    assert (await session.create(app)).pending is not None
    assert len(await newly_listed(session, app)) == 1  # the first one is listed
    assert len(session.pending.for_resource(app.id)) == 1  # the second still generates
    assert h.sim.state()["quota"]["used"] == 2
    assert session.quota().used == 2


async def test_poll_pending_reads_the_listing_until_the_snapshot_shows(make_sim: MakeSim) -> None:
    h = make_sim(generation_seconds=150)
    session = session_of(h)
    app = (await session.load_overview()).account.applications[0]
    await session.list_snapshots(app)
    created = await session.create(app)
    pending = created.pending
    assert pending is not None
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        h.clock.advance(seconds)

    outcomes = []
    while session.is_pending(pending):
        outcome = await session.poll_pending(app, pending, sleep=sleep)
        pending = outcome.pending
        outcomes.append(outcome)
        assert len(outcomes) < 50
    assert outcomes[-1].listed and outcomes[-1].listed[0].snapshot.origin == "manual"
    assert all(not o.listed for o in outcomes[:-1])
    assert waits == sorted(waits) and waits[0] < waits[-1]  # growing intervals
    assert posts_to(h, app) == 1  # never posted again


async def test_poll_pending_waits_out_a_rate_limit_without_listing(make_sim: MakeSim) -> None:
    h, session, app, created = await pending_create(make_sim)
    h.sim.add_fault(Fault(method="GET", path=r"/snapshots$", status=429, code="RATE_LIMITED"))
    outcome = await session.poll_pending(app, created.pending, sleep=lambda s: _noop())
    assert outcome.error is not None and outcome.error.is_rate_limited
    paused = session.polling_paused_for()
    assert paused is not None
    listings = len(h.requests_seen("GET", f"/v2/apps/{app.id}/snapshots"))
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    outcome = await session.poll_pending(app, outcome.pending, sleep=sleep)
    assert waits == [pytest.approx(paused.total_seconds(), abs=1)]
    assert len(h.requests_seen("GET", f"/v2/apps/{app.id}/snapshots")) == listings


async def test_poll_pending_forgets_a_snapshot_of_a_deleted_resource(make_sim: MakeSim) -> None:
    h, session, app, created = await pending_create(make_sim)
    h.sim.add_fault(Fault(method="GET", path=r"/snapshots$", status=404, code="APP_NOT_FOUND"))
    outcome = await session.poll_pending(app, created.pending, sleep=lambda s: _noop())
    assert outcome.error is not None and outcome.error.is_not_found
    assert not session.is_pending(created.pending)


async def pending_create(make_sim: MakeSim) -> tuple[Harness, Session, Resource, Created]:
    """A session whose first app has a create answered 202 (still generating)."""
    h = make_sim(generation_seconds=150)
    session = session_of(h)
    app = (await session.load_overview()).account.applications[0]
    created = await session.create(app)
    assert created.pending is not None
    return h, session, app, created


async def _noop() -> None:
    return None
