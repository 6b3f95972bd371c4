"""Opening an account for one run: client, session, pending file, history, downloads.

The app and the script commands both start here, so a key, a profile and a state
directory are wired the same way whichever face is used.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from sqtui.api.client import SquareCloudClient
from sqtui.domain.cooldown import RESOURCE_SECONDS, USER_SECONDS, Cooldowns
from sqtui.domain.download import DownloadEngine
from sqtui.domain.history import History
from sqtui.domain.pending import PendingTracker
from sqtui.domain.recall import recall_creates
from sqtui.domain.recorder import Recorder
from sqtui.domain.session import Session
from sqtui.domain.settings import RunSettings
from sqtui.storage.credentials import KeySource
from sqtui.storage.logging_setup import add_secret


@dataclass
class Workspace:
    """Everything one run acts through."""

    settings: RunSettings
    session: Session
    history: History
    engine: DownloadEngine
    # The folder the last download went to: the next one is offered there too.
    last_download_dir: Path = field(default_factory=Path)

    def __post_init__(self) -> None:
        if self.last_download_dir == Path():
            self.last_download_dir = self.settings.downloads

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self.session.client.aclose()


def open_workspace(
    settings: RunSettings,
    key: KeySource,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    monotonic: Callable[[], float] = time.monotonic,
    warn: Callable[[str], None] | None = None,
) -> Workspace:
    """Wire a session for ``key``: creates made before this run keep their cooldowns."""
    add_secret(key.api_key)
    scale = settings.time_scale
    client = SquareCloudClient(key.api_key, base_url=settings.api_url, transport=transport)
    pending = PendingTracker(settings.locations.pending_file, settings.scope)
    pending.load()
    history = History(settings.locations.history_file, secrets=[key.api_key])
    session = Session(
        client,
        profile=settings.profile,
        read_only=settings.read_only,
        pending=pending,
        cooldowns=Cooldowns(USER_SECONDS / scale, RESOURCE_SECONDS / scale),
        recorder=Recorder(
            history, profile=settings.profile, now=now, warn=warn, api_url=settings.api_url
        ),
        cache_path=settings.locations.cache_file(settings.profile),
        time_scale=scale,
        pending_timeout=timedelta(minutes=settings.pending_timeout_minutes),
        now=now,
        monotonic=monotonic,
    )
    recall_creates(session, history)
    if history.unreadable and warn is not None:
        warn(
            f"The history ({history.path}) could not be read: {history.unreadable}. "
            "Cooldowns of creates sent before this run are not known."
        )
    return Workspace(settings, session, history, DownloadEngine(client))
