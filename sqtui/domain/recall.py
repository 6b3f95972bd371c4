"""What was sent before this run started, so a fresh start keeps every cooldown.

Saved pending snapshots count against the quota until listed, and every create of
the last few minutes (by the app or a script, in the history) restarts its
cooldowns: a fresh start never sends a create the server would refuse with
``KEEP_CALM``.
"""

from __future__ import annotations

from datetime import timedelta

from sqtui.domain.history import Action, History, Outcome
from sqtui.domain.session import Session


def recall_creates(session: Session, history: History | None) -> None:
    """Teach ``session`` the creates sent before it started (by sqtui or a script)."""
    now, mono = session.now(), session.monotonic()
    horizon = now - timedelta(seconds=max(session.cooldowns.resource_seconds, 1.0))
    sent = [(p.requested_at, p.resource_id) for p in session.pending.items]
    for pending in session.pending.items:
        session.ledger.record_request(pending.resource_id, pending.requested_at)
    if history is not None:
        sent += [
            (entry.time, entry.resource_id)
            for entry in history.read()
            if entry.action in (Action.CREATE, Action.SAFETY_SNAPSHOT)
            and entry.outcome in (Outcome.OK, Outcome.PENDING)
            and entry.profile == session.profile
            and horizon < entry.time <= now
        ]
    for at, resource_id in sorted(s for s in sent if horizon < s[0] <= now):
        session.cooldowns.record(resource_id, mono - (now - at).total_seconds())
