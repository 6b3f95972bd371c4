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
from sqtui.domain.script_command import script_command

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
        overwrite: bool = False,
        safety: bool = False,
    ) -> None:
        """Append the entry; a write that fails is reported through ``warn``.

        The entry keeps the script command that repeats the action, whatever its
        outcome (a refused or failed one is what to run to try again): ``overwrite``
        (a download replaced a file) and ``safety`` (a restore asked for a safety
        snapshot first) are the choices it repeats.
        """
        if self.history is None:
            return
        target = path.absolute() if path is not None else None
        command = script_command(
            action,
            resource.id,
            version=snapshot.version_id if snapshot else version,
            profile=self.profile,
            api_url=self.api_url,
            # The script takes the folder; it names the file by the same rule as the app.
            directory=target.parent if target is not None else None,
            overwrite=overwrite,
            safety=safety,
        )
        entry = HistoryEntry.about(
            time=when or self.now(),
            action=action,
            outcome=outcome,
            profile=self.profile,
            resource=resource,
            snapshot=snapshot,
            version=version,
            detail=detail,
            path=str(target) if target is not None else None,
            sha256=sha256,
            api_url=self.api_url,
            command=command,
        )
        try:
            self.history.append(entry)
        except OSError as error:
            log.warning("could not write the history: %s", error)
            sentence = f"The history could not be written ({error.strerror or error})."
            if self.warn is not None and sentence not in self._warned:
                self._warned.add(sentence)
                self.warn(sentence)
