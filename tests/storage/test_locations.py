from __future__ import annotations

import stat
from pathlib import Path

import pytest

from sqtui.storage.locations import Locations


def test_sqtui_home_puts_every_file_under_one_folder(tmp_path: Path) -> None:
    locations = Locations.default({"SQTUI_HOME": str(tmp_path)})
    assert locations == Locations.under(tmp_path)
    assert locations.config_file == tmp_path / "config" / "config.toml"
    assert locations.pending_file == tmp_path / "state" / "pending.json"
    assert locations.history_file == tmp_path / "state" / "history.jsonl"
    assert locations.log_file == tmp_path / "log" / "sqtui.log"
    assert locations.cache_file("default") == tmp_path / "cache" / "account-default.json"
    assert locations.downloads_dir == tmp_path / "downloads"


def test_sqtui_home_from_the_real_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SQTUI_HOME", str(tmp_path))
    assert Locations.default().state_dir == tmp_path / "state"


def test_without_sqtui_home_the_platform_dirs_are_used() -> None:
    locations = Locations.default({})
    assert locations.config_dir.name == "sqtui"
    assert locations.downloads_dir.name == "sqtui"
    assert locations.config_file.name == "config.toml"


def test_profile_names_never_escape_the_cache_dir(tmp_path: Path) -> None:
    locations = Locations.under(tmp_path)
    hostile = locations.cache_file("../../etc/passwd")
    assert hostile.parent == tmp_path / "cache"
    assert "/" not in hostile.name and ".." not in hostile.name
    # Names that clean up to the same text still get different files.
    assert locations.cache_file("a/b") != locations.cache_file("a_b")
    assert locations.cache_file("") != locations.cache_file("_")


def test_ensure_creates_private_dirs(tmp_path: Path) -> None:
    locations = Locations.under(tmp_path / "home")
    locations.ensure()
    locations.ensure()
    for directory in (locations.state_dir, locations.cache_dir, locations.log_dir):
        assert directory.is_dir()
        assert stat.S_IMODE(directory.stat().st_mode) & 0o077 == 0
