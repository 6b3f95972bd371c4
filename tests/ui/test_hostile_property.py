"""Generated accounts and listings through the real screens and the script commands.

Any text for names, times across the whole calendar, repeated ids and versions,
optional fields missing: the app and ``sqtui snapshots list`` never raise.
"""

from __future__ import annotations

import asyncio
import io
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.command import CommandPalette

from sqtui.cli import snapshots as scripting
from sqtui.domain import workspace as workspace_module
from sqtui.ui.screens.main import MainScreen
from tests.conftest import WEST_AND_EAST, in_zone
from tests.ui.fake_api import API_URL, KEY, FakeApi

IDS: list[str | int] = ["a" * 32, "b" * 32, "c" * 32, 23457145698959364]

names = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["cron[/5]", "[@click=app.quit]x[/]", "[link=file:///etc/passwd]a[/]", "api [v2]"]
    ),
    st.just("a\u202eb\u200bc"),
    st.text(alphabet="xy", min_size=300, max_size=600),
)
zones = st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))])
times = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=zones
).map(lambda t: t.isoformat())
edge_times = st.sampled_from(
    ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00+14:00"]
)


@st.composite
def resources(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    item: dict[str, Any] = {"id": draw(st.sampled_from(IDS)), "name": draw(names)}
    if draw(st.booleans()):
        item["ram"] = draw(st.integers(0, 1 << 20))
    if draw(st.booleans()):
        item["lang" if kind == "applications" else "type"] = draw(names)
    if draw(st.booleans()):
        item["created_at"] = draw(times | edge_times)
    return item


@st.composite
def snapshots(draw: st.DrawFn, rid: str) -> dict[str, Any]:
    version = draw(st.sampled_from(["v1", "v2", "v3", "v4"]))
    item: dict[str, Any] = {
        "name": rid,
        "size": draw(st.integers(0, 1 << 53)),
        "modified": draw(times | edge_times),
        "key": f"AWSAccessKeyId=AK&Expires={draw(st.integers(0, 1 << 40))}&versionId={version}",
    }
    if draw(st.booleans()):
        item["version_id"] = version
    if draw(st.booleans()):
        item["url"] = f"https://snapshots.example/{rid}.zip?versionId={version}"
    origin = draw(st.none() | st.sampled_from(["automatic", "manual", "auto", "other"]))
    if origin is not None:
        item["origin"] = origin
    if draw(st.booleans()):
        item["runtime"] = draw(names)
    return item


@st.composite
def accounts(draw: st.DrawFn) -> FakeApi:
    apps = draw(st.lists(resources("applications"), max_size=4))
    dbs = draw(st.lists(resources("databases"), max_size=3))
    user: dict[str, Any] = {"id": "4242", "plan": {"name": draw(names)}}
    if draw(st.booleans()):
        user["plan"]["memory"] = {"limit": draw(st.integers(0, 1 << 16))}
    if draw(st.booleans()):
        user["name"] = draw(names)
    listings = {
        rid: draw(st.lists(snapshots(rid), max_size=5))
        for rid in {str(r["id"]) for r in apps + dbs}
    }
    return FakeApi({"user": user, "applications": apps, "databases": dbs}, listings=listings)


async def drive(api: FakeApi, home: Path) -> None:
    """Open the app on ``api``'s account and use it: move, sort, palette, filter."""
    app = api.app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        while not isinstance(app.screen, MainScreen):
            await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press("G", "tab", "s", "G")
        await pilot.press("ctrl+p")
        await pilot.pause()
        if isinstance(app.screen, CommandPalette):
            await pilot.press(*"a[")
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("escape")
        await pilot.press("slash", "]", "escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(api=accounts(), zone=st.sampled_from(WEST_AND_EAST))
def test_the_app_never_raises_on_any_account(api: FakeApi, zone: str) -> None:
    with in_zone(zone), tempfile.TemporaryDirectory() as home:
        asyncio.run(drive(api, Path(home)))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(api=accounts(), zone=st.sampled_from(WEST_AND_EAST))
def test_the_list_command_never_raises_on_any_account(
    api: FakeApi, zone: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = workspace_module.open_workspace

    def wired(*args: Any, **kwargs: Any) -> Any:
        kwargs["transport"] = api.transport()
        return real(*args, **kwargs)

    ids = sorted({str(r["id"]) for r in api.account["applications"] + api.account["databases"]})
    with in_zone(zone), tempfile.TemporaryDirectory() as home, monkeypatch.context() as m:
        m.setattr(scripting, "open_workspace", wired)
        m.setenv("SQUARECLOUD_API_KEY", KEY)
        m.setenv("SQTUI_HOME", home)
        m.delenv("SQUARECLOUD_API_URL", raising=False)
        m.setattr("sys.stdin", io.StringIO(""))
        for argv in (["list"], ["list", "--json"], *(["list", rid, "--json"] for rid in ids[:1])):
            out, err = io.StringIO(), io.StringIO()
            with redirect_stdout(out), redirect_stderr(err):
                code = scripting.main([*argv, "--api-url", API_URL])
            assert "Traceback" not in err.getvalue()
            assert code in (0, 1, 3, 4, 5, 6, 7, 8), (argv, code, err.getvalue())
        for rid in ids[:2]:
            out, err = io.StringIO(), io.StringIO()
            with redirect_stdout(out), redirect_stderr(err):
                code = scripting.main(["list", rid, "--api-url", API_URL])
            assert "Traceback" not in err.getvalue()
