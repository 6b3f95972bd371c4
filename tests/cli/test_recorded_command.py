"""The command the history keeps for a create, a download and a restore made in the app,
run as a script against the same simulator, does the same thing: the same requests
for the same resource and version, the same file, and the same command in its own
history line."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import shlex
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from sqtui.cli.exit_codes import ExitCode
from sqtui.cli.main import main as sqtui_main
from sqtui.domain.settings import RunSettings
from sqtui.sim import SimConfig, SimServer
from sqtui.storage.credentials import KeySource
from sqtui.storage.locations import Locations
from sqtui.ui.app import SqtuiApp
from sqtui.ui.screens.download_dialog import DownloadDialog
from sqtui.ui.screens.main import MainScreen
from sqtui.ui.screens.restore_dialog import RestoreDialog
from tests.ui.conftest import notifications, wait_for
from tests.ui.test_two_faces import select_version

KEY = "sim-key-3c9a1e5b2d8c4f6a0e7f"
SIZE = (100, 30)


def entries(home: Path) -> list[dict[str, Any]]:
    path = home / "state" / "history.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]


def commands(home: Path) -> list[tuple[str, str | None]]:
    return [(e["action"], e.get("command")) for e in entries(home)]


def second_newest(server: SimServer, resource: dict[str, Any]) -> str:
    """The version of the resource's second newest snapshot."""
    route = "apps" if resource["kind"] == "app" else "databases"
    answer = httpx.get(
        f"{server.base_url}/{route}/{resource['id']}/snapshots", headers={"Authorization": KEY}
    )
    listed = sorted(answer.json()["response"], key=lambda s: s["modified"], reverse=True)
    return str(listed[1]["version_id"])


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def events(server: SimServer, kind: str) -> list[tuple[str, str]]:
    return [(e["resource"], e["version_id"]) for e in server.sim.events if e.get("type") == kind]


def zip_paths(server: SimServer) -> list[str]:
    return [
        str(e["path"])
        for e in server.sim.events
        if e.get("method") == "GET" and str(e.get("path", "")).endswith(".zip")
    ]


async def run_as_script(command: str, home: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """``command`` split as a POSIX shell would, run by the entry point as a user would."""
    argv = shlex.split(command)
    assert argv[0] == "sqtui"
    monkeypatch.setenv("SQTUI_HOME", str(home))
    monkeypatch.setenv("SQUARECLOUD_API_KEY", KEY)
    monkeypatch.delenv("SQUARECLOUD_API_URL", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal: nobody to ask
    return await asyncio.to_thread(sqtui_main, argv[1:])


async def test_commands_recorded_in_the_app_do_the_same_as_a_script(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = SimConfig(
        seed=31,
        api_key=KEY,
        speed=1000,
        generation_seconds=20,
        snapshot_mb=0.05,
        apps=2,
        databases=1,
        snapshots_per_resource=4,
    )
    app_home, script_home = tmp_path / "app", tmp_path / "script"
    files = tmp_path / "app files"
    with SimServer(config) as server:
        created, restored, downloaded = server.sim.state()["resources"]
        restore_version = second_newest(server, restored)
        download_version = second_newest(server, downloaded)
        settings = RunSettings(
            locations=Locations.under(app_home),
            api_url=server.base_url,
            key=KeySource(api_key=KEY, origin="session"),
            time_scale=1000.0,
        )
        app = SqtuiApp(settings)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
            main = app.screen
            assert isinstance(main, MainScreen)
            await wait_for(pilot, lambda: main.table.row_count > 0)

            main.jump_to(created["id"])
            await pilot.press("n")
            await wait_for(pilot, lambda: len(entries(app_home)) == 1)

            main.jump_to(restored["id"])
            await select_version(pilot, main, restore_version)
            await pilot.press("r")
            await wait_for(pilot, lambda: isinstance(app.screen, RestoreDialog))
            app.screen.query_one("#safety").value = True  # type: ignore[attr-defined]
            await pilot.press(*restored["name"], "enter")
            await wait_for(pilot, lambda: len(entries(app_home)) == 3)

            main.jump_to(downloaded["id"])
            await select_version(pilot, main, download_version)
            main.workspace.last_download_dir = files
            await pilot.press("d")
            await wait_for(pilot, lambda: isinstance(app.screen, DownloadDialog))
            await pilot.press("enter")
            await wait_for(pilot, lambda: len(entries(app_home)) == 4, within=15)
            assert not any("failed" in n for n in notifications(app))

        recorded = commands(app_home)
        assert [action for action, _ in recorded] == [
            "create",
            "safety-snapshot",
            "restore",
            "download",
        ]
        assert [e["outcome"] for e in entries(app_home)] == ["ok"] * 4
        (_, create), (_, safety), (_, restore), (_, download) = recorded
        # The safety snapshot is the restore's to take: --safety-snapshot.
        assert safety is None and create and restore and download
        api = shlex.quote(server.base_url)
        assert create == f"sqtui snapshots create {created['id']} --api-url {api}"
        assert restore == (
            f"sqtui snapshots restore {restored['id']} --version {restore_version} --yes "
            f"--safety-snapshot --api-url {api}"
        )
        assert download == (
            f"sqtui snapshots download {downloaded['id']} --version {download_version} "
            f"--output {shlex.quote(str(files))} --api-url {api}"
        )
        [app_file] = files.iterdir()
        app_digest = sha256(app_file)
        app_names = zipfile.ZipFile(app_file).namelist()
        # Moved aside: the command, run as is, does not overwrite a file.
        kept = app_file.rename(tmp_path / "from-the-app.zip")

        before = {kind: events(server, kind) for kind in ("snapshot_created", "restore_started")}
        zips_before = zip_paths(server)
        # Each in a home of its own: two creates within seconds would meet the account's
        # cooldown, remembered in the history, which is not what is compared here.
        homes = [script_home / action for action in ("create", "restore", "download")]
        for command, home in zip((create, restore, download), homes, strict=True):
            code = await run_as_script(command, home, monkeypatch)
            assert code == ExitCode.OK, capsys.readouterr().err

        # The same requests, for the same resources and versions.
        made = events(server, "snapshot_created")[len(before["snapshot_created"]) :]
        assert [rid for rid, _ in made] == [rid for rid, _ in before["snapshot_created"]]
        assert [rid for rid, _ in made] == [created["id"], restored["id"]]
        started = events(server, "restore_started")[len(before["restore_started"]) :]
        assert started == before["restore_started"] == [(restored["id"], restore_version)]
        app_zips = [p for p in zips_before if download_version in p or downloaded["id"] in p]
        script_zips = zip_paths(server)[len(zips_before) :]
        assert app_zips and set(script_zips) == set(app_zips)
        # The same file, at the same path.
        assert app_file.exists() and sha256(app_file) == app_digest == sha256(kept)
        assert zipfile.ZipFile(app_file).namelist() == app_names
    # And the script, doing it, records the very same commands, of the same version.
    assert [line for home in homes for line in commands(home)] == recorded
    assert entries(homes[2])[-1]["snapshot"] == download_version
    assert entries(homes[2])[-1]["sha256"] == app_digest
