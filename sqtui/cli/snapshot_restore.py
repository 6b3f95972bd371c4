"""``sqtui snapshots restore RESOURCE --version V [--yes] [--safety-snapshot]``."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass

from sqtui.api.models import Resource
from sqtui.cli.exit_codes import ExitCode, exit_code_for, exit_code_for_refusal
from sqtui.cli.output import result, say, snapshot_label
from sqtui.cli.run import Run, Stop
from sqtui.display import local_time, printable
from sqtui.domain.flows import (
    CreateOutcome,
    RestoreState,
    confirms_restore,
    restore_snapshot,
)
from sqtui.domain.resolve import find_version, resource_label


@dataclass(frozen=True)
class RestoreArgs:
    """``restore``'s arguments."""

    resource: str
    version: str | None
    yes: bool
    safety_snapshot: bool
    latest: bool = False
    json: bool = False
    wait: bool = True


def _confirmed(resource: Resource) -> bool:
    sys.stderr.write(
        f"Type the name of the {resource.kind.label} ({printable(resource.name)}) to restore: "
    )
    sys.stderr.flush()
    return confirms_restore(resource, sys.stdin.readline().rstrip("\r\n"))


def _restoring(safety: CreateOutcome | None) -> None:
    if safety is not None:
        say(safety.sentence())
    say("Restoring… (about a minute; the server answers when it is done)")


async def restore(run: Run, args: RestoreArgs) -> ExitCode:
    """Restore a snapshot over its resource, after confirmation; safety snapshot first."""
    resource = await run.resource(args.resource)
    listing = await run.session.list_snapshots(resource)
    if args.version:
        snapshot = find_version(listing, args.version, resource)
    elif listing:
        # Only finished snapshots are listed; the listing is newest first.
        snapshot = max(listing, key=lambda s: s.modified)
    else:
        raise Stop(ExitCode.NOT_FOUND, f"{resource_label(resource)} has no snapshots to restore")
    say(
        f"Restore {resource_label(resource)}\n"
        f"  from the snapshot of {snapshot_label(snapshot, run.now())}.\n"
        f"  This replaces the current state of {printable(resource.name)} and restarts it; "
        "it cannot be undone."
    )
    if not args.yes:
        if not sys.stdin.isatty():
            raise Stop(
                ExitCode.USAGE,
                "restoring is destructive: add --yes to confirm when standard input is not "
                "a terminal. Nothing was sent.",
            )
        if not _confirmed(resource):
            raise Stop(ExitCode.FAILED, "not confirmed; nothing was sent.")
    if args.safety_snapshot:
        say("Taking a safety snapshot first…")
    try:
        outcome = await restore_snapshot(
            run.session,
            resource,
            snapshot,
            safety=args.safety_snapshot,
            on_restoring=_restoring,
        )
    except asyncio.CancelledError:
        say("Interrupted: the restore was sent and may still be running on the server.")
        return ExitCode.INTERRUPTED
    if outcome.safety is not None and outcome.safety.accepted:
        say(outcome.safety.sentence())
    if outcome.state is RestoreState.DONE:
        result(
            f"Restored {printable(resource.name)} from the snapshot of "
            f"{local_time(snapshot.modified)} (version {snapshot.version_id})."
        )
        return ExitCode.OK
    if outcome.state is RestoreState.REFUSED:
        assert outcome.refusal is not None
        raise Stop(exit_code_for_refusal(outcome.refusal), outcome.sentence())
    if outcome.state is RestoreState.NOT_STARTED:
        assert outcome.safety is not None
        safety = outcome.safety
        if safety.refusal is not None:
            code = exit_code_for_refusal(safety.refusal)
        else:
            code = exit_code_for(safety.error) if safety.error else ExitCode.FAILED
        raise Stop(code, outcome.sentence())
    assert outcome.error is not None
    raise Stop(exit_code_for(outcome.error), outcome.sentence())
