"""``--before TIME`` on ``snapshots list``, ``download`` and ``restore``, against a
simulator on a loopback port (whose automatic snapshots are taken once a day)."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sqtui.cli.exit_codes import ExitCode
from sqtui.domain.moment import FORMS
from sqtui.sim import SimConfig, SimServer
from tests.cli.test_snapshots import FAST, KEY, as_script, listing, requests, resources, run


@pytest.fixture
def server() -> Iterator[SimServer]:
    with SimServer(SimConfig(seed=21, generation_seconds=20, **FAST)) as running:
        yield running


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return as_script(monkeypatch, tmp_path, KEY)


def taken(snapshot: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(snapshot["modified"])


def wall(when: datetime, zone: str) -> str:
    """``when`` as the local wall time of ``zone``, without an offset (as people type it)."""
    return when.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M:%S")


def test_list_before_a_local_time_shows_only_what_was_taken_by_then(
    server: SimServer, capsys: pytest.CaptureFixture[str], zone: str
) -> None:
    db = resources(server, "database")[0]
    snapshots = listing(capsys, server, db["id"])["snapshots"]
    assert len(snapshots) == 4
    # Half a minute after the second newest, typed as the local time of the zone.
    moment = wall(taken(snapshots[1]) + timedelta(seconds=30), zone)
    code, out, err = run(capsys, server, "list", db["id"], "--before", moment, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {"resource", "snapshots", "pending"}
    assert [s["version_id"] for s in data["snapshots"]] == [s["version_id"] for s in snapshots[1:]]
    code, out, err = run(capsys, server, "list", db["name"], "--before", moment)
    assert code == 0, err
    header, *rows = out.splitlines()
    assert header.split()[-1] == "VERSION"
    assert [r.split()[-1] for r in rows] == [s["version_id"][:8] for s in snapshots[1:]]


def test_list_before_an_instant_is_inclusive_and_takes_a_relative_time(
    server: SimServer, capsys: pytest.CaptureFixture[str]
) -> None:
    app = resources(server, "app")[0]
    snapshots = listing(capsys, server, app["id"])["snapshots"]
    exactly = snapshots[2]["modified"]  # ISO 8601 UTC, with its Z
    code, out, err = run(capsys, server, "list", app["id"], "--before", exactly, "--json")
    assert code == 0, err
    assert [s["version_id"] for s in json.loads(out)["snapshots"]] == [
        s["version_id"] for s in snapshots[2:]
    ]
    # 36 hours ago: the daily snapshots taken by then (none lies near that instant).
    by_then = datetime.now(UTC) - timedelta(hours=36)
    expected = [s["version_id"] for s in snapshots if taken(s) <= by_then]
    assert expected and all(abs(taken(s) - by_then) > timedelta(minutes=1) for s in snapshots)
    code, out, err = run(capsys, server, "list", app["id"], "--before", "36h ago", "--json")
    assert code == 0, err
    assert [s["version_id"] for s in json.loads(out)["snapshots"]] == expected


def test_list_of_every_resource_before_a_time_counts_only_those(
    server: SimServer, capsys: pytest.CaptureFixture[str]
) -> None:
    app = resources(server, "app")[1]
    snapshots = listing(capsys, server, app["id"])["snapshots"]
    moment = snapshots[1]["modified"]
    code, out, err = run(capsys, server, "list", "--before", moment, "--json")
    assert code == 0, err
    row = next(r for r in json.loads(out)["resources"] if r["id"] == app["id"])
    assert row["snapshots"] == 3
    assert row["newest"]["version_id"] == snapshots[1]["version_id"]


def test_download_before_a_time_downloads_the_newest_taken_by_then(
    server: SimServer, capsys: pytest.CaptureFixture[str], tmp_path: Path, zone: str
) -> None:
    db = resources(server, "database")[1]
    snapshots = listing(capsys, server, db["id"])["snapshots"]
    wanted = snapshots[2]
    moment = wall(taken(snapshots[1]) - timedelta(minutes=1), zone)
    code, out, err = run(
        capsys, server, "download", db["id"], "--before", moment, "-o", str(tmp_path), "--json"
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["outcome"] == "downloaded"
    assert report["snapshot"]["version_id"] == wanted["version_id"]
    assert "Picked the snapshot of" in err
    path = Path(report["path"])
    assert wanted["version_id"][:8] in path.name and path.stat().st_size == wanted["size"]
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None


def test_restore_before_a_time_restores_the_newest_taken_by_then(
    server: SimServer, capsys: pytest.CaptureFixture[str]
) -> None:
    app = resources(server, "app")[2]
    snapshots = listing(capsys, server, app["id"])["snapshots"]
    wanted = snapshots[1]
    moment = (taken(wanted) + timedelta(hours=2)).isoformat()  # with its +00:00
    code, out, err = run(
        capsys, server, "restore", app["name"], "--before", moment, "--yes", "--no-wait"
    )
    assert code == 0, err
    assert f"version {wanted['version_id']}" in out
    started = [
        e
        for e in server.sim.events
        if e.get("type") == "restore_started" and e.get("resource") == app["id"]
    ]
    assert [e["version_id"] for e in started] == [wanted["version_id"]]


@pytest.mark.parametrize("command", ["list", "download", "restore"])
def test_nothing_taken_by_then_exits_4_naming_the_oldest(
    server: SimServer, capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    app = resources(server, "app")[0]
    snapshots = listing(capsys, server, app["id"])["snapshots"]
    oldest = taken(snapshots[-1])
    moment = (oldest - timedelta(seconds=1)).isoformat()
    extra = {"list": [], "download": ["-o", str(tmp_path)], "restore": ["--yes"]}[command]
    code, out, err = run(capsys, server, command, app["id"], "--before", moment, *extra)
    assert code == ExitCode.NOT_FOUND, err
    assert out == ""
    assert "no snapshot taken at or before" in err
    assert oldest.astimezone().strftime("%Y-%m-%d %H:%M") in err
    assert requests(server, "POST", "/restore$") == []
    assert list(tmp_path.glob("*.zip")) == []


@pytest.mark.parametrize(
    "command", [["list", "x"], ["download", "x"], ["restore", "x", "--yes"], ["list"]]
)
@pytest.mark.parametrize("time", ["garbage", "25:00", "2h", "2099-01-01T00:00Z"])
def test_a_time_not_understood_or_still_to_come_is_a_usage_error(
    server: SimServer, capsys: pytest.CaptureFixture[str], command: list[str], time: str
) -> None:
    code, out, err = run(capsys, server, *command, "--before", time)
    assert code == ExitCode.USAGE
    assert out == ""
    assert "argument --before: " in err
    assert FORMS in err or "still to come" in err
    assert [e for e in server.sim.events if e.get("method")] == []  # nothing was sent


def test_before_and_version_together_are_a_usage_error(
    server: SimServer, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in ("download", "restore"):
        code, _, err = run(capsys, server, command, "x", "--version", "ab", "--before", "now")
        assert code == ExitCode.USAGE
        assert "not allowed with argument" in err


def test_help_shows_before(capsys: pytest.CaptureFixture[str]) -> None:
    from sqtui.cli import snapshots as scripting

    for command in ("list", "download", "restore"):
        assert scripting.main([command, "--help"]) == 0
        assert "--before TIME" in capsys.readouterr().out
