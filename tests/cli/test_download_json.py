"""``sqtui snapshots download --json``: one object on standard output, for scripts."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from sqtui.cli.exit_codes import ExitCode
from sqtui.sim import Fault, SimConfig, SimServer
from tests.cli.test_snapshots import FAST, KEY, as_script, resources, run

UTC_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


@pytest.fixture
def server() -> Iterator[SimServer]:
    with SimServer(SimConfig(seed=11, generation_seconds=20, **FAST)) as running:
        yield running


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return as_script(monkeypatch, tmp_path / "home", KEY)


def parsed(out: str) -> dict[str, Any]:
    data = json.loads(out)
    assert isinstance(data, dict)
    return data


def test_download_json_describes_the_verified_file(
    server: SimServer, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: Any
) -> None:
    db = resources(server, "database")[0]
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, server, "download", db["name"], "-o", "rel", "--json")
    assert code == ExitCode.OK, err
    data = parsed(out)
    assert data["outcome"] == "downloaded"
    assert data["resource"] == {"id": db["id"], "name": db["name"], "kind": "database"}
    path = Path(data["path"])
    assert path.is_absolute() and path.parent == tmp_path / "rel"
    body = path.read_bytes()
    assert data["size"] == len(body) == data["snapshot"]["size"]
    assert data["sha256"] == hashlib.sha256(body).hexdigest()
    assert data["snapshot"]["version_id"][:8] in path.name
    for moment in ("started_at", "finished_at"):
        assert UTC_TIME.match(data[moment]), data[moment]
    assert datetime.fromisoformat(data["finished_at"]) >= datetime.fromisoformat(data["started_at"])
    assert UTC_TIME.match(data["snapshot"]["modified"])
    assert data["error"] is None and data["resumes"] == 0
    assert KEY not in out and "Signature" not in out and "http" not in out


def test_download_json_of_a_refusal_says_why_with_the_same_exit_code(
    server: SimServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    app = resources(server, "app")[0]
    code, out, _ = run(capsys, server, "download", app["id"], "-o", str(tmp_path), "--json")
    assert code == ExitCode.OK
    first = parsed(out)
    code, out, err = run(capsys, server, "download", app["id"], "-o", str(tmp_path), "--json")
    assert code == ExitCode.FAILED
    data = parsed(out)
    assert data["outcome"] == "failed" and data["path"] == first["path"]
    assert data["error"]["code"] == "exists" and data["sha256"] is None
    assert "--overwrite" in err


def test_download_json_of_a_host_that_keeps_failing(
    server: SimServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    server.sim.add_fault(Fault(method="GET", path=r"^/snapshots/", status=404))
    app = resources(server, "app")[1]
    code, out, _ = run(capsys, server, "download", app["id"], "-o", str(tmp_path), "--json")
    assert code != ExitCode.OK
    data = parsed(out)
    assert data["outcome"] == "failed" and data["error"]["code"] == "not_found"
    assert data["size"] is None and data["finished_at"] is not None
