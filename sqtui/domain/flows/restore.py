"""Restoring a snapshot, with an optional safety snapshot of the current state first.

Restore is destructive, so both faces confirm it with the same rule
(:func:`confirms_restore`) and run the same flow: a safety snapshot that cannot be
taken means nothing is restored.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable
from dataclasses import dataclass

from sqtui.api.errors import ApiError
from sqtui.api.models import Resource, Snapshot
from sqtui.display import local_time, printable
from sqtui.domain.flows.create import CreateOutcome, create_snapshot
from sqtui.domain.history import Action, Outcome
from sqtui.domain.refusal import Refused
from sqtui.domain.session import Session


def confirms_restore(resource: Resource, typed: str) -> bool:
    """True when ``typed`` is the resource's name, exactly as shown or as stored."""
    return typed.strip() != "" and typed in (resource.name, printable(resource.name))


class RestoreState(enum.StrEnum):
    """How a restore ended."""

    DONE = "done"
    REFUSED = "refused"
    NOT_STARTED = "not_started"
    FAILED = "failed"
    LOST = "lost"


@dataclass(frozen=True)
class RestoreOutcome:
    """A restore and how it ended; ``safety`` is the safety snapshot taken first, if any."""

    resource: Resource
    snapshot: Snapshot
    state: RestoreState
    safety: CreateOutcome | None = None
    refusal: Refused | None = None
    error: ApiError | None = None

    def sentence(self) -> str:
        """One sentence for people about how it ended."""
        name = printable(self.resource.name)
        when = local_time(self.snapshot.modified)
        if self.state is RestoreState.DONE:
            return f"{name} was restored to the snapshot of {when}. It is restarting."
        if self.state is RestoreState.REFUSED:
            assert self.refusal is not None
            return self.refusal.sentence
        if self.state is RestoreState.NOT_STARTED:
            assert self.safety is not None
            return (
                f"The safety snapshot of {name} was not taken ({printable(self.safety.why)}). "
                "Nothing was restored."
            )
        assert self.error is not None
        if self.state is RestoreState.LOST:
            return (
                f"{printable(self.error.human())} If the request reached the server, the "
                f"restore of {name} may still be running: check it before trying again."
            )
        return f"The restore of {name} failed: {printable(self.error.human())}"


async def restore_snapshot(
    session: Session,
    resource: Resource,
    snapshot: Snapshot,
    *,
    safety: bool,
    on_restoring: Callable[[CreateOutcome | None], None] | None = None,
) -> RestoreOutcome:
    """Restore ``snapshot`` over ``resource`` (the caller confirmed); safety snapshot first.

    ``on_restoring`` is told the safety snapshot taken (if any) once the restore itself
    is about to be sent.
    """
    record = session.recorder.record
    try:
        session.check_restore(resource)
    except Refused as refused:
        record(Action.RESTORE, Outcome.REFUSED, resource, snapshot, detail=refused.sentence)
        return RestoreOutcome(resource, snapshot, RestoreState.REFUSED, refusal=refused)
    taken: CreateOutcome | None = None
    if safety:
        if session.quota_loaded_at is None:
            # The quota decides whether a safety snapshot can be sent at all.
            await session.load_quota()
        taken = await create_snapshot(session, resource, action=Action.SAFETY_SNAPSHOT)
        if not taken.accepted:
            record(
                Action.RESTORE,
                Outcome.REFUSED,
                resource,
                snapshot,
                detail=f"not started: the safety snapshot was not taken ({taken.why})",
            )
            return RestoreOutcome(resource, snapshot, RestoreState.NOT_STARTED, safety=taken)
    if on_restoring is not None:
        on_restoring(taken)
    try:
        await session.restore(resource, snapshot)
    except Refused as refused:
        record(Action.RESTORE, Outcome.REFUSED, resource, snapshot, detail=refused.sentence)
        return RestoreOutcome(resource, snapshot, RestoreState.REFUSED, refusal=refused)
    except ApiError as error:
        record(Action.RESTORE, Outcome.FAILED, resource, snapshot, detail=error.human())
        state = RestoreState.LOST if error.is_network_error else RestoreState.FAILED
        return RestoreOutcome(resource, snapshot, state, safety=taken, error=error)
    except asyncio.CancelledError:
        record(
            Action.RESTORE,
            Outcome.CANCELLED,
            resource,
            snapshot,
            detail="interrupted while waiting; it may still be running on the server",
        )
        raise
    record(Action.RESTORE, Outcome.OK, resource, snapshot)
    return RestoreOutcome(resource, snapshot, RestoreState.DONE, safety=taken)
