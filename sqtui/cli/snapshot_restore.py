"""``sqtui snapshots restore RESOURCE (--version V | --latest | --before TIME) [--yes]
[--safety-snapshot] [--no-wait] [--json]``.

After the restore the resource is watched until it runs again (up to 5 min) unless
``--no-wait``. With ``--json`` the outcome is one object on standard output::

    {"outcome": "restored" | "refused" | "not_started" | "failed" | "lost",
     "resource": {"id", "name", "kind"},
     "snapshot": {...},                 # the one restored, as ``list --json`` gives it
     "safety_snapshot": {"outcome", "version_id", "requested_at"} | null,
     "restored_at": ISO-8601 UTC | null,
     "running_again": "running" | "not_back" | "unknown" | null,   # null with --no-wait
     "error": {"code", "message"} | null,
     "message": str}
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqtui.api.errors import ApiError
from sqtui.api.models import Resource
from sqtui.cli.exit_codes import ExitCode, exit_code_for, exit_code_for_refusal
from sqtui.cli.output import dump, iso, resource_json, result, say, snapshot_json, snapshot_label
from sqtui.cli.run import Run, Stop
from sqtui.display import local_time, printable
from sqtui.domain.flows import (
    CreateOutcome,
    RestoreOutcome,
    RestoreState,
    confirms_restore,
    restore_snapshot,
)
from sqtui.domain.flows import restore as restore_flow
from sqtui.domain.flows.restore import Comeback, ComebackState, watch_comeback
from sqtui.domain.moment import find_before, picked_text
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
    before: datetime | None = None


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
    elif args.before is not None:
        snapshot = find_before(listing, args.before, resource)
        say(f"Picked {picked_text(snapshot, args.before)}.")
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
    restored_at = run.now()
    if outcome.state is not RestoreState.DONE:
        if args.json:
            result(dump(_report(outcome, None, None)))
        raise Stop(_failure_code(outcome), outcome.sentence())
    line = (
        f"Restored {printable(resource.name)} from the snapshot of "
        f"{local_time(snapshot.modified)} (version {snapshot.version_id})."
    )
    if not args.json:
        result(line)
    comeback: Comeback | None = None
    if args.wait:
        say(
            f"Watching {printable(resource.name)} until it runs again "
            f"(up to {restore_flow.COMEBACK_SECONDS / 60:g} min; --no-wait skips this)…"
        )
        try:
            comeback = await watch_comeback(run.session, resource, snapshot)
        except asyncio.CancelledError:
            say("Stopped watching: the restore itself is done.")
            return ExitCode.INTERRUPTED
        except ApiError as error:
            say(f"sqtui: could not read its status: {printable(error.human())}")
        if comeback is not None:
            sentence = comeback.sentence(run.now())
            if args.json:
                say(sentence)
            else:
                result(sentence)
    if args.json:
        result(dump(_report(outcome, comeback, restored_at)))
    if comeback is not None and comeback.state is ComebackState.NOT_BACK:
        return ExitCode.FAILED
    return ExitCode.OK


def _failure_code(outcome: RestoreOutcome) -> ExitCode:
    if outcome.state is RestoreState.REFUSED:
        assert outcome.refusal is not None
        return exit_code_for_refusal(outcome.refusal)
    if outcome.state is RestoreState.NOT_STARTED:
        assert outcome.safety is not None
        safety = outcome.safety
        if safety.refusal is not None:
            return exit_code_for_refusal(safety.refusal)
        return exit_code_for(safety.error) if safety.error else ExitCode.FAILED
    assert outcome.error is not None
    return exit_code_for(outcome.error)


def _report(
    outcome: RestoreOutcome, comeback: Comeback | None, restored_at: datetime | None
) -> dict[str, Any]:
    names = {
        RestoreState.DONE: "restored",
        RestoreState.REFUSED: "refused",
        RestoreState.NOT_STARTED: "not_started",
        RestoreState.FAILED: "failed",
        RestoreState.LOST: "lost",
    }
    safety = outcome.safety
    error = outcome.error or (safety.error if safety is not None else None)
    message = outcome.sentence()
    if comeback is not None:
        message = f"{message} {comeback.sentence(restored_at or outcome.snapshot.modified)}"
    return {
        "outcome": names[outcome.state],
        "resource": resource_json(outcome.resource),
        "snapshot": snapshot_json(outcome.snapshot),
        "safety_snapshot": None
        if safety is None
        else {
            "outcome": safety.state.value,
            "version_id": safety.snapshot.version_id if safety.snapshot else safety.version,
            "requested_at": iso(safety.requested_at),
        },
        "restored_at": iso(restored_at) if outcome.state is RestoreState.DONE else None,
        "running_again": comeback.state.value if comeback is not None else None,
        "error": {"code": error.code, "message": error.human()} if error is not None else None,
        "message": message,
    }
