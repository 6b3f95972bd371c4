"""What one run of sqtui works with, resolved from flags, environment and config."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqtui.api.client import DEFAULT_BASE_URL
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
    pending_timeout_minutes: float = 15.0
    theme: str | None = None
    demo: bool = False
    # Durations of the demo simulator are divided by this; the client's cooldowns
    # and polling follow it so the demo behaves like the real service, only faster.
    time_scale: float = 1.0

    @property
    def scope(self) -> str:
        """Which account pending snapshots belong to: profile and API."""
        return f"{self.profile}@{self.api_url}"
