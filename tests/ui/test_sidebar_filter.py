"""The sidebar of a large account: the filter key by key, refreshes, odd ids and names.

The sidebar keeps each resource's line and looks only among the last matches when the
filter grows: what it shows must still be exactly what a full match would show.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.fuzzy import Matcher

from sqtui.api.models import ResourceStatus
from sqtui.display import printable, shown_name
from sqtui.ui.screens.main import MainScreen
from sqtui.ui.widgets.sidebar import NAME_LIMIT
from tests.ui.conftest import wait_for
from tests.ui.fake_api import FakeApi, account_json, app_json, db_json, snap_json

SIZE = (100, 30)
REPEATED = "ab" * 150  # a fuzzy query of repeated letters falls in it in countless ways
APPS = [f"app-{i:03d}" for i in range(1, 301)] + ["api-gateway", "worker", REPEATED]
DATABASES = [f"db-{i:03d}" for i in range(1, 101)] + ["orders-pg", "cache-redis"]


def ident(n: int) -> str:
    return f"{n:032x}"


def large_api(*, first_ids: tuple[str, ...] = ()) -> FakeApi:
    ids = [*first_ids, *(ident(n) for n in range(len(APPS) + len(DATABASES)))]
    apps = [app_json(rid, name) for rid, name in zip(ids, APPS, strict=False)]
    dbs = [db_json(rid, name) for rid, name in zip(ids[len(APPS) :], DATABASES, strict=False)]
    listings = {ids[0]: [snap_json(ids[0], "v1", "2026-11-21T03:00:00Z")]}
    return FakeApi(account_json(apps, dbs), listings=listings)


def main_of(app: Any) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen


def lines(app: Any) -> list[str]:
    option_list = main_of(app).sidebar.option_list
    return [str(option_list.get_option_at_index(i).prompt) for i in range(option_list.option_count)]


def shown(names: list[str]) -> list[str]:
    """``names`` as the sidebar writes them (a long one cut)."""
    return [shown_name(name, NAME_LIMIT) for name in names]


def shown_names(app: Any) -> list[str]:
    """The resources listed, without headers and ``(none)``, without their dots."""
    return [
        line[2:]
        for line in lines(app)
        if not line.startswith(("APPLICATIONS", "DATABASES")) and "(none)" not in line
    ]


def ranked(query: str) -> list[str]:
    """What Textual's fuzzy matcher keeps of the account for ``query``, best first,
    applications before databases."""
    matcher = Matcher(query)
    result = []
    for names in (APPS, DATABASES):
        scored = [(matcher.match(printable(name)), name) for name in names]
        result += [name for score, name in sorted(scored, key=lambda p: -p[0]) if score > 0]
    return result


async def started(app: Any, pilot: Any) -> MainScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, MainScreen) and bool(shown_names(app)))
    return main_of(app)


async def test_every_key_shows_what_a_full_fuzzy_match_shows(tmp_path: Path) -> None:
    app = large_api().app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        main = await started(app, pilot)
        await pilot.press("slash")
        typed = ""
        for key in [*"ap1", "backspace", "backspace", *"p-2", *["backspace"] * 4, *"ork"]:
            await pilot.press(key)
            typed = typed[:-1] if key == "backspace" else typed + key
            assert main.sidebar.filter_input.value == typed
            expected = ranked(typed) if typed else APPS + DATABASES
            assert shown_names(app) == shown(expected), typed
            if typed:
                apps = sum(name in APPS for name in expected)
                assert f"APPLICATIONS {apps}/{len(APPS)}" in lines(app)
        assert shown_names(app) == ["worker"]
        await pilot.press("escape")
        assert shown_names(app) == shown(APPS + DATABASES)
        assert f"APPLICATIONS {len(APPS)}" in lines(app)
        assert f"DATABASES {len(DATABASES)}" in lines(app)
        # Still on the resource the filter led to.
        highlighted = main.sidebar.highlighted_resource
        assert highlighted is not None and highlighted.name == "worker"


async def test_a_name_of_repeated_letters_is_matched_without_holding_up_the_filter(
    tmp_path: Path,
) -> None:
    app = large_api().app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        # Not a substring: Textual's matcher would try every way six a's fall in it.
        await pilot.press("slash", *"aaaaaa")
        assert shown_names(app) == shown([REPEATED])
        await pilot.press("b")
        assert shown_names(app) == shown([REPEATED])


async def test_resources_whose_ids_look_like_the_headers_are_listed(tmp_path: Path) -> None:
    app = large_api(first_ids=("header-app", "header-database")).app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        main = await started(app, pilot)
        assert shown_names(app)[:2] == APPS[:2]
        assert main.sidebar.highlighted_resource is not None
        assert main.sidebar.highlighted_resource.id == "header-app"
        await pilot.press("j")
        highlighted = main.sidebar.highlighted_resource
        assert highlighted is not None and highlighted.id == "header-database"


async def test_each_refresh_redraws_running_states_and_activities(tmp_path: Path) -> None:
    app = large_api().app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        main = await started(app, pilot)
        sidebar = main.sidebar
        resources = sidebar.resources
        worker = next(r for r in resources if r.name == "worker")
        await pilot.press("slash", *"work")
        assert lines(app)[1] == "· worker"
        running = {worker.id: ResourceStatus(id=worker.id, running=True)}
        sidebar.show(resources, running)
        assert lines(app)[1] == "● worker"
        sidebar.show(resources, {worker.id: ResourceStatus(id=worker.id, running=False)})
        assert lines(app)[1] == "○ worker"
        sidebar.set_busy({worker.id: "restoring"})
        assert lines(app)[1] == "⟲ worker restoring"
        sidebar.set_busy({})
        assert lines(app)[1] == "○ worker"
        # A new account: the filter applies to it, the highlight stays where it was.
        renamed = [r for r in resources if r.id != worker.id]
        sidebar.show(renamed, {})
        assert shown_names(app) == []
        sidebar.show(resources, {})
        assert shown_names(app) == ["worker"]
        highlighted = sidebar.highlighted_resource
        assert highlighted is not None and highlighted.id == worker.id
