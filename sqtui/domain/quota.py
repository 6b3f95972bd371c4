"""The daily snapshot quota: allowance from the plan, use over a rolling 24 h.

The API does not report how many snapshots were used. The count is derived from
manual snapshots listed in the last 24 h plus those this client requested and has
not seen listed yet; a ``DAILY_SNAPSHOTS_LIMIT_REACHED`` answer beats that count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

WINDOW = timedelta(hours=24)
# A requested snapshot is matched to a listed one modified at most this long before
# the request was sent (clocks differ), or any time after it.
CLOCK_SLACK = timedelta(minutes=2)
# When the server says the quota is used up but our own records cannot tell when a
# slot frees, we believe it for this long before letting the user try again.
SERVER_VERDICT_TTL = timedelta(hours=1)


def daily_allowance(plan_ram_mb: int) -> int:
    """Snapshots an account may create per rolling 24 h: ``(RAM MB / 256) * 2``."""
    return max(0, plan_ram_mb // 256) * 2


@dataclass(frozen=True)
class QuotaStatus:
    """How much of the daily quota is used, and when the next slot frees."""

    used: int
    allowance: int
    next_slot_at: datetime | None
    exhausted_by_server: bool = False

    @property
    def remaining(self) -> int:
        """Snapshots that can still be created now (0 when the server said so)."""
        if self.exhausted_by_server:
            return 0
        return max(0, self.allowance - self.used)

    @property
    def exhausted(self) -> bool:
        """True when creating a snapshot now would be refused."""
        return self.remaining == 0

    @property
    def fraction(self) -> float:
        """Used share of the allowance, 0..1 (1 when exhausted)."""
        if self.exhausted:
            return 1.0
        return min(1.0, self.used / self.allowance) if self.allowance else 1.0


@dataclass
class QuotaLedger:
    """Tracks the account's manual snapshots over the rolling window."""

    allowance: int
    listed: dict[str, set[datetime]] = field(default_factory=dict)
    requested: list[tuple[str, datetime]] = field(default_factory=list)
    server_exhausted_at: datetime | None = None

    def observe_listing(self, resource_id: str, manual_times: Iterable[datetime]) -> None:
        """Add what a listing shows of one resource's manual snapshots."""
        # Kept as a union: a manual snapshot stays listed for 30 days, so one missing
        # from a listing is a stale (server-cached) listing, not a freed slot.
        times = self.listed.get(resource_id, set()) | set(manual_times)
        self.listed[resource_id] = times
        # Each listed snapshot accounts for at most one request, oldest first, so two
        # creates of one resource count twice until both are listed.
        available = sorted(times)
        kept: list[tuple[str, datetime]] = []
        for rid, at in sorted(self.requested, key=lambda r: r[1]):
            if rid == resource_id:
                match = next((t for t in available if t >= at - CLOCK_SLACK), None)
                if match is not None:
                    available.remove(match)
                    continue
            kept.append((rid, at))
        self.requested = kept

    def record_request(self, resource_id: str, at: datetime) -> None:
        """Count a create the server accepted (ready, pending, or lost on the way)."""
        self.requested.append((resource_id, at))
        self.server_exhausted_at = None

    def record_server_exhausted(self, at: datetime) -> None:
        """The server answered ``DAILY_SNAPSHOTS_LIMIT_REACHED``: trust it."""
        self.server_exhausted_at = at

    def recounted(self, now: datetime) -> None:
        """A fresh count (account-wide or every listing) was just made: a server verdict
        that our count cannot explain lifts if that count shows room."""
        if self.server_exhausted_at is None or self.server_exhausted_at > now:
            return
        if len(self._times(now)) < self.allowance:
            self.server_exhausted_at = None

    def _times(self, now: datetime) -> list[datetime]:
        start = now - WINDOW
        times = [t for listed in self.listed.values() for t in listed if start < t <= now]
        times += [at for _rid, at in self.requested if start < at <= now]
        return sorted(times)

    def status(self, now: datetime) -> QuotaStatus:
        """The quota as it stands at ``now``."""
        times = self._times(now)
        used = len(times)
        next_slot = None
        if times and used >= self.allowance:
            # The slot that frees first is the one taken by the oldest counted snapshot
            # among those that keep the count at or above the allowance.
            next_slot = times[used - self.allowance] + WINDOW
        elif times:
            next_slot = times[0] + WINDOW
        server = False
        if self.server_exhausted_at is not None:
            until = next_slot if used >= self.allowance and next_slot else None
            if until is None:
                until = self.server_exhausted_at + SERVER_VERDICT_TTL
                next_slot = until if next_slot is None or next_slot < until else next_slot
            server = now < until
        return QuotaStatus(
            used=used, allowance=self.allowance, next_slot_at=next_slot, exhausted_by_server=server
        )


def next_slot_text(next_slot_at: datetime | None, now: datetime) -> str:
    """``; the next slot frees in 3 h 10 min (at 14:03)``, or nothing when unknown."""
    if next_slot_at is None:
        return ""
    minutes = max(1, round((next_slot_at - now).total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    span = f"{hours} h {minutes} min" if hours else f"{minutes} min"
    local = next_slot_at.astimezone().strftime("%H:%M")
    return f"; the next slot frees in {span} (at {local})"
