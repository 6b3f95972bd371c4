"""The snapshot table and the sidebar as a new user meets them at 80x24 and 100x30."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from sqtui.api.models import ResourceKind
from sqtui.domain.pending import PendingReason, PendingSnapshot
from sqtui.sim import SimConfig
from sqtui.ui.activity import Activity
from sqtui.ui.screens.main import MainScreen
from tests.ui.conftest import Harness, notifications, wait_for
from tests.ui.test_main_screen import settled

SIZES = [(80, 24), (100, 30)]


def loaded(h: Harness) -> Callable[[], bool]:
    def check() -> bool:
        screen = h.app.screen
        return isinstance(screen, MainScreen) and screen.table.row_count > 0

    return check


def main_of(h: Harness) -> MainScreen:
    screen = h.app.screen
    assert isinstance(screen, MainScreen)
    return screen


def screen_text(h: Harness) -> str:
    """What the terminal shows, line by line."""
    return "\n".join(strip.text for strip in h.app.screen._compositor.render_strips())


def table_text(h: Harness) -> list[str]:
    """The table's lines as shown (the part right of the sidebar)."""
    table = main_of(h).table
    region = table.region
    lines = screen_text(h).split("\n")
    return [line[region.x : region.right] for line in lines[region.y : region.bottom]]


def sidebar_lines(h: Harness) -> list[str]:
    option_list = main_of(h).sidebar.option_list
    return [str(option_list.get_option_at_index(i).prompt) for i in range(option_list.option_count)]


# -- state words are never cut -------------------------------------------------------


WAITING: list[tuple[int, PendingReason]] = [(42, "requesting"), (50, "processing")]

STATES = [
    "⟳ requesting",
    "⟳ pending",
    "? not seen yet",
    "⟳ safety first",
    "⟲ restoring",
    "↓ 63%",
]


@pytest.mark.parametrize("size", SIZES)
async def test_every_state_word_shows_in_full(make_harness: Any, size: tuple[int, int]) -> None:
    h = make_harness()
    async with h.app.run_test(size=size) as pilot:
        await wait_for(pilot, loaded(h))
        main = main_of(h)
        table = main.table
        resource = main.current
        assert resource is not None
        now = main.session.now()
        pending = [
            PendingSnapshot(
                resource.id, ResourceKind.APP, resource.name, now - timedelta(seconds=s), reason
            )
            for s, reason in WAITING
        ]
        pending.append(
            PendingSnapshot(
                resource.id, ResourceKind.APP, resource.name, now - timedelta(hours=2), "lost"
            )
        )
        snaps = table.snapshots
        table.show(snaps, pending, now)
        since = now - timedelta(minutes=12, seconds=5)
        table.set_activity(snaps[0].version_id, Activity("⟳ safety first", since=since))
        table.set_activity(snaps[1].version_id, Activity("⟲ restoring", since=since))
        table.set_activity(snaps[2].version_id, Activity("↓ 63%"))
        await pilot.pause()
        shown = "\n".join(table_text(h))
        for word in STATES:
            assert word in shown, (word, shown)
        # Time passing (counters gaining a digit) does not cut them either.
        table.tick(now + timedelta(minutes=10))
        await pilot.pause()
        shown = "\n".join(table_text(h))
        for word in STATES:
            assert word in shown, (word, shown)
        # The table never needs scrolling sideways to read them.
        assert table.max_scroll_x == 0


@pytest.mark.parametrize("size", SIZES)
async def test_each_snapshot_says_when_it_expires(make_harness: Any, size: tuple[int, int]) -> None:
    h = make_harness()
    async with h.app.run_test(size=size) as pilot:
        await wait_for(pilot, loaded(h))
        lines = table_text(h)
        assert "Expires" in lines[0]
        table = main_of(h).table
        newest = table._sorted()[0]
        assert newest.kept_until == newest.modified + timedelta(days=30)
        # Listed just now-ish: about 29 or 30 days to go.
        assert any("29 days" in line or "30 days" in line for line in lines[1:3]), lines[:3]


async def test_every_sortable_column_shows_its_arrow(make_harness: Any) -> None:
    h = make_harness()
    async with h.app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, loaded(h))
        await pilot.press("tab")
        seen = []
        for _ in range(4):
            header = table_text(h)[0]
            seen.append(header)
            await pilot.press("s")
            await pilot.pause()
        assert "Modified ▼" in seen[0]
        assert "Size ▼" in seen[1]
        assert "Origin ▲" in seen[2]
        assert "State ▲" in seen[3]


async def test_g_G_home_end_j_k_move_in_the_table(make_harness: Any) -> None:
    h = make_harness()
    async with h.app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, loaded(h))
        table = main_of(h).table
        await pilot.press("tab")
        assert table.cursor_row == 0
        await pilot.press("G")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("g")
        assert table.cursor_row == 0
        await pilot.press("end")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("home")
        assert table.cursor_row == 0
        await pilot.press("j", "j", "k")
        assert table.cursor_row == 1


async def test_a_snapshot_listed_twice_in_the_table_is_one_row(make_harness: Any) -> None:
    h = make_harness()
    async with h.app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, loaded(h))
        table = main_of(h).table
        snaps = table.snapshots
        twin = replace(snaps[0], size=snaps[0].size + 1)
        table.show([*snaps, twin], [], main_of(h).session.now())
        await pilot.pause()
        assert table.row_count == len(snaps)
        assert h.app.is_running


async def test_the_cursor_moves_to_a_new_snapshot_once_it_is_ready(make_harness: Any) -> None:
    # Speed 100: held for 0.9 s, answered 202, listed after 1.5 s.
    h = make_harness(sim=SimConfig(seed=3, speed=100, generation_seconds=150, snapshot_mb=0.05))
    async with h.app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, loaded(h))
        main = main_of(h)
        await pilot.press("tab", "j", "j", "j")
        before = main.table.selected
        assert before is not None
        await pilot.press("n")
        await wait_for(pilot, lambda: bool(main.table.pending))
        await wait_for(pilot, lambda: not main.table.pending and main.table.row_count == 31)
        await wait_for(pilot, lambda: any("is ready" in n for n in notifications(h.app)))
        selected = main.table.selected
        assert selected is not None and selected != before
        assert selected.origin == "manual"
        assert selected == max(main.table.snapshots, key=lambda s: s.modified)


# -- the sidebar ---------------------------------------------------------------------


async def test_sidebar_stops_at_both_ends_instead_of_wrapping(make_harness: Any) -> None:
    h = make_harness()
    async with h.app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, loaded(h))
        main = main_of(h)
        names = [r.name for r in main.sidebar.resources]
        assert main.sidebar.highlighted_resource is not None
        await pilot.press("k", "k", "up")
        assert main.sidebar.highlighted_resource.name == names[0]
        await pilot.press(*["j"] * (len(names) + 3))
        assert main.sidebar.highlighted_resource.name == names[-1]
        await pilot.press("down")
        assert main.sidebar.highlighted_resource.name == names[-1]
        await pilot.press("g")
        assert main.sidebar.highlighted_resource.name == names[0]
        await pilot.press("G")
        assert main.sidebar.highlighted_resource.name == names[-1]
        await pilot.press("home")
        assert main.sidebar.highlighted_resource.name == names[0]
        await pilot.press("end")
        assert main.sidebar.highlighted_resource.name == names[-1]
        await wait_for(pilot, lambda: main.current is not None and main.current.name == names[-1])


async def test_sidebar_sections_count_their_resources(make_harness: Any) -> None:
    h = make_harness()
    async with h.app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, loaded(h))
        lines = sidebar_lines(h)
        assert "APPLICATIONS 3" in lines
        assert "DATABASES 2" in lines
        await pilot.press("slash", *"orders")
        await pilot.pause()
        lines = sidebar_lines(h)
        assert "APPLICATIONS 0/3" in lines
        assert "DATABASES 1/2" in lines


@pytest.mark.parametrize("size", SIZES)
async def test_table_title_counts_snapshots_and_says_the_oldest_age(
    make_harness: Any, size: tuple[int, int]
) -> None:
    h = make_harness()
    async with h.app.run_test(size=size) as pilot:
        await wait_for(pilot, loaded(h))
        title = screen_text(h).split("\n")[1]
        assert "api-gateway" in title
        assert "30 snapshots, oldest 29 days" in title


async def test_escape_in_the_table_clears_the_filter(make_harness: Any) -> None:
    h = make_harness()
    async with h.app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, loaded(h))
        main = main_of(h)
        await pilot.press("slash", *"orders", "enter")
        await wait_for(pilot, lambda: main.current is not None and main.current.name == "orders-pg")
        assert h.app.focused is main.table
        assert not any("api-gateway" in line for line in sidebar_lines(h))
        await pilot.press("escape")
        await pilot.pause()
        assert main.sidebar.filter_input.value == ""
        assert any("api-gateway" in line for line in sidebar_lines(h))
        # Still on what was opened.
        assert main.sidebar.highlighted_resource is not None
        assert main.sidebar.highlighted_resource.name == "orders-pg"
        assert main.current is not None and main.current.name == "orders-pg"


async def test_a_filter_matching_nothing_selects_nothing(make_harness: Any) -> None:
    h = make_harness(time_scale=1.0)
    async with h.app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, loaded(h))
        main = main_of(h)
        await pilot.press("slash", *"zzzzqq", "enter")
        await pilot.pause()
        assert main.sidebar.highlighted_resource is None
        assert main.current is None
        assert main.table.row_count == 0
        await pilot.press("n", "d", "r")
        await pilot.pause()
        said = notifications(h.app)
        assert sum("matches no application or database" in n for n in said) == 3, said
        assert h.requests("POST", "/snapshots") == []
        # Escape shows everything again, and a resource is selected.
        await pilot.press("escape")
        await wait_for(pilot, lambda: main.current is not None)
        assert main.sidebar.highlighted_resource is not None


@pytest.mark.parametrize("read_only", [True, False])
async def test_read_only_hides_new_and_restore_from_the_footer(
    make_harness: Any, read_only: bool
) -> None:
    h = make_harness(read_only=read_only)
    async with h.app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, settled(h))
        # The footer redraws its keys after the focus settles: shown in both modes.
        await wait_for(pilot, lambda: "Download" in screen_text(h).split("\n")[-1])
        footer = screen_text(h).split("\n")[-1]
        assert ("New" in footer) is not read_only
        assert ("Restore" in footer) is not read_only
        assert "Download" in footer
        if read_only:
            # Pressed anyway, they say why.
            await pilot.press("n")
            await wait_for(pilot, lambda: any("Read-only" in n for n in notifications(h.app)))
            await pilot.press("tab", "r")
            await wait_for(pilot, lambda: sum("Read-only" in n for n in notifications(h.app)) >= 2)
            assert h.requests("POST", "/snapshots") == []
