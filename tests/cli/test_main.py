"""The command line: login/logout against a loopback simulator, settings precedence."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from sqtui.cli import main as cli
from sqtui.cli.exit_codes import ExitCode
from sqtui.domain.settings import resolve_settings
from sqtui.sim import SimConfig, SimServer
from sqtui.sim.config import DEFAULT_API_KEY
from sqtui.storage.locations import Locations
from tests.conftest import MemoryKeyring

KEY = DEFAULT_API_KEY


@pytest.fixture
def server() -> Iterator[SimServer]:
    with SimServer(SimConfig(seed=5, snapshot_mb=0.05)) as running:
        yield running


def run(argv: list[str], stdin: str, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return cli.main(argv)


def test_login_checks_then_stores_the_key_from_stdin(
    server: SimServer,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = run(["login", "--api-url", server.base_url, "--profile", "ops"], KEY + "\n", monkeypatch)
    out, err = capsys.readouterr()
    assert code == ExitCode.OK, err
    assert memory_keyring.store == {("sqtui", "ops"): KEY}
    assert "ops@acme.example" in out
    assert KEY not in out + err
    assert "…" + KEY[-4:] in out


def test_login_refuses_a_wrong_key_and_stores_nothing(
    server: SimServer,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = run(["login", "--api-url", server.base_url], "not-the-key-4321\n", monkeypatch)
    _out, err = capsys.readouterr()
    assert code == ExitCode.AUTH
    assert "ACCESS_DENIED" in err and "…4321" in err and "not-the-key" not in err
    assert memory_keyring.store == {}


def test_login_without_a_keyring_explains_and_fails(
    server: SimServer,
    no_keyring: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = run(["login", "--api-url", server.base_url], KEY + "\n", monkeypatch)
    _out, err = capsys.readouterr()
    assert code == ExitCode.FAILED
    assert "keyring" in err.lower() and "SQUARECLOUD_API_KEY" in err
    assert KEY not in err


def test_login_with_nothing_on_stdin_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring
) -> None:
    assert run(["login"], "", monkeypatch) == ExitCode.USAGE
    assert memory_keyring.store == {}


def test_logout_forgets_only_that_profile(
    memory_keyring: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    memory_keyring.store = {("sqtui", "default"): "a", ("sqtui", "ops"): "b"}
    assert cli.main(["logout", "--profile", "ops"]) == ExitCode.OK
    assert memory_keyring.store == {("sqtui", "default"): "a"}
    assert cli.main(["logout", "--profile", "ops"]) == ExitCode.OK
    assert "No key was stored" in capsys.readouterr().out


def test_flags_beat_environment_beat_config(tmp_path: Path) -> None:
    where = Locations.under(tmp_path)
    where.config_file.parent.mkdir(parents=True)
    where.config_file.write_text(
        'read_only = false\ndownload_dir = "~/from-config"\n'
        '[profiles.ops]\napi_url = "http://127.0.0.1:1/v2"\nread_only = true\n'
    )
    settings = resolve_settings(profile="ops", env={}, locations=where)
    assert settings.api_url == "http://127.0.0.1:1/v2"
    assert settings.read_only is True
    assert settings.download_dir == Path("~/from-config").expanduser()
    settings = resolve_settings(
        profile="ops", env={"SQUARECLOUD_API_URL": "http://127.0.0.1:2/v2"}, locations=where
    )
    assert settings.api_url == "http://127.0.0.1:2/v2"
    settings = resolve_settings(
        api_url="http://127.0.0.1:3/v2/",
        download_dir=Path("/srv/backups"),
        env={"SQUARECLOUD_API_URL": "http://127.0.0.1:2/v2"},
        locations=where,
    )
    assert settings.api_url == "http://127.0.0.1:3/v2"
    assert settings.download_dir == Path("/srv/backups")
    assert settings.read_only is False


def test_a_broken_config_file_is_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SQTUI_HOME", str(tmp_path))
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text("read_only = maybe\n")
    assert cli.main([]) == ExitCode.USAGE
    assert "config.toml" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    assert "sqtui 0.1.0" in capsys.readouterr().out


def test_snapshots_commands_are_reached_through_sqtui(
    server: SimServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SQTUI_HOME", str(tmp_path))
    monkeypatch.setenv("SQUARECLOUD_API_KEY", KEY)
    code = cli.main(["snapshots", "list", "api-gateway", "--api-url", server.base_url, "--json"])
    out = capsys.readouterr().out
    assert code == ExitCode.OK
    assert '"version_id"' in out and "Signature" not in out


def test_config_shows_where_files_live_and_a_valid_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SQTUI_HOME", str(tmp_path))
    assert cli.main(["config"]) == ExitCode.OK
    out = capsys.readouterr().out
    assert str(tmp_path / "config" / "config.toml") in out and "all defaults" in out
    assert cli.main(["config", "--sample"]) == ExitCode.OK
    sample = capsys.readouterr().out
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text(sample)
    assert cli.main(["config"]) == ExitCode.OK
    assert "(valid)" in capsys.readouterr().out
    (tmp_path / "config" / "config.toml").write_text("api_key = 'x'\n")
    assert cli.main(["config"]) == ExitCode.OK
    assert "INVALID" in capsys.readouterr().out


def test_config_reports_unknown_settings_and_themes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SQTUI_HOME", str(tmp_path))
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text('them = "nord"\ntheme = "nrod"\n')
    assert cli.main(["config"]) == ExitCode.OK
    out = capsys.readouterr().out
    assert "(valid)" not in out and "2 warning(s)" in out
    assert "unknown setting 'them' (did you mean 'theme'?)" in out
    assert "unknown theme 'nrod' (did you mean 'nord'?)" in out and "textual-dark" in out
