"""The session against the API as the contract describes it: slow niceties, refusals
that hold only as long as their facts, scoped keys, stopped databases, the restore
cooldown, and watching a restored resource until it runs again."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest

from sqtui.api.client import SquareCloudClient
from sqtui.api.models import Resource
from sqtui.domain.flows.restore import ComebackState, watch_comeback
from sqtui.domain.refusal import RefusalReason, Refused
from sqtui.domain.session import Session
from sqtui.sim import Fault

from .conftest import BASE_URL, Harness, MakeSim


def session_of(h: Harness, client: SquareCloudClient | None = None) -> Session:
    """A session on the harness's fake clock."""
    return Session(client or h.client(), now=h.now, monotonic=h.clock)


def posts_to(h: Harness, resource: Resource, suffix: str = "") -> list[int]:
    path = f"/v2/{resource.kind.route}/{resource.id}/snapshots{suffix}"
    return [e["status"] for e in h.requests_seen("POST", path)]


# -- a create sends only what its guard needs ------------------------------------------


async def test_slow_status_routes_do_not_hold_up_the_overview_or_a_create(
    make_sim: MakeSim,
) -> None:
    # Manual clock: the faulted routes are held until the clock moves, which it never does.
    h = make_sim(auto_advance=False, generation_seconds=0)
    for route in (r"^/v2/apps/status$", r"^/v2/databases/status$", r"^/v2/service/status$"):
        h.sim.add_fault(Fault(method="GET", path=route, delay=120))
    session = session_of(h)
    session.runtime_grace = 0.05
    overview = await asyncio.wait_for(session.load_overview(), timeout=5)
    assert overview.statuses == {}
    assert overview.service is not None and overview.service.status == "unknown"
    app = overview.account.applications[0]
    created = await asyncio.wait_for(session.create(app), timeout=5)
    assert created.ready is not None
    # The oracle: the POST was answered while every status route was still held and
    # no simulated second went by.
    assert posts_to(h, app) == [200]
    statuses = [e for e in h.sim.events if str(e.get("path", "")).endswith("/status")]
    assert len(statuses) == 3  # all asked at once...
    assert not any(e["status"] == 200 for e in statuses)  # ...and none answered
    assert h.clock() == h.config.clock()


async def test_statuses_that_answer_in_time_are_still_shown(h: Harness) -> None:
    overview = await session_of(h).load_overview()
    assert len(overview.statuses) == 5
    assert overview.service is not None and overview.service.status == "online"


async def test_the_account_wide_listings_name_their_scope_explicitly(h: Harness) -> None:
    await session_of(h).load_overview()
    scopes = sorted(
        r.url.params.get("scope", "<none>")
        for r in h.transport.requests
        if r.url.path == "/v2/users/snapshots"
    )
    assert scopes == ["applications", "databases"]


# -- refusals hold only as long as their facts -------------------------------------------


async def test_one_quota_verdict_is_lifted_by_a_fresh_count_with_room(make_sim: MakeSim) -> None:
    h = make_sim(plan="enterprise-512", generation_seconds=0)
    h.sim.add_fault(
        Fault(
            method="POST",
            path=r"/snapshots$",
            status=429,
            code="DAILY_SNAPSHOTS_LIMIT_REACHED",
            times=1,
        )
    )
    session = session_of(h)
    apps = (await session.load_overview()).account.applications
    await h.fails(session.create(apps[0]))
    assert session.quota().exhausted and session.quota().allowance == 4096
    # The quota is the account's: another resource is refused too, saying why.
    with pytest.raises(Refused) as refused:
        await session.create(apps[1])
    assert refused.value.reason is RefusalReason.QUOTA
    assert "the server said so" in refused.value.sentence
    assert "0 of 4096 counted" in refused.value.sentence
    assert posts_to(h, apps[1]) == []
    # A fresh count (what ctrl+r and the ten-minute refresh do) shows room: lifted.
    h.clock.advance(60)
    await session.load_overview()
    assert not session.quota().exhausted
    assert (await session.create(apps[1])).ready is not None
    assert posts_to(h, apps[1]) == [200]


async def test_a_quota_verdict_without_a_recount_still_expires(make_sim: MakeSim) -> None:
    h = make_sim(plan="enterprise-512")
    h.sim.add_fault(
        Fault(method="POST", path=r"/snapshots$", status=429, code="DAILY_SNAPSHOTS_LIMIT_REACHED")
    )
    session = session_of(h)
    app = (await session.load_overview()).account.applications[0]
    await h.fails(session.create(app))
    quota = session.quota()
    assert quota.exhausted and quota.next_slot_at is not None
    h.clock.advance((quota.next_slot_at - h.now()).total_seconds() + 1)
    assert not session.quota().exhausted


async def test_a_rate_limit_pause_ends_when_a_refresh_succeeds(h: Harness) -> None:
    h.sim.add_fault(
        Fault(method="GET", path=r"^/v2/users/me$", status=429, code="RATE_LIMITED", times=1)
    )
    session = session_of(h)
    error = await h.fails(session.load_overview())
    assert error.is_rate_limited
    paused = session.polling_paused_for()
    assert paused is not None and paused == timedelta(minutes=5)
    # The user refreshes by hand a minute later and the API answers: no more pause.
    h.clock.advance(60)
    await session.load_overview()
    assert session.polling_paused_for() is None


async def test_a_retry_after_header_sets_the_pause() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            429,
            json={"status": "error", "code": "RATE_LIMITED", "message": "slow down"},
            headers={"Retry-After": "42"},
        )

    client = SquareCloudClient(
        "123-secret", base_url=BASE_URL, transport=httpx.MockTransport(answer), retries=0
    )
    session = Session(client)
    try:
        with pytest.raises(Exception) as info:
            await session.load_overview()
        assert getattr(info.value, "retry_after", None) == 42
        paused = session.polling_paused_for()
        assert paused is not None and timedelta(seconds=40) < paused <= timedelta(seconds=42)
    finally:
        await client.aclose()


# -- scoped keys and resources that cannot run now ---------------------------------------


async def test_a_key_without_the_create_scope_is_not_a_bad_key(make_sim: MakeSim) -> None:
    h = make_sim(
        key_scopes=(
            "account:read",
            "apps:read",
            "databases:read",
            "snapshots:read",
            "snapshots:restore",
        )
    )
    session = session_of(h)
    app = (await session.load_overview()).account.applications[0]
    error = await h.fails(session.create(app))
    assert error.code == "MISSING_SCOPE" and error.is_not_allowed
    assert not error.is_access_denied
    assert "not allowed" in error.human() and "key is valid" in error.human()
    # Known now: the next create anywhere is refused here, saying why, without a request.
    h.clock.advance(600)
    other = session.account.applications[1]  # type: ignore[union-attr]
    with pytest.raises(Refused) as refused:
        session.check_create(other)
    assert refused.value.reason is RefusalReason.NOT_ALLOWED
    assert "MISSING_SCOPE" in refused.value.sentence
    session.check_restore(other)  # restoring is still allowed to this key
    assert posts_to(h, other) == []


async def test_a_key_limited_to_some_resources_may_still_use_them(make_sim: MakeSim) -> None:
    h = make_sim(generation_seconds=0, key_resources=("api-gateway",))
    session = session_of(h)
    apps = (await session.load_overview()).account.applications
    allowed = next(a for a in apps if a.name == "api-gateway")
    refused_app = next(a for a in apps if a.name != "api-gateway")
    error = await h.fails(session.create(refused_app))
    assert error.code == "RESOURCE_NOT_ALLOWED" and not error.is_access_denied
    assert "this resource" in error.human()
    h.clock.advance(10)
    assert (await session.create(allowed)).ready is not None
    assert posts_to(h, allowed) == [200]


@pytest.mark.parametrize(
    ("state", "code", "words"),
    [
        ("stopped", "DATABASE_NOT_RUNNING", "not running: start it"),
        ("unavailable", "DATABASE_UNAVAILABLE", "unavailable right now"),
    ],
)
async def test_a_database_that_cannot_run_it_now_is_said_plainly(
    make_sim: MakeSim, state: str, code: str, words: str
) -> None:
    h = make_sim(resource_states={"orders-pg": state})
    session = session_of(h)
    db = next(d for d in (await session.load_overview()).account.databases if d.name == "orders-pg")
    error = await h.fails(session.create(db))
    assert error.code == code and error.is_resource_not_running
    assert words in error.human()
    assert not session.quota().exhausted  # nothing was spent, nothing is believed used up


# -- restore: one per minute per resource ------------------------------------------------


async def test_the_restore_guard_counts_down_after_a_restore(make_sim: MakeSim) -> None:
    h = make_sim(restore_seconds=5)
    session = session_of(h)
    db = (await session.load_overview()).account.databases[0]
    snap = (await session.list_snapshots(db))[1]
    await session.restore(db, snap)
    with pytest.raises(Refused) as refused:
        session.check_restore(db)
    assert refused.value.reason is RefusalReason.COOLDOWN
    assert refused.value.cooldown is not None and refused.value.cooldown.scope == "restore"
    assert "55 s" in refused.value.sentence and "KEEP_CALM" in refused.value.sentence
    h.clock.advance(30)
    assert session.restore_cooldown(db) is not None
    assert "25 s" in session.restore_cooldown(db).human()  # type: ignore[union-attr]
    h.clock.advance(26)
    session.check_restore(db)
    await session.restore(db, snap)
    assert posts_to(h, db, "/restore") == [200, 200]


async def test_the_restore_guard_learns_the_cooldown_from_the_server(make_sim: MakeSim) -> None:
    h = make_sim(restore_seconds=5)
    elsewhere = session_of(h)
    app = (await elsewhere.load_overview()).account.applications[0]
    snap = (await elsewhere.list_snapshots(app))[0]
    await elsewhere.restore(app, snap)  # another sqtui, or the web panel
    session = session_of(h)
    await session.load_overview()
    error = await h.fails(session.restore(app, snap))
    assert error.is_cooldown
    left = session.restore_cooldown(app)
    assert left is not None and 50 < left.seconds <= 55
    with pytest.raises(Refused):
        session.check_restore(app)
    assert posts_to(h, app, "/restore") == [200, 429]


# -- after a restore: is it running again? -----------------------------------------------


async def test_a_restored_app_is_watched_until_it_runs_again(make_sim: MakeSim) -> None:
    h = make_sim(restore_seconds=5)
    session = session_of(h)
    app = (await session.load_overview()).account.applications[0]
    snap = (await session.list_snapshots(app))[0]
    await session.restore(app, snap)
    comeback = await watch_comeback(session, app, snap, sleep=h.clock.sleep)
    assert comeback.state is ComebackState.RUNNING
    sentence = comeback.sentence(h.now())
    assert sentence.startswith(f"{app.name} is running again, restored from ")
    assert h.requests_seen("GET", f"/v2/apps/{app.id}/status")


async def test_a_resource_that_does_not_come_back_is_reported_within_the_bound(
    make_sim: MakeSim,
) -> None:
    h = make_sim(restore_seconds=5)
    session = session_of(h)
    db = (await session.load_overview()).account.databases[0]
    snap = (await session.list_snapshots(db))[0]
    await session.restore(db, snap)
    async with h.control() as control:
        answer = await control.post(f"/__sim__/resources/{db.id}/state", json={"state": "stopped"})
        assert answer.status_code < 300, answer.text
    start = h.clock()
    comeback = await watch_comeback(session, db, snap, give_up_after=120, sleep=h.clock.sleep)
    assert comeback.state is ComebackState.NOT_BACK
    assert 120 <= h.clock() - start < 130
    assert "is not running 2 min later" in comeback.sentence(h.now())
    looks = h.requests_seen("GET", "/v2/databases/status")
    assert len(looks) >= 5  # polled, not once


async def test_a_status_the_key_may_not_read_ends_the_watch_as_unknown(make_sim: MakeSim) -> None:
    h = make_sim(
        restore_seconds=5,
        key_scopes=("account:read", "snapshots:read", "snapshots:restore", "databases:read"),
    )
    session = session_of(h)
    app = (await session.load_overview()).account.applications[0]
    snap = (await session.list_snapshots(app))[0]
    await session.restore(app, snap)
    comeback = await watch_comeback(session, app, snap, sleep=h.clock.sleep)
    assert comeback.state is ComebackState.UNKNOWN
    assert "MISSING_SCOPE" in comeback.sentence(h.now())
