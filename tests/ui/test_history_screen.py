"""The history screen (filter, keys, whole SHA-256 and API) and a start with broken local files."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from sqtui.domain.history import History, HistoryEntry
from sqtui.ui.screens.history import HistoryScreen, HistoryTable
from sqtui.ui.screens.main import MainScreen

from .conftest import Harness, notifications, wait_for

T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
DIGEST = "0123456789abcdef" * 4
API = "https://api.squarecloud.app/v2"


def entry(n: int, action: str, outcome: str, name: str, **more: Any) -> HistoryEntry:
    return HistoryEntry(
        time=T0 + timedelta(minutes=n),
        action=action,  # type: ignore[arg-type]
        outcome=outcome,  # type: ignore[arg-type]
        profile="default",
        resource_id=f"{n:032d}",
        resource_name=name,
        resource_kind="app",
        snapshot=None,
        snapshot_time=None,
        **more,
    )


def seed_history(home: Path) -> list[HistoryEntry]:
    history = History(home / "state" / "history.jsonl")
    entries = [
        entry(0, "create", "ok", "worker", api_url=API),
        entry(1, "download", "ok", "orders-pg", path="/backups/orders.zip", sha256=DIGEST),
        entry(2, "restore", "failed", "worker", detail="[SNAPSHOT_FAILED] it broke"),
        entry(3, "create", "refused", "api-gateway", detail="cooldown: wait 2 min"),
        entry(4, "restore", "ok", "orders-pg", api_url="http://127.0.0.1:8787/v2"),
    ]
    for item in entries:
        history.append(item)
    return entries


async def open_history(pilot: Any, h: Harness) -> HistoryScreen:
    await wait_for(pilot, lambda: isinstance(h.app.screen, MainScreen))
    await pilot.press("h")
    await wait_for(pilot, lambda: isinstance(h.app.screen, HistoryScreen))
    screen = h.app.screen
    assert isinstance(screen, HistoryScreen)
    return screen


def names(screen: HistoryScreen) -> list[tuple[str, str, str]]:
    return [(e.action, e.outcome, e.resource_name) for e in screen.shown]


def rendered(screen: HistoryScreen, selector: str) -> str:
    return str(screen.query_one(selector).render())


async def test_slash_filters_by_resource_action_outcome_and_text(
    make_harness: Any, tmp_path: Path
) -> None:
    seed_history(tmp_path)
    h = make_harness()
    async with h.app.run_test(size=(100, 30)) as pilot:
        screen = await open_history(pilot, h)
        table = screen.query_one(HistoryTable)
        assert table.row_count == 5
        await pilot.press("slash", *"restore")
        await pilot.pause()
        assert names(screen) == [("restore", "ok", "orders-pg"), ("restore", "failed", "worker")]
        assert table.row_count == 2
        await pilot.press("space", *"failed")
        await pilot.pause()
        assert names(screen) == [("restore", "failed", "worker")]
        # Escape clears the filter, then closes.
        await pilot.press("escape")
        await pilot.pause()
        assert table.row_count == 5 and isinstance(h.app.screen, HistoryScreen)
        await pilot.press("slash", *"SNAPSHOT_FAILED", "enter")
        await pilot.pause()
        assert names(screen) == [("restore", "failed", "worker")]
        await pilot.press("escape", "slash", *"zzz-nothing")
        await pilot.pause()
        assert table.row_count == 0
        assert "No entry matches" in rendered(screen, "#history-detail")
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: isinstance(h.app.screen, MainScreen))


async def test_typing_q_or_h_in_the_filter_does_not_close_it(
    make_harness: Any, tmp_path: Path
) -> None:
    seed_history(tmp_path)
    h = make_harness()
    async with h.app.run_test(size=(100, 30)) as pilot:
        screen = await open_history(pilot, h)
        await pilot.press("slash", *"qh")
        await pilot.pause()
        assert isinstance(h.app.screen, HistoryScreen)
        assert screen.query_one("#history-filter", Input).value == "qh"
        await pilot.press("backspace", "backspace", *"gateway")
        await pilot.pause()
        assert names(screen) == [("create", "refused", "api-gateway")]


async def test_j_k_g_G_home_end_move_through_the_entries(make_harness: Any, tmp_path: Path) -> None:
    seed_history(tmp_path)
    h = make_harness()
    async with h.app.run_test(size=(100, 30)) as pilot:
        screen = await open_history(pilot, h)
        table = screen.query_one(HistoryTable)
        assert table.cursor_row == 0
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press("G")
        assert table.cursor_row == 4
        await pilot.press("g")
        assert table.cursor_row == 0
        await pilot.press("end")
        assert table.cursor_row == 4
        await pilot.press("home")
        assert table.cursor_row == 0


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_a_whole_sha256_and_the_api_are_shown_for_the_highlighted_entry(
    make_harness: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    seed_history(tmp_path)
    h = make_harness()
    async with h.app.run_test(size=size) as pilot:
        screen = await open_history(pilot, h)
        # Newest first: the download is the fourth row.
        await pilot.press("j", "j", "j")
        await pilot.pause()
        assert names(screen)[3] == ("download", "ok", "orders-pg")
        shown = "".join(rendered(screen, "#history-detail").split())
        assert DIGEST in shown
        assert "API not recorded" in rendered(screen, "#history-detail")
        await pilot.press("G")
        await pilot.pause()
        assert f"API {API}" in rendered(screen, "#history-detail")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(f"API {API}" in n for n in notifications(h.app)))


async def test_an_unreadable_history_says_so_on_the_screen(
    make_harness: Any, tmp_path: Path
) -> None:
    (tmp_path / "state" / "history.jsonl").mkdir(parents=True)
    h = make_harness()
    async with h.app.run_test(size=(100, 30)) as pilot:
        screen = await open_history(pilot, h)
        assert "History unreadable" in rendered(screen, "#history-note")
        assert "Nothing yet" not in rendered(screen, "#history-note")


async def test_server_text_in_the_history_is_shown_literally(
    make_harness: Any, tmp_path: Path
) -> None:
    history = History(tmp_path / "state" / "history.jsonl")
    history.append(entry(0, "create", "ok", "[bold red]x[/]\u202eevil", detail="[link=x]y[/]"))
    h = make_harness()
    async with h.app.run_test(size=(100, 30)) as pilot:
        screen = await open_history(pilot, h)
        detail = rendered(screen, "#history-detail")
        assert "[bold red]x[/]\\u202eevil" in detail and "[link=x]y[/]" in detail


async def test_a_start_with_broken_local_files_warns_once_each_and_works(
    make_harness: Any, tmp_path: Path
) -> None:
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "history.jsonl").mkdir()
    (tmp_path / "state" / "pending.json").write_bytes(b" " * ((1 << 20) + 1))
    (tmp_path / "cache").write_text("a file where the cache folder goes")
    h = make_harness()
    async with h.app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(h.app.screen, MainScreen))
        main = h.app.screen
        assert isinstance(main, MainScreen)
        await wait_for(pilot, lambda: main.table.row_count > 0)
        said = notifications(h.app)
        assert sum("history" in n and "could not be read" in n for n in said) == 1
        assert sum("pending.json is 1.0 MiB" in n for n in said) == 1
        assert sum("cache cannot be used" in n for n in said) == 1
        assert not any("Traceback" in n for n in said)


async def test_history_lines_written_by_the_app_record_the_api(
    make_harness: Any, tmp_path: Path
) -> None:
    h = make_harness()
    async with h.app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(h.app.screen, MainScreen))
        main = h.app.screen
        assert isinstance(main, MainScreen)
        await wait_for(pilot, lambda: main.table.row_count > 0)
        await pilot.press("n")
        path = tmp_path / "state" / "history.jsonl"
        await wait_for(pilot, lambda: path.exists() and path.read_text().strip() != "")
        first = json.loads(path.read_text().splitlines()[0])
        assert first["api_url"] == h.app.settings.api_url
