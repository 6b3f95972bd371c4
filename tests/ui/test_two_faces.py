"""The app and the script commands, given the same input, do the same thing.

Each test drives both faces against two simulators built from the same config (same
seed: same ids and versions) and compares what each wrote in its history, the record
an incident review reads.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from sqtui.cli import snapshots
from sqtui.cli.exit_codes import ExitCode
from sqtui.sim import Fault, SimConfig, SimServer, SimulatedDrop
from sqtui.ui.screens.download_dialog import DownloadDialog
from sqtui.ui.screens.main import MainScreen
from sqtui.ui.screens.restore_dialog import RestoreDialog

from .conftest import Harness, notifications, wait_for
from .loopback import on_loopback

SIZE = (100, 30)
Line = tuple[str, str, str, str]


def config(**changes: Any) -> SimConfig:
    base: dict[str, Any] = {
        "seed": 21,
        "speed": 1000,
        "generation_seconds": 20,
        "snapshot_mb": 0.05,
        "apps": 2,
        "databases": 1,
        "snapshots_per_resource": 4,
    }
    return SimConfig(**{**base, **changes})


def lines(path: Path) -> list[Line]:
    """History lines as (action, outcome, snapshot, detail without figures), oldest first."""
    if not path.exists():
        return []
    found = []
    for raw in path.read_text("utf-8").splitlines():
        entry = json.loads(raw)
        detail = re.sub(r"\d+(\.\d+)?", "N", entry["detail"])
        found.append((entry["action"], entry["outcome"], entry["snapshot"] or "", detail))
    return found


def script(
    server: SimServer, home: Path, monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = ""
) -> Callable[[], int]:
    """A script command run as a user would, with its own state directory."""
    monkeypatch.setenv("SQTUI_HOME", str(home))
    monkeypatch.setenv("SQUARECLOUD_API_KEY", server.config.api_key)
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return lambda: snapshots.main([*argv, "--api-url", server.base_url])


async def app_ready(pilot: Any, h: Harness) -> MainScreen:
    await wait_for(pilot, lambda: isinstance(h.app.screen, MainScreen))
    main = h.app.screen
    assert isinstance(main, MainScreen)
    await wait_for(pilot, lambda: main.table.row_count > 0)
    return main


async def select_version(pilot: Any, main: MainScreen, version: str) -> None:
    main.table.focus()
    await wait_for(pilot, lambda: any(s.version_id == version for s in main.table.snapshots))
    row = main.table.get_row_index(version)
    main.table.move_cursor(row=row, animate=False)
    await pilot.pause()


def app_history(h: Harness) -> Path:
    return h.home / "state" / "history.jsonl"


def second_newest(server: SimServer, app_id: str) -> str:
    """The version of the app's second newest snapshot (same seed: same in both sims)."""
    answer = httpx.get(
        f"{server.base_url}/apps/{app_id}/snapshots",
        headers={"Authorization": server.config.api_key},
    )
    listed = sorted(answer.json()["response"], key=lambda s: s["modified"], reverse=True)
    return str(listed[1]["version_id"])


async def test_a_ready_create_is_recorded_alike(
    make_harness: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = config()
    with SimServer(config()) as server:
        app_id = server.sim.state()["resources"][0]["id"]
        run = script(server, tmp_path / "script", monkeypatch, "create", app_id)
        assert await asyncio.to_thread(run) == ExitCode.OK
    h = make_harness(sim=cfg)
    async with h.app.run_test(size=SIZE) as pilot:
        main = await app_ready(pilot, h)
        main.jump_to(app_id)
        await pilot.press("n")
        await wait_for(pilot, lambda: len(lines(app_history(h))) == 1)
    script_lines = lines(tmp_path / "script" / "state" / "history.jsonl")
    assert lines(app_history(h)) == script_lines
    assert [line[:2] for line in script_lines] == [("create", "ok")] and script_lines[0][2]


async def test_a_refused_safety_snapshot_stops_the_restore_in_both(
    make_harness: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A create just before: the resource's cooldown refuses the safety snapshot.
    cfg = config(speed=1, generation_seconds=0)
    with SimServer(config(speed=1, generation_seconds=0)) as server:
        app = server.sim.state()["resources"][0]
        version = second_newest(server, app["id"])
        create = script(server, tmp_path / "script", monkeypatch, "create", app["id"])
        assert await asyncio.to_thread(create) == ExitCode.OK
        restore = script(
            server,
            tmp_path / "script",
            monkeypatch,
            "restore",
            app["id"],
            "--version",
            version,
            "--yes",
            "--safety-snapshot",
        )
        assert await asyncio.to_thread(restore) == ExitCode.QUOTA
        assert not [e for e in server.sim.events if str(e.get("path", "")).endswith("/restore")]
    h = make_harness(sim=cfg, time_scale=1.0)
    async with h.app.run_test(size=SIZE) as pilot:
        main = await app_ready(pilot, h)
        main.jump_to(app["id"])
        await pilot.press("n")
        await wait_for(pilot, lambda: len(lines(app_history(h))) == 1)
        await select_version(pilot, main, version)
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(h.app.screen, RestoreDialog))
        dialog = h.app.screen
        assert isinstance(dialog, RestoreDialog)
        # The dialog already knows: the box is off and says why.
        assert dialog.query_one("#safety").disabled  # type: ignore[attr-defined]
        dialog.query_one("#safety").disabled = False  # type: ignore[attr-defined]
        dialog.query_one("#safety").value = True  # type: ignore[attr-defined]
        await pilot.press(*app["name"], "enter")
        await wait_for(pilot, lambda: len(lines(app_history(h))) == 3)
        assert any("Nothing was restored" in n for n in notifications(h.app))
        assert h.requests("POST", "/restore") == []
    script_lines = lines(tmp_path / "script" / "state" / "history.jsonl")
    assert lines(app_history(h)) == script_lines
    assert [line[:2] for line in script_lines] == [
        ("create", "ok"),
        ("safety-snapshot", "refused"),
        ("restore", "refused"),
    ]


async def test_a_restore_whose_answer_was_lost_may_still_run_in_both(
    make_harness: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    lost = Fault(method="POST", path=r"/snapshots/restore$", drop_after_bytes=0, times=1)
    cfg = config()
    with SimServer(config()) as server:
        app = server.sim.state()["resources"][0]
        version = second_newest(server, app["id"])
        server.sim.add_fault(lost)
        restore = script(
            server, tmp_path / "script", monkeypatch, "restore", app["id"], "--version", version
        )
        monkeypatch.setattr("sys.stdin", _Terminal(app["name"] + "\n"))
        assert await asyncio.to_thread(restore) == ExitCode.NETWORK
    script_says = capsys.readouterr().err
    h = make_harness(sim=cfg)
    h.sim.add_fault(lost)
    # In process, a dropped connection surfaces as the simulator's own exception: make
    # it what a real socket gives the client.
    inner = h.app.transport_factory
    h.app.transport_factory = lambda: DropsAsNetworkErrors(inner())
    async with h.app.run_test(size=SIZE) as pilot:
        main = await app_ready(pilot, h)
        main.jump_to(app["id"])
        await select_version(pilot, main, version)
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(h.app.screen, RestoreDialog))
        dialog = h.app.screen
        assert isinstance(dialog, RestoreDialog)
        dialog.query_one("#safety").value = False  # type: ignore[attr-defined]
        await pilot.press(*app["name"], "enter")
        await wait_for(pilot, lambda: len(lines(app_history(h))) == 1)
        await wait_for(
            pilot, lambda: any("may still be running" in n for n in notifications(h.app))
        )
    assert "may still be running" in script_says
    script_lines = lines(tmp_path / "script" / "state" / "history.jsonl")
    assert lines(app_history(h)) == script_lines
    assert [line[:2] for line in script_lines] == [("restore", "failed")]


async def test_a_restore_is_confirmed_by_the_exact_name_only_in_both(
    make_harness: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = config()
    with SimServer(config()) as server:
        app = server.sim.state()["resources"][0]
        version = second_newest(server, app["id"])
        restore = script(
            server, tmp_path / "script", monkeypatch, "restore", app["id"], "--version", version
        )
        monkeypatch.setattr("sys.stdin", _Terminal(app["id"] + "\n"))  # the id, not the name
        assert await asyncio.to_thread(restore) == ExitCode.FAILED
        assert not [e for e in server.sim.events if str(e.get("path", "")).endswith("/restore")]
    h = make_harness(sim=cfg)
    async with h.app.run_test(size=SIZE) as pilot:
        main = await app_ready(pilot, h)
        main.jump_to(app["id"])
        await select_version(pilot, main, version)
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(h.app.screen, RestoreDialog))
        dialog = h.app.screen
        assert isinstance(dialog, RestoreDialog)
        await pilot.press(*app["id"], "enter")
        assert dialog.query_one("#restore-button").disabled  # type: ignore[attr-defined]
        assert isinstance(h.app.screen, RestoreDialog)
    assert h.requests("POST", "/restore") == []


async def test_an_expired_link_is_renewed_from_the_listing_in_both(
    make_harness: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expired = Fault(
        method="GET",
        path=r"\.zip$",
        status=403,
        body="<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
        times=1,
    )
    cfg = config()
    out = tmp_path / "script-files"
    with SimServer(config()) as server:
        app = server.sim.state()["resources"][0]
        version = second_newest(server, app["id"])
        server.sim.add_fault(expired)
        run = script(
            server,
            tmp_path / "script",
            monkeypatch,
            "download",
            app["id"],
            "--version",
            version,
            "-o",
            str(out),
        )
        assert await asyncio.to_thread(run) == ExitCode.OK
    with on_loopback(make_harness(sim=cfg)) as h:
        h.sim.add_fault(expired)
        async with h.app.run_test(size=SIZE) as pilot:
            main = await app_ready(pilot, h)
            main.jump_to(app["id"])
            await select_version(pilot, main, version)
            main.workspace.last_download_dir = tmp_path / "app-files"
            await pilot.press("d")
            await wait_for(pilot, lambda: isinstance(h.app.screen, DownloadDialog))
            await pilot.press("enter")
            await wait_for(pilot, lambda: len(lines(app_history(h))) == 1)
        script_lines = lines(tmp_path / "script" / "state" / "history.jsonl")
        assert lines(app_history(h)) == script_lines
        assert [line[:3] for line in script_lines] == [("download", "ok", version)]
        [script_file] = out.iterdir()
        [app_file] = (tmp_path / "app-files").iterdir()
        assert script_file.name == app_file.name
        assert script_file.read_bytes() == app_file.read_bytes()


class DropsAsNetworkErrors(httpx.AsyncBaseTransport):
    """A transport that turns the simulator's deliberate drops into protocol errors."""

    def __init__(self, inner: httpx.AsyncBaseTransport | None) -> None:
        assert inner is not None
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self.inner.handle_async_request(request)
        except SimulatedDrop as error:
            raise httpx.RemoteProtocolError(str(error), request=request) from None


class _Terminal(io.StringIO):
    """Standard input that says it is a terminal (to be asked for the name)."""

    def isatty(self) -> bool:
        return True
