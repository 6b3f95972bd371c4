"""The download dialog's folder: an empty one is refused, a relative or ``~`` one becomes
absolute before anything is written or recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, Input

from sqtui.ui.screens.download_dialog import DownloadDialog
from sqtui.ui.screens.main import MainScreen
from tests.ui.conftest import wait_for
from tests.ui.loopback import on_loopback
from tests.ui.test_download_restore import open_download_dialog
from tests.ui.test_main_screen import main_of

SIZE = (100, 30)


async def test_an_empty_folder_is_refused_and_the_dialog_stays_open(
    make_harness: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started_in = tmp_path / "cwd"
    started_in.mkdir()
    monkeypatch.chdir(started_in)
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        dialog = await open_download_dialog(pilot, h, tmp_path / "backups")
        await pilot.press("home", "ctrl+k", "space", "space")  # nothing but blanks
        await pilot.pause()
        assert dialog.query_one("#directory", Input).value.strip() == ""
        assert dialog.query_one("#start", Button).disabled
        assert "Choose a folder" in str(dialog.query_one("#space").render())
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(h.app.screen, DownloadDialog)
        assert not main_of_stack(h).downloads.transfers
    assert list(started_in.iterdir()) == []


def main_of_stack(h: Any) -> MainScreen:
    return next(s for s in h.app.screen_stack if isinstance(s, MainScreen))


@pytest.mark.parametrize("typed", ["rel/backups", "~/backups"])
async def test_a_relative_or_home_folder_is_made_absolute(
    make_harness: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, typed: str
) -> None:
    started_in = tmp_path / "cwd"
    started_in.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.chdir(started_in)
    monkeypatch.setenv("HOME", str(home))
    expected = (started_in / typed) if typed.startswith("rel") else home / "backups"
    with on_loopback(make_harness()) as h:
        async with h.app.run_test(size=SIZE) as pilot:
            dialog = await open_download_dialog(pilot, h, tmp_path / "elsewhere")
            await pilot.press("home", "ctrl+k", *typed)
            await pilot.pause()
            assert not dialog.query_one("#start", Button).disabled
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(h.app.screen, MainScreen))
            main = main_of(h)
            [transfer] = main.downloads.transfers.values()
            assert transfer.path.is_absolute() and transfer.path.parent == expected
            await wait_for(pilot, lambda: transfer.state == "done")
            [entry] = main.workspace.history.read()
            assert entry.path == str(expected / dialog.filename)
            # The folder used is offered again next time, absolute.
            assert main.workspace.last_download_dir == expected
        assert (expected / dialog.filename).is_file()


async def test_the_dialog_refuses_a_disk_without_the_engines_margin(
    make_harness: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        dialog = await open_download_dialog(pilot, h, tmp_path / "backups")
        # Room for the file itself, not for the margin the engine keeps free.
        size = dialog.snapshot.size
        monkeypatch.setattr("sqtui.domain.download.files.free_space", lambda _: size + 1)
        await pilot.press("end", "x")
        await pilot.pause()
        said = str(dialog.query_one("#space").render())
        assert "Not enough space" in said and "kept free" in said
        assert dialog.query_one("#start", Button).disabled
