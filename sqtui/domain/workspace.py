"""Opening an account for one run: client, session, pending file, history, downloads.

The app and the script commands both start here, so a key, a profile and a state
directory are wired the same way whichever face is used.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from sqtui.api.client import SquareCloudClient
from sqtui.domain.cooldown import RESOURCE_SECONDS, USER_SECONDS, Cooldowns
from sqtui.domain.history import History
from sqtui.domain.pending import PendingTracker
from sqtui.domain.recall import recall_creates
from sqtui.domain.recorder import Recorder
from sqtui.domain.session import Session
from sqtui.domain.settings import RunSettings
from sqtui.storage.credentials import KeySource
from sqtui.storage.locations import Locations
from sqtui.storage.logging_setup import add_secret, log_problem

if TYPE_CHECKING:
    from sqtui.domain.download import DownloadEngine


@dataclass
class Workspace:
    """Everything one run acts through."""

    settings: RunSettings
    session: Session
    history: History
    # The folder the last download went to: the next one is offered there too.
    last_download_dir: Path = field(default_factory=Path)

    def __post_init__(self) -> None:
        if self.last_download_dir == Path():
            self.last_download_dir = self.settings.downloads

    @functools.cached_property
    def engine(self) -> DownloadEngine:
        """The download engine, made (and imported) with the first download."""
        from sqtui.domain.download import DownloadEngine

        return DownloadEngine(self.session.client)

    async def aclose(self) -> None:
        """Stop what runs in the background and close the HTTP connections."""
        await self.session.aclose()


def open_workspace(
    settings: RunSettings,
    key: KeySource,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    warn: Callable[[str], None] | None = None,
) -> Workspace:
    """Wire a session for ``key``: creates made before this run keep their cooldowns.

    A local fault (a state, cache or log folder that cannot be used, a pending file or
    history that cannot be read) is one sentence to ``warn`` each, and the run goes on.
    """
    add_secret(key.api_key)
    said = _local_faults(settings.locations, warn)
    scale = settings.time_scale
    client = SquareCloudClient(key.api_key, base_url=settings.api_url, transport=transport)
    pending = PendingTracker(settings.locations.pending_file, settings.scope)
    pending.load()
    if pending.problem is not None and warn is not None:
        warn(f"{pending.problem} Pending snapshots are watched in this run only.")
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
        sleep=sleep,
        warn=warn,
    )
    recall_creates(session, history)
    if history.unreadable and warn is not None and settings.locations.state_dir not in said:
        warn(
            f"The history ({history.path}) could not be read: {history.unreadable}. "
            "Cooldowns of creates sent before this run are not known."
        )
    return Workspace(settings, session, history)


def _local_faults(locations: Locations, warn: Callable[[str], None] | None) -> set[Path]:
    """Say what cannot be used on this machine; the folders already named."""
    problems = locations.ensure()
    sentences = list(dict.fromkeys(problems.values()))
    logging_trouble = log_problem()
    if logging_trouble is not None and locations.log_dir not in problems:
        sentences.append(logging_trouble)
    if warn is not None:
        for sentence in sentences:
            warn(sentence)
    return set(problems)
