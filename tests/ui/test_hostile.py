"""Server data never crashes the app: odd names, dates at the ends of time, duplicates.

The data comes from a stand-in API serving exactly the JSON written here, through the
real client and the real screens.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandList, CommandPalette
from textual.widgets import Static

from sqtui.ui.screens.main import MainScreen
from sqtui.ui.widgets.snapshot_table import SnapshotTable
from tests.ui.conftest import notifications, wait_for
from tests.ui.fake_api import FakeApi, account_json, app_json, db_json, snap_json

SIZE = (100, 30)

MARKUP_NAMES = [
    "cron[/5]",
    "[link=file:///etc/passwd]a[/]",
    "[@click=app.quit]x[/]",
    "[bold red]x[/]",
    "api [v2]",
]

A = "a" * 32
B = "b" * 32
D = "d" * 32


def main_of(app: Any) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen


def shown(app: Any) -> Callable[[], bool]:
    def check() -> bool:
        screen = app.screen
        return isinstance(screen, MainScreen) and screen.current is not None

    return check


def sidebar_lines(app: Any) -> list[str]:
    option_list = main_of(app).sidebar.option_list
    return [str(option_list.get_option_at_index(i).prompt) for i in range(option_list.option_count)]


def palette_lines(app: Any) -> list[str]:
    command_list = app.screen.query_one(CommandList)
    return [
        str(command_list.get_option_at_index(i).prompt).split("\n")[0]
        for i in range(command_list.option_count)
    ]


def hostile_api() -> FakeApi:
    apps = [app_json(f"{i:032x}", name) for i, name in enumerate(MARKUP_NAMES, start=1)]
    return FakeApi(
        account_json(apps, [db_json(D, "orders-pg")]),
        listings={apps[0]["id"]: [snap_json(apps[0]["id"], "v1", "2026-11-21T03:00:00Z")]},
    )


async def test_markup_names_show_literally_in_sidebar_title_and_palette(tmp_path: Path) -> None:
    api = hostile_api()
    app = api.app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, shown(app))
        lines = sidebar_lines(app)
        for name in MARKUP_NAMES:
            assert any(name in line for line in lines), (name, lines)
        # The palette: every resource before typing, then the hits of a query.
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        for query, name in [
            ("cron", "cron[/5]"),
            ("link", "[link=file:///etc/passwd]a[/]"),
            ("click", "[@click=app.quit]x[/]"),
            ("bold", "[bold red]x[/]"),
            ("v2", "api [v2]"),
        ]:
            await pilot.press(*query)

            def hit(name: str = name) -> bool:
                return any(name in h for h in palette_lines(app))

            await wait_for(pilot, hit)
            for _ in query:
                await pilot.press("backspace")
        # A click on the hit named after app.quit opens it; it never quits.
        await pilot.press(*"click")
        await wait_for(pilot, lambda: any("@click" in h for h in palette_lines(app)))
        await pilot.click(CommandList, offset=(4, 1))
        await pilot.pause()
        assert app.is_running
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        main = main_of(app)
        await wait_for(pilot, lambda: main.current is not None and "@click" in main.current.name)
        title = str(main.query_one("#title", Static).render())
        assert "[@click=app.quit]x[/]" in title
        # Clicking the title (where a live link would be) does nothing either.
        await pilot.click("#title", offset=(2, 0))
        await pilot.pause()
        assert app.is_running


async def test_notifications_name_markup_resources_literally(tmp_path: Path) -> None:
    api = hostile_api()
    api.created = {"url": "https://snapshots.example/x.zip?versionId=v9", "key": "versionId=v9"}
    app = api.app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, shown(app))
        await pilot.press("n")
        await wait_for(pilot, lambda: any("cron[/5]" in n for n in notifications(app)))


DATES = ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00+14:00"]


async def test_dates_at_the_ends_of_the_calendar_show_a_placeholder(
    tmp_path: Path, zone: str
) -> None:
    # Manual ones count against the quota: its gauge does date arithmetic too.
    listing = [snap_json(A, f"v{i}", when, origin="manual") for i, when in enumerate(DATES)]
    listing.append(snap_json(A, "vok", "2026-11-21T03:00:00Z"))
    api = FakeApi(account_json([app_json(A, "api")], []), listings={A: listing})
    app = api.app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: shown(app)() and main_of(app).table.row_count == 4)
        table = main_of(app).query_one(SnapshotTable)
        cells = [str(c) for i in range(4) for c in table.get_row_at(i)]
        assert any("unknown time" in c for c in cells)
        for key in ("s", "s", "s", "s"):
            await pilot.press("tab", key)
            await pilot.pause()
        # A second start, from the cache written by the first, also shows it.
        assert app.is_running
    again = api.app(tmp_path)
    async with again.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: shown(again)() and main_of(again).table.row_count == 4)


async def test_duplicate_resources_and_snapshots_are_shown_once(tmp_path: Path) -> None:
    snap = snap_json(A, "v1", "2026-11-21T03:00:00Z")
    api = FakeApi(
        account_json([app_json(A, "api"), app_json(A, "api again")], [db_json(A, "same id")]),
        listings={A: [snap, snap, snap_json(A, "v2", "2026-11-20T03:00:00Z")]},
    )
    app = api.app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: shown(app)() and main_of(app).table.row_count > 0)
        main = main_of(app)
        assert main.table.row_count == 2
        assert [r.id for r in main.sidebar.resources] == [A]
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"api")
        await wait_for(pilot, lambda: bool(palette_lines(app)))
        assert app.is_running


LONG = "x" * 4000 + "-end"
HIDDEN = "a\u202eb\u200bc"  # a right-to-left override and a zero-width space


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_long_and_invisible_names_take_one_line_and_show_escaped(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    api = FakeApi(
        account_json([app_json(A, LONG), app_json(B, HIDDEN)], [db_json(D, "orders-pg")]),
        listings={A: [snap_json(A, "v1", "2026-11-21T03:00:00Z")]},
    )
    app = api.app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: shown(app)() and main_of(app).table.row_count == 1)
        main = main_of(app)
        lines = screen_lines(app)
        sidebar = main.sidebar.option_list
        # Each resource on one line: headers and three resources in the first rows.
        assert sidebar.virtual_size.height == 5, sidebar.virtual_size
        assert any("xxxx…" in line for line in lines[:4])
        assert any("a\\u202eb\\u200bc" in line for line in lines)
        assert "\u202e" not in "\n".join(lines)
        # The title names the resource on one line, its counts still in view.
        title = lines[1]
        assert "…" in title and "1 snapshot" in title
        # The palette: one line per resource, escaped.
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"u202e")
        await wait_for(pilot, lambda: any("a\\u202eb\\u200bc" in h for h in palette_lines(app)))
        for _ in "u202e":
            await pilot.press("backspace")
        await pilot.press(*"xxxx")
        await wait_for(pilot, lambda: any("xxx" in h for h in palette_lines(app)))
        assert all(len(h) < 200 for h in palette_lines(app))
        assert app.is_running


def screen_lines(app: Any) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]
