"""Download, restore and history, driven with the keyboard against the simulator."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path
from typing import Any

from sqtui.sim import Fault, SimConfig
from sqtui.ui.screens.download_dialog import DownloadDialog
from sqtui.ui.screens.history import HistoryScreen
from sqtui.ui.screens.main import MainScreen
from sqtui.ui.screens.restore_dialog import RestoreDialog
from tests.ui.conftest import Harness, notifications, wait_for
from tests.ui.loopback import on_loopback
from tests.ui.test_main_screen import loaded, main_of

SIZE = (100, 30)


async def open_download_dialog(pilot: Any, h: Harness, directory: Path) -> DownloadDialog:
    await wait_for(pilot, loaded(h))
    main_of(h).workspace.last_download_dir = directory
    await pilot.press("tab", "d")
    await wait_for(pilot, lambda: isinstance(h.app.screen, DownloadDialog))
    dialog = h.app.screen
    assert isinstance(dialog, DownloadDialog)
    return dialog


async def test_download_writes_a_verified_file_and_records_it(
    make_harness: Any, tmp_path: Path
) -> None:
    with on_loopback(make_harness()) as h:
        target_dir = tmp_path / "backups"
        async with h.app.run_test(size=SIZE) as pilot:
            dialog = await open_download_dialog(pilot, h, target_dir)
            snap = dialog.snapshot
            assert "Free space" in str(dialog.query_one("#space").render())
            await pilot.press("enter")
            main = main_of(h)
            await wait_for(
                pilot, lambda: any(t.state == "done" for t in main.downloads.transfers.values())
            )
            [path] = list(target_dir.iterdir())
            assert path.name == dialog.filename and path.name.startswith("api-gateway_")
            data = path.read_bytes()
            assert len(data) == snap.size
            assert zipfile.ZipFile(path).testzip() is None
            digest = hashlib.sha256(data).hexdigest()
            await wait_for(pilot, lambda: any(digest in n for n in notifications(h.app)))
            await pilot.press("h")
            await wait_for(pilot, lambda: isinstance(h.app.screen, HistoryScreen))
            history = h.app.screen
            assert isinstance(history, HistoryScreen)
            [entry] = history.history.read()
            assert (entry.action, entry.outcome, entry.sha256) == ("download", "ok", digest)
            assert entry.path == str(path)
            await pilot.press("enter")
            await wait_for(
                pilot, lambda: any("History entry" in n.title for n in h.app._notifications)
            )
            details = next(n.message for n in h.app._notifications if n.title == "History entry")
            assert f"SHA-256 {digest}" in details and str(path) in details
        assert "Signature" not in (tmp_path / "state" / "history.jsonl").read_text()


async def test_an_existing_file_is_never_overwritten(make_harness: Any, tmp_path: Path) -> None:
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        dialog = await open_download_dialog(pilot, h, tmp_path)
        existing = tmp_path / dialog.filename
        existing.write_bytes(b"precious")
        dialog._check()
        assert dialog.query_one("#start").disabled  # type: ignore[attr-defined]
        assert "will not be overwritten" in str(dialog.query_one("#space").render())
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(h.app.screen, DownloadDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(h.app.screen, MainScreen)
    assert existing.read_bytes() == b"precious"


async def test_cancel_a_running_download_leaves_nothing(make_harness: Any, tmp_path: Path) -> None:
    with on_loopback(make_harness(sim=SimConfig(seed=3, speed=1, snapshot_mb=0.05))) as h:
        h.sim.add_fault(Fault(method="GET", path=r"^/snapshots/", delay=60))
        async with h.app.run_test(size=SIZE) as pilot:
            await open_download_dialog(pilot, h, tmp_path / "dl")
            await pilot.press("enter")
            main = main_of(h)
            await wait_for(pilot, lambda: bool(main.downloads.running))
            assert main.busy()  # quitting now would ask
            main.downloads.focus()
            await pilot.press("x")
            await wait_for(pilot, lambda: not main.downloads.running)
            [transfer] = main.downloads.transfers.values()
            assert transfer.state == "cancelled"
            await wait_for(pilot, lambda: any("cancelled" in n for n in notifications(h.app)))
        assert not (tmp_path / "dl").exists() or list((tmp_path / "dl").iterdir()) == []


async def open_restore_dialog(pilot: Any, h: Harness) -> RestoreDialog:
    await wait_for(pilot, loaded(h))
    await pilot.press("tab", "j", "r")
    await wait_for(pilot, lambda: isinstance(h.app.screen, RestoreDialog))
    dialog = h.app.screen
    assert isinstance(dialog, RestoreDialog)
    return dialog


async def test_restore_needs_the_exact_name_and_takes_a_safety_snapshot_first(
    make_harness: Any,
) -> None:
    h = make_harness(sim=SimConfig(seed=3, speed=1000, generation_seconds=20, snapshot_mb=0.05))
    async with h.app.run_test(size=SIZE) as pilot:
        dialog = await open_restore_dialog(pilot, h)
        chosen = dialog.snapshot
        safety = dialog.query_one("#safety")
        assert safety.value is True and not safety.disabled  # type: ignore[attr-defined]
        await pilot.press(*"api-gatewa", "enter")
        await pilot.pause()
        assert isinstance(h.app.screen, RestoreDialog)  # wrong name: still open
        assert dialog.query_one("#restore-button").disabled  # type: ignore[attr-defined]
        assert h.requests("POST", "/restore") == []
        await pilot.press("y", "enter")
        await wait_for(pilot, lambda: isinstance(h.app.screen, MainScreen))
        await wait_for(pilot, lambda: any("restored" in n for n in notifications(h.app)))
        posts = [e["path"] for e in h.sim.events if e.get("method") == "POST"]
        assert posts[0].endswith("/snapshots") and posts[1].endswith("/snapshots/restore")
        restore_started = [e for e in h.sim.events if e.get("type") == "restore_started"]
        assert restore_started and restore_started[0]["version_id"] == chosen.version_id
        entries = main_of(h).workspace.history.read()
        assert [(e.action, e.outcome) for e in entries] == [
            ("restore", "ok"),
            ("safety-snapshot", "ok"),
        ]


async def test_restore_in_progress_is_reported_plainly(make_harness: Any) -> None:
    h = make_harness()
    h.sim.add_fault(
        Fault(method="POST", path=r"/snapshots/restore$", status=409, code="RESTORE_IN_PROGRESS")
    )
    async with h.app.run_test(size=SIZE) as pilot:
        dialog = await open_restore_dialog(pilot, h)
        dialog.query_one("#safety").value = False  # type: ignore[attr-defined]
        await pilot.press(*"api-gateway", "enter")
        await wait_for(pilot, lambda: any("RESTORE_IN_PROGRESS" in n for n in notifications(h.app)))
        await wait_for(pilot, lambda: any("still running" in n for n in notifications(h.app)))
        assert h.requests("POST", "/snapshots") == h.requests("POST", "/restore")  # no safety
        [entry] = main_of(h).workspace.history.read()
        assert (entry.action, entry.outcome) == ("restore", "failed")


async def test_safety_snapshot_is_off_and_explained_during_a_cooldown(make_harness: Any) -> None:
    h = make_harness(time_scale=1.0)
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        await pilot.press("n")
        await wait_for(pilot, lambda: len(h.requests("POST", "/snapshots")) == 1)
        dialog = await open_restore_dialog(pilot, h)
        safety = dialog.query_one("#safety")
        assert safety.value is False and safety.disabled  # type: ignore[attr-defined]
        texts = " ".join(str(w.render()) for w in dialog.query(".note"))
        assert "Not possible now" in texts and "cooldown" in texts


async def test_read_only_refuses_restore(make_harness: Any) -> None:
    h = make_harness(read_only=True)
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        await pilot.press("tab", "r")
        await pilot.pause()
        assert isinstance(h.app.screen, MainScreen)
        await wait_for(pilot, lambda: any("Read-only" in n for n in notifications(h.app)))
        assert h.requests("POST", "/restore") == []


async def test_dialogs_fit_in_80_by_24_with_their_buttons_visible(make_harness: Any) -> None:
    h = make_harness()
    async with h.app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, loaded(h))
        screen_region = h.app.screen.region
        for key, dialog_type, button in (
            ("d", DownloadDialog, "#start"),
            ("r", RestoreDialog, "#restore-button"),
        ):
            await pilot.press("tab", key)
            await wait_for(pilot, lambda t=dialog_type: isinstance(h.app.screen, t))  # type: ignore[misc]
            await pilot.pause()
            region = h.app.screen.query_one(button).region
            assert region.height > 0 and screen_region.contains_region(region), region
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(h.app.screen, MainScreen))


async def test_several_downloads_run_at_once(make_harness: Any, tmp_path: Path) -> None:
    with on_loopback(make_harness(sim=SimConfig(seed=3, speed=50, snapshot_mb=0.05))) as h:
        # Each download waits a little on the host, so both are seen running together.
        h.sim.add_fault(Fault(method="GET", path=r"^/snapshots/", delay=100, times=2))
        async with h.app.run_test(size=SIZE) as pilot:
            await open_download_dialog(pilot, h, tmp_path)
            await pilot.press("enter")
            main = main_of(h)
            await wait_for(pilot, lambda: isinstance(h.app.screen, MainScreen))
            main.table.focus()
            await pilot.press("j", "d")
            await wait_for(pilot, lambda: isinstance(h.app.screen, DownloadDialog))
            await pilot.press("enter")
            await wait_for(pilot, lambda: len(main.downloads.running) == 2)
            await wait_for(
                pilot,
                lambda: [t.state for t in main.downloads.transfers.values()] == ["done", "done"],
            )
        files = zips_in(tmp_path)
        assert len(files) == 2 and all(f.startswith("api-gateway_") for f in files)


def zips_in(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.suffix == ".zip")
