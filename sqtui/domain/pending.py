"""Pending snapshots: creates answered 202 or lost, watched through the listing.

A pending snapshot is never re-posted. It is matched to a listed snapshot that was
not listed before the request and is no older than the request; until then the
listing is polled at growing intervals. Pending snapshots survive a restart.
"""

from __future__ import annotations

import errno
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal, TypeVar

from sqtui.api.models import ResourceKind, Snapshot
from sqtui.api.parsing import parse_time
from sqtui.domain.history import Action
from sqtui.domain.quota import CLOCK_SLACK
from sqtui.storage.atomic import TooLarge, locked, read_limited, write_atomic
from sqtui.storage.config import DEFAULT_PENDING_TIMEOUT_MINUTES

log = logging.getLogger("sqtui.pending")

FIRST_POLL_SECONDS = 3.0
POLL_GROWTH = 1.6
MAX_POLL_SECONDS = 60.0
DEFAULT_TIMEOUT = timedelta(minutes=DEFAULT_PENDING_TIMEOUT_MINUTES)

# Past this the file is refused, not read: a few hundred entries take ~100 KB.
MAX_FILE_BYTES = 1 << 20
# A request time must take this much arithmetic either way (quota days, cooldowns).
_SANE_MARGIN = timedelta(days=2)

PendingReason = Literal["requesting", "processing", "lost"]
_T = TypeVar("_T")


@dataclass(frozen=True)
class PendingSnapshot:
    """A snapshot the server may still be generating."""

    resource_id: str
    resource_kind: ResourceKind
    resource_name: str
    requested_at: datetime
    reason: PendingReason
    known_versions: frozenset[str] = field(default_factory=frozenset)
    polls: int = 0
    # A safety snapshot taken before a restore is recorded as such once listed.
    action: Action = Action.CREATE

    @property
    def ident(self) -> str:
        """Identifies this pending snapshot: resource and request time."""
        return f"{self.resource_id}@{self.requested_at.isoformat()}"

    def elapsed(self, now: datetime) -> timedelta:
        """How long ago the create was sent."""
        return max(timedelta(0), now - self.requested_at)

    def overdue(self, now: datetime, timeout: timedelta = DEFAULT_TIMEOUT) -> bool:
        """Not listed after ``timeout``: shown as *not seen yet* (never re-posted)."""
        return self.elapsed(now) >= timeout

    def next_poll_delay(self, time_scale: float = 1.0) -> float:
        """Seconds until the next look at the listing: growing, capped; ``time_scale``
        times faster (the demo)."""
        delay = FIRST_POLL_SECONDS * POLL_GROWTH**self.polls
        return min(delay, MAX_POLL_SECONDS) / time_scale

    def matches(self, snapshot: Snapshot) -> bool:
        """True when ``snapshot`` is the one this create produced."""
        if snapshot.version_id in self.known_versions:
            return False
        try:
            earliest = self.requested_at - CLOCK_SLACK
        except OverflowError:  # requested at the very start of the calendar
            return True
        return snapshot.modified >= earliest


class PendingTracker:
    """The pending snapshots of one profile and API, persisted as JSON.

    The file is shared by every sqtui of the machine (apps and scripts, any profile):
    each change is made under its lock by reading the file again, merging, and writing
    it whole, so no instance drops or brings back another's entries.
    """

    def __init__(self, path: Path | None, scope: str) -> None:
        self.path = path
        self.scope = scope
        self._items: dict[str, PendingSnapshot] = {}
        # Entries of this scope last seen in the file: one gone from it since was
        # listed or dismissed by another instance.
        self._on_disk: set[str] = set()
        # Entries this instance listed or dismissed: never taken back from the file.
        self._removed: set[str] = set()
        # False once a save failed: the pending snapshots live in this process only.
        self.saved = path is not None
        # Why the file is not used, in one sentence (too large, unreadable), if it is not.
        self.problem: str | None = None
        # Called after every change, so a view can redraw the pending rows at once.
        self.on_change: Callable[[], None] | None = None

    @property
    def items(self) -> list[PendingSnapshot]:
        """Every pending snapshot, oldest request first."""
        return sorted(self._items.values(), key=lambda p: p.requested_at)

    def for_resource(self, resource_id: str) -> list[PendingSnapshot]:
        """The pending snapshots of one resource."""
        return [p for p in self.items if p.resource_id == resource_id]

    def add(self, pending: PendingSnapshot) -> None:
        """Start watching a pending snapshot (or update it) and save."""

        def change() -> None:
            self._items[pending.ident] = pending
            self._removed.discard(pending.ident)

        self._transaction(change)

    def polled(self, pending: PendingSnapshot) -> PendingSnapshot:
        """Count one more look at the listing; returns the updated record."""
        updated = replace(pending, polls=pending.polls + 1)
        if pending.ident in self._items:
            self._items[pending.ident] = updated
        return updated

    def resolve(
        self, resource_id: str, listing: Sequence[Snapshot]
    ) -> list[tuple[PendingSnapshot, Snapshot]]:
        """Drop the pending snapshots of ``resource_id`` now listed; return them with
        their matches.

        One listed by another instance meanwhile is not returned (it recorded it).
        """

        def change() -> list[tuple[PendingSnapshot, Snapshot]]:
            found: list[tuple[PendingSnapshot, Snapshot]] = []
            taken: set[str] = set()
            for pending in self.for_resource(resource_id):
                match = next(
                    (
                        s
                        for s in sorted(listing, key=lambda s: s.modified)
                        if pending.matches(s) and s.version_id not in taken
                    ),
                    None,
                )
                if match is not None:
                    taken.add(match.version_id)
                    found.append((pending, match))
                    self._forget(pending.ident)
            return found

        if not any(p.resource_id == resource_id for p in self._items.values()):
            return []
        return self._transaction(change)

    def discard(self, pending: PendingSnapshot) -> None:
        """Stop watching (the user dismissed it, or the create was answered)."""
        self._transaction(lambda: self._forget(pending.ident))

    def _forget(self, ident: str) -> None:
        self._items.pop(ident, None)
        self._removed.add(ident)

    # -- persistence ------------------------------------------------------------

    def load(self) -> None:
        """Read saved pending snapshots; a damaged or huge file is said in ``problem``."""
        entries = self._read()
        if entries is None:
            return
        self._adopt(entries, at_start=True)

    def save(self) -> None:
        """Write this scope's pending snapshots, merged with the file, under its lock."""
        self._transaction(lambda: None)

    def _transaction(self, change: Callable[[], _T]) -> _T:
        """Apply ``change`` to the entries as they are in the file now, and write them."""
        done: list[_T] = []
        if self.path is not None and self.problem is None:
            try:
                with locked(self.path):
                    others = self._merge()
                    done.append(change())
                    ours = [_to_json(p, self.scope) for p in self.items]
                    write_atomic(self.path, json.dumps({"pending": [*others, *ours]}, indent=1))
                    self._on_disk = set(self._items)
                    self.saved = True
            except OSError as error:
                log.warning("could not save pending snapshots: %s", error)
                self.saved = False
        else:
            self.saved = False
        result = done[0] if done else change()
        if self.on_change is not None:
            self.on_change()
        return result

    def _merge(self) -> list[dict[str, object]]:
        """Take in the file's entries of this scope; returns the other scopes' entries."""
        entries = self._read()
        if entries is None:
            if self.problem is not None:
                # Refused (too large): it is left as it is, not overwritten.
                raise OSError(errno.EFBIG, self.problem)
            return []
        return self._adopt(entries, at_start=False)

    def _read(self) -> list[object] | None:
        """The file's entries; None when there is no file or it cannot be used."""
        if self.path is None:
            return None
        try:
            raw = json.loads(read_limited(self.path, MAX_FILE_BYTES))
        except FileNotFoundError:
            return []
        except TooLarge as error:
            self.problem = f"The pending snapshots file {error.strerror}."
            log.warning("refusing the pending file: %s", error)
            return None
        except (OSError, ValueError, RecursionError) as error:
            # Damaged (it will be rewritten whole) or unreadable (saving will say so).
            log.warning("ignoring unreadable pending file: %s", error)
            return []
        entries = raw.get("pending", []) if isinstance(raw, dict) else []
        return entries if isinstance(entries, list) else []

    def _adopt(self, entries: list[object], *, at_start: bool) -> list[dict[str, object]]:
        """Bring this scope's ``entries`` into memory; returns the other scopes' entries."""
        others: list[dict[str, object]] = []
        disk: dict[str, PendingSnapshot] = {}
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            if entry.get("scope") != self.scope:
                others.append(entry)
                continue
            pending = _from_json(entry, at_start=at_start)
            if pending is not None:
                disk[pending.ident] = pending
        for ident in list(self._items):
            if ident in self._on_disk and ident not in disk:
                del self._items[ident]  # listed or dismissed by another instance
        for ident, pending in disk.items():
            if ident in self._removed:
                continue
            known = self._items.get(ident)
            self._items[ident] = pending if known is None else replace(pending, polls=known.polls)
        self._on_disk = set(disk)
        return others


def _to_json(pending: PendingSnapshot, scope: str) -> dict[str, object]:
    data = asdict(pending)
    data["scope"] = scope
    data["resource_kind"] = pending.resource_kind.value
    data["requested_at"] = pending.requested_at.isoformat()
    data["known_versions"] = sorted(pending.known_versions)
    data["action"] = pending.action.value
    return data


def _countable(when: datetime) -> bool:
    """Watching, the quota and the cooldowns all count days around a request: a time
    at the edge of the calendar (year 1, year 9999) is damage, not a request."""
    try:
        return when - _SANE_MARGIN < when + _SANE_MARGIN
    except OverflowError:
        return False


def _from_json(entry: dict[str, object], *, at_start: bool) -> PendingSnapshot | None:
    try:
        requested = parse_time(str(entry["requested_at"]))
        versions = entry.get("known_versions", [])
        reason = entry.get("reason")
        if requested is None or not isinstance(versions, list):
            return None
        requested = requested.astimezone(UTC)
        if not _countable(requested):
            return None
        if reason == "requesting" and at_start:
            # A create still "requesting" when sqtui stopped lost its answer.
            reason = "lost"
        return PendingSnapshot(
            resource_id=str(entry["resource_id"]),
            resource_kind=ResourceKind(entry["resource_kind"]),
            resource_name=str(entry.get("resource_name", "")),
            requested_at=requested,
            reason=reason if reason in ("requesting", "processing") else "lost",
            known_versions=frozenset(str(v) for v in versions),
            action=(
                Action.SAFETY_SNAPSHOT
                if entry.get("action") == Action.SAFETY_SNAPSHOT.value
                else Action.CREATE
            ),
        )
    except (KeyError, ValueError, TypeError, OverflowError):
        return None
