"""``sqtui snapshots list`` on hostile data, and the fields its JSON and table carry."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sqtui.cli import snapshots as scripting
from sqtui.domain import workspace as workspace_module
from tests.ui.fake_api import (
    API_URL,
    KEY,
    FakeApi,
    account_json,
    app_json,
    db_json,
    snap_json,
)

A = "a" * 32
D = "d" * 32


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SQUARECLOUD_API_KEY", KEY)
    monkeypatch.setenv("SQTUI_HOME", str(tmp_path))
    monkeypatch.delenv("SQUARECLOUD_API_URL", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    return tmp_path


@pytest.fixture
def local_zone(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run in the time zone named by the test's parameter (restored afterwards)."""
    zone: str = request.param
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    yield zone
    monkeypatch.undo()
    time.tzset()


def serve(monkeypatch: pytest.MonkeyPatch, api: FakeApi) -> None:
    """Make the commands talk to ``api`` in-process."""
    real = scripting.open_workspace

    def wired(*args: Any, **kwargs: Any) -> workspace_module.Workspace:
        kwargs["transport"] = api.transport()
        return real(*args, **kwargs)

    monkeypatch.setattr(scripting, "open_workspace", wired)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = scripting.main([*argv, "--api-url", API_URL])
    out, err = capsys.readouterr()
    return code, out, err


DATES = ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00+14:00"]


def edge_api() -> FakeApi:
    listing = [snap_json(A, f"v{i}", when, origin="manual") for i, when in enumerate(DATES)]
    listing.append(snap_json(A, "vok", "2026-11-21T03:00:00Z"))
    return FakeApi(
        account_json([app_json(A, "api")], [db_json(D, "orders-pg")]),
        listings={A: listing, D: [snap_json(D, "w1", "9999-12-31T23:59:59Z")]},
    )


@pytest.mark.parametrize("local_zone", ["America/New_York", "Asia/Tokyo"], indirect=True)
@pytest.mark.parametrize(
    "argv", [["list"], ["list", "api"], ["list", "--json"], ["list", "api", "--json"]]
)
def test_list_survives_dates_at_the_ends_of_the_calendar(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    local_zone: str,
    argv: list[str],
) -> None:
    serve(monkeypatch, edge_api())
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert "Traceback" not in err
    if "--json" in argv:
        json.loads(out)
    else:
        assert ("vok" if "api" in argv else "orders-pg") in out
