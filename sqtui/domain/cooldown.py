"""Cooldowns: creates one per 5 s per user and one per 180 s per resource; restores
one per 60 s per resource.

The API page also mentions 60 s per resource for creates; 180 s is the safer value.
Knowing them locally lets the UI say how long is left instead of sending a doomed
request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

USER_SECONDS = 5.0
RESOURCE_SECONDS = 180.0
RESTORE_SECONDS = 60.0

_SECONDS_IN_MESSAGE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:s\b|sec|second)", re.IGNORECASE)


@dataclass(frozen=True)
class CooldownLeft:
    """A cooldown still running: which one, and for how many seconds."""

    scope: Literal["user", "resource", "restore"]
    seconds: float

    def human(self) -> str:
        """Short text such as ``wait 2 min 40 s (cooldown of this resource)``."""
        whole = max(1, round(self.seconds))
        minutes, seconds = divmod(whole, 60)
        span = f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
        if self.scope == "restore":
            return f"wait {span} (one restore per minute of this resource)"
        where = "this resource" if self.scope == "resource" else "your account"
        return f"wait {span} (cooldown of {where})"


@dataclass
class Cooldowns:
    """Remembers when creates were sent; times are seconds on a monotonic clock."""

    user_seconds: float = USER_SECONDS
    resource_seconds: float = RESOURCE_SECONDS
    last_user: float | None = None
    last_resource: dict[str, float] = field(default_factory=dict)
    # Extra waits the server imposed that our own records did not predict.
    server_until: dict[str, float] = field(default_factory=dict)
    restore_seconds: float = RESTORE_SECONDS
    # Until when each resource may not be restored again (sent by us, or said by the server).
    restore_until: dict[str, float] = field(default_factory=dict)

    def record(self, resource_id: str, now: float) -> None:
        """A create of ``resource_id`` was sent at ``now``."""
        self.last_user = now
        self.last_resource[resource_id] = now

    def snapshot(self, resource_id: str) -> tuple[float | None, float | None]:
        """The records a create of ``resource_id`` would change, to undo it."""
        return self.last_user, self.last_resource.get(resource_id)

    def undo(self, resource_id: str, saved: tuple[float | None, float | None]) -> None:
        """Forget a create the server refused: put back what ``snapshot`` saved."""
        self.last_user, last = saved
        if last is None:
            self.last_resource.pop(resource_id, None)
        else:
            self.last_resource[resource_id] = last

    def record_server_cooldown(self, resource_id: str, now: float, message: str = "") -> None:
        """The server answered ``KEEP_CALM``: respect the wait it names, else the user one."""
        match = _SECONDS_IN_MESSAGE.search(message)
        seconds = float(match.group(1)) if match else self.user_seconds
        self.server_until[resource_id] = now + seconds

    def remaining(self, resource_id: str, now: float) -> CooldownLeft | None:
        """The longest cooldown that still blocks a create of ``resource_id``."""
        candidates: list[CooldownLeft] = []
        last = self.last_resource.get(resource_id)
        if last is not None and now - last < self.resource_seconds:
            candidates.append(CooldownLeft("resource", self.resource_seconds - (now - last)))
        if self.last_user is not None and now - self.last_user < self.user_seconds:
            candidates.append(CooldownLeft("user", self.user_seconds - (now - self.last_user)))
        until = self.server_until.get(resource_id)
        if until is not None and until > now:
            candidates.append(CooldownLeft("resource", until - now))
        return max(candidates, key=lambda c: c.seconds, default=None)

    def record_restore(self, resource_id: str, now: float, message: str = "") -> None:
        """A restore of ``resource_id`` was accepted (or a ``KEEP_CALM`` named a wait)."""
        match = _SECONDS_IN_MESSAGE.search(message)
        seconds = float(match.group(1)) if match else self.restore_seconds
        self.restore_until[resource_id] = max(
            self.restore_until.get(resource_id, now), now + seconds
        )

    def restore_remaining(self, resource_id: str, now: float) -> CooldownLeft | None:
        """The cooldown that blocks a restore of ``resource_id`` now, if any."""
        until = self.restore_until.get(resource_id)
        if until is None or until <= now:
            return None
        return CooldownLeft("restore", until - now)
