"""A batch of creates against the simulator, in-process on a fake clock: paced so the
server never answers ``KEEP_CALM``, cut to the quota, stopped by a cancel or a refusal."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

from sqtui.api.models import Resource
from sqtui.domain.cooldown import USER_SECONDS
from sqtui.domain.flows import (
    BatchCancel,
    BatchEnd,
    BatchState,
    CreateOutcome,
    CreateState,
    create_snapshot,
    plan_batch,
    plan_for,
    run_batch,
)
from sqtui.domain.history import Action, History, Outcome
from sqtui.domain.quota import QuotaStatus
from sqtui.domain.recorder import Recorder
from sqtui.domain.session import Session
from sqtui.sim import Fault
from tests.api import conftest as api

# The simulator fixtures of the API tests: an in-process account on a fake clock.
caplog_debug = api.caplog_debug
make_sim = api.make_sim
Harness = api.Harness
MakeSim = api.MakeSim


def session_of(h: api.Harness, history: History | None = None) -> Session:
    """A session on the harness's fake clock (both its wall clock and its monotonic one)."""
    recorder = Recorder(history, profile="default", now=h.now) if history else None
    return Session(h.client(), now=h.now, monotonic=h.clock, recorder=recorder)


def created(h: api.Harness) -> list[dict[str, Any]]:
    """The creates the simulator accepted, in order, with the instant it accepted each."""
    return [e for e in h.sim.events if e.get("type") == "snapshot_created"]


def refusals(h: api.Harness) -> list[dict[str, Any]]:
    """Every 429 the simulator answered (``KEEP_CALM`` above all)."""
    return [e for e in h.sim.events if e.get("status") == 429 or e.get("code") == "KEEP_CALM"]


async def databases(session: Session) -> tuple[Resource, ...]:
    return (await session.load_overview(quota=False)).account.databases


async def test_three_databases_are_sent_in_order_and_paced_without_a_keep_calm(
    make_sim: api.MakeSim, tmp_path: Path
) -> None:
    # Answered at once: only the pacing keeps the creates apart.
    h = make_sim(databases=3, generation_seconds=0)
    history = History(tmp_path / "history.jsonl")
    session = session_of(h, history)
    dbs = await databases(session)
    states: list[BatchState] = []
    result = await run_batch(session, dbs, on_state=states.append, sleep=h.clock.sleep)

    made = created(h)
    assert [e["resource"] for e in made] == [d.id for d in dbs]
    gaps = [b["time"] - a["time"] for a, b in itertools.pairwise(made)]
    assert gaps and all(gap >= USER_SECONDS for gap in gaps), gaps
    assert refusals(h) == []
    assert result.end is BatchEnd.DONE and result.all_accepted
    assert [o.resource.id for o in result.outcomes] == [d.id for d in dbs]
    assert all(o.state is CreateState.READY for o in result.outcomes)
    assert result.summary() == "3 sent: 3 ready."
    # Each recorded as a single create would be.
    entries = history.read()[::-1]  # oldest first
    assert [(e.action, e.outcome, e.resource_id) for e in entries] == [
        (Action.CREATE, Outcome.OK, d.id) for d in dbs
    ]
    lines = [s.line() for s in states]
    assert "2 queued · next in 6 s" in lines and "2 queued · next in 1 s" in lines
    assert lines[0].startswith("sending ") and lines[-1] == "3 sent"


async def test_a_resource_in_its_own_cooldown_goes_after_the_others_without_a_429(
    make_sim: api.MakeSim,
) -> None:
    h = make_sim(databases=3, generation_seconds=0)
    session = session_of(h)
    first, second, third = await databases(session)
    assert (await create_snapshot(session, first)).accepted
    h.clock.advance(10)
    assert session.cooldown(first) is not None

    result = await run_batch(session, (first, second, third), sleep=h.clock.sleep)

    made = created(h)
    assert [e["resource"] for e in made] == [first.id, second.id, third.id, first.id]
    # Its turn came once its own 180 s were over, not before.
    assert made[-1]["time"] - made[0]["time"] >= 180
    assert refusals(h) == []
    assert [o.resource.id for o in result.outcomes] == [second.id, third.id, first.id]
    assert result.all_accepted


async def test_the_plan_names_what_the_quota_leaves_out_and_only_that_many_go(
    make_sim: api.MakeSim,
) -> None:
    # The free plan: 4 a day; another device already took 2.
    h = make_sim(plan="free", databases=3, generation_seconds=0)
    other = h.client()
    for app in (await other.me()).applications[:2]:
        await other.create_snapshot(app.kind, app.id)
        h.clock.advance(6)
    session = session_of(h)
    dbs = await databases(session)

    plan = await plan_for(session, dbs)
    assert plan.fits == dbs[:2] and plan.left_out == dbs[2:]
    assert f"left out: {dbs[2].name}." in plan.sentence()
    assert plan.sentence().startswith("Only 2 of 3 fit in today's quota (2 left of 4")

    result = await run_batch(session, dbs, sleep=h.clock.sleep)
    assert [e["resource"] for e in created(h)[2:]] == [d.id for d in dbs[:2]]
    assert result.plan.left_out == dbs[2:] and not result.all_accepted
    assert result.end is BatchEnd.DONE and refusals(h) == []
    assert result.summary() == (
        f"2 sent: 2 ready; left out, no room in today's quota: {dbs[2].name}."
    )


def test_a_plan_keeps_the_order_and_each_resource_once() -> None:
    def res(n: int) -> Resource:
        return Resource(kind=api.DATABASE, id=f"{n:032x}", name=f"db{n}", ram_mb=256, detail="")

    quota = QuotaStatus(used=2, allowance=4, next_slot_at=None)
    plan = plan_batch([res(3), res(1), res(3), res(2)], quota)
    assert plan.fits == (res(3), res(1)) and plan.left_out == (res(2),)
    assert plan_batch([res(1)], quota).sentence() == "All 1 fit in today's quota (2 left of 4)."
    used_up = QuotaStatus(used=4, allowance=4, next_slot_at=None)
    assert plan_batch([res(1), res(2)], used_up).sentence().startswith("None of 2 fits")


async def test_a_cancel_after_the_first_sends_nothing_more(make_sim: api.MakeSim) -> None:
    h = make_sim(databases=3, generation_seconds=0)
    session = session_of(h)
    dbs = await databases(session)
    cancel = BatchCancel()

    def first_done(outcome: CreateOutcome) -> None:
        cancel.cancel()

    result = await run_batch(
        session, dbs, on_outcome=first_done, cancel=cancel, sleep=h.clock.sleep
    )
    h.clock.advance(600)
    assert [e["resource"] for e in created(h)] == [dbs[0].id]
    assert result.end is BatchEnd.CANCELLED and result.not_sent == dbs[1:]
    assert len(result.outcomes) == 1 and not result.all_accepted
    assert result.summary() == (
        f"Cancelled: 1 sent: 1 ready; not sent: {dbs[1].name}, {dbs[2].name}."
    )


async def test_a_cancel_while_waiting_ends_the_wait_at_once(make_sim: api.MakeSim) -> None:
    # Time moves only when told: the batch waits for its pace until cancelled.
    h = make_sim(databases=3, generation_seconds=0, auto_advance=False)
    session = session_of(h)
    dbs = await databases(session)
    cancel = BatchCancel()
    batch = asyncio.ensure_future(run_batch(session, dbs, cancel=cancel, sleep=h.clock.sleep))
    await h.clock.wait_for_sleepers()
    cancel.cancel()
    result = await asyncio.wait_for(batch, timeout=5)
    assert result.end is BatchEnd.CANCELLED and len(created(h)) == 1


async def test_cancelling_the_task_sends_nothing_more(make_sim: api.MakeSim) -> None:
    h = make_sim(databases=3, generation_seconds=0, auto_advance=False)
    session = session_of(h)
    dbs = await databases(session)
    batch = asyncio.ensure_future(run_batch(session, dbs, sleep=h.clock.sleep))
    await h.clock.wait_for_sleepers()
    batch.cancel()
    await asyncio.gather(batch, return_exceptions=True)
    assert batch.cancelled()
    h.clock.advance(600)
    await asyncio.sleep(0)
    assert len(created(h)) == 1


async def test_the_servers_daily_limit_stops_the_rest(make_sim: api.MakeSim) -> None:
    h = make_sim(plan="free", apps=4, databases=3, generation_seconds=0)
    session = session_of(h)
    dbs = await databases(session)
    await session.load_quota()  # counted while there was room
    other = h.client()
    for app in (await other.me()).applications:
        await other.create_snapshot(app.kind, app.id)
        h.clock.advance(6)

    result = await run_batch(session, dbs, sleep=h.clock.sleep)
    assert result.end is BatchEnd.STOPPED and result.not_sent == dbs[1:]
    assert result.stopped_by is not None and result.stopped_by.error is not None
    assert result.stopped_by.error.is_daily_quota
    posts = [e for e in h.sim.events if e.get("method") == "POST"]
    assert len(posts) == 4 + 1
    said = result.summary()
    assert said.startswith(f"Stopped at {dbs[0].name} (") and "1 sent: 1 failed" in said
    assert said.endswith(f"not sent: {dbs[1].name}, {dbs[2].name}.")


async def test_one_failure_does_not_stop_the_others_but_rate_limited_does(
    make_sim: api.MakeSim,
) -> None:
    h = make_sim(databases=3, generation_seconds=0)
    session = session_of(h)
    dbs = await databases(session)
    h.sim.add_fault(Fault(method="POST", path=dbs[0].id, status=409, code="DATABASE_NOT_RUNNING"))
    result = await run_batch(session, dbs, sleep=h.clock.sleep)
    assert [o.state for o in result.outcomes] == [
        CreateState.FAILED,
        CreateState.READY,
        CreateState.READY,
    ]
    assert result.end is BatchEnd.DONE and not result.all_accepted

    h2 = make_sim(databases=3, generation_seconds=0)
    session = session_of(h2)
    dbs = await databases(session)
    h2.sim.add_fault(Fault(method="POST", path="/snapshots$", status=429, code="RATE_LIMITED"))
    result = await run_batch(session, dbs, sleep=h2.clock.sleep)
    assert len(result.outcomes) == 1 and result.end is BatchEnd.STOPPED
    assert result.not_sent == dbs[1:]
    assert len([e for e in h2.sim.events if e.get("method") == "POST"]) == 1


async def test_a_create_sent_meanwhile_delays_the_batch_instead_of_costing_a_turn(
    make_sim: api.MakeSim,
) -> None:
    h = make_sim(databases=3, generation_seconds=0)
    session = session_of(h)
    dbs = await databases(session)
    app = session.account.applications[0] if session.account else None
    assert app is not None
    sent_meanwhile: list[bool] = []

    def on_state(state: BatchState) -> None:
        # The app's own ``n`` goes out just as the batch's first turn comes.
        if state.sending and not sent_meanwhile:
            sent_meanwhile.append(True)
            session.cooldowns.record(app.id, session.monotonic())

    result = await run_batch(session, dbs, on_state=on_state, sleep=h.clock.sleep)
    assert [o.resource.id for o in result.outcomes] == [d.id for d in dbs]
    assert result.all_accepted and refusals(h) == []
    assert [e["resource"] for e in created(h)] == [d.id for d in dbs]
