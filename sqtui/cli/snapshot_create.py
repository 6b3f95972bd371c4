"""``sqtui snapshots create RESOURCE [--wait] [--timeout MIN]``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqtui.api.errors import ApiError
from sqtui.cli.exit_codes import ExitCode, exit_code_for, exit_code_for_refusal
from sqtui.cli.output import result, say, snapshot_label
from sqtui.cli.run import Run, Stop
from sqtui.display import local_time, printable
from sqtui.domain.flows import CreateState, WaitState, create_snapshot, wait_listed
from sqtui.domain.resolve import resource_label


@dataclass(frozen=True)
class CreateArgs:
    """``create``'s arguments."""

    resource: str
    wait: bool
    timeout_minutes: float | None
    json: bool = False


async def create(run: Run, args: CreateArgs) -> ExitCode:
    """Send one create; with ``--wait``, watch the listing until it shows."""
    # The quota decides whether a create can be sent at all.
    await run.session.load_quota()
    resource = await run.resource(args.resource)
    say(f"Requesting a snapshot of {resource_label(resource)}…")
    try:
        outcome = await create_snapshot(run.session, resource)
    except asyncio.CancelledError:
        say(
            "Interrupted while the server held the request: the snapshot may be generating. "
            "It is watched as pending (never sent again); `sqtui` keeps watching it."
        )
        return ExitCode.INTERRUPTED
    if outcome.state is CreateState.REFUSED:
        assert outcome.refusal is not None
        raise Stop(exit_code_for_refusal(outcome.refusal), outcome.refusal.sentence)
    if outcome.state is CreateState.FAILED:
        assert outcome.error is not None
        raise outcome.error
    if outcome.state is CreateState.READY:
        if outcome.snapshot is not None:
            result(f"Ready: {snapshot_label(outcome.snapshot, run.now())}")
        else:
            result(f"Ready: version {outcome.version or 'unknown'} (not listed yet).")
        return ExitCode.OK
    pending = outcome.pending
    assert pending is not None
    say(outcome.sentence())
    if not args.wait:
        if run.session.pending.saved:
            say(
                "`sqtui` (the app) keeps watching it, and "
                f"`sqtui snapshots list {resource.id}` shows it once listed. "
                "Next time, --wait waits for it here."
            )
        else:
            say(
                "warning: it could not be saved as pending (the state directory is not "
                f"writable); `sqtui snapshots list {resource.id}` shows it once listed."
            )
        result(f"Pending: {printable(resource.name)} requested {local_time(pending.requested_at)}")
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
        say(
            "Stopped waiting. The snapshot stays pending (never sent again); "
            "`sqtui` keeps watching it."
        )
        return ExitCode.INTERRUPTED
    if waited.state is WaitState.GONE:
        assert waited.error is not None
        raise Stop(exit_code_for(waited.error), printable(waited.error.human()))
    if waited.state is WaitState.TIMED_OUT:
        raise Stop(
            ExitCode.FAILED,
            f"not listed after {minutes:g} min. The request was not sent again; the snapshot "
            "stays pending and `sqtui` (the app) keeps watching it.",
        )
    snapshot = waited.listed.snapshot if waited.listed else None
    if snapshot is not None:
        result(f"Ready: {snapshot_label(snapshot, run.now())}")
    else:
        result("Ready: listed.")
    return ExitCode.OK
