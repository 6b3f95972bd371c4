"""Taking a snapshot, and waiting until a pending one is listed.

Each step is recorded once, here: the app and ``sqtui snapshots create`` only ask for
the flow and show its outcome. A create is never re-sent: a pending one is watched
through the resource's listing.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqtui.api.errors import ApiError
from sqtui.api.models import Resource, Snapshot
from sqtui.display import in_text, printable
from sqtui.domain.history import Action, Outcome
from sqtui.domain.pending import PendingSnapshot
from sqtui.domain.refusal import Refused
from sqtui.domain.session import Listed, Session

log = logging.getLogger("sqtui.flows")


class CreateState(enum.StrEnum):
    """How a create ended."""

    READY = "ready"
    PENDING = "pending"
    REFUSED = "refused"
    FAILED = "failed"


@dataclass(frozen=True)
class CreateOutcome:
    """A create (or a safety snapshot) and how it ended."""

    action: Action
    resource: Resource
    state: CreateState
    requested_at: datetime | None = None
    version: str | None = None
    snapshot: Snapshot | None = None
    pending: PendingSnapshot | None = None
    refusal: Refused | None = None
    error: ApiError | None = None
    # For a pending one: whether the pending file holds it, so a later run (the app)
    # watches it too; False when it lives in this process only.
    saved: bool = False

    @property
    def accepted(self) -> bool:
        """The server took it: ready, or still generating."""
        return self.state in (CreateState.READY, CreateState.PENDING)

    @property
    def why(self) -> str:
        """Why it was refused or failed, in words."""
        if self.refusal is not None:
            return self.refusal.sentence
        return self.error.human() if self.error is not None else ""

    def sentence(self) -> str:
        """One sentence for people about how it ended."""
        name = printable(self.resource.name)
        what = "safety snapshot" if self.action is Action.SAFETY_SNAPSHOT else "snapshot"
        if self.state is CreateState.READY:
            return f"The {what} of {name} is ready."
        if self.state is CreateState.PENDING:
            assert self.pending is not None
            if self.pending.reason == "lost":
                return (
                    f"The answer for the {what} of {name} was lost; it may be generating. "
                    "Watching the listing; it will not be sent again."
                )
            return (
                f"The {what} of {name} is being generated (SNAPSHOT_PROCESSING). "
                "Watching the listing; it will not be sent again."
            )
        return f"The {what} of {name} was not taken: {printable(self.why)}"


def _pending_detail(pending: PendingSnapshot) -> str:
    why = "SNAPSHOT_PROCESSING" if pending.reason == "processing" else "the answer was lost"
    return f"generating ({why}); watching the listing"


async def create_snapshot(
    session: Session, resource: Resource, *, action: Action = Action.CREATE
) -> CreateOutcome:
    """Send one create of ``resource`` (checked against read-only, cooldowns and quota)."""
    record = session.recorder.record
    if session.quota_loaded_at is None:
        # The quota decides whether a create can be sent at all: a count under way
        # (the app counts after its first frame) is waited for, not sent again.
        try:
            await session.load_quota()
        except ApiError as error:
            record(action, Outcome.FAILED, resource, detail=error.human())
            return CreateOutcome(action, resource, CreateState.FAILED, error=error)
    try:
        session.check_create(resource)
    except Refused as refused:
        record(action, Outcome.REFUSED, resource, detail=refused.sentence)
        return CreateOutcome(action, resource, CreateState.REFUSED, refusal=refused)
    try:
        if resource.id not in session.listings:
            # Known versions first, so the new snapshot is told apart from older ones.
            await session.list_snapshots(resource)
        created = await session.create(resource, action)
    except Refused as refused:
        record(action, Outcome.REFUSED, resource, detail=refused.sentence)
        return CreateOutcome(action, resource, CreateState.REFUSED, refusal=refused)
    except ApiError as error:
        record(action, Outcome.FAILED, resource, detail=error.human())
        return CreateOutcome(action, resource, CreateState.FAILED, error=error)
    except asyncio.CancelledError:
        # Interrupted while the server held the request: it may be generating, and the
        # session keeps it as pending (never re-sent).
        record(action, Outcome.PENDING, resource, detail="interrupted; the answer was lost")
        raise
    if created.pending is not None:
        record(
            action,
            Outcome.PENDING,
            resource,
            when=created.requested_at,
            detail=_pending_detail(created.pending),
        )
        return CreateOutcome(
            action,
            resource,
            CreateState.PENDING,
            requested_at=created.requested_at,
            pending=created.pending,
            saved=session.pending.saved,
        )
    version = created.ready.version_id if created.ready else None
    snapshot = await _listed_version(session, resource, version)
    record(action, Outcome.OK, resource, snapshot, version=version, when=created.requested_at)
    return CreateOutcome(
        action,
        resource,
        CreateState.READY,
        requested_at=created.requested_at,
        version=version,
        snapshot=snapshot,
    )


async def _listed_version(
    session: Session, resource: Resource, version: str | None
) -> Snapshot | None:
    """The new snapshot as listed (for its time and size), if the listing shows it yet."""
    try:
        listing = await session.list_snapshots(resource)
    except ApiError as error:
        log.info("listing after a create failed: %s", error.code)
        return None
    return next((s for s in listing if version and s.version_id == version), None)


class WaitState(enum.StrEnum):
    """How waiting for a pending snapshot ended."""

    LISTED = "listed"
    TIMED_OUT = "timed_out"
    GONE = "gone"


@dataclass(frozen=True)
class WaitOutcome:
    """Waiting for a pending snapshot: listed (with the snapshot), timed out, or gone."""

    state: WaitState
    pending: PendingSnapshot
    listed: Listed | None = None
    error: ApiError | None = None


async def wait_listed(
    session: Session,
    resource: Resource,
    pending: PendingSnapshot,
    *,
    give_up_after: float | None = None,
    on_error: Callable[[ApiError], None] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> WaitOutcome:
    """Watch ``resource``'s listing until ``pending`` shows there (or ``give_up_after`` s).

    Never posts again. A listing that fails is reported to ``on_error`` and tried
    again later; a key refused raises; a resource deleted meanwhile ends the wait.
    """
    record = session.recorder.record
    deadline = None if give_up_after is None else session.monotonic() + give_up_after
    while session.is_pending(pending):
        left = None if deadline is None else deadline - session.monotonic()
        if left is not None and left <= 0:
            waited = in_text(session.now() - pending.requested_at)
            later = (
                "still watched by the app"
                if session.pending.saved
                else "not saved as pending (the state file could not be written)"
            )
            record(
                pending.action,
                Outcome.PENDING,
                resource,
                when=pending.requested_at,
                detail=f"not listed after {waited}; {later}",
            )
            return WaitOutcome(WaitState.TIMED_OUT, pending)
        outcome = await session.poll_pending(resource, pending, max_wait=left, sleep=sleep)
        pending = outcome.pending
        error = outcome.error
        if error is not None:
            if error.is_access_denied:
                raise error
            if error.is_not_found:
                record(
                    pending.action,
                    Outcome.FAILED,
                    resource,
                    when=pending.requested_at,
                    detail=f"{resource.kind.label} no longer exists; pending snapshot forgotten",
                )
                return WaitOutcome(WaitState.GONE, pending, error=error)
            if on_error is not None:
                on_error(error)
            continue
        mine = next((d for d in outcome.listed if d.pending.ident == pending.ident), None)
        if mine is not None:
            return WaitOutcome(WaitState.LISTED, pending, listed=mine)
    # Listed meanwhile by another listing (a refresh): already recorded there.
    return WaitOutcome(WaitState.LISTED, pending)
