"""``sqtui snapshots create RESOURCE... [--all-apps | --all-databases] [--fit] [--wait]
[--timeout MIN] [--json]``.

One RESOURCE: one create. Several (or ``--all-*``): the domain's paced batch, a line per
resource on standard output as each is answered (``Ready:``, ``Pending:``, ``Refused:``,
``Failed:``, then ``Not sent:`` for those a cancel or a stop kept back), progress on
standard error, and the most serious exit code of theirs.

With ``--json`` the outcome is one object on standard output (a list of them, in the
order given, for several; messages still go to standard error, and the exit code is
the same)::

    {"outcome": "ready" | "pending" | "refused" | "failed" | "timed_out" | "interrupted"
                | "not_sent",             # not_sent: a batch stopped or cancelled first
     "resource": {"id", "name", "kind"},
     "snapshot": {...} | null,          # as ``list --json`` gives it, once listed
     "version_id": str | null,
     "requested_at": ISO-8601 UTC | null,
     "pending_saved": bool | null,      # a pending one: kept for the app to watch
     "error": {"code", "message"} | null,
     "message": str}
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

from sqtui.api.errors import ApiError
from sqtui.api.models import Resource, Snapshot
from sqtui.cli.exit_codes import ExitCode, exit_code_for, exit_code_for_refusal
from sqtui.cli.interrupt import on_ctrl_c
from sqtui.cli.output import dump, iso, resource_json, result, say, snapshot_json, snapshot_label
from sqtui.cli.run import Run, Stop
from sqtui.display import local_time, printable, shown_name
from sqtui.domain.flows import (
    BatchCancel,
    BatchPlan,
    BatchResult,
    BatchState,
    CreateOutcome,
    CreateState,
    WaitState,
    create_snapshot,
    plan_batch,
    run_batch,
    wait_listed,
)
from sqtui.domain.quota import next_slot_text
from sqtui.domain.resolve import resource_label

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class CreateArgs:
    """``create``'s arguments."""

    resources: tuple[str, ...]
    wait: bool
    timeout_minutes: float | None
    json: bool = False
    all_apps: bool = False
    all_databases: bool = False
    fit: bool = False

    @property
    def several(self) -> bool:
        """More than one RESOURCE, or every one of a kind: a batch."""
        return len(self.resources) != 1 or self.all_apps or self.all_databases


def _report(
    resource: Resource,
    outcome: str,
    message: str,
    *,
    snapshot: Snapshot | None = None,
    version: str | None = None,
    requested_at: datetime | None = None,
    saved: bool | None = None,
    error: ApiError | None = None,
) -> dict[str, Any]:
    return {
        "outcome": outcome,
        "resource": resource_json(resource),
        "snapshot": snapshot_json(snapshot) if snapshot is not None else None,
        "version_id": snapshot.version_id if snapshot is not None else version,
        "requested_at": iso(requested_at),
        "pending_saved": saved,
        "error": {"code": error.code, "message": error.human()} if error is not None else None,
        "message": message,
    }


def _ready_report(outcome: CreateOutcome) -> dict[str, Any]:
    """The JSON report of a create answered with a ready snapshot."""
    return _report(
        outcome.resource,
        "ready",
        outcome.sentence(),
        snapshot=outcome.snapshot,
        version=outcome.version,
        requested_at=outcome.requested_at,
    )


def _not_kept(run: Run) -> str:
    """Why a pending snapshot was not written to the pending file, for people."""
    why = run.session.pending.problem or "the state directory is not writable"
    return f"it could not be saved as pending ({why.rstrip('.')}), so nothing will watch it"


def _later(run: Run) -> str:
    """What becomes of a pending snapshot no longer waited for here, for people."""
    if run.session.pending.saved:
        return "the snapshot stays pending and `sqtui` (the app) keeps watching it"
    return _not_kept(run)


def _not_listed(run: Run, minutes: float) -> str:
    """Why ``--wait`` gave up, and what becomes of the snapshot."""
    return f"not listed after {minutes:g} min. The request was not sent again; {_later(run)}."


async def create(run: Run, args: CreateArgs) -> ExitCode:
    """Send one create (or, for several resources, a paced batch of them)."""
    if args.several:
        return await create_batch(run, args)
    return await create_one(run, args, args.resources[0])


async def create_one(run: Run, args: CreateArgs, wanted: str) -> ExitCode:
    """Send one create; with ``--wait``, watch the listing until it shows."""

    def emit(data: dict[str, Any]) -> None:
        if args.json:
            result(dump(data))

    # The quota decides whether a create can be sent at all.
    await run.session.load_quota()
    resource = await run.resource(wanted)
    say(f"Requesting a snapshot of {resource_label(resource)}…")
    try:
        outcome = await create_snapshot(run.session, resource)
    except asyncio.CancelledError:
        kept = run.session.pending.saved
        message = (
            "Interrupted while the server held the request: the snapshot may be generating. "
            + (
                "It is saved as pending (never sent again); `sqtui` keeps watching it."
                if kept
                else f"It was not sent again, but {_not_kept(run)}."
            )
        )
        say(message)
        emit(_report(resource, "interrupted", message, saved=kept))
        return ExitCode.INTERRUPTED
    if outcome.state is CreateState.REFUSED:
        assert outcome.refusal is not None
        emit(_report(resource, "refused", outcome.refusal.sentence))
        raise Stop(exit_code_for_refusal(outcome.refusal), outcome.refusal.sentence)
    if outcome.state is CreateState.FAILED:
        assert outcome.error is not None
        emit(_report(resource, "failed", outcome.sentence(), error=outcome.error))
        raise outcome.error
    if outcome.state is CreateState.READY:
        if not args.json:
            _print_ready(run, outcome)
        emit(_ready_report(outcome))
        return ExitCode.OK
    return await _pending(run, args, outcome, emit)


def _print_ready(run: Run, outcome: CreateOutcome) -> None:
    if outcome.snapshot is not None:
        result(f"Ready: {snapshot_label(outcome.snapshot, run.now())}")
    else:
        result(f"Ready: version {outcome.version or 'unknown'} (not listed yet).")


async def _pending(
    run: Run,
    args: CreateArgs,
    outcome: CreateOutcome,
    emit: Callable[[dict[str, Any]], None],
) -> ExitCode:
    resource = outcome.resource
    pending = outcome.pending
    assert pending is not None
    say(outcome.sentence())
    if not args.wait:
        if outcome.saved:
            say(
                "It is saved as pending: `sqtui` (the app) keeps watching it, and "
                f"`sqtui snapshots list {resource.id}` shows it once listed. "
                "Next time, --wait waits for it here."
            )
        else:
            say(
                f"warning: {_not_kept(run)}; `sqtui snapshots list {resource.id}` shows it "
                "once listed, or --wait waits for it here."
            )
        if not args.json:
            result(
                f"Pending: {printable(resource.name)} requested {local_time(pending.requested_at)}"
            )
        emit(
            _report(
                resource,
                "pending",
                outcome.sentence(),
                requested_at=pending.requested_at,
                saved=outcome.saved,
            )
        )
        return ExitCode.OK
    minutes = (
        args.timeout_minutes
        if args.timeout_minutes is not None
        else run.settings.pending_timeout_minutes
    )
    say(f"Watching the listing for it (up to {minutes:g} min)…")

    def listing_failed(error: ApiError) -> None:
        say(f"(listing failed, still watching: {printable(error.human())})")

    try:
        waited = await wait_listed(
            run.session, resource, pending, give_up_after=minutes * 60, on_error=listing_failed
        )
    except asyncio.CancelledError:
        message = f"Stopped waiting. It was not sent again; {_later(run)}."
        say(message)
        emit(_report(resource, "interrupted", message, requested_at=pending.requested_at))
        return ExitCode.INTERRUPTED
    if waited.state is WaitState.GONE:
        assert waited.error is not None
        message = printable(waited.error.human())
        emit(_report(resource, "failed", message, error=waited.error))
        raise Stop(exit_code_for(waited.error), message)
    if waited.state is WaitState.TIMED_OUT:
        message = _not_listed(run, minutes)
        emit(
            _report(
                resource,
                "timed_out",
                message,
                requested_at=pending.requested_at,
                saved=run.session.pending.saved,
            )
        )
        raise Stop(ExitCode.FAILED, message)
    snapshot = waited.listed.snapshot if waited.listed else None
    if not args.json:
        result(f"Ready: {snapshot_label(snapshot, run.now())}" if snapshot else "Ready: listed.")
    emit(
        _report(
            resource,
            "ready",
            f"The snapshot of {printable(resource.name)} is listed.",
            snapshot=snapshot,
            requested_at=pending.requested_at,
        )
    )
    return ExitCode.OK


# -- several resources: one paced batch ------------------------------------------------

# The most serious first: what waiting will not fix comes before what it will (a
# cooldown or the quota, last).
_SEVERITY = (
    ExitCode.INTERRUPTED,
    ExitCode.AUTH,
    ExitCode.NETWORK,
    ExitCode.SERVER,
    ExitCode.NOT_FOUND,
    ExitCode.FAILED,
    ExitCode.QUOTA,
)


def most_serious(codes: Iterable[ExitCode]) -> ExitCode:
    """0 when every code is 0; else the first of :data:`_SEVERITY` among them."""
    found = set(codes) - {ExitCode.OK}
    return next((code for code in _SEVERITY if code in found), min(found, default=ExitCode.OK))


@dataclass(frozen=True)
class _Done:
    """How one resource of a batch ended: its exit code, ``--json`` object and line."""

    code: ExitCode
    report: dict[str, Any]
    line: str


class _BatchProgress:
    """The batch's state on standard error: an updating line at a terminal, else one
    line each time a wait starts; and which create is being sent."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.shown = False
        self.state: BatchState | None = None

    def __call__(self, state: BatchState) -> None:
        before, self.state = self.state, state
        if state.next is None:
            self.clear()
        elif state.sending:
            self.clear()
            say(f"Requesting a snapshot of {resource_label(state.next)}…", self.stream)
        elif self.tty:
            self.stream.write(f"\r{state.line()}\x1b[K")
            self.stream.flush()
            self.shown = True
        elif before is None or before.sending or before.next != state.next:
            say(state.line(), self.stream)

    @property
    def in_flight(self) -> Resource | None:
        """The resource whose create was sent and not answered yet, if any."""
        state = self.state
        return state.next if state is not None and state.sending else None

    def clear(self) -> None:
        """Remove the updating line before anything else is printed."""
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


@contextlib.contextmanager
def _interrupts(cancel: BatchCancel, progress: _BatchProgress) -> Iterator[None]:
    """Ctrl-C sends nothing more; a second one stops waiting (what is under way stays
    pending). POSIX only: elsewhere Ctrl-C cancels at once, handled by the caller."""
    task = asyncio.current_task()

    def pressed() -> None:
        if cancel.cancelled:
            if task is not None:
                task.cancel()
            return
        cancel.cancel()
        progress.clear()
        say(
            "Interrupted: nothing more will be sent. Waiting for the answer under way "
            "(Ctrl-C again stops waiting; it stays pending, never sent again)."
        )

    with on_ctrl_c(pressed):
        yield


async def _chosen(run: Run, args: CreateArgs) -> list[Resource]:
    """Every RESOURCE named (all resolved before anything is sent), then ``--all-*``."""
    account = await run.account()
    named = [await run.resource(wanted) for wanted in args.resources]
    if args.all_apps:
        named += account.applications
    if args.all_databases:
        named += account.databases
    return named


def _answered(run: Run, outcome: CreateOutcome) -> _Done:
    """A create's answer as a batch shows it (a pending one not waited for here)."""
    resource = outcome.resource
    label = resource_label(resource)
    if outcome.state is CreateState.READY:
        what = (
            snapshot_label(outcome.snapshot, run.now())
            if outcome.snapshot is not None
            else f"version {outcome.version or 'unknown'} (not listed yet)."
        )
        report = _ready_report(outcome)
        return _Done(ExitCode.OK, report, f"Ready: {label}: {what}")
    if outcome.state is CreateState.PENDING:
        assert outcome.pending is not None
        requested_at = outcome.pending.requested_at
        report = _report(
            resource,
            "pending",
            outcome.sentence(),
            requested_at=requested_at,
            saved=outcome.saved,
        )
        return _Done(ExitCode.OK, report, f"Pending: {label} requested {local_time(requested_at)}")
    if outcome.refusal is not None:
        sentence = printable(outcome.refusal.sentence)
        report = _report(resource, "refused", sentence)
        return _Done(
            exit_code_for_refusal(outcome.refusal), report, f"Refused: {label}: {sentence}"
        )
    assert outcome.error is not None
    report = _report(resource, "failed", outcome.sentence(), error=outcome.error)
    line = f"Failed: {label}: {printable(outcome.why)}"
    return _Done(exit_code_for(outcome.error), report, line)


async def _waited(run: Run, args: CreateArgs, outcome: CreateOutcome, sleep: Sleep) -> _Done:
    """``--wait`` for one pending snapshot of a batch: listed, timed out or gone."""
    resource, pending = outcome.resource, outcome.pending
    assert pending is not None
    label = resource_label(resource)
    minutes = (
        args.timeout_minutes
        if args.timeout_minutes is not None
        else run.settings.pending_timeout_minutes
    )

    def listing_failed(error: ApiError) -> None:
        say(f"({label}: listing failed, still watching: {printable(error.human())})")

    try:
        waited = await wait_listed(
            run.session,
            resource,
            pending,
            give_up_after=minutes * 60,
            on_error=listing_failed,
            sleep=sleep,
        )
    except ApiError as error:
        # The key was refused meanwhile: said for this one, the others end their own way.
        message = printable(error.human())
        report = _report(resource, "failed", message, error=error)
        return _Done(exit_code_for(error), report, f"Failed: {label}: {message}")
    if waited.state is WaitState.GONE:
        assert waited.error is not None
        message = printable(waited.error.human())
        report = _report(resource, "failed", message, error=waited.error)
        return _Done(exit_code_for(waited.error), report, f"Failed: {label}: {message}")
    if waited.state is WaitState.TIMED_OUT:
        message = _not_listed(run, minutes)
        report = _report(
            resource,
            "timed_out",
            message,
            requested_at=pending.requested_at,
            saved=run.session.pending.saved,
        )
        return _Done(ExitCode.FAILED, report, f"Timed out: {label}: {message}")
    snapshot = waited.listed.snapshot if waited.listed else None
    report = _report(
        resource,
        "ready",
        f"The snapshot of {printable(resource.name)} is listed.",
        snapshot=snapshot,
        requested_at=pending.requested_at,
    )
    what = snapshot_label(snapshot, run.now()) if snapshot else "listed."
    return _Done(ExitCode.OK, report, f"Ready: {label}: {what}")


def _interrupted_answer(run: Run, resource: Resource, pending: CreateOutcome | None) -> _Done:
    """A create (or its wait) cut off by a second Ctrl-C: it may be generating."""
    label = resource_label(resource)
    kept = run.session.pending.saved
    if pending is not None and pending.pending is not None:
        message = f"Stopped waiting. It was not sent again; {_later(run)}."
        report = _report(
            resource, "interrupted", message, requested_at=pending.pending.requested_at
        )
    else:
        message = (
            "Interrupted while the server held the request: the snapshot may be generating. "
            + (
                "It is saved as pending (never sent again); `sqtui` keeps watching it."
                if kept
                else f"It was not sent again, but {_not_kept(run)}."
            )
        )
        report = _report(resource, "interrupted", message, saved=kept)
    return _Done(ExitCode.INTERRUPTED, report, f"Interrupted: {label}: {message}")


def _not_sent(resource: Resource, code: ExitCode, reason: str) -> _Done:
    """A resource the batch never sent, after a cancel or a stop."""
    report = _report(resource, "not_sent", f"Not sent: {reason}")
    return _Done(code, report, f"Not sent: {resource_label(resource)}: {reason}")


def _left_out(resource: Resource, plan: BatchPlan, now: datetime) -> _Done:
    """A resource the daily quota has no room for: refused, as a single create would be."""
    quota = plan.quota
    room = f"{quota.remaining} left of {quota.allowance}{next_slot_text(quota.next_slot_at, now)}"
    sentence = (
        f"Not sent: the daily quota has room for {len(plan.fits)} of these "
        f"{len(plan.resources)} ({room}). [DAILY_SNAPSHOTS_LIMIT_REACHED]"
    )
    report = _report(resource, "refused", sentence)
    return _Done(ExitCode.QUOTA, report, f"Refused: {resource_label(resource)}: {sentence}")


async def create_batch(run: Run, args: CreateArgs, *, sleep: Sleep = asyncio.sleep) -> ExitCode:
    """One snapshot of each resource chosen, paced; a line per resource as it is answered."""
    session = run.session
    await session.load_quota()
    plan = plan_batch(await _chosen(run, args), session.quota())
    if not plan.resources:
        raise Stop(ExitCode.NOT_FOUND, "no application or database to snapshot")
    said = plan.sentence(run.now())
    done: dict[str, _Done] = {}

    def finish(resource: Resource, end: _Done) -> None:
        done[resource.id] = end
        if not args.json:
            result(end.line)

    def ended() -> ExitCode:
        if args.json:
            result(dump([done[r.id].report for r in plan.resources]))
        return most_serious(done[r.id].code for r in plan.resources)

    if not plan.all_fit and not args.fit:
        # The whole batch, or nothing: a runbook that asked for these must not believe
        # it has all of them.
        held = f" Nothing was sent; --fit sends the {len(plan.fits)} that fit." if plan.fits else ""
        say(f"sqtui: {said}{held}")
        for resource in plan.fits:
            held_back = "the daily quota cannot cover them all (--fit sends those that fit)."
            done[resource.id] = _not_sent(resource, ExitCode.QUOTA, held_back)
        for resource in plan.left_out:
            done[resource.id] = _left_out(resource, plan, run.now())
        return ended()
    if not plan.all_fit:
        say(f"{said} --fit: sending the {len(plan.fits)} that fit." if plan.fits else said)
    if plan.fits:
        say(
            f"Requesting one snapshot of each of {len(plan.fits)} resources, one at a time, "
            "paced by the cooldowns…"
        )
    progress = _BatchProgress(sys.stderr)
    pending: dict[str, CreateOutcome] = {}
    waits: dict[str, asyncio.Task[_Done]] = {}

    def answered(outcome: CreateOutcome) -> None:
        progress.clear()
        if outcome.state is CreateState.PENDING and args.wait:
            say(outcome.sentence())
            pending[outcome.resource.id] = outcome
            waits[outcome.resource.id] = asyncio.ensure_future(_waited(run, args, outcome, sleep))
        else:
            finish(outcome.resource, _answered(run, outcome))

    cancel = BatchCancel()
    batch: BatchResult | None = None
    cut_off: Resource | None = None
    try:
        with _interrupts(cancel, progress):
            batch = await run_batch(
                session,
                plan.fits,
                on_state=progress,
                on_outcome=answered,
                cancel=cancel,
                sleep=sleep,
            )
            if waits:
                say(f"Watching the listings for {len(waits)} pending…")
                # From now on one Ctrl-C stops the waiting.
                cancel.cancel()
                await asyncio.wait(waits.values())
    except asyncio.CancelledError:
        progress.clear()
        cut_off = progress.in_flight if batch is None else None
    for resource_id, waiting in waits.items():
        waiting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiting
        sent = pending[resource_id]
        if waiting.cancelled():
            finish(sent.resource, _interrupted_answer(run, sent.resource, sent))
        else:
            finish(sent.resource, waiting.result())
    stop = batch.stopped_by if batch is not None else None
    for resource in plan.fits:
        if resource.id in done:
            continue
        if resource == cut_off:
            finish(resource, _interrupted_answer(run, resource, None))
        elif stop is not None:
            reason = printable(stop.why).removeprefix("Not sent: ")
            why = f"stopped after {shown_name(stop.resource.name)}: {reason}"
            finish(resource, _not_sent(resource, done[stop.resource.id].code, why))
        else:
            finish(resource, _not_sent(resource, ExitCode.INTERRUPTED, "interrupted."))
    for resource in plan.left_out:
        finish(resource, _left_out(resource, plan, run.now()))
    say(_summary([done[r.id] for r in plan.resources]))
    _pending_note(run, [r for r in plan.fits if done[r.id].report["outcome"] == "pending"])
    return ended()


def _summary(ends: Sequence[_Done]) -> str:
    """``3 resources: 2 ready, 1 pending.`` (pending: still generating, watched)."""
    counts: dict[str, int] = {}
    for end in ends:
        outcome = end.report["outcome"]
        word = "pending" if outcome == "timed_out" else outcome.replace("_", " ")
        counts[word] = counts.get(word, 0) + 1
    parts = ", ".join(f"{n} {word}" for word, n in counts.items())
    return f"{len(ends)} resources: {parts}."


def _pending_note(run: Run, resources: Sequence[Resource]) -> None:
    """Where pending snapshots not waited for here will be watched, said once."""
    if not resources:
        return
    ids = " ".join(r.id for r in resources)
    if run.session.pending.saved:
        say(
            f"{len(resources)} pending: saved, so `sqtui` (the app) keeps watching them, and "
            f"`sqtui snapshots list ID` shows each once listed ({ids}). "
            "Next time, --wait waits for them here."
        )
    else:
        say(
            f"warning: {len(resources)} pending, but {_not_kept(run)}; "
            f"`sqtui snapshots list ID` shows each once listed ({ids}), or --wait waits here."
        )
