from __future__ import annotations

from pathlib import Path

import pytest

from sqtui.storage.config import (
    Config,
    ConfigError,
    ProfileConfig,
    load_config,
    parse_config,
    sample_config,
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path / "nope.toml")
    assert config == Config()
    assert config.read_only is False
    assert config.pending_timeout_minutes == 15.0
    assert config.profile("default") == ProfileConfig()


def test_full_config_with_profile_override(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
download_dir = "~/backups"
read_only = false
theme = "nord"
pending_timeout_minutes = 2.5
unknown_setting = "ignored"

[profiles.default]
api_url = "https://api.squarecloud.app/v2"
read_only = true
download_dir = "/srv/dumps"

[profiles.staging]
api_url = "http://127.0.0.1:8000/v2"
""",
    )
    config = load_config(path)
    assert config.download_dir == Path.home() / "backups"
    assert config.theme == "nord"
    assert config.pending_timeout_minutes == 2.5
    default = config.profile("default")
    assert default.api_url == "https://api.squarecloud.app/v2"
    assert default.read_only is True
    assert default.download_dir == Path("/srv/dumps")
    assert config.read_only_for("default") is True
    assert config.read_only_for("staging") is False
    assert config.download_dir_for("default") == Path("/srv/dumps")
    assert config.download_dir_for("staging") == Path.home() / "backups"
    assert config.profile("other") == ProfileConfig()


def test_wrong_type_names_file_line_and_setting(tmp_path: Path) -> None:
    path = write(tmp_path, 'theme = "x"\n\nread_only = "yes"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path} line 3: read_only must be true or false"
    assert caught.value.line == 3


def test_wrong_type_inside_a_profile_points_at_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "read_only = true\n[profiles.a]\nread_only = true\n[profiles.b]\nread_only = 1\n",
    )
    with pytest.raises(ConfigError, match=r"line 5: profiles\.b\.read_only must be true or false"):
        load_config(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("pending_timeout_minutes = 0", "positive number"),
        ("pending_timeout_minutes = true", "positive number"),
        ("download_dir = 3", "download_dir must be a non-empty text"),
        ('theme = ""', "theme must be a non-empty text"),
        ("profiles = 3", "profiles must be tables"),
        ("[profiles]\nprod = 1", "profiles.prod must be a table"),
        ('[profiles.p]\napi_url = "ftp://x"', "must start with http"),
    ],
)
def test_invalid_values_are_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, text))


def test_invalid_toml_gives_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'theme = "a"\nread_only = \n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.line == 2
    assert str(caught.value).startswith(f"{path} line 2: this is not valid TOML")
    assert "(at line" not in str(caught.value)


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'theme = "\xff"')
    with pytest.raises(ConfigError, match="UTF-8"):
        load_config(path)


def test_unreadable_path_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config(tmp_path)


@pytest.mark.parametrize(
    "text",
    [
        'api_key = "sk-secret-value"',
        'token = "sk-secret-value"',
        '[profiles.default]\nkey = "sk-secret-value"',
        '[profiles.default]\nsquarecloud-api-key = "sk-secret-value"',
    ],
)
def test_api_keys_are_refused_and_never_echoed(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    message = str(caught.value)
    assert "sqtui login" in message
    assert "sk-secret-value" not in message
    assert caught.value.line is not None


def test_profile_names_that_look_like_secrets_are_just_names(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[profiles.token]\nread_only = true\n"))
    assert config.read_only_for("token") is True


def test_sample_config_is_valid_and_mentions_login(tmp_path: Path) -> None:
    text = sample_config()
    assert "sqtui login" in text
    config = parse_config(text, tmp_path / "config.toml")
    assert config.profile("default").api_url == "https://api.squarecloud.app/v2"
    assert config.pending_timeout_minutes == 15.0
