"""``sqtui snapshots create RESOURCE [--wait] [--timeout MIN] [--json]``.

With ``--json`` the outcome is one object on standard output (messages still go to
standard error, and the exit code is the same)::

    {"outcome": "ready" | "pending" | "refused" | "failed" | "timed_out" | "interrupted",
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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqtui.api.errors import ApiError
from sqtui.api.models import Resource, Snapshot
from sqtui.cli.exit_codes import ExitCode, exit_code_for, exit_code_for_refusal
from sqtui.cli.output import dump, iso, resource_json, result, say, snapshot_json, snapshot_label
from sqtui.cli.run import Run, Stop
from sqtui.display import local_time, printable
from sqtui.domain.flows import (
    CreateOutcome,
    CreateState,
    WaitState,
    create_snapshot,
    wait_listed,
)
from sqtui.domain.resolve import resource_label


@dataclass(frozen=True)
class CreateArgs:
    """``create``'s arguments."""

    resource: str
    wait: bool
    timeout_minutes: float | None
    json: bool = False


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


def _not_kept(run: Run) -> str:
    """Why a pending snapshot was not written to the pending file, for people."""
    why = run.session.pending.problem or "the state directory is not writable"
    return f"it could not be saved as pending ({why.rstrip('.')}), so nothing will watch it"


async def create(run: Run, args: CreateArgs) -> ExitCode:
    """Send one create; with ``--wait``, watch the listing until it shows."""

    def emit(data: dict[str, Any]) -> None:
        if args.json:
            result(dump(data))

    # The quota decides whether a create can be sent at all.
    await run.session.load_quota()
    resource = await run.resource(args.resource)
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
        emit(
            _report(
                resource,
                "ready",
                outcome.sentence(),
                snapshot=outcome.snapshot,
                version=outcome.version,
                requested_at=outcome.requested_at,
            )
        )
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

    def later() -> str:
        if run.session.pending.saved:
            return "the snapshot stays pending and `sqtui` (the app) keeps watching it"
        return _not_kept(run)

    try:
        waited = await wait_listed(
            run.session, resource, pending, give_up_after=minutes * 60, on_error=listing_failed
        )
    except asyncio.CancelledError:
        message = f"Stopped waiting. It was not sent again; {later()}."
        say(message)
        emit(_report(resource, "interrupted", message, requested_at=pending.requested_at))
        return ExitCode.INTERRUPTED
    if waited.state is WaitState.GONE:
        assert waited.error is not None
        message = printable(waited.error.human())
        emit(_report(resource, "failed", message, error=waited.error))
        raise Stop(exit_code_for(waited.error), message)
    if waited.state is WaitState.TIMED_OUT:
        message = f"not listed after {minutes:g} min. The request was not sent again; {later()}."
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
