"""The config's alert settings (``bell``, ``desktop_notify``) and sqtui's own theme: read,
passed on to the run, and a mistake said the way the other settings say it."""

from __future__ import annotations

from pathlib import Path

import pytest

from sqtui.domain.settings import resolve_settings
from sqtui.storage.config import ConfigError, parse_config, sample_config
from sqtui.storage.locations import Locations

PATH = Path("/cfg/config.toml")


def test_by_default_nothing_rings() -> None:
    config = parse_config("", PATH)
    assert (config.bell, config.desktop_notify) == (False, "off")
    sample = parse_config(sample_config(), PATH)
    assert (sample.bell, sample.desktop_notify, sample.warnings) == (False, "off", ())


@pytest.mark.parametrize("kind", ["off", "osc9", "osc777", "OSC777"])
def test_the_bell_and_each_desktop_notification_are_read(kind: str) -> None:
    config = parse_config(f'bell = true\ndesktop_notify = "{kind}"\n', PATH)
    assert (config.bell, config.desktop_notify, config.warnings) == (True, kind.lower(), ())


def test_an_unknown_desktop_notification_is_said_with_the_closest_and_stays_off() -> None:
    config = parse_config('read_only = true\ndesktop_notify = "osc99"\n', PATH)
    assert config.desktop_notify == "off"
    assert config.warnings == (
        "/cfg/config.toml line 2: unknown desktop_notify 'osc99' (did you mean 'osc9'?); "
        "it is off. Valid values: off, osc9, osc777",
    )


def test_a_misspelt_key_is_said_with_the_right_name() -> None:
    config = parse_config('bel = true\ndesktop_notfy = "osc9"\n', PATH)
    assert (config.bell, config.desktop_notify) == (False, "off")
    assert config.warnings == (
        "/cfg/config.toml line 1: unknown setting 'bel' (did you mean 'bell'?); it is ignored",
        "/cfg/config.toml line 2: unknown setting 'desktop_notfy' "
        "(did you mean 'desktop_notify'?); it is ignored",
    )


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('bell = "yes"', "bell must be true or false"),
        ("desktop_notify = true", "desktop_notify must be a non-empty text in quotes"),
        ('desktop_notify = ""', "desktop_notify must be a non-empty text in quotes"),
    ],
)
def test_a_value_of_the_wrong_kind_refuses_the_file(line: str, problem: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(f"read_only = false\n{line}\n", PATH)
    assert raised.value.line == 2 and problem in raised.value.problem


def test_the_high_contrast_theme_is_a_known_theme() -> None:
    config = parse_config('theme = "sqtui-high-contrast"\n', PATH)
    assert (config.theme, config.warnings) == ("sqtui-high-contrast", ())
    [warning] = parse_config('theme = "sqtui-high-contrats"\n', PATH).warnings
    assert "(did you mean 'sqtui-high-contrast'?)" in warning


def test_the_settings_reach_the_run(tmp_path: Path) -> None:
    where = Locations.under(tmp_path)
    where.config_file.parent.mkdir(parents=True)
    where.config_file.write_text(
        'bell = true\ndesktop_notify = "osc777"\ntheme = "sqtui-high-contrast"\n'
    )
    settings = resolve_settings(env={}, locations=where)
    assert (settings.bell, settings.desktop_notify, settings.theme) == (
        True,
        "osc777",
        "sqtui-high-contrast",
    )
