"""``sqtui snapshots list`` on hostile data, and the fields its JSON and table carry."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sqtui.cli import snapshots as scripting
from sqtui.domain import workspace as workspace_module
from tests.cli.test_snapshots import as_script
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
    return as_script(monkeypatch, tmp_path, KEY)


def serve(monkeypatch: pytest.MonkeyPatch, api: FakeApi) -> None:
    """Make the commands talk to ``api`` in-process."""
    real = workspace_module.open_workspace

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


@pytest.mark.parametrize(
    "argv", [["list"], ["list", "api"], ["list", "--json"], ["list", "api", "--json"]]
)
def test_list_survives_dates_at_the_ends_of_the_calendar(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    zone: str,
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


def test_json_names_the_links_expiry_and_says_when_the_snapshot_goes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    serve(monkeypatch, edge_api())
    code, out, _err = run(capsys, "list", "api", "--json")
    assert code == 0
    by_version = {s["version_id"]: s for s in json.loads(out)["snapshots"]}
    ok = by_version["vok"]
    assert "expires" not in ok  # it read as the snapshot's; it was the link's
    assert ok["link_expires"] == "2033-05-18T03:33:19Z"  # Expires=1999999999 in the URL
    assert ok["kept_until"] == "2026-12-21T03:00:00Z"  # 30 days after it was taken
    # The end of the calendar: no date 30 days later exists.
    assert by_version["v1"]["kept_until"] is None
    code, out, _err = run(capsys, "list", "--json")
    newest = json.loads(out)["resources"][0]["newest"]
    assert {"link_expires", "kept_until"} <= set(newest)


def test_the_table_says_when_each_snapshot_expires(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    taken = [now - timedelta(days=2, hours=1), now - timedelta(days=29, hours=20)]
    api = FakeApi(
        account_json([app_json(A, "api")], []),
        listings={A: [snap_json(A, f"v{i}", t.isoformat()) for i, t in enumerate(taken)]},
    )
    serve(monkeypatch, api)
    code, out, _err = run(capsys, "list", "api")
    assert code == 0
    header, first, second = out.splitlines()
    assert "EXPIRES" in header
    assert "in 27 days" in first
    assert "in 3 h" in second


LONG = "x" * 5000
HIDDEN = "a\u202eb\u200bc"


def test_long_and_invisible_names_are_shortened_and_escaped(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    api = FakeApi(
        account_json([app_json(A, LONG), app_json("b" * 32, HIDDEN)], [db_json(D, "orders-pg")]),
        listings={A: [snap_json(A, "v1", "2026-11-21T03:00:00Z")]},
    )
    serve(monkeypatch, api)
    code, out, _err = run(capsys, "list")
    assert code == 0
    assert all(len(line) < 200 for line in out.splitlines()), [len(x) for x in out.splitlines()]
    assert "xxx…" in out
    assert "a\\u202eb\\u200bc" in out and "\u202e" not in out
    # The full name is in the JSON.
    code, out, _err = run(capsys, "list", "--json")
    names = [r["name"] for r in json.loads(out)["resources"]]
    assert LONG in names and HIDDEN in names
