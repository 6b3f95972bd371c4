"""``t``: time travel to the newest snapshot taken at or before a moment, with Pilot.

The simulator takes its automatic snapshots once a day between 03:00 and 04:00 UTC;
the clock is fixed at ten past midnight local time, so "yesterday" is a different UTC
day west and east of UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from textual.pilot import Pilot
from textual.widgets import Input, Static

from sqtui.api.models import Snapshot
from sqtui.display import local_time
from sqtui.sim import FakeClock
from sqtui.ui.screens.download_dialog import DownloadDialog
from sqtui.ui.screens.help import HelpScreen
from sqtui.ui.screens.main import MainScreen
from sqtui.ui.screens.moment_dialog import MomentDialog
from tests.ui.conftest import Harness, notifications, wait_for
from tests.ui.test_main_screen import SIZE, loaded, main_of

# The UTC day of the snapshot "yesterday 03:00" (or 2:00) picks at 2026-11-22 00:10 local:
# yesterday early morning is still the 21st in UTC west of it, already the 20th east.
YESTERDAY_EARLY_PICKS = {"America/New_York": date(2026, 11, 21), "Asia/Tokyo": date(2026, 11, 20)}


def harness_at_ten_past_midnight(make_harness: Any, zone: str) -> Harness:
    start = datetime(2026, 11, 22, 0, 10, tzinfo=ZoneInfo(zone)).timestamp()
    h: Harness = make_harness(fixed_clock=FakeClock(start))
    return h


def newest_by(snapshots: list[Snapshot], moment: datetime) -> Snapshot:
    return max((s for s in snapshots if s.modified <= moment), key=lambda s: s.modified)


async def travel(pilot: Pilot[Any], h: Harness, text: str) -> MomentDialog:
    """Press ``t`` and type ``text`` (not yet submitted)."""
    await pilot.press("t")
    await wait_for(pilot, lambda: isinstance(h.app.screen, MomentDialog))
    await pilot.pause()
    await pilot.press(*text)
    dialog = h.app.screen
    assert isinstance(dialog, MomentDialog)
    assert dialog.query_one(Input).value == text
    return dialog


async def travel_to(pilot: Pilot[Any], h: Harness, text: str) -> None:
    """Press ``t``, type ``text`` and submit it: back on the main screen."""
    await travel(pilot, h, text)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(h.app.screen, MainScreen))


def error_line(dialog: MomentDialog) -> str:
    return str(dialog.query_one("#moment-error", Static).render())


async def test_yesterday_0300_picks_the_right_row_across_the_day_boundary(
    make_harness: Any, zone: str
) -> None:
    h = harness_at_ten_past_midnight(make_harness, zone)
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        main = main_of(h)
        assert main.table.selected == main.table._sorted()[0]
        await travel_to(pilot, h, "yesterday 03:00")
        moment = datetime(2026, 11, 21, 3, 0, tzinfo=ZoneInfo(zone))
        expected = newest_by(main.table.snapshots, moment)
        assert expected.modified.date() == YESTERDAY_EARLY_PICKS[zone]
        await wait_for(pilot, lambda: main.table.selected == expected)
        assert main.table.has_focus
        said = notifications(h.app)[-1]
        assert f"Selected the snapshot of {local_time(expected.modified)}" in said
        assert "before 2026-11-21 03:00" in said
        assert "r restores it, d downloads it" in said
        # Ready for d: the download dialog is for that snapshot.
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(h.app.screen, DownloadDialog))
        dialog = h.app.screen
        assert isinstance(dialog, DownloadDialog)
        assert dialog.snapshot == expected


async def test_an_iso_time_with_z_and_a_bare_time_of_yesterday(
    make_harness: Any, zone: str
) -> None:
    h = harness_at_ten_past_midnight(make_harness, zone)
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        main = main_of(h)
        await travel_to(pilot, h, "2026-11-19T12:00Z")
        selected = main.table.selected
        assert selected is not None and selected.modified.date() == date(2026, 11, 19)
        # 2:00 asked at 00:10 is yesterday's 2:00 (today's is still to come).
        await travel_to(pilot, h, "2:00")
        moment = datetime(2026, 11, 21, 2, 0, tzinfo=ZoneInfo(zone))
        expected = newest_by(main.table.snapshots, moment)
        assert expected.modified.date() == YESTERDAY_EARLY_PICKS[zone]
        await wait_for(pilot, lambda: main.table.selected == expected)


async def test_garbage_keeps_the_dialog_open_with_the_forms_and_escape_cancels(
    make_harness: Any,
) -> None:
    h = make_harness(fixed_clock=FakeClock())
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        main = main_of(h)
        before = main.table.selected
        dialog = await travel(pilot, h, "soon-ish")
        await pilot.press("enter")
        await pilot.pause()
        assert h.app.screen is dialog
        assert "not a time sqtui understands" in error_line(dialog)
        assert "yesterday 03:00" in error_line(dialog)
        await pilot.press("backspace")
        await pilot.pause()
        assert error_line(dialog) == ""
        dialog.query_one(Input).value = "today 23:59"
        await pilot.press("enter")
        await pilot.pause()
        assert "still to come" in error_line(dialog)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(h.app.screen, MainScreen))
        assert main.table.selected == before
        assert not any("Selected the snapshot" in n for n in notifications(h.app))


async def test_nothing_taken_by_then_warns_naming_the_oldest(make_harness: Any) -> None:
    h = make_harness(fixed_clock=FakeClock())
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        main = main_of(h)
        before = main.table.selected
        oldest = min(s.modified for s in main.table.snapshots)
        await travel_to(pilot, h, "2020-01-01")
        await wait_for(pilot, lambda: "no snapshot taken" in notifications(h.app)[-1])
        said = notifications(h.app)[-1]
        assert said.startswith("api-gateway has no snapshot taken at or before 2020-01-01 23:59")
        assert f"the oldest was taken {local_time(oldest)}" in said
        assert main.table.selected == before


async def test_a_filter_matching_nothing_says_nothing_is_selected(make_harness: Any) -> None:
    h = make_harness(fixed_clock=FakeClock())
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        main = main_of(h)
        await pilot.press("slash", *"zzzzqq", "enter")
        await wait_for(pilot, lambda: main.current is None)
        await pilot.press("t")
        await pilot.pause()
        said = notifications(h.app)
        assert any("matches no application or database" in n for n in said), said
        assert isinstance(h.app.screen, MainScreen)


async def test_help_lists_t_and_the_footer_does_not(make_harness: Any) -> None:
    h = make_harness(fixed_clock=FakeClock())
    async with h.app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, loaded(h))
        footer = str(main_of(h).query_one("KeysFooter").render())
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(h.app.screen, HelpScreen))
        help_screen = h.app.screen
        assert isinstance(help_screen, HelpScreen)
        rows = [r for r in help_screen.rows if r.action == "time_travel"]
        assert [r.keys for r in rows] == ["t"]
        assert "newest snapshot taken at or before a moment" in rows[0].what
        assert "Time travel" not in footer
