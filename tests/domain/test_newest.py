"""The newest snapshot of each of several resources (``d`` on marked rows), and where
each would go: against the simulator in-process, checked against its own listings."""

from __future__ import annotations

from pathlib import Path

import pytest

from sqtui.api.errors import ApiError
from sqtui.domain.download.files import part_path
from sqtui.domain.filenames import snapshot_filename
from sqtui.domain.flows import newest_of_each, plan_downloads
from sqtui.domain.session import Session
from sqtui.sim import Fault
from tests.api import conftest as api

caplog_debug = api.caplog_debug
make_sim = api.make_sim


def session_of(h: api.Harness) -> Session:
    return Session(h.client(), now=h.now, monotonic=h.clock)


async def test_each_resources_newest_in_the_order_given_and_a_failure_said(
    make_sim: api.MakeSim, tmp_path: Path
) -> None:
    h = make_sim(apps=1, databases=3)
    session = session_of(h)
    account = (await session.load_overview(quota=False)).account
    dbs = account.databases[::-1]
    # The oracle: each listing's JSON as the simulator serves it, newest by its times.
    newest = {}
    async with h.control() as raw:
        for db in dbs:
            listed = await raw.get(
                f"/v2/databases/{db.id}/snapshots", headers={"Authorization": api.KEY}
            )
            items = listed.json()["response"]
            newest[db.id] = max(items, key=lambda item: item["modified"])["version_id"]
    h.sim.add_fault(Fault(path=f"/databases/{dbs[1].id}/snapshots", status=500))

    picks = await newest_of_each(session, [*dbs, dbs[0]])
    assert [p.resource.id for p in picks] == [d.id for d in dbs]  # once each, in order
    assert picks[0].snapshot is not None and picks[0].snapshot.version_id == newest[dbs[0].id]
    assert picks[2].snapshot is not None and picks[2].snapshot.version_id == newest[dbs[2].id]
    assert picks[1].snapshot is None and picks[1].error is not None

    plan = plan_downloads(picks, tmp_path)
    assert [f.resource for f in plan.fetches] == [dbs[0], dbs[2]]
    assert plan.total == sum(f.snapshot.size for f in plan.fetches)
    assert [f.path.parent for f in plan.fetches] == [tmp_path, tmp_path]
    assert plan.notes() == [f"{dbs[1].name} could not be listed: {picks[1].error.human()}"]


async def test_a_file_already_there_is_kept_and_a_partial_one_resumes(
    make_sim: api.MakeSim, tmp_path: Path
) -> None:
    h = make_sim(apps=0, databases=2)
    session = session_of(h)
    dbs = (await session.load_overview(quota=False)).account.databases
    picks = await newest_of_each(session, dbs)
    first, second = (p.snapshot for p in picks)
    assert first is not None and second is not None
    there = tmp_path / snapshot_filename(dbs[0].name, first)
    there.write_bytes(b"mine")
    part_path(tmp_path / snapshot_filename(dbs[1].name, second)).write_bytes(b"x" * 1000)

    plan = plan_downloads(picks, tmp_path)
    assert [f.resource for f in plan.fetches] == [dbs[1]]
    assert [f.path for f in plan.already_there] == [there]
    assert there.read_bytes() == b"mine"
    assert plan.notes() == [f"Already in that folder, not downloaded again: {there.name}."]
    space = plan.space(margin=0)
    assert (space.partial, space.needed) == (1000, second.size - 1000)


async def test_a_refused_key_is_raised_not_taken_for_one_resource(
    make_sim: api.MakeSim,
) -> None:
    h = make_sim(apps=0, databases=2)
    session = session_of(h)
    dbs = (await session.load_overview(quota=False)).account.databases
    h.sim.add_fault(Fault(path="/databases/", status=401, code="ACCESS_DENIED"))
    with pytest.raises(ApiError) as raised:
        await newest_of_each(session, dbs)
    assert raised.value.is_access_denied
