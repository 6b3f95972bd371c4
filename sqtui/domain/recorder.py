"""The one place where outcomes become history lines, for the app and the scripts alike.

A history that cannot be written never stops the work it describes: the failure is
handed to ``warn`` (a notification in the app, a line on standard error in scripts).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqtui.api.models import Resource, Snapshot
from sqtui.domain.history import Action, History, HistoryEntry, Outcome

log = logging.getLogger("sqtui.history")


class Recorder:
    """Writes one history entry per outcome, with this run's profile and clock."""

    def __init__(
        self,
        history: History | None,
        *,
        profile: str,
        now: Callable[[], datetime],
        warn: Callable[[str], None] | None = None,
        api_url: str | None = None,
    ) -> None:
        self.history = history
        self.profile = profile
        self.now = now
        self.warn = warn
        self.api_url = api_url
        # Each distinct failure is said once a run, not after every action.
        self._warned: set[str] = set()

    def record(
        self,
        action: Action,
        outcome: Outcome,
        resource: Resource,
        snapshot: Snapshot | None = None,
        *,
        version: str | None = None,
        detail: str = "",
        path: Path | None = None,
        sha256: str | None = None,
        when: datetime | None = None,
    ) -> None:
        """Append the entry; a write that fails is reported through ``warn``."""
        if self.history is None:
            return
        entry = HistoryEntry.about(
            time=when or self.now(),
            action=action,
            outcome=outcome,
            profile=self.profile,
            resource=resource,
            snapshot=snapshot,
            version=version,
            detail=detail,
            path=str(path.absolute()) if path is not None else None,
            sha256=sha256,
            api_url=self.api_url,
        )
        try:
            self.history.append(entry)
        except OSError as error:
            log.warning("could not write the history: %s", error)
            sentence = f"The history could not be written ({error.strerror or error})."
            if self.warn is not None and sentence not in self._warned:
                self._warned.add(sentence)
                self.warn(sentence)
