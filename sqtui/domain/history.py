"""The local history of every create, download and restore: what an incident review needs.

One JSON object per line, only ever appended, each line in one write, so any number
of sqtui (apps and scripts) can share the file. Signed URL signatures and the API key
never reach the file, a damaged line costs that line only, and only the newest
:data:`MAX_READ_BYTES` of a huge file are read.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqtui.api.models import Resource, Snapshot
from sqtui.api.signed_url import redact_text
from sqtui.display import mask
from sqtui.storage.atomic import append_line, locked, read_tail

# Only the end of the file is read (newest entries): thousands of entries, never gigabytes.
MAX_READ_BYTES = 4 << 20


class Action(enum.StrEnum):
    """What sqtui did: the words written in the history file."""

    CREATE = "create"
    SAFETY_SNAPSHOT = "safety-snapshot"
    DOWNLOAD = "download"
    RESTORE = "restore"


class Outcome(enum.StrEnum):
    """How it ended. ``refused``: never sent (read-only, cooldown, quota, a failed guard)."""

    OK = "ok"
    PENDING = "pending"
    FAILED = "failed"
    CANCELLED = "cancelled"
    REFUSED = "refused"


@dataclass(frozen=True)
class HistoryEntry:
    """One thing sqtui did to a resource's snapshots, and how it ended."""

    time: datetime
    action: Action
    outcome: Outcome
    profile: str
    resource_id: str
    resource_name: str
    resource_kind: str
    snapshot: str | None
    snapshot_time: datetime | None
    detail: str = ""
    path: str | None = None
    sha256: str | None = None
    # The API base the action was sent to (absent from lines written before it was kept).
    api_url: str | None = None
    # The script command that repeats the action (``sqtui snapshots ...``, quoted for a
    # POSIX shell); absent from older lines and from safety snapshots, which only their
    # restore takes.
    command: str | None = None

    def __post_init__(self) -> None:
        for name in ("time", "snapshot_time"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise ValueError(f"HistoryEntry.{name} must be timezone-aware")
        # Plain strings become the enums (and unknown words a ValueError).
        object.__setattr__(self, "action", Action(self.action))
        object.__setattr__(self, "outcome", Outcome(self.outcome))

    @classmethod
    def about(
        cls,
        *,
        time: datetime,
        action: Action,
        outcome: Outcome,
        profile: str,
        resource: Resource,
        snapshot: Snapshot | None = None,
        version: str | None = None,
        detail: str = "",
        path: str | None = None,
        sha256: str | None = None,
        api_url: str | None = None,
        command: str | None = None,
    ) -> HistoryEntry:
        """An entry about ``resource`` (and ``snapshot``, or just its ``version``)."""
        return cls(
            time=time,
            action=action,
            outcome=outcome,
            profile=profile,
            resource_id=resource.id,
            resource_name=resource.name,
            resource_kind=resource.kind.value,
            snapshot=snapshot.version_id if snapshot else version,
            snapshot_time=snapshot.modified if snapshot else None,
            detail=detail,
            path=path,
            sha256=sha256,
            api_url=api_url,
            command=command,
        )

    def to_json(self) -> dict[str, Any]:
        """The entry as a JSON object; times in UTC, ISO 8601."""
        data = asdict(self)
        data["action"], data["outcome"] = self.action.value, self.outcome.value
        data["time"] = _utc_text(self.time)
        if self.snapshot_time is not None:
            data["snapshot_time"] = _utc_text(self.snapshot_time)
        for key in ("api_url", "command"):
            if data[key] is None:
                del data[key]
        return data

    @classmethod
    def from_json(cls, data: object) -> HistoryEntry:
        """Read an entry back; ``ValueError`` if it is not one (unknown keys are ignored)."""
        if not isinstance(data, dict):
            raise ValueError("not an object")

        def text(key: str) -> str:
            value = data.get(key)
            if not isinstance(value, str):
                raise ValueError(f"{key} is missing or not text")
            return value

        def optional(key: str) -> str | None:
            return text(key) if data.get(key) is not None else None

        def when(key: str) -> datetime:
            value = datetime.fromisoformat(text(key))
            if value.utcoffset() is None:
                raise ValueError(f"{key} has no time zone")
            try:
                return value.astimezone(UTC)
            except OverflowError:
                raise ValueError(f"{key} is outside the calendar in UTC") from None

        return cls(
            time=when("time"),
            action=Action(text("action")),
            outcome=Outcome(text("outcome")),
            profile=text("profile"),
            resource_id=text("resource_id"),
            resource_name=text("resource_name"),
            resource_kind=text("resource_kind"),
            snapshot=optional("snapshot"),
            snapshot_time=when("snapshot_time") if data.get("snapshot_time") is not None else None,
            detail=optional("detail") or "",
            path=optional("path"),
            sha256=optional("sha256"),
            api_url=optional("api_url"),
            command=optional("command"),
        )


def _utc_text(when: datetime) -> str:
    """``when`` in UTC as ISO 8601; as given when UTC is outside the calendar (year 1)."""
    try:
        return when.astimezone(UTC).isoformat()
    except OverflowError:
        return when.isoformat()


class History:
    """The history file: append entries, read them back newest first."""

    def __init__(self, path: Path, secrets: Sequence[str] = ()) -> None:
        self.path = Path(path)
        # Longest first, so a secret that contains another is masked whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        self.skipped = 0
        # True when the file is longer than what is read: older entries are left out.
        self.truncated = False
        # Why the file could not be read, if it could not.
        self.unreadable: str | None = None

    def _scrub(self, text: str) -> str:
        text = redact_text(text)
        for secret in self._secrets:
            text = text.replace(secret, mask(secret))
        return text

    def _scrubbed(self, entry: HistoryEntry) -> HistoryEntry:
        def clean(value: str | None) -> str | None:
            return None if value is None else self._scrub(value)

        return replace(
            entry,
            profile=self._scrub(entry.profile),
            resource_id=self._scrub(entry.resource_id),
            resource_name=self._scrub(entry.resource_name),
            resource_kind=self._scrub(entry.resource_kind),
            snapshot=clean(entry.snapshot),
            detail=self._scrub(entry.detail),
            path=clean(entry.path),
            sha256=clean(entry.sha256),
            api_url=clean(entry.api_url),
            command=clean(entry.command),
        )

    def append(self, entry: HistoryEntry) -> None:
        """Add one line; creates the file (owner-only) and its folders if needed.

        Under the file's lock, so the check that the last line is whole (a writer may
        have died mid-line) sees every other sqtui's line complete.
        """
        line = json.dumps(self._scrubbed(entry).to_json(), ensure_ascii=False)
        with locked(self.path):
            append_line(self.path, line)

    def read(self, limit: int | None = None) -> list[HistoryEntry]:
        """Entries newest first (at most ``limit``); damaged lines are counted in ``skipped``.

        Only the last :data:`MAX_READ_BYTES` of the file are read (``truncated`` says so).
        """
        self.skipped = 0
        self.truncated = False
        try:
            raw, self.truncated = read_tail(self.path, MAX_READ_BYTES)
        except FileNotFoundError:
            self.unreadable = None
            return []
        except OSError as error:
            # Unreadable (a folder in its place, no permission): the work goes on.
            self.unreadable = error.strerror or str(error)
            return []
        self.unreadable = None
        entries: list[HistoryEntry] = []
        for line in raw.split(b"\n"):
            if not line.strip():
                continue
            try:
                entries.append(HistoryEntry.from_json(json.loads(line.decode("utf-8"))))
            except (ValueError, TypeError, RecursionError, OverflowError):
                self.skipped += 1
        # Newest first by time; among equal times, the later line first.
        entries.reverse()
        entries.sort(key=lambda e: e.time, reverse=True)
        return entries if limit is None else entries[: max(0, limit)]
