"""``sqtui snapshots create A B C``: a paced batch, against the simulator in-process on a
fake clock (the pacing waits seconds of the simulator's time, never of the test's)."""

from __future__ import annotations

import itertools
import json
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

import httpx
import pytest

from sqtui.cli import snapshot_create
from sqtui.cli import snapshots as scripting
from sqtui.cli.exit_codes import ExitCode
from sqtui.cli.snapshot_create import most_serious
from sqtui.domain.cooldown import USER_SECONDS
from sqtui.domain.flows import BatchState
from sqtui.domain.workspace import open_workspace
from sqtui.sim import FakeClock, Fault, SimConfig, Simulator, create_app
from tests.cli import test_snapshots as base
from tests.cli.test_snapshots import KEY, history

# A home of its own for each test, the key in the environment (autouse).
home = base.home

API = "http://127.0.0.1/v2"
# The keys of one resource's object, as a single create's --json prints it.
ONE_CREATE = {
    "outcome",
    "resource",
    "snapshot",
    "version_id",
    "requested_at",
    "pending_saved",
    "error",
    "message",
}


@dataclass
class InProcess:
    """A simulated account the commands reach in-process, on the fake clock they use."""

    clock: FakeClock
    sim: Simulator

    def resources(self, kind: str) -> list[dict[str, Any]]:
        return [r for r in self.sim.state()["resources"] if r["kind"] == kind]

    def created(self) -> list[dict[str, Any]]:
        """The creates the simulator accepted, in order, with when it accepted each."""
        return [e for e in self.sim.events if e.get("type") == "snapshot_created"]

    def refusals(self) -> list[dict[str, Any]]:
        return [e for e in self.sim.events if e.get("status") == 429]


Make = Callable[..., InProcess]


@pytest.fixture
def make(monkeypatch: pytest.MonkeyPatch) -> Make:
    def build(**changes: Any) -> InProcess:
        clock = FakeClock()
        values: dict[str, Any] = {
            "api_key": KEY,
            "seed": 21,
            "apps": 2,
            "databases": 3,
            "snapshots_per_resource": 2,
            "snapshot_mb": 0.05,
            "generation_seconds": 0,
            "clock": clock,
            "sleep": clock.sleep,
        }
        values.update(changes)
        app = create_app(SimConfig(**values))
        transport = httpx.ASGITransport(app=app)

        def now() -> datetime:
            return datetime.fromtimestamp(clock(), UTC)

        wired = partial(open_workspace, transport=transport, now=now, monotonic=clock)
        monkeypatch.setattr(scripting, "open_workspace", wired)
        paced = partial(snapshot_create.create_batch, sleep=clock.sleep)
        monkeypatch.setattr(snapshot_create, "create_batch", paced)
        return InProcess(clock, app.state.sim)

    return build


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = scripting.main(["create", *argv, "--api-url", API])
    out, err = capsys.readouterr()
    return code, out, err


def test_three_databases_are_sent_paced_with_a_line_each(
    make: Make, capsys: pytest.CaptureFixture[str], home: Any
) -> None:
    sim = make()
    dbs = sim.resources("database")
    code, out, err = run(capsys, *(d["name"] for d in dbs))
    assert code == ExitCode.OK, err
    lines = out.splitlines()
    assert len(lines) == 3
    for line, db in zip(lines, dbs, strict=True):
        assert line.startswith(f"Ready: {db['name']} (database {db['id']}): ")
        assert ", manual, version " in line
    made = sim.created()
    assert [e["resource"] for e in made] == [d["id"] for d in dbs]
    assert all(b["time"] - a["time"] >= USER_SECONDS for a, b in itertools.pairwise(made))
    assert sim.refusals() == []
    assert err.count("Requesting a snapshot of ") == 3
    assert "2 queued · next in 6 s" in err and "3 resources: 3 ready." in err
    entries = history(home)
    assert [(e["action"], e["outcome"]) for e in entries] == [("create", "ok")] * 3


def test_all_databases_picks_every_database_and_no_application(
    make: Make, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = make(databases=4)
    code, out, err = run(capsys, "--all-databases")
    assert code == ExitCode.OK, err
    assert [e["resource"] for e in sim.created()] == [d["id"] for d in sim.resources("database")]
    assert len(out.splitlines()) == 4 and sim.refusals() == []


def test_json_is_a_list_of_the_single_creates_objects_in_the_order_given(
    make: Make, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = make()
    app = sim.resources("app")[1]
    db = sim.resources("database")[2]
    code, out, err = run(capsys, db["id"], app["id"], "--json")
    assert code == ExitCode.OK, err
    data = json.loads(out)
    assert isinstance(data, list) and len(data) == 2
    assert all(set(item) == ONE_CREATE for item in data)
    assert [item["resource"]["id"] for item in data] == [db["id"], app["id"]]
    assert [item["outcome"] for item in data] == ["ready", "ready"]
    assert data[0]["version_id"] == sim.created()[0]["version_id"]
    assert KEY not in out and "Signature" not in out


def test_a_resource_created_by_the_last_run_goes_after_the_others(
    make: Make, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = make()
    first, second, _ = sim.resources("database")
    assert run(capsys, first["id"])[0] == ExitCode.OK
    sim.clock.advance(30)
    # The cooldown is known from the history of the run before: first waits its 180 s.
    code, out, err = run(capsys, first["id"], second["id"])
    assert code == ExitCode.OK, err
    assert [e["resource"] for e in sim.created()] == [first["id"], second["id"], first["id"]]
    assert sim.created()[-1]["time"] - sim.created()[0]["time"] >= 180
    assert sim.refusals() == []
    assert [line.split(" (")[0] for line in out.splitlines()] == [
        f"Ready: {second['name']}",
        f"Ready: {first['name']}",
    ]
    assert "next in 2 min" in err


def use_two_of_four(sim: InProcess) -> None:
    """The free plan allows 4 a day: another device takes 2."""
    for app in sim.resources("app"):
        sim.sim.create_snapshot("app", app["id"])
        sim.clock.advance(6)


def test_more_than_the_quota_sends_nothing_and_names_what_is_left_out(
    make: Make, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = make(plan="free")
    use_two_of_four(sim)
    dbs = sim.resources("database")
    code, out, err = run(capsys, "--all-databases", "--json")
    assert code == ExitCode.QUOTA
    assert len(sim.created()) == 2  # the other device's only
    assert "Only 2 of 3 fit in today's quota (2 left of 4" in err
    assert f"left out: {dbs[2]['name']}." in err and "--fit sends the 2 that fit" in err
    assert [item["outcome"] for item in json.loads(out)] == ["not_sent", "not_sent", "refused"]


def test_fit_sends_what_fits_and_exits_5_for_the_one_left_out(
    make: Make, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = make(plan="free")
    use_two_of_four(sim)
    dbs = sim.resources("database")
    code, out, err = run(capsys, "--all-databases", "--fit")
    assert code == ExitCode.QUOTA, err
    assert [e["resource"] for e in sim.created()[2:]] == [d["id"] for d in dbs[:2]]
    ready, ready_too, left_out = out.splitlines()
    assert ready.startswith("Ready: ") and ready_too.startswith("Ready: ")
    assert left_out.startswith(f"Refused: {dbs[2]['name']} (database {dbs[2]['id']}): ")
    assert "the daily quota has room for 2 of these 3 (2 left of 4" in left_out
    assert sim.refusals() == []


def test_one_failure_does_not_stop_the_others_and_sets_the_exit_code(
    make: Make, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = make()
    stopped, running, _ = sim.resources("database")
    sim.sim.set_resource_state(stopped["id"], "stopped")
    code, out, err = run(capsys, stopped["id"], running["id"])
    assert code == ExitCode.FAILED, err
    failed, ready = out.splitlines()
    assert failed.startswith(f"Failed: {stopped['name']}") and "DATABASE_NOT_RUNNING" in failed
    assert ready.startswith(f"Ready: {running['name']}")
    assert [e["resource"] for e in sim.created()] == [running["id"]]


def test_wait_watches_each_pending_one_until_listed(
    make: Make, capsys: pytest.CaptureFixture[str]
) -> None:
    # Generation (150 s) outlasts the soft deadline (90 s): each create answers 202.
    sim = make(generation_seconds=150)
    dbs = sim.resources("database")[:2]
    code, out, err = run(capsys, *(d["id"] for d in dbs), "--wait", "--json")
    assert code == ExitCode.OK, err
    data = json.loads(out)
    assert [item["outcome"] for item in data] == ["ready", "ready"]
    assert all(item["snapshot"]["origin"] == "manual" for item in data)
    assert err.count("is being generated (SNAPSHOT_PROCESSING)") == 2
    assert len(sim.created()) == 2 and sim.refusals() == []


def test_pending_ones_without_wait_are_done_and_said_once(
    make: Make, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = make(generation_seconds=150)
    dbs = sim.resources("database")[:2]
    code, out, err = run(capsys, *(d["id"] for d in dbs))
    assert code == ExitCode.OK, err
    assert [line.split(" (")[0] for line in out.splitlines()] == [
        f"Pending: {d['name']}" for d in dbs
    ]
    assert err.count("2 pending: saved") == 1


def test_nothing_to_create_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys)
    assert code == ExitCode.USAGE
    assert "give a RESOURCE, or --all-apps or --all-databases" in err


def test_an_unknown_name_among_several_sends_nothing(
    make: Make, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = make()
    db = sim.resources("database")[0]
    code, _, err = run(capsys, db["id"], "no-such-thing")
    assert code == ExitCode.NOT_FOUND
    assert 'no application or database named "no-such-thing"' in err
    assert sim.created() == []


def test_the_exit_code_is_the_most_serious_what_waiting_fixes_last() -> None:
    assert most_serious([ExitCode.OK, ExitCode.OK]) is ExitCode.OK
    assert most_serious([ExitCode.OK, ExitCode.QUOTA, ExitCode.FAILED]) is ExitCode.FAILED
    assert most_serious([ExitCode.QUOTA, ExitCode.NETWORK, ExitCode.AUTH]) is ExitCode.AUTH
    assert most_serious([ExitCode.NOT_FOUND, ExitCode.INTERRUPTED]) is ExitCode.INTERRUPTED


def test_rate_limited_stops_the_rest_and_says_why_for_each(
    make: Make, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = make()
    dbs = sim.resources("database")
    sim.sim.add_fault(Fault(method="POST", path="/snapshots$", status=429, code="RATE_LIMITED"))
    code, out, err = run(capsys, "--all-databases")
    assert code == ExitCode.QUOTA, err
    failed, *rest = out.splitlines()
    assert failed.startswith(f"Failed: {dbs[0]['name']}") and "RATE_LIMITED" in failed
    assert [line.split(" (")[0] for line in rest] == [f"Not sent: {d['name']}" for d in dbs[1:]]
    assert all(f"stopped after {dbs[0]['name']}: " in line for line in rest)
    posts = [e for e in sim.sim.events if e.get("method") == "POST"]
    assert len(posts) == 1 and sim.created() == []
    code, out, _ = run(capsys, *(d["id"] for d in dbs[1:]), "--json")
    assert code == ExitCode.QUOTA
    assert [item["outcome"] for item in json.loads(out)] == ["failed", "not_sent"]


def test_ctrl_c_sends_nothing_more_and_the_create_under_way_is_answered(
    make: Make, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = make()
    dbs = sim.resources("database")

    class PressedDuringTheFirst(snapshot_create._BatchProgress):
        def __call__(self, state: BatchState) -> None:
            super().__call__(state)
            if state.sending and state.sent == 0:
                os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(snapshot_create, "_BatchProgress", PressedDuringTheFirst)
    code, out, err = run(capsys, "--all-databases")
    assert code == ExitCode.INTERRUPTED
    ready, *rest = out.splitlines()
    assert ready.startswith(f"Ready: {dbs[0]['name']}")
    assert rest == [f"Not sent: {d['name']} (database {d['id']}): interrupted." for d in dbs[1:]]
    assert "Interrupted: nothing more will be sent." in err
    assert [e["resource"] for e in sim.created()] == [dbs[0]["id"]]
