"""Pending snapshots: creates answered 202 or lost, watched through the listing.

A pending snapshot is never re-posted. It is matched to a listed snapshot that was
not listed before the request and is no older than the request; until then the
listing is polled at growing intervals. Pending snapshots survive a restart.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from sqtui.api.models import ResourceKind, Snapshot
from sqtui.api.parsing import parse_time
from sqtui.domain.history import Action
from sqtui.domain.quota import CLOCK_SLACK
from sqtui.storage.atomic import write_atomic
from sqtui.storage.config import DEFAULT_PENDING_TIMEOUT_MINUTES

log = logging.getLogger("sqtui.pending")

FIRST_POLL_SECONDS = 3.0
POLL_GROWTH = 1.6
MAX_POLL_SECONDS = 60.0
DEFAULT_TIMEOUT = timedelta(minutes=DEFAULT_PENDING_TIMEOUT_MINUTES)

PendingReason = Literal["requesting", "processing", "lost"]


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
        return (
            snapshot.version_id not in self.known_versions
            and snapshot.modified >= self.requested_at - CLOCK_SLACK
        )


class PendingTracker:
    """The pending snapshots of one profile and API, persisted as JSON."""

    def __init__(self, path: Path | None, scope: str) -> None:
        self.path = path
        self.scope = scope
        self._items: dict[str, PendingSnapshot] = {}
        self._others: list[dict[str, object]] = []
        # False once a save failed: the pending snapshots live in this process only.
        self.saved = path is not None
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
        """Start watching a pending snapshot and save."""
        self._items[pending.ident] = pending
        self.save()

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
        their matches."""
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
                del self._items[pending.ident]
        if found:
            self.save()
        return found

    def discard(self, pending: PendingSnapshot) -> None:
        """Stop watching (the user dismissed it)."""
        if self._items.pop(pending.ident, None) is not None:
            self.save()

    # -- persistence ------------------------------------------------------------

    def load(self) -> None:
        """Read saved pending snapshots; a damaged file is logged and ignored."""
        if self.path is None or not self.path.exists():
            return
        try:
            raw = json.loads(self.path.read_text("utf-8"))
            entries = raw.get("pending", []) if isinstance(raw, dict) else []
        except (OSError, ValueError) as error:
            log.warning("ignoring unreadable pending file: %s", error)
            return
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            if entry.get("scope") != self.scope:
                self._others.append(entry)
                continue
            pending = _from_json(entry)
            if pending is not None:
                self._items[pending.ident] = pending

    def save(self) -> None:
        """Write every pending snapshot (this scope's and others') atomically."""
        if self.on_change is not None:
            self.on_change()
        if self.path is None:
            return
        entries = [*self._others, *(_to_json(p, self.scope) for p in self.items)]
        try:
            write_atomic(self.path, json.dumps({"pending": entries}, indent=1))
        except OSError as error:
            log.warning("could not save pending snapshots: %s", error)
            self.saved = False
        else:
            self.saved = True


def _to_json(pending: PendingSnapshot, scope: str) -> dict[str, object]:
    data = asdict(pending)
    data["scope"] = scope
    data["resource_kind"] = pending.resource_kind.value
    data["requested_at"] = pending.requested_at.isoformat()
    data["known_versions"] = sorted(pending.known_versions)
    data["action"] = pending.action.value
    return data


def _from_json(entry: dict[str, object]) -> PendingSnapshot | None:
    try:
        requested = parse_time(str(entry["requested_at"]))
        versions = entry.get("known_versions", [])
        reason = entry.get("reason")
        if requested is None or not isinstance(versions, Iterable):
            return None
        return PendingSnapshot(
            resource_id=str(entry["resource_id"]),
            resource_kind=ResourceKind(entry["resource_kind"]),
            resource_name=str(entry.get("resource_name", "")),
            requested_at=requested,
            # A create still "requesting" when sqtui stopped lost its answer.
            reason="processing" if reason == "processing" else "lost",
            known_versions=frozenset(str(v) for v in versions),
            action=(
                Action.SAFETY_SNAPSHOT
                if entry.get("action") == Action.SAFETY_SNAPSHOT.value
                else Action.CREATE
            ),
        )
    except (KeyError, ValueError, TypeError):
        return None
