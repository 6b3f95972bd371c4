"""The resource last viewed is where the next start opens, per profile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqtui.ui.screens.main import MainScreen
from tests.ui.conftest import wait_for

SIZE = (100, 30)


def main_of(app: Any) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen


async def test_the_next_start_opens_on_the_resource_last_viewed(
    make_harness: Any, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    first = make_harness(home=home)
    async with first.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(first.app.screen, MainScreen))
        main = main_of(first.app)
        await wait_for(pilot, lambda: main.table.row_count > 0)
        await pilot.press("j", "j", "j")
        chosen = main.sidebar.highlighted_resource
        assert chosen is not None
        await wait_for(
            pilot,
            lambda: (
                main.current is not None
                and main.current.id == chosen.id
                and chosen.id in main.session.listings
            ),
        )
        await pilot.pause(0.3)

    again = make_harness(home=home)
    async with again.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(again.app.screen, MainScreen))
        main = main_of(again.app)
        await wait_for(pilot, lambda: main.current is not None and main.current.id == chosen.id)
        await wait_for(pilot, lambda: main.table.row_count > 0)
        highlighted = main.sidebar.highlighted_resource
        assert highlighted is not None and highlighted.id == chosen.id
