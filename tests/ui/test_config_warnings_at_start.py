"""A config file with a typo is reported when the app starts, and the app still starts."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from sqtui.domain.settings import resolve_settings
from sqtui.storage.locations import Locations
from tests.ui.conftest import notifications, wait_for
from tests.ui.test_main_screen import loaded


async def test_config_typos_are_a_warning_at_start(make_harness: Any, tmp_path: Path) -> None:
    where = Locations.under(tmp_path / "home")
    where.config_file.parent.mkdir(parents=True)
    where.config_file.write_text('them = "nord"\ntheme = "nrod"\n')
    h = make_harness()
    settings = resolve_settings(env={}, locations=where)
    h.app.settings = replace(h.app.settings, config_warnings=settings.config_warnings)
    async with h.app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, loaded(h))
        shown = notifications(h.app)
        assert any("unknown setting 'them' (did you mean 'theme'?)" in n for n in shown)
        assert any("unknown theme 'nrod' (did you mean 'nord'?)" in n for n in shown)
        warnings = [n for n in h.app._notifications if "config.toml" in n.message]
        assert warnings and all(n.severity == "warning" for n in warnings)
