"""One snapshot of each of several resources, paced so the server never says ``KEEP_CALM``.

The one place the rule lives, for the app (marked rows, ``n``) and
``sqtui snapshots create A B C``:

- **Quota first.** :func:`plan_batch` says how many fit in today's quota and which
  are left out, before anything is sent; the batch sends only those that fit unless
  told otherwise.
- **One at a time, in the order given.** Each create is the create flow's
  (:func:`~sqtui.domain.flows.create.create_snapshot`: checked, recorded, a pending one
  kept) and is answered before the next is sent, so a quota refusal or
  ``RATE_LIMITED`` stops the rest before another request goes out.
- **Paced.** A create goes out at least the account's cooldown (5 s) plus a margin
  after the one before, whatever that one's answer was. A resource still in its own
  cooldown (180 s) gives its turn to the next one and is sent as soon as its cooldown
  ends: mid-incident, the others are not held up behind it.
- **Cancellable.** :class:`BatchCancel` stops it between creates: nothing more is sent,
  and a create under way is answered and kept. Cancelling the task instead interrupts
  that create too, which the create flow keeps as pending (never sent again).
"""

from __future__ import annotations

import asyncio
import enum
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqtui.api.models import Resource
from sqtui.display import seconds_text, shown_name
from sqtui.domain.flows.create import CreateOutcome, CreateState, create_snapshot
from sqtui.domain.quota import QuotaStatus, next_slot_text
from sqtui.domain.refusal import RefusalReason
from sqtui.domain.session import Session

# Our clock starts a cooldown when a create is sent, the server's when it arrives: the
# margin covers one request travelling slower than the next.
PACE_MARGIN_SECONDS = 1.0
# While waiting, the state is reported this often, so a "next in 4 s" line counts down.
TICK_SECONDS = 1.0

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class BatchPlan:
    """Which resources of a batch fit in the daily quota now, in order, and which not."""

    fits: tuple[Resource, ...]
    left_out: tuple[Resource, ...]
    quota: QuotaStatus

    @property
    def resources(self) -> tuple[Resource, ...]:
        """Every resource asked for (each once), in the order given."""
        return self.fits + self.left_out

    @property
    def all_fit(self) -> bool:
        """True when the quota covers every resource."""
        return not self.left_out

    def sentence(self, now: datetime | None = None) -> str:
        """``Only 2 of 3 fit in today's quota (2 left of 4); left out: orders-pg.``

        With ``now``, when the next slot frees is said too.
        """
        total = len(self.resources)
        left = f"{self.quota.remaining} left of {self.quota.allowance}"
        if self.all_fit:
            return f"All {total} fit in today's quota ({left})."
        names = ", ".join(shown_name(r.name) for r in self.left_out)
        slot = next_slot_text(self.quota.next_slot_at, now) if now is not None else ""
        if not self.fits:
            return f"None of {total} fits in today's quota ({left}{slot}); left out: {names}."
        return (
            f"Only {len(self.fits)} of {total} fit in today's quota ({left}{slot}); "
            f"left out: {names}."
        )


def plan_batch(resources: Sequence[Resource], quota: QuotaStatus) -> BatchPlan:
    """Split ``resources`` (each kept once, first mention first) into those the quota
    covers and those left out, keeping the order given."""
    first: dict[str, Resource] = {}
    for resource in resources:
        first.setdefault(resource.id, resource)
    unique = tuple(first.values())
    room = quota.remaining
    return BatchPlan(fits=unique[:room], left_out=unique[room:], quota=quota)


async def plan_for(session: Session, resources: Sequence[Resource]) -> BatchPlan:
    """The plan against the quota now, counted first if this session has not yet.

    Raises :class:`~sqtui.api.errors.ApiError` when the quota cannot be counted.
    """
    if session.quota_loaded_at is None:
        await session.load_quota()
    return plan_batch(resources, session.quota())


@dataclass(frozen=True)
class BatchState:
    """Where a running batch stands, for a line such as ``3 queued · next in 4 s``."""

    # Not sent yet, the next one included.
    queued: int
    # Sent and answered (whatever the answer).
    sent: int
    # The one to send next (None once the batch is over).
    next: Resource | None
    # Seconds until it may be sent (0 while it is being sent).
    next_in: float
    # The next resource's create is under way (sent, not answered yet).
    sending: bool = False

    def line(self) -> str:
        """``3 queued · next in 4 s``, ``sending orders-pg · 2 queued``, ``3 sent``."""
        if self.next is None:
            return f"{self.sent} sent"
        if self.sending:
            return f"sending {shown_name(self.next.name)} · {self.queued - 1} queued"
        return f"{self.queued} queued · next in {seconds_text(math.ceil(self.next_in))}"


class BatchCancel:
    """Stops a batch between creates: nothing more is sent; one under way is answered."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def cancel(self) -> None:
        """Send nothing more (a waiting batch stops at once)."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` was called."""
        return self._event.is_set()

    async def wait(self) -> None:
        """Return once :meth:`cancel` is called."""
        await self._event.wait()


class BatchEnd(enum.StrEnum):
    """How a batch ended."""

    DONE = "done"
    CANCELLED = "cancelled"
    # A quota refusal, RATE_LIMITED or a refused key: nothing after it could be sent.
    STOPPED = "stopped"


@dataclass(frozen=True)
class BatchResult:
    """A batch's creates in the order sent, what was not sent, and how it ended."""

    plan: BatchPlan
    outcomes: tuple[CreateOutcome, ...]
    # Queued but never sent: after a cancel or a stop (those left out are in the plan).
    not_sent: tuple[Resource, ...]
    end: BatchEnd
    stopped_by: CreateOutcome | None = None

    @property
    def all_accepted(self) -> bool:
        """Every resource asked for was taken by the server (ready or pending)."""
        return (
            not self.not_sent
            and len(self.outcomes) == len(self.plan.resources)
            and all(o.accepted for o in self.outcomes)
        )

    def summary(self) -> str:
        """``3 sent: 2 ready, 1 pending.``; a cancel or a stop says what was not sent,
        and those the quota left out are named."""
        counts: dict[str, int] = {}
        for outcome in self.outcomes:
            counts[outcome.state.value] = counts.get(outcome.state.value, 0) + 1
        parts = ", ".join(f"{n} {word}" for word, n in counts.items())
        said = f"{len(self.outcomes)} sent" + (f": {parts}" if parts else "")
        unsent = ", ".join(shown_name(r.name) for r in self.not_sent) or "none"
        if self.end is BatchEnd.CANCELLED:
            said = f"Cancelled: {said}; not sent: {unsent}"
        elif self.end is BatchEnd.STOPPED and self.stopped_by is not None:
            why = self.stopped_by.why.removeprefix("Not sent: ").rstrip(".")
            stop = shown_name(self.stopped_by.resource.name)
            said = f"Stopped at {stop} ({why}): {said}; not sent: {unsent}"
        if self.plan.left_out:
            left = ", ".join(shown_name(r.name) for r in self.plan.left_out)
            said += f"; left out, no room in today's quota: {left}"
        return said + "."


def stops_the_rest(outcome: CreateOutcome) -> bool:
    """A quota refusal, ``RATE_LIMITED`` or a refused key: every next create would fail."""
    if outcome.refusal is not None:
        return outcome.refusal.reason is RefusalReason.QUOTA
    error = outcome.error
    return error is not None and (
        error.is_daily_quota or error.is_rate_limited or error.is_access_denied
    )


async def run_batch(
    session: Session,
    resources: Sequence[Resource],
    *,
    only_what_fits: bool = True,
    on_state: Callable[[BatchState], None] | None = None,
    on_outcome: Callable[[CreateOutcome], None] | None = None,
    cancel: BatchCancel | None = None,
    sleep: Sleep | None = None,
) -> BatchResult:
    """Send one create of each of ``resources``, paced, in order; each outcome recorded.

    ``on_state`` hears where the batch stands (each second while it waits),
    ``on_outcome`` each create as it is answered. A refusal or failure of one resource
    does not stop the others, except those :func:`stops_the_rest` names. With
    ``only_what_fits`` false, those the plan leaves out are queued too (each is still
    checked against the quota when its turn comes). Raises
    :class:`~sqtui.api.errors.ApiError` when the quota cannot be counted (nothing sent).
    """
    sleep = sleep or session.sleep
    plan = await plan_for(session, resources)
    queue = list(plan.fits if only_what_fits else plan.resources)
    outcomes: list[CreateOutcome] = []
    # When this batch last sent a create (or may have): paced from it, whatever the answer.
    last_sent: float | None = None

    def report(state: BatchState) -> None:
        if on_state is not None:
            on_state(state)

    end = BatchEnd.DONE
    stopped_by: CreateOutcome | None = None
    while queue:
        if cancel is not None and cancel.cancelled:
            end = BatchEnd.CANCELLED
            break
        now = session.monotonic()
        resource, wait = _next(session, queue, now, last_sent)
        if wait > 0:
            report(BatchState(len(queue), len(outcomes), resource, wait))
            await _pause(min(wait, TICK_SECONDS), sleep, cancel)
            continue
        report(BatchState(len(queue), len(outcomes), resource, 0.0, sending=True))
        queue.remove(resource)
        started = session.monotonic()
        outcome = await create_snapshot(session, resource)
        refusal = outcome.refusal
        if refusal is not None and refusal.reason is RefusalReason.COOLDOWN:
            # A create sent meanwhile by someone else in this session (the app's own
            # ``n``) started a cooldown: nothing went out, so its turn comes again.
            queue.insert(0, resource)
            left = refusal.cooldown.seconds if refusal.cooldown else TICK_SECONDS
            await _pause(min(left, TICK_SECONDS), sleep, cancel)
            continue
        if outcome.state is not CreateState.REFUSED:
            last_sent = started
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
        if stops_the_rest(outcome):
            end, stopped_by = BatchEnd.STOPPED, outcome
            break
    report(BatchState(len(queue), len(outcomes), None, 0.0))
    return BatchResult(plan, tuple(outcomes), tuple(queue), end, stopped_by)


def _next(
    session: Session, queue: Sequence[Resource], now: float, last_sent: float | None
) -> tuple[Resource, float]:
    """The resource to send next and the seconds until it may go.

    The first in the queue free when the account's pace allows; a resource still in
    its own cooldown lets the others go first, unless it frees first.
    """
    # The demo's faster clock shortens the margin with the cooldown.
    pace = session.cooldowns.user_seconds + PACE_MARGIN_SECONDS / session.time_scale
    sent = [t for t in (last_sent, session.cooldowns.last_user) if t is not None]
    paced_at = max(sent) + pace if sent else now
    best: tuple[float, Resource] | None = None
    for resource in queue:
        left = session.cooldown(resource)
        at = max(paced_at, now + (left.seconds if left is not None else 0.0))
        if best is None or at < best[0]:
            best = (at, resource)
    assert best is not None
    return best[1], max(0.0, best[0] - now)


async def _pause(seconds: float, sleep: Sleep, cancel: BatchCancel | None) -> None:
    """Sleep ``seconds``, or less if the batch is cancelled meanwhile."""
    if cancel is None:
        await sleep(seconds)
        return
    sleeping = asyncio.ensure_future(sleep(seconds))
    stopping = asyncio.ensure_future(cancel.wait())
    try:
        await asyncio.wait({sleeping, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sleeping, stopping):
            task.cancel()
        await asyncio.gather(sleeping, stopping, return_exceptions=True)
