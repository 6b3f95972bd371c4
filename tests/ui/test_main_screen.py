"""The main screen driven with the keyboard against the in-process simulator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqtui.sim import Fault, SimConfig
from sqtui.ui.screens.main import MainScreen
from sqtui.ui.widgets.quota_gauge import QuotaGauge
from sqtui.ui.widgets.sidebar import Sidebar
from sqtui.ui.widgets.snapshot_table import SnapshotTable
from sqtui.ui.widgets.status_bar import StatusBar
from tests.ui.conftest import Harness, notifications, wait_for

SIZE = (100, 30)


def loaded(h: Harness) -> Callable[[], bool]:
    def check() -> bool:
        screen = h.app.screen
        return isinstance(screen, MainScreen) and screen.table.row_count > 0

    return check


def settled(h: Harness) -> Callable[[], bool]:
    """Loaded, and what comes after the first listing (statuses, health, quota) is in."""

    def check() -> bool:
        screen = h.app.screen
        return loaded(h)() and isinstance(screen, MainScreen) and screen.loader.settled

    return check


def main_of(h: Harness) -> MainScreen:
    screen = h.app.screen
    assert isinstance(screen, MainScreen)
    return screen


def sidebar_lines(h: Harness) -> list[str]:
    option_list = main_of(h).sidebar.option_list
    return [str(option_list.get_option_at_index(i).prompt) for i in range(option_list.option_count)]


async def test_loads_account_sidebar_and_newest_first_table(make_harness: Any) -> None:
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, settled(h))
        main = main_of(h)
        status = str(main.query_one(StatusBar).render())
        assert "Acme Ltd (standard-4)" in status
        assert "API online" in status
        lines = sidebar_lines(h)
        assert lines[0] == "APPLICATIONS 3"
        assert "DATABASES 2" in lines
        assert any("api-gateway" in line for line in lines)
        assert any("orders-pg" in line for line in lines)
        table = main.query_one(SnapshotTable)
        assert table.row_count == 30
        times = [s.modified for s in table.snapshots]
        assert table._sorted() == sorted(table.snapshots, key=lambda s: s.modified, reverse=True)
        assert max(times) == table._sorted()[0].modified


async def test_table_follows_the_selection_with_j_and_k(make_harness: Any) -> None:
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        main = main_of(h)
        first = main.current
        assert first is not None and first.name == "api-gateway"
        await pilot.press("j")
        await wait_for(pilot, lambda: main.current is not None and main.current.name == "worker")
        await wait_for(
            pilot,
            lambda: (
                bool(main.table.snapshots)
                and main.table.snapshots[0].resource_id == main.current.id
            ),  # type: ignore[union-attr]
        )
        await pilot.press("k")
        await wait_for(pilot, lambda: main.current is not None and main.current.id == first.id)


async def test_fuzzy_filter_then_enter_opens_the_match(make_harness: Any) -> None:
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        main = main_of(h)
        await pilot.press("slash")
        await pilot.press(*"cchrds")  # fuzzy for cache-redis
        lines = [
            line for line in sidebar_lines(h) if not line.startswith(("APPLICATIONS", "DATABASES"))
        ]
        assert [line for line in lines if "(none)" not in line] == ["● cache-redis"]
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: main.current is not None and main.current.name == "cache-redis"
        )
        assert h.app.focused is main.table
        # escape from the filter clears it and shows everything again
        await pilot.press("slash", "escape")
        assert any("api-gateway" in line for line in sidebar_lines(h))


async def test_create_goes_pending_then_ready(make_harness: Any) -> None:
    # Speed 100: held for 0.9 s, answered 202, listed after 1.5 s.
    h = make_harness(sim=SimConfig(seed=3, speed=100, generation_seconds=150, snapshot_mb=0.05))
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        main = main_of(h)
        await pilot.press("n")
        await wait_for(pilot, lambda: bool(main.table.pending))
        state = str(main.table.get_row_at(0)[4])
        assert "requesting" in state or "pending" in state
        await wait_for(pilot, lambda: main.table.pending[0].reason == "processing")
        assert "pending" in str(main.table.get_row_at(0)[4])
        await wait_for(pilot, lambda: not main.table.pending and main.table.row_count == 31)
        await wait_for(pilot, lambda: any("is ready" in n for n in notifications(h.app)))
        newest = main.table._sorted()[0]
        assert newest.origin == "manual"
        assert len(h.requests("POST", "/snapshots")) == 1


async def test_cooldown_is_shown_and_nothing_is_sent(make_harness: Any) -> None:
    h = make_harness(time_scale=1.0)
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        await pilot.press("n")
        await wait_for(pilot, lambda: len(h.requests("POST", "/snapshots")) == 1)
        await pilot.press("n")
        await pilot.pause()
        await wait_for(
            pilot, lambda: any("KEEP_CALM" in n and "wait" in n for n in notifications(h.app))
        )
        assert len(h.requests("POST", "/snapshots")) == 1


async def test_quota_gauge_shows_the_plans_allowance(make_harness: Any) -> None:
    h = make_harness(sim=SimConfig(seed=3, speed=1000, plan="hobby-2", snapshot_mb=0.05))
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        gauge = main_of(h).query_one(QuotaGauge)
        assert "0 / 16" in str(gauge.render())


async def test_read_only_refuses_create_without_a_request(make_harness: Any) -> None:
    h = make_harness(read_only=True)
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        assert "READ-ONLY" in str(main_of(h).query_one(StatusBar).render())
        await pilot.press("n")
        await pilot.pause()
        await wait_for(pilot, lambda: any("Read-only" in n for n in notifications(h.app)))
        assert h.requests("POST", "/snapshots") == []


async def test_hostile_names_are_shown_literally(make_harness: Any) -> None:
    h = make_harness()
    hostile = "[bold red]pwn[/] \x1b[31mred[link=x]"
    h.sim.add_resource("app", hostile)
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        assert any("[bold red]pwn[/] \\x1b[31mred[link=x]" in line for line in sidebar_lines(h))
        main = main_of(h)
        main.jump_to(next(r.id for r in main.sidebar.resources if r.name == hostile))
        await wait_for(pilot, lambda: main.current is not None and main.current.name == hostile)
        title = str(main.query_one("#title").render())
        assert "[bold red]pwn[/]" in title and "\x1b" not in title


async def test_server_error_and_non_json_on_refresh_keep_the_app_up(make_harness: Any) -> None:
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        main = main_of(h)
        h.sim.add_fault(Fault(method="GET", path=r"/v2/users/me$", status=500, code="BOOM"))
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: any("HTTP 500" in n for n in notifications(h.app)))
        await wait_for(pilot, lambda: "STALE" in str(main.query_one(StatusBar).render()))
        assert "API failing" in str(main.query_one(StatusBar).render())
        assert len(h.requests("GET", "/users/me")) >= 3  # first load + a retried refresh
        h.sim.clear_faults()
        h.sim.add_fault(
            Fault(
                method="GET", path=r"/v2/users/me$", status=502, body="<html>502 Bad Gateway</html>"
            )
        )
        await pilot.press("ctrl+r")
        await wait_for(
            pilot,
            lambda: any(
                "Invalid response from server (HTTP 502)" in n for n in notifications(h.app)
            ),
        )
        assert main.table.row_count == 30  # what was shown is still there
        h.sim.clear_faults()
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "STALE" not in str(main.query_one(StatusBar).render()))


async def test_pending_snapshots_survive_a_restart(make_harness: Any, tmp_path: Any) -> None:
    # A slow simulator: the snapshot is still generating when the first app quits.
    config = SimConfig(seed=3, speed=100, generation_seconds=400, snapshot_mb=0.05)
    h = make_harness(sim=config)
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        await pilot.press("n")
        await wait_for(
            pilot, lambda: any(p.reason == "processing" for p in main_of(h).table.pending), 10
        )
    assert "processing" in (tmp_path / "state" / "pending.json").read_text()
    # Same simulator, new app: the pending row is back and turns ready on its own.
    again = make_harness(sim=config, home=tmp_path)
    again.sim = h.sim
    again.app.transport_factory = h.app.transport_factory
    async with again.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(again))
        main = main_of(again)
        assert main.table.pending
        # Not listed yet, but already spent: the quota counts it.
        assert "1 / 32" in str(main.query_one(QuotaGauge).render())
        await wait_for(pilot, lambda: not main.table.pending, 20)
        await wait_for(pilot, lambda: any("is ready" in n for n in notifications(again.app)))
    assert len(h.requests("POST", "/snapshots")) == 1


async def test_quit_asks_while_a_create_is_in_flight(make_harness: Any) -> None:
    config = SimConfig(seed=3, speed=2, generation_seconds=400, snapshot_mb=0.05)
    h = make_harness(sim=config)
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        await pilot.press("n")
        await wait_for(pilot, lambda: bool(main_of(h).busy()))
        await pilot.press("q")
        await pilot.pause()
        assert type(h.app.screen).__name__ == "ConfirmScreen"
        await pilot.press("n")  # stay
        await pilot.pause()
        assert isinstance(h.app.screen, MainScreen)
        assert h.app.is_running


async def test_help_lists_every_key(make_harness: Any) -> None:
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(h.app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(h.app.screen, MainScreen)


async def test_tab_moves_focus_between_sidebar_and_table(make_harness: Any) -> None:
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        main = main_of(h)
        assert h.app.focused is main.query_one(Sidebar).option_list
        await pilot.press("tab")
        assert h.app.focused is main.table
        await pilot.press("tab")
        assert h.app.focused is main.query_one(Sidebar).option_list


async def test_last_good_view_is_shown_stale_when_the_api_is_down(
    make_harness: Any, tmp_path: Any
) -> None:
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
    cache = (tmp_path / "cache").glob("account-*.json")
    cached_text = next(cache).read_text()
    assert "Signature" not in cached_text and "AWSAccessKeyId" not in cached_text
    # Next start: the API answers nothing but errors.
    again = make_harness(home=tmp_path)
    again.sim.add_fault(Fault(path=r"^/v2/", status=503, code="SERVICE_UNAVAILABLE"))
    async with again.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(again))
        main = main_of(again)
        await wait_for(
            pilot, lambda: any("HTTP 503" in n or "503" in n for n in notifications(again.app))
        )
        status = str(main.query_one(StatusBar).render())
        assert "STALE" in status
        assert any("api-gateway" in line for line in sidebar_lines(again))
        assert main.table.row_count == 30
        await pilot.press("tab", "d")
        await pilot.pause()
        assert isinstance(again.app.screen, MainScreen)  # no dialog for a cached row
        await wait_for(pilot, lambda: any("from the cache" in n for n in notifications(again.app)))


async def test_a_pending_snapshot_not_listed_in_time_is_marked_not_seen_yet(
    make_harness: Any,
) -> None:
    config = SimConfig(seed=3, speed=100, generation_seconds=1_000_000, snapshot_mb=0.05)
    h = make_harness(sim=config, pending_timeout_minutes=0.03)
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        main = main_of(h)
        await pilot.press("n")
        await wait_for(pilot, lambda: "not seen yet" in str(main.table.get_row_at(0)[4]), 8)
        await wait_for(pilot, lambda: any("not listed yet" in n for n in notifications(h.app)))
        await wait_for(pilot, lambda: any("not sent again" in n for n in notifications(h.app)))
        assert main.table.pending  # still watched
        assert len(h.requests("POST", "/snapshots")) == 1
        assert len(h.requests("GET", "/snapshots")) >= 2  # the listing was polled


async def test_y_copies_the_signed_url_and_says_so(make_harness: Any) -> None:
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        main = main_of(h)
        await pilot.press("tab", "j", "y")
        await pilot.pause()
        selected = main.table.selected
        assert selected is not None
        assert h.app.clipboard == selected.url
        assert "Signature=" in h.app.clipboard
        await wait_for(pilot, lambda: any("Copied the signed" in n for n in notifications(h.app)))
        copied = [n for n in notifications(h.app) if "Copied the signed download URL" in n]
        assert copied and "Signature" not in copied[0]


async def test_s_sorts_by_the_next_column_and_marks_its_header(make_harness: Any) -> None:
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        table = main_of(h).table
        await pilot.press("tab", "s")
        await pilot.pause()
        labels = [str(c.label) for c in table.columns.values()]
        assert "Size ▼" in labels and "Modified" in labels
        sizes = [int(s.size) for s in table._sorted()]
        assert sizes == sorted(sizes, reverse=True)
        shown = [str(table.get_row_at(i)[2]) for i in range(3)]
        assert shown == [str(table._cells(s)[2]) for s in table._sorted()[:3]]


async def test_rate_limited_pauses_polling_and_says_so(make_harness: Any) -> None:
    config = SimConfig(seed=3, speed=100, generation_seconds=1_000_000, snapshot_mb=0.05)
    h = make_harness(sim=config)
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        main = main_of(h)
        await pilot.press("n")
        await wait_for(
            pilot, lambda: bool(main.table.pending) and main.table.pending[0].reason == "processing"
        )
        session = main.session
        looks: list[float | None] = []
        real_poll = session.poll_pending

        async def watched_poll(*args: Any, **kwargs: Any) -> Any:
            looks.append(session.polling_paused_for() and 1.0)
            return await real_poll(*args, **kwargs)

        session.poll_pending = watched_poll  # type: ignore[method-assign]
        h.sim.add_fault(Fault(method="GET", path=r"/snapshots$", status=429, code="RATE_LIMITED"))
        await wait_for(pilot, lambda: session.polling_paused_for() is not None)
        polls = len(h.requests("GET", "/snapshots"))
        await wait_for(pilot, lambda: "RATE LIMITED" in str(main.query_one(StatusBar).render()))
        # The watcher's next look starts while paused: it waits the pause out, no request.
        await wait_for(pilot, lambda: any(looks))
        await pilot.pause()
        assert len(h.requests("GET", "/snapshots")) == polls


async def test_an_unknown_theme_in_the_config_is_reported_not_fatal(
    make_harness: Any,
) -> None:
    from dataclasses import replace

    h = make_harness()
    h.app.settings = replace(h.app.settings, theme="no-such-theme")
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        await wait_for(pilot, lambda: any("no-such-theme" in n for n in notifications(h.app)))


async def test_a_known_theme_from_the_config_is_used(make_harness: Any) -> None:
    from dataclasses import replace

    h = make_harness()
    h.app.settings = replace(h.app.settings, theme="nord")
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        assert h.app.theme == "nord"


async def test_n_right_after_moving_snapshots_the_resource_the_user_sees(
    make_harness: Any,
) -> None:
    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        main = main_of(h)
        landing = next(r for r in main.sidebar.resources if r.name == "landing-page")
        # Keys typed in one burst reach their handlers before the highlight messages
        # that follow each move have been delivered: the same as calling them in a row.
        main.sidebar.option_list.action_cursor_down()
        main.sidebar.option_list.action_cursor_down()
        main.action_new_snapshot()
        await wait_for(pilot, lambda: len(h.requests("POST", "/snapshots")) == 1)
        [post] = h.requests("POST", "/snapshots")
        assert landing.id in post["path"]


async def test_a_create_sent_by_a_script_moments_ago_still_holds_its_cooldown(
    make_harness: Any, tmp_path: Any
) -> None:
    from datetime import UTC, datetime, timedelta

    from sqtui.api.models import Resource, ResourceKind
    from sqtui.domain.history import History, HistoryEntry

    h = make_harness(time_scale=1.0)
    account = h.sim.state()
    gateway = next(r for r in account["resources"] if r["name"] == "api-gateway")
    History(tmp_path / "state" / "history.jsonl").append(
        HistoryEntry.about(
            time=datetime.now(UTC) - timedelta(seconds=20),
            action="create",
            outcome="ok",
            profile="default",
            resource=Resource(ResourceKind.APP, gateway["id"], "api-gateway", 512, "python"),
        )
    )
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        await pilot.press("n")
        await wait_for(pilot, lambda: any("KEEP_CALM" in n for n in notifications(h.app)))
        assert any("2 min" in n for n in notifications(h.app))
        assert h.requests("POST", "/snapshots") == []


async def test_running_down_the_sidebar_reads_only_where_the_cursor_stops(
    make_harness: Any,
) -> None:
    h = make_harness(sim=SimConfig(seed=3, speed=1000, apps=10, databases=0, snapshot_mb=0.05))
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        main = main_of(h)
        before = len(h.requests("GET", "/snapshots"))
        for _ in range(8):
            main.sidebar.option_list.action_cursor_down()
            await pilot.pause()
        target = main.sidebar.highlighted_resource
        assert target is not None
        await wait_for(
            pilot,
            lambda: bool(main.table.snapshots) and main.table.snapshots[0].resource_id == target.id,
        )
        # Every listing worker has finished (or was cancelled while it waited).
        await wait_for(
            pilot, lambda: not any(w.group == "listing" and w.is_running for w in h.app.workers)
        )
        listings = [e for e in h.requests("GET", "/snapshots")[before:] if "/apps/" in e["path"]]
        assert len(listings) <= 2, listings
        assert target.id in listings[-1]["path"]


async def test_the_footer_shows_the_keys_in_force_and_a_click_presses_one(
    make_harness: Any,
) -> None:
    from sqtui.ui.screens.history import HistoryScreen
    from sqtui.ui.widgets.footer import KeysFooter

    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, settled(h))
        footer = main_of(h).query_one(KeysFooter)
        await wait_for(pilot, lambda: "History" in str(footer.render()))
        line = str(footer.render())
        assert line.startswith("n New d Download r Restore")
        assert line.rstrip().endswith("^p palette")
        # In the filter box, the letters are typed, not keys: they leave the footer.
        await pilot.press("slash")
        await wait_for(pilot, lambda: "Download" not in str(footer.render()))
        await pilot.press("escape")
        await wait_for(pilot, lambda: "Download" in str(footer.render()))
        await pilot.click(KeysFooter, offset=(str(footer.render()).index("History"), 0))
        await wait_for(pilot, lambda: isinstance(h.app.screen, HistoryScreen))


async def test_the_sidebar_is_narrower_on_a_narrow_terminal_from_the_first_frame(
    make_harness: Any,
) -> None:
    # Below 90 columns the table gets the room; the class is there before the first
    # styles, and a resize still moves it either way.
    h = make_harness()
    async with h.app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, loaded(h))
        main = main_of(h)
        assert main.has_class("-narrow") and not main.has_class("-wide")
        assert main.sidebar.outer_size.width == 20
        await pilot.resize_terminal(120, 30)
        await wait_for(pilot, lambda: main.sidebar.outer_size.width == 28)
        assert main.has_class("-wide") and not main.has_class("-narrow")
    h = make_harness()
    async with h.app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, loaded(h))
        assert main_of(h).has_class("-wide")
        assert main_of(h).sidebar.outer_size.width == 28
