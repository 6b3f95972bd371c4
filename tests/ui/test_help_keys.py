"""The help screen moves with the same keys as the lists: j/k, g/G, home/end."""

from __future__ import annotations

from typing import Any

from textual.containers import VerticalScroll

from sqtui.ui.screens.help import HelpScreen
from tests.ui.conftest import wait_for
from tests.ui.test_main_screen import loaded


async def test_help_scrolls_with_j_k_g_shift_g_home_end(make_harness: Any) -> None:
    h = make_harness()
    async with h.app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, loaded(h))
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(h.app.screen, HelpScreen))
        await pilot.pause()
        body = h.app.screen.query_one("#help", VerticalScroll)
        assert body.max_scroll_y > 2  # more keys than lines: there is somewhere to go

        async def after(*keys: str) -> float:
            await pilot.press(*keys)
            await pilot.pause()
            return body.scroll_y

        assert await after("j", "j") == 2
        assert await after("k") == 1
        assert await after("G") == body.max_scroll_y
        assert await after("g") == 0
        assert await after("end") == body.max_scroll_y
        assert await after("home") == 0
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(h.app.screen, HelpScreen))
