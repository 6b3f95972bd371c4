"""Config typos are reported, not taken as valid: unknown settings (with "did you mean")
and unknown themes (with the valid ones). The file still loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from sqtui.domain.settings import resolve_settings
from sqtui.storage.config import (
    HIGH_CONTRAST_THEME,
    TEXTUAL_THEMES,
    THEMES,
    Config,
    load_config,
    parse_config,
    sample_config,
)
from sqtui.storage.locations import Locations


def parsed(text: str) -> Config:
    return parse_config(text, Path("/cfg/config.toml"))


def test_a_misspelt_setting_is_reported_with_its_line_and_a_suggestion() -> None:
    config = parsed('read_only = true\nthem = "nord"\n')
    assert config.read_only is True and config.theme is None
    assert config.warnings == (
        "/cfg/config.toml line 2: unknown setting 'them' (did you mean 'theme'?); it is ignored",
    )


def test_an_unknown_setting_far_from_any_name_gets_no_suggestion() -> None:
    [warning] = parsed("colour_scheme = 3\n").warnings
    assert "unknown setting 'colour_scheme'" in warning and "did you mean" not in warning


def test_unknown_settings_inside_a_profile_and_an_unknown_table() -> None:
    config = parsed(
        '[profiles.ops]\napi_ur = "http://127.0.0.1:1/v2"\nread_only = true\n'
        "[profile.staging]\nread_only = true\n"
    )
    assert config.profile("ops").read_only is True
    second, first = config.warnings  # the top level first, then each profile
    assert first == (
        "/cfg/config.toml line 2: unknown setting 'profiles.ops.api_ur' "
        "(did you mean 'api_url'?); it is ignored"
    )
    assert second.startswith("/cfg/config.toml line 4: unknown setting 'profile'")
    assert "did you mean 'profiles'?" in second


def test_an_unknown_theme_lists_the_valid_ones_and_falls_back_to_the_default() -> None:
    config = parsed('theme = "nrod"\n')
    assert config.theme is None
    [warning] = config.warnings
    assert warning.startswith(
        "/cfg/config.toml line 1: unknown theme 'nrod' (did you mean 'nord'?); "
        "using the default. Valid themes: "
    )
    assert "textual-dark" in warning and "solarized-light" in warning


def test_a_known_theme_and_the_sample_give_no_warning() -> None:
    assert parsed('theme = "nord"\n').warnings == ()
    assert parsed('theme = "nord"\n').theme == "nord"
    assert parsed(sample_config()).warnings == ()


def test_the_theme_list_is_textuals_and_sqtuis_own() -> None:
    from textual.theme import BUILTIN_THEMES

    assert set(TEXTUAL_THEMES) == set(BUILTIN_THEMES)
    assert set(THEMES) == set(BUILTIN_THEMES) | {HIGH_CONTRAST_THEME}


def test_warnings_reach_the_run_settings(tmp_path: Path) -> None:
    where = Locations.under(tmp_path)
    where.config_file.parent.mkdir(parents=True)
    where.config_file.write_text('them = "nord"\n')
    settings = resolve_settings(env={}, locations=where)
    [warning] = settings.config_warnings
    assert "unknown setting 'them' (did you mean 'theme'?)" in warning
    assert load_config(where.config_file).warnings == settings.config_warnings


def test_script_commands_print_the_warnings_and_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqtui.cli import snapshots

    monkeypatch.setenv("SQTUI_HOME", str(tmp_path))
    monkeypatch.delenv("SQUARECLOUD_API_KEY", raising=False)
    monkeypatch.setattr("sqtui.cli.snapshots.resolve_key", lambda profile: None)
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text('them = "nord"\n')
    code = snapshots.main(["list"])
    err = capsys.readouterr().err
    assert "warning:" in err and "unknown setting 'them' (did you mean 'theme'?)" in err
    assert "no API key" in err  # it went on past the config
    assert code != 0


def test_a_config_folder_that_cannot_exist_means_defaults(tmp_path: Path) -> None:
    blocker = tmp_path / "home"
    blocker.write_text("a file where a folder should be")
    assert load_config(blocker / "config" / "config.toml") == Config()
