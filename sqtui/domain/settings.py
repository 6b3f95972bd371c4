"""What one run of sqtui works with, resolved from flags, environment and config."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from sqtui.api.client import DEFAULT_BASE_URL
from sqtui.storage.config import DEFAULT_PENDING_TIMEOUT_MINUTES, load_config
from sqtui.storage.credentials import KeySource
from sqtui.storage.locations import Locations


@dataclass(frozen=True)
class RunSettings:
    """The resolved settings of one run (flags beat environment beat config)."""

    locations: Locations
    api_url: str = DEFAULT_BASE_URL
    profile: str = "default"
    read_only: bool = False
    download_dir: Path | None = None
    key: KeySource | None = field(default=None, repr=False)
    pending_timeout_minutes: float = DEFAULT_PENDING_TIMEOUT_MINUTES
    theme: str | None = None
    bell: bool = False
    """Ring the terminal bell when long work ends (a download, a restore, a snapshot)."""
    desktop_notify: str = "off"
    """Also ask the terminal for a desktop notification: "off", "osc9" or "osc777"."""
    demo: bool = False
    # Durations of the demo simulator are divided by this; the client's cooldowns
    # and polling follow it so the demo behaves like the real service, only faster.
    time_scale: float = 1.0
    config_warnings: tuple[str, ...] = ()
    """What the config file holds that sqtui does not know (shown at start)."""
    keys: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """The config's ``[keys]`` table, as written: the app checks it before using it."""

    @property
    def downloads(self) -> Path:
        """Where downloads go unless a command or the dialog says otherwise."""
        return self.download_dir or self.locations.downloads_dir

    @property
    def scope(self) -> str:
        """Which account pending snapshots belong to: profile and API."""
        return f"{self.profile}@{self.api_url}"


def resolve_settings(
    *,
    profile: str = "default",
    api_url: str | None = None,
    read_only: bool | None = None,
    download_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
    locations: Locations | None = None,
) -> RunSettings:
    """Flags (the arguments) beat the environment, which beats the config file.

    Raises :class:`~sqtui.storage.config.ConfigError` for a config file that is not valid.
    """
    environ = os.environ if env is None else env
    where = locations or Locations.default()
    config = load_config(where.config_file)
    chosen = config.profile(profile)
    url = api_url or environ.get("SQUARECLOUD_API_URL") or chosen.api_url or DEFAULT_BASE_URL
    directory = download_dir or config.download_dir_for(profile)
    return RunSettings(
        locations=where,
        api_url=url.rstrip("/"),
        profile=profile,
        read_only=bool(read_only) or config.read_only_for(profile),
        download_dir=directory.expanduser() if directory else None,
        pending_timeout_minutes=config.pending_timeout_minutes,
        theme=config.theme,
        bell=config.bell,
        desktop_notify=config.desktop_notify,
        config_warnings=config.warnings,
        keys=config.keys,
    )
