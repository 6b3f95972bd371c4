"""Restoring a snapshot, with an optional safety snapshot of the current state first.

Restore is destructive, so both faces confirm it with the same rule
(:func:`confirms_restore`) and run the same flow: a safety snapshot that cannot be
taken means nothing is restored.
"""

from __future__ import annotations

import asyncio
import enum
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqtui.api.errors import ApiError
from sqtui.api.models import Resource, Snapshot
from sqtui.display import local_time, printable
from sqtui.domain.flows.create import CreateOutcome, create_snapshot
from sqtui.domain.history import Action, Outcome
from sqtui.domain.refusal import Refused
from sqtui.domain.session import Session

log = logging.getLogger("sqtui.flows")

# How long a restored resource gets to run again before we say it did not come back;
# restarting usually takes seconds, a big application maybe a minute or two.
COMEBACK_SECONDS = 300.0
# Looks at its status: soon at first, then less often.
COMEBACK_POLLS = (2.0, 3.0, 5.0, 10.0, 15.0)


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
    # The command recorded asks for the safety snapshot too, whether or not it was taken.
    record = functools.partial(session.recorder.record, safety=safety)
    try:
        session.check_restore(resource)
    except Refused as refused:
        record(Action.RESTORE, Outcome.REFUSED, resource, snapshot, detail=refused.sentence)
        return RestoreOutcome(resource, snapshot, RestoreState.REFUSED, refusal=refused)
    taken: CreateOutcome | None = None
    if safety:
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


class ComebackState(enum.StrEnum):
    """What became of a restored resource."""

    RUNNING = "running"
    NOT_BACK = "not_back"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Comeback:
    """Watching a restored resource until it runs again: how it ended, and when."""

    resource: Resource
    snapshot: Snapshot
    state: ComebackState
    waited_seconds: float
    error: ApiError | None = None

    def sentence(self, now: datetime) -> str:
        """``worker is running again, restored from 03:13``, or what went wrong."""
        name = printable(self.resource.name)
        taken = restored_from(self.snapshot.modified, now)
        if self.state is ComebackState.RUNNING:
            return f"{name} is running again, restored from {taken}."
        if self.state is ComebackState.NOT_BACK:
            return (
                f"{name} was restored from {taken} but is not running "
                f"{_span(self.waited_seconds)} later: check it on Square Cloud."
            )
        why = printable(self.error.human()) if self.error is not None else "no answer"
        return f"{name} was restored from {taken}; whether it runs again is unknown ({why})."


def restored_from(when: datetime, now: datetime) -> str:
    """The snapshot's local time: ``03:13`` on the same day, ``11-21 03:13`` otherwise."""
    day = local_time(when, compact=True)
    if day[:5] == local_time(now, compact=True)[:5]:
        return day[6:]
    return day


def _span(seconds: float) -> str:
    whole = max(1, round(seconds))
    minutes, rest = divmod(whole, 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


async def watch_comeback(
    session: Session,
    resource: Resource,
    snapshot: Snapshot,
    *,
    give_up_after: float | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> Comeback:
    """After a restore, watch ``resource``'s status until it runs again (or the bound).

    Applications are read one by one (``GET /apps/{id}/status``), databases from
    ``/databases/status``. A status the key may not read, or a resource gone, ends the
    watch as unknown; other failures are tried again until the bound (``give_up_after``
    seconds, :data:`COMEBACK_SECONDS` by default).
    """
    seconds = COMEBACK_SECONDS if give_up_after is None else give_up_after
    bound = seconds / session.time_scale
    started = session.monotonic()
    last_error: ApiError | None = None
    for attempt in range(10_000):
        try:
            status = await session.client.resource_status(resource.kind, resource.id)
        except ApiError as error:
            log.info("status of %s after a restore: %s", resource.id, error.code)
            if error.is_access_denied:
                raise
            last_error = error
            if error.is_not_allowed or error.is_not_found:
                return Comeback(
                    resource, snapshot, ComebackState.UNKNOWN, session.monotonic() - started, error
                )
        else:
            last_error = None
            if status.running:
                waited = session.monotonic() - started
                return Comeback(resource, snapshot, ComebackState.RUNNING, waited)
        waited = session.monotonic() - started
        if waited >= bound:
            break
        pause = COMEBACK_POLLS[min(attempt, len(COMEBACK_POLLS) - 1)] / session.time_scale
        await sleep(min(pause, bound - waited))
    waited = session.monotonic() - started
    if last_error is not None:
        return Comeback(resource, snapshot, ComebackState.UNKNOWN, waited, last_error)
    return Comeback(resource, snapshot, ComebackState.NOT_BACK, waited)
