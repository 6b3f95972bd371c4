"""The high-contrast theme: registered with Textual, chosen from the config or the
palette's theme list, still without colour under NO_COLOR; and one SVG snapshot of the
main screen in it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from textual.color import Color
from textual.command import CommandList, CommandPalette
from textual.geometry import Region
from textual.widget import Widget

from sqtui.sim import FakeClock, SimConfig
from sqtui.storage.config import HIGH_CONTRAST_THEME, THEMES
from sqtui.ui.app import SqtuiApp
from tests.ui.conftest import Harness, wait_for
from tests.ui.test_main_screen import loaded
from tests.ui.test_screens_svg import _loaded

SIZE = (100, 30)


def themed(h: Harness, theme: str | None = HIGH_CONTRAST_THEME) -> Harness:
    """``h`` with an app whose config names ``theme``."""
    h.app = SqtuiApp(
        replace(h.app.settings, theme=theme),
        transport_factory=h.app.transport_factory,
        now=h.app.now,
        monotonic=h.app.monotonic,
    )
    return h


def palette_lines(app: Any) -> list[str]:
    command_list = app.screen.query_one(CommandList)
    return [
        str(command_list.get_option_at_index(i).prompt).split("\n")[0]
        for i in range(command_list.option_count)
    ]


def colours_on_screen(app: Any) -> set[Color]:
    """Every foreground and background colour of the screen as drawn (filters applied)."""
    found: set[Color] = set()
    for widget in app.screen.walk_children(with_self=True):
        if not isinstance(widget, Widget) or not widget.display or not widget.region:
            continue
        for strip in widget.render_lines(Region(0, 0, *widget.outer_size)):
            for segment in strip:
                style = segment.style
                for colour in (style.color, style.bgcolor) if style else ():
                    if colour is not None:
                        found.add(Color.from_rich_color(colour))
    return found


def grey(colour: Color) -> bool:
    return colour.r == colour.g == colour.b


def test_the_app_offers_the_themes_the_config_accepts(make_harness: Any) -> None:
    app = make_harness().app
    assert HIGH_CONTRAST_THEME in app.available_themes
    assert set(app.available_themes) == set(THEMES)
    theme = app.available_themes[HIGH_CONTRAST_THEME]
    assert (theme.foreground, theme.background, theme.dark) == ("#000000", "#FFFFFF", False)


async def test_the_config_chooses_the_high_contrast_theme(make_harness: Any) -> None:
    h = themed(make_harness())
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        assert h.app.theme == HIGH_CONTRAST_THEME
        assert not [n for n in h.app._notifications if "theme" in n.message.lower()]
        variables = h.app.theme_variables
        assert (variables["text"], variables["text-muted"]) == ("#000000", "#1A1A1A")
        assert Color.parse(variables["background"]) == Color.parse("#FFFFFF")


async def test_the_palette_lists_the_theme_and_chooses_it(make_harness: Any) -> None:
    h = themed(make_harness(), theme=None)
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        assert h.app.theme != HIGH_CONTRAST_THEME
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(h.app.screen, CommandPalette))
        await pilot.press(*"theme")
        await wait_for(pilot, lambda: palette_lines(h.app)[:1] == ["Theme"])
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: (
                isinstance(h.app.screen, CommandPalette)
                and any(HIGH_CONTRAST_THEME in x for x in palette_lines(h.app))
            ),
        )
        await pilot.press(*"high-contrast")
        await wait_for(pilot, lambda: palette_lines(h.app)[:1] == [HIGH_CONTRAST_THEME])
        await pilot.press("enter")
        await wait_for(pilot, lambda: h.app.theme == HIGH_CONTRAST_THEME)


@pytest.mark.parametrize("no_color", [True, False])
async def test_no_color_wins_over_the_theme(
    make_harness: Any, monkeypatch: pytest.MonkeyPatch, no_color: bool
) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    h = themed(make_harness())
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        await pilot.pause()
        assert h.app.theme == HIGH_CONTRAST_THEME
        assert h.app.no_color is no_color
        drawn = colours_on_screen(h.app)
        assert drawn
        if no_color:
            assert all(grey(c) for c in drawn), sorted(c.hex for c in drawn if not grey(c))
        else:
            # The theme's own colours are there to be taken away.
            assert Color.parse("#0033CC") in drawn


def test_main_screen_high_contrast(snap_compare: Any, make_harness: Any) -> None:
    h = themed(
        make_harness(
            sim=SimConfig(seed=7, speed=1000, apps=5, databases=3, snapshot_mb=24),
            fixed_clock=FakeClock(),
        )
    )
    assert snap_compare(h.app, terminal_size=(80, 24), run_before=_loaded)
