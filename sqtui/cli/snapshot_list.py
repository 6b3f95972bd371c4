"""``sqtui snapshots list [RESOURCE] [--before TIME] [--json]``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqtui.api.errors import ApiError
from sqtui.api.models import Account, Snapshot
from sqtui.cli.exit_codes import ExitCode
from sqtui.cli.output import (
    dump,
    expires_text,
    iso,
    resource_json,
    result,
    say,
    snapshot_json,
    table,
)
from sqtui.cli.run import Run
from sqtui.display import age_text, local_time, shown_name, size_text
from sqtui.domain.moment import at_or_before, find_before
from sqtui.domain.resolve import resource_label

log = logging.getLogger("sqtui.cli")

# A name longer than this is cut with an ellipsis in tables (``--json`` has it whole).
NAME_WIDTH = 40


@dataclass(frozen=True)
class ListArgs:
    """``list``'s arguments."""

    resource: str | None
    json: bool
    before: datetime | None = None


async def list_snapshots(run: Run, args: ListArgs) -> ExitCode:
    """Every resource with its newest snapshot, or one resource's snapshots.

    With ``before``, only the snapshots taken (and pending ones requested) by then; for
    one resource, none is "not found".
    """
    account = await run.account()
    if args.resource is None:
        return await _list_account(run, account, args)
    resource = await run.resource(args.resource)
    listing = await run.session.list_snapshots(resource)
    pending = run.session.pending.for_resource(resource.id)
    if args.before is not None:
        # Nothing taken by then is "not found" (exit code 4), naming the oldest.
        find_before(listing, args.before, resource)
        listing = at_or_before(listing, args.before)
        pending = [p for p in pending if p.requested_at <= args.before]
    now = run.now()
    if args.json:
        data = {
            "resource": resource_json(resource),
            "snapshots": [snapshot_json(s) for s in listing],
            "pending": [{"requested_at": iso(p.requested_at), "reason": p.reason} for p in pending],
        }
        result(dump(data))
        return ExitCode.OK
    rows = [
        [local_time(p.requested_at), age_text(p.requested_at, now), "", "manual", "", "pending"]
        for p in reversed(pending)
    ]
    rows += [
        [
            local_time(s.modified),
            age_text(s.modified, now),
            size_text(s.size),
            s.origin,
            expires_text(s, now),
            s.short_version,
        ]
        for s in listing
    ]
    if not rows:
        say(f"{resource_label(resource)} has no snapshots.")
        return ExitCode.OK
    # The version stays last, where scripts reading the table find it.
    headers = ["MODIFIED", "AGE", "SIZE", "ORIGIN", "EXPIRES", "VERSION"]
    result(table(headers, rows, frozenset({2})))
    return ExitCode.OK


async def _list_account(run: Run, account: Account, args: ListArgs) -> ExitCode:
    by_resource: dict[str, list[Snapshot]] = {r.id: [] for r in account.resources}
    kinds = {r.kind for r in account.resources}
    for kind in sorted(kinds, key=lambda k: k.value):
        try:
            every = await run.session.client.list_account_snapshots(kind)
        except ApiError as error:
            if not error.is_rate_limited:
                raise
            # The account-wide listing has its own limit; one call per resource has not.
            log.info("account-wide %s listing rate limited; listing one by one", kind.value)
            for resource in account.resources:
                if resource.kind is kind:
                    by_resource[resource.id] = await run.session.list_snapshots(resource)
            continue
        for snapshot in every:
            if snapshot.resource_id in by_resource:
                by_resource[snapshot.resource_id].append(snapshot)
    if args.before is not None:
        by_resource = {rid: at_or_before(snaps, args.before) for rid, snaps in by_resource.items()}
    newest = {
        rid: max(snaps, key=lambda s: s.modified) if snaps else None
        for rid, snaps in by_resource.items()
    }
    if args.json:
        data = {
            "resources": [
                {
                    **resource_json(r),
                    "snapshots": len(by_resource[r.id]),
                    "newest": snapshot_json(n) if (n := newest[r.id]) else None,
                }
                for r in account.resources
            ]
        }
        result(dump(data))
        return ExitCode.OK
    if not account.resources:
        say("This account has no applications or databases.")
        return ExitCode.OK
    now = run.now()
    rows = []
    for resource in account.resources:
        latest = newest[resource.id]
        rows.append(
            [
                resource.kind.label,
                shown_name(resource.name, NAME_WIDTH),
                resource.id,
                str(len(by_resource[resource.id])),
                local_time(latest.modified) if latest else "-",
                age_text(latest.modified, now) if latest else "",
            ]
        )
    headers = ["KIND", "NAME", "ID", "SNAPSHOTS", "NEWEST", "AGE"]
    result(table(headers, rows, frozenset({3})))
    return ExitCode.OK
