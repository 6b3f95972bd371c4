"""The config's ``[keys]`` table: read as text, passed on to the run, a value that is not
text said the way the other settings say it. Which names and keys exist is the app's
question (its bindings), asked when it starts and by ``sqtui config``."""

from __future__ import annotations

from pathlib import Path

import pytest

from sqtui.domain.settings import resolve_settings
from sqtui.storage.config import ConfigError, parse_config, sample_config
from sqtui.storage.locations import Locations

PATH = Path("/cfg/config.toml")


def test_without_a_keys_table_every_key_is_the_default() -> None:
    assert parse_config("", PATH).keys == {}
    sample = parse_config(sample_config(), PATH)
    assert (sample.keys, sample.warnings) == ({}, ())
    assert '[keys]\n# refresh = "f5"\n# palette = "ctrl+k"' in sample_config()


def test_the_keys_table_is_read_as_written() -> None:
    config = parse_config('[keys]\nrefresh = "f5"\npalette = "ctrl+k"\nrefrsh = "x"\n', PATH)
    assert dict(config.keys) == {"refresh": "f5", "palette": "ctrl+k", "refrsh": "x"}
    assert config.warnings == ()  # the app knows the names, not the file


def test_a_value_that_is_not_text_is_ignored_with_a_warning() -> None:
    config = parse_config('[keys]\nrefresh = 5\npalette = "ctrl+k"\n[keys.down]\nj = 1\n', PATH)
    assert dict(config.keys) == {"palette": "ctrl+k"}
    assert config.warnings == (
        "/cfg/config.toml line 2: 'keys.refresh' must be keys in quotes, like \"f5\" or "
        '"ctrl+k,f5"; it is ignored',
        "/cfg/config.toml line 4: 'keys.down' must be keys in quotes, like \"f5\" or "
        '"ctrl+k,f5"; it is ignored',
    )


def test_keys_that_are_not_a_table_refuse_the_file() -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config('read_only = false\nkeys = "f5"\n', PATH)
    assert raised.value.line == 2 and "keys must be a table" in raised.value.problem


def test_the_keys_reach_the_run(tmp_path: Path) -> None:
    where = Locations.under(tmp_path)
    where.config_file.parent.mkdir(parents=True)
    where.config_file.write_text('[keys]\nrefresh = "f5"\n')
    assert dict(resolve_settings(env={}, locations=where).keys) == {"refresh": "f5"}
