"""``create`` and ``restore`` for scripts: ``--json``, ``restore --latest``, watching a
restored resource, and saying the truth about what was kept as pending."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from sqtui.cli.exit_codes import ExitCode
from sqtui.sim import SimConfig, SimServer
from tests.cli import test_snapshots as base
from tests.cli.test_snapshots import FAST, KEY, history, listing, requests, resources, run

# The fixtures of the other script tests: a simulator on a loopback port, a home.
server = base.server
slow_server = base.slow_server
home = base.home

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def no_secret(text: str) -> None:
    assert KEY not in text
    assert "Signature" not in text and "AWSAccessKeyId" not in text and "http" not in text


def test_create_json_is_one_object_with_the_outcome_and_utc_times(
    server: SimServer, capsys: pytest.CaptureFixture[str]
) -> None:
    app = resources(server, "app")[0]
    code, out, err = run(capsys, server, "create", app["name"], "--json")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    assert data["outcome"] == "ready"
    assert data["resource"] == {"id": app["id"], "name": app["name"], "kind": "app"}
    assert data["snapshot"]["origin"] == "manual"
    assert ISO_UTC.match(data["requested_at"]) and ISO_UTC.match(data["snapshot"]["modified"])
    assert data["version_id"] == listing(capsys, server, app["id"])["snapshots"][0]["version_id"]
    no_secret(out)


def test_create_json_says_a_refusal_and_keeps_its_exit_code(
    server: SimServer, capsys: pytest.CaptureFixture[str]
) -> None:
    db = resources(server, "database")[0]
    assert run(capsys, server, "create", db["id"])[0] == 0
    code, out, err = run(capsys, server, "create", db["id"], "--json")
    assert code == ExitCode.QUOTA
    data = json.loads(out)
    assert data["outcome"] == "refused" and "KEEP_CALM" in data["message"]
    assert data["snapshot"] is None and "cooldown" in err


def test_create_json_of_a_pending_snapshot_says_it_is_saved(
    slow_server: SimServer, capsys: pytest.CaptureFixture[str]
) -> None:
    app = resources(slow_server, "app")[0]
    code, out, err = run(capsys, slow_server, "create", app["id"], "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["outcome"] == "pending" and data["pending_saved"] is True
    assert ISO_UTC.match(data["requested_at"])
    assert "saved as pending" in err


def test_a_pending_file_that_cannot_be_written_is_never_called_saved(
    slow_server: SimServer,
    capsys: pytest.CaptureFixture[str],
    home: Path,
) -> None:
    (home / "state" / "pending.json").mkdir(parents=True)  # a folder where the file goes
    app = resources(slow_server, "app")[1]
    code, out, err = run(capsys, slow_server, "create", app["id"], "--json")
    assert code == 0, err
    assert json.loads(out)["pending_saved"] is False
    assert "saved as pending" not in err.replace("could not be saved as pending", "")
    assert "keeps watching" not in err and "could not be saved as pending" in err


def test_a_wait_that_times_out_does_not_promise_the_app_watches_an_unsaved_one(
    slow_server: SimServer,
    capsys: pytest.CaptureFixture[str],
    home: Path,
) -> None:
    (home / "state" / "pending.json").mkdir(parents=True)
    db = resources(slow_server, "database")[0]
    code, _, err = run(capsys, slow_server, "create", db["id"], "--wait", "--timeout", "0.001")
    assert code == ExitCode.FAILED
    assert "keeps watching" not in err and "could not be saved as pending" in err
    assert "not saved as pending" in history(home)[-1]["detail"]


def test_restore_latest_restores_the_newest_listed_snapshot_and_watches_it(
    server: SimServer, capsys: pytest.CaptureFixture[str]
) -> None:
    app = resources(server, "app")[0]
    newest = listing(capsys, server, app["id"])["snapshots"][0]
    code, out, err = run(capsys, server, "restore", app["id"], "--latest", "--yes", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["outcome"] == "restored" and data["running_again"] == "running"
    assert data["snapshot"]["version_id"] == newest["version_id"]
    assert ISO_UTC.match(data["restored_at"]) and data["safety_snapshot"] is None
    assert "is running again, restored from" in data["message"]
    started = [e for e in server.sim.events if e.get("type") == "restore_started"]
    assert started[-1]["version_id"] == newest["version_id"]
    assert requests(server, "GET", f"/apps/{app['id']}/status$")
    no_secret(out)


def test_restore_prints_when_the_resource_runs_again(
    server: SimServer, capsys: pytest.CaptureFixture[str]
) -> None:
    db = resources(server, "database")[0]
    code, out, err = run(capsys, server, "restore", db["id"], "--latest", "--yes")
    assert code == 0, err
    first, second = out.strip().splitlines()
    assert first.startswith("Restored ") and "is running again, restored from" in second
    assert requests(server, "GET", "/databases/status$")


def test_restore_no_wait_does_not_watch(
    server: SimServer, capsys: pytest.CaptureFixture[str]
) -> None:
    app = resources(server, "app")[1]
    code, out, err = run(capsys, server, "restore", app["id"], "--latest", "--yes", "--no-wait")
    assert code == 0, err
    assert out.startswith("Restored ") and "running again" not in out
    assert not requests(server, "GET", f"/apps/{app['id']}/status$")


def test_restore_says_when_the_resource_does_not_come_back(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sqtui.domain.flows.restore.COMEBACK_SECONDS", 1.0)
    config = SimConfig(seed=11, resource_states={"api-gateway": "stopped"}, **FAST)
    with SimServer(config) as stopped:
        code, out, err = run(
            capsys, stopped, "restore", "api-gateway", "--latest", "--yes", "--json"
        )
    assert code == ExitCode.FAILED, err
    data = json.loads(out)
    assert data["outcome"] == "restored" and data["running_again"] == "not_back"
    assert "is not running" in data["message"]


def test_restore_json_of_a_refusal(server: SimServer, capsys: pytest.CaptureFixture[str]) -> None:
    db = resources(server, "database")[1]
    argv = ("restore", db["id"], "--latest", "--yes", "--safety-snapshot", "--json", "--no-wait")
    assert run(capsys, server, *argv)[0] == 0
    code, out, _ = run(capsys, server, *argv)
    assert code == ExitCode.QUOTA
    data = json.loads(out)
    assert data["outcome"] == "not_started" and data["restored_at"] is None
    assert data["safety_snapshot"]["outcome"] == "refused"
    datetime.fromisoformat(data["snapshot"]["modified"].replace("Z", "+00:00"))
