"""An action sqtui did not send, and why: read-only mode, a cooldown, the quota, or a
key whose scopes leave the action out.

Raised by the guards of :class:`~sqtui.domain.session.Session` before any request,
so a refusal costs nothing and never earns a ``KEEP_CALM`` from the server.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqtui.domain.cooldown import CooldownLeft


class RefusalReason(enum.StrEnum):
    """Why an action was not sent."""

    READ_ONLY = "read_only"
    COOLDOWN = "cooldown"
    QUOTA = "quota"
    NOT_ALLOWED = "not_allowed"


class Refused(Exception):
    """An action that was not sent; ``sentence`` says why, for people."""

    def __init__(
        self,
        reason: RefusalReason,
        sentence: str,
        *,
        cooldown: CooldownLeft | None = None,
        next_slot_at: datetime | None = None,
    ) -> None:
        super().__init__(sentence)
        self.reason = reason
        self.sentence = sentence
        self.cooldown = cooldown
        self.next_slot_at = next_slot_at

    @property
    def why(self) -> str:
        """The sentence without its ``Not sent:`` lead, to follow another clause."""
        return self.sentence.removeprefix("Not sent: ")
