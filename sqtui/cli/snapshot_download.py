"""``sqtui snapshots download RESOURCE [--version V | --latest | --before TIME] [-o DIR]
[--overwrite] [--json]``.

With ``--json`` the outcome is one object on standard output (messages still go to
standard error, and the exit code is the same)::

    {"outcome": "downloaded" | "cancelled" | "failed",
     "resource": {"id", "name", "kind"},
     "snapshot": {...},                 # as ``list --json`` gives it (no URL)
     "path": str,                       # absolute, where the file is (or would be)
     "size": int | null, "sha256": str | null, "resumes": int | null,
     "started_at": ISO-8601 UTC, "finished_at": ISO-8601 UTC,
     "error": {"code", "message"} | null,   # code: exists, network, not_found, ...
     "message": str}
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqtui.cli.exit_codes import ExitCode
from sqtui.cli.interrupt import on_ctrl_c
from sqtui.cli.output import (
    ProgressLine,
    dump,
    iso,
    resource_json,
    result,
    say,
    snapshot_json,
    when_text,
)
from sqtui.cli.run import Run, Stop
from sqtui.display import printable, size_text
from sqtui.domain.download import absolute
from sqtui.domain.filenames import snapshot_filename
from sqtui.domain.flows import DownloadOutcome, DownloadState, download_snapshot
from sqtui.domain.moment import find_before, picked_text
from sqtui.domain.resolve import find_version, resource_label


@dataclass(frozen=True)
class DownloadArgs:
    """``download``'s arguments."""

    resource: str
    version: str | None
    output: Path | None
    overwrite: bool
    json: bool = False
    before: datetime | None = None


def _destination_dir(run: Run, args: DownloadArgs) -> Path:
    directory = absolute(args.output or run.settings.downloads)
    if directory.exists() and not directory.is_dir():
        raise Stop(ExitCode.USAGE, f"{directory} is not a directory")
    return directory


async def download(run: Run, args: DownloadArgs) -> ExitCode:
    """Download one snapshot (the newest by default) to a verified file."""
    resource = await run.resource(args.resource)
    listing = await run.session.list_snapshots(resource)
    if args.version:
        snapshot = find_version(listing, args.version, resource)
    elif args.before is not None:
        snapshot = find_before(listing, args.before, resource)
        say(f"Picked {picked_text(snapshot, args.before)}.")
    elif listing:
        snapshot = listing[0]
    else:
        raise Stop(ExitCode.NOT_FOUND, f"{resource_label(resource)} has no snapshots")
    target = _destination_dir(run, args) / snapshot_filename(resource.name, snapshot)
    say(
        f"Downloading {printable(resource.name)}, snapshot of "
        f"{when_text(snapshot.modified, run.now())}, {size_text(snapshot.size)}, to {target}"
    )
    progress = ProgressLine(sys.stderr) if sys.stderr.isatty() else None
    cancel = asyncio.Event()
    started_at = run.now()
    try:
        with on_ctrl_c(cancel.set):
            outcome = await download_snapshot(
                run.session,
                run.workspace.engine,
                resource,
                snapshot,
                target,
                on_progress=progress,
                cancel=cancel,
                overwrite=args.overwrite,
            )
    except asyncio.CancelledError:
        say("Cancelled: no file was written.")
        return ExitCode.INTERRUPTED
    finally:
        if progress:
            progress.clear()
    if args.json:
        result(dump(_report(outcome, started_at, run.now())))
    if outcome.state is DownloadState.CANCELLED:
        say("Cancelled: no file was written.")
        return ExitCode.INTERRUPTED
    if outcome.result is None:
        assert outcome.error is not None
        hint = " Use --overwrite to replace it." if outcome.error.reason == "exists" else ""
        code = ExitCode.NETWORK if outcome.error.reason == "network" else ExitCode.FAILED
        raise Stop(code, outcome.sentence() + hint)
    say(outcome.sentence())
    if not args.json:
        # The format of sha256sum, so `... | sha256sum -c` checks the file.
        result(f"{outcome.result.sha256}  {outcome.result.path}")
    return ExitCode.OK


def _report(
    outcome: DownloadOutcome, started_at: datetime, finished_at: datetime
) -> dict[str, Any]:
    """The ``--json`` object: the file and how it was made; never a URL or a key."""
    names = {
        DownloadState.DONE: "downloaded",
        DownloadState.CANCELLED: "cancelled",
        DownloadState.FAILED: "failed",
    }
    done, error = outcome.result, outcome.error
    return {
        "outcome": names[outcome.state],
        "resource": resource_json(outcome.resource),
        "snapshot": snapshot_json(outcome.snapshot),
        "path": str(done.path if done is not None else outcome.target),
        "size": done.size if done is not None else None,
        "sha256": done.sha256 if done is not None else None,
        "resumes": done.resumes if done is not None else None,
        "started_at": iso(started_at),
        "finished_at": iso(finished_at),
        "error": {"code": error.reason, "message": error.human()} if error is not None else None,
        "message": outcome.sentence(),
    }
