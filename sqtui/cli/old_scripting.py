"""``sqtui snapshots list|create|download|restore``: the snapshot commands for scripts.

The same rules as the TUI, through the same :class:`~sqtui.domain.session.Session`,
pending file and history, without a screen: results on standard output, messages on
standard error, one documented exit code per outcome. Imports no Textual (nor Rich).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
import time
import unicodedata
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from sqtui.api.client import SquareCloudClient
from sqtui.api.errors import ApiError, ErrorKind
from sqtui.api.models import Account, Resource, Snapshot
from sqtui.cli import (
    EXIT_AUTH,
    EXIT_FAILED,
    EXIT_NETWORK,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_QUOTA,
    EXIT_SERVER,
    EXIT_USAGE,
    common_options,
    exit_code_for,
    settings_from,
)
from sqtui.display import age_text, local_time, printable, size_text
from sqtui.domain.download import DownloadEngine, DownloadError, Progress, part_path
from sqtui.domain.filenames import snapshot_filename
from sqtui.domain.history import Action, History, HistoryEntry, Outcome
from sqtui.domain.pending import PendingSnapshot, PendingTracker
from sqtui.domain.session import CreateRefused, Session
from sqtui.settings import RunSettings
from sqtui.storage.config import ConfigError
from sqtui.storage.credentials import ENV_KEY, KeySource, resolve_key
from sqtui.storage.logging_setup import add_secret, setup_logging

log = logging.getLogger("sqtui.scripting")

# Ctrl-C, as shells report it (128 + SIGINT).
EXIT_INTERRUPTED = 130

EXIT_CODES_HELP = f"""\
exit codes:
  {EXIT_OK}    done (a create answered "still generating" without --wait is done too)
  {EXIT_FAILED}    failed: download or restore failed, RESTORE_IN_PROGRESS, read-only mode,
       restore not confirmed, --wait timed out
  {EXIT_USAGE}    usage: bad arguments, a name or version prefix that matches several,
       restore without --yes when standard input is not a terminal
  {EXIT_AUTH}    no API key, or the key was refused
  {EXIT_NOT_FOUND}    no such application, database or snapshot
  {EXIT_QUOTA}    cooldown (KEEP_CALM), daily quota used up, or RATE_LIMITED
  {EXIT_SERVER}    the API failed (5xx after retries) or answered something unreadable
  {EXIT_NETWORK}    the API or the snapshot host could not be reached
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C)
"""


class _Stop(Exception):
    """Ends a command early with an exit code and one sentence for standard error."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# -- text ------------------------------------------------------------------------------


def _iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _span(seconds: float) -> str:
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole} s"
    minutes, rest = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: frozenset[int]) -> str:
    """Aligned columns separated by two spaces; columns in ``right`` are right-aligned."""
    widths = [max(_width(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for row in [headers, *rows]:
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - _width(cell))
            cells.append(pad + cell if i in right else cell + pad)
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _resource_label(resource: Resource) -> str:
    return f"{printable(resource.name)} ({resource.kind.label} {resource.id})"


def _when(when: datetime, now: datetime) -> str:
    """Absolute local time and how long ago: ``2026-11-22 14:03 (3 days ago)``."""
    age = age_text(when, now)
    return f"{local_time(when)} ({age if age == 'just now' else age + ' ago'})"


def _snapshot_label(snapshot: Snapshot, now: datetime) -> str:
    return (
        f"{_when(snapshot.modified, now)}, "
        f"{size_text(snapshot.size)}, {snapshot.origin}, version {snapshot.version_id}"
    )


def _say(text: str, stream: TextIO | None = None) -> None:
    print(text, file=stream if stream is not None else sys.stderr, flush=True)


# -- JSON --------------------------------------------------------------------------------


def _resource_json(resource: Resource) -> dict[str, Any]:
    return {"id": resource.id, "name": resource.name, "kind": resource.kind.value}


def snapshot_json(snapshot: Snapshot) -> dict[str, Any]:
    """A snapshot for ``--json``: everything but the signed URL and key (credentials)."""
    return {
        "version_id": snapshot.version_id,
        "name": snapshot.name,
        "modified": _iso(snapshot.modified),
        "size": snapshot.size,
        "origin": snapshot.origin,
        "runtime": snapshot.runtime,
        "expires": _iso(snapshot.expires),
    }


def _dump(data: object) -> str:
    # ensure_ascii escapes every control character, C1 ones included.
    return json.dumps(data, indent=2, ensure_ascii=True)


# -- choosing ----------------------------------------------------------------------------


def find_resource(account: Account, wanted: str) -> Resource:
    """The resource with id ``wanted``, else the only one named exactly ``wanted``."""
    for resource in account.resources:
        if resource.id == wanted:
            return resource
    named = [r for r in account.resources if r.name == wanted]
    if len(named) == 1:
        return named[0]
    if not named:
        raise _Stop(
            EXIT_NOT_FOUND,
            f'no application or database named "{printable(wanted)}" '
            "(`sqtui snapshots list` shows them all)",
        )
    ids = "\n".join(f"  {r.kind.label:<8} {r.id}" for r in named)
    raise _Stop(
        EXIT_USAGE,
        f'{len(named)} resources are named "{printable(wanted)}"; give one of their ids:\n{ids}',
    )


def find_version(listing: Sequence[Snapshot], wanted: str, resource: Resource) -> Snapshot:
    """The snapshot whose version id is ``wanted``, or the only one it starts."""
    for snapshot in listing:
        if snapshot.version_id == wanted:
            return snapshot
    matches = [s for s in listing if wanted and s.version_id.startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise _Stop(
            EXIT_NOT_FOUND,
            f'{_resource_label(resource)} has no snapshot with version "{printable(wanted)}" '
            f"(`sqtui snapshots list {resource.id}` shows them)",
        )
    candidates = "\n".join(
        f"  {s.version_id}  {local_time(s.modified)}  {size_text(s.size)}" for s in matches
    )
    raise _Stop(
        EXIT_USAGE,
        f'version prefix "{printable(wanted)}" matches {len(matches)} snapshots; '
        f"give more of it:\n{candidates}",
    )


# -- one run -----------------------------------------------------------------------------


@dataclass
class _Run:
    """What every command works with: parsed flags, settings, key, session, history."""

    args: argparse.Namespace
    settings: RunSettings
    key: KeySource
    session: Session
    history: History

    def now(self) -> datetime:
        return self.session.now()

    def record(
        self,
        action: Action,
        outcome: Outcome,
        resource: Resource,
        snapshot: Snapshot | None = None,
        *,
        detail: str = "",
        path: Path | None = None,
        sha256: str | None = None,
        when: datetime | None = None,
        version: str | None = None,
    ) -> None:
        entry = HistoryEntry.about(
            time=when or self.now(),
            action=action,
            outcome=outcome,
            profile=self.settings.profile,
            resource=resource,
            snapshot=snapshot,
            version=version,
            detail=detail,
            path=str(path) if path is not None else None,
            sha256=sha256,
        )
        try:
            self.history.append(entry)
        except OSError as error:
            log.warning("could not write the history: %s", error)
            _say(f"sqtui: warning: the history could not be written ({error.strerror}).")

    async def account(self) -> Account:
        return await self.session.client.me()


# -- list ----------------------------------------------------------------------------------


async def _list(run: _Run) -> int:
    account = await run.account()
    if run.args.resource is None:
        return await _list_account(run, account)
    resource = find_resource(account, run.args.resource)
    listing = await run.session.list_snapshots(resource)
    run.session.resolve_pending(resource, listing)
    pending = run.session.pending.for_resource(resource.id)
    now = run.now()
    if run.args.json:
        data = {
            "resource": _resource_json(resource),
            "snapshots": [snapshot_json(s) for s in listing],
            "pending": [
                {"requested_at": _iso(p.requested_at), "reason": p.reason} for p in pending
            ],
        }
        _say(_dump(data), sys.stdout)
        return EXIT_OK
    rows = [
        [local_time(p.requested_at), age_text(p.requested_at, now), "", "manual", "pending"]
        for p in reversed(pending)
    ]
    rows += [
        [
            local_time(s.modified),
            age_text(s.modified, now),
            size_text(s.size),
            s.origin,
            s.short_version,
        ]
        for s in listing
    ]
    if not rows:
        _say(f"{_resource_label(resource)} has no snapshots.")
        return EXIT_OK
    headers = ["MODIFIED", "AGE", "SIZE", "ORIGIN", "VERSION"]
    _say(_table(headers, rows, frozenset({2})), sys.stdout)
    return EXIT_OK


async def _list_account(run: _Run, account: Account) -> int:
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
    newest = {
        rid: max(snaps, key=lambda s: s.modified) if snaps else None
        for rid, snaps in by_resource.items()
    }
    if run.args.json:
        data = {
            "resources": [
                {
                    **_resource_json(r),
                    "snapshots": len(by_resource[r.id]),
                    "newest": snapshot_json(n) if (n := newest[r.id]) else None,
                }
                for r in account.resources
            ]
        }
        _say(_dump(data), sys.stdout)
        return EXIT_OK
    if not account.resources:
        _say("This account has no applications or databases.")
        return EXIT_OK
    now = run.now()
    rows = []
    for resource in account.resources:
        latest = newest[resource.id]
        rows.append(
            [
                resource.kind.label,
                printable(resource.name),
                resource.id,
                str(len(by_resource[resource.id])),
                local_time(latest.modified) if latest else "-",
                age_text(latest.modified, now) if latest else "",
            ]
        )
    headers = ["KIND", "NAME", "ID", "SNAPSHOTS", "NEWEST", "AGE"]
    _say(_table(headers, rows, frozenset({3})), sys.stdout)
    return EXIT_OK


# -- create --------------------------------------------------------------------------------


def _seed_cooldowns(run: _Run) -> None:
    """Teach the session the creates sent by earlier runs, so cooldowns hold across runs."""
    run.session.recall_creates(run.history)


async def _create(run: _Run) -> int:
    overview = await run.session.load_overview()
    resource = find_resource(overview.account, run.args.resource)
    _seed_cooldowns(run)
    run.session.check_create(resource)
    # Known versions, so the new snapshot is told apart from those listed already.
    await run.session.list_snapshots(resource)
    _say(f"Requesting a snapshot of {_resource_label(resource)}…")
    try:
        created = await run.session.create(resource)
    except ApiError as error:
        run.record("create", "failed", resource, detail=error.human())
        raise
    except asyncio.CancelledError:
        run.record("create", "pending", resource, detail="interrupted; the answer was lost")
        _say(
            "Interrupted while the server held the request: the snapshot may be generating. "
            "It is saved as pending (never sent again); `sqtui` keeps watching it."
        )
        return EXIT_INTERRUPTED
    if created.ready is not None:
        version = created.ready.version_id
        listing = await run.session.list_snapshots(resource)
        snapshot = next((s for s in listing if version and s.version_id == version), None)
        run.record("create", "ok", resource, snapshot, when=created.requested_at, version=version)
        if snapshot is not None:
            _say(f"Ready: {_snapshot_label(snapshot, run.now())}", sys.stdout)
        else:
            _say(f"Ready: version {version or 'unknown'} (not listed yet).", sys.stdout)
        return EXIT_OK
    pending = created.pending
    assert pending is not None, "a create is ready or pending"
    why = "SNAPSHOT_PROCESSING" if pending.reason == "processing" else "the answer was lost"
    _say(f"The snapshot is still being generated ({why}); it will not be requested again.")
    if not run.args.wait:
        run.record("create", "pending", resource, when=created.requested_at, detail=why)
        _say(
            "It is saved as pending: `sqtui` (the TUI) keeps watching it, and "
            f"`sqtui snapshots list {resource.id}` shows it once listed. "
            "Next time, --wait waits for it here.",
        )
        _say(
            f"Pending: {printable(resource.name)} requested {local_time(pending.requested_at)}",
            sys.stdout,
        )
        return EXIT_OK
    return await _wait_listed(run, resource, pending)


async def _wait_listed(run: _Run, resource: Resource, pending: PendingSnapshot) -> int:
    minutes = (
        run.args.timeout if run.args.timeout is not None else run.settings.pending_timeout_minutes
    )
    deadline = time.monotonic() + minutes * 60
    _say(f"Watching the listing for it (up to {minutes:g} min)…")
    requested = pending.requested_at
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            outcome = await run.session.poll_pending(resource, pending, max_wait=left)
            pending = outcome.pending
            if outcome.error is not None:
                if outcome.error.is_access_denied or outcome.error.is_not_found:
                    raise outcome.error
                _say(f"(listing failed, still watching: {printable(outcome.error.human())})")
                continue
            found = [s for s in outcome.ready if pending.matches(s)]
            if found and not run.session.is_pending(pending):
                snapshot = max(found, key=lambda s: s.modified)
                waited = _span((run.now() - requested).total_seconds())
                run.record(
                    "create",
                    "ok",
                    resource,
                    snapshot,
                    when=requested,
                    detail=f"listed after {waited}",
                )
                _say(f"Ready: {_snapshot_label(snapshot, run.now())}", sys.stdout)
                return EXIT_OK
    except asyncio.CancelledError:
        run.record("create", "pending", resource, when=requested, detail="stopped waiting")
        _say(
            "Stopped waiting. The snapshot stays pending (never sent again); "
            "`sqtui` keeps watching it."
        )
        return EXIT_INTERRUPTED
    run.record(
        "create", "pending", resource, when=requested, detail=f"not listed after {minutes:g} min"
    )
    raise _Stop(
        EXIT_FAILED,
        f"not listed after {minutes:g} min. The request was not sent again; the snapshot "
        "stays pending and `sqtui` (the TUI) keeps watching it.",
    )


# -- download ------------------------------------------------------------------------------


class _ProgressLine:
    """One updating line on standard error: percent, bytes, speed, time left."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.shown = False

    def __call__(self, progress: Progress) -> None:
        speed = f"{size_text(int(progress.speed_bps))}/s" if progress.speed_bps > 0 else "-"
        eta = _span(progress.eta_seconds) if progress.eta_seconds is not None else "?"
        line = (
            f"{progress.fraction:4.0%}  {size_text(progress.received)}"
            f" of {size_text(progress.total)}  {speed}  ETA {eta}"
        )
        self.stream.write(f"\r{line}\x1b[K")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


def _destination_dir(run: _Run) -> Path:
    chosen: Path | None = run.args.output or run.settings.download_dir
    directory = (chosen or run.settings.locations.downloads_dir).expanduser().absolute()
    if directory.exists() and not directory.is_dir():
        raise _Stop(EXIT_USAGE, f"{directory} is not a directory")
    return directory


@contextlib.contextmanager
def _interrupt_sets(event: asyncio.Event) -> Iterator[None]:
    """While inside, Ctrl-C sets ``event`` instead of cancelling the command (POSIX only)."""
    loop = asyncio.get_running_loop()
    previous = signal.getsignal(signal.SIGINT)
    try:
        loop.add_signal_handler(signal.SIGINT, event.set)
    except (NotImplementedError, RuntimeError, ValueError):
        # Windows or not the main thread: Ctrl-C cancels the task, handled by the caller.
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGINT)
        signal.signal(signal.SIGINT, previous)


async def _download(run: _Run) -> int:
    account = await run.account()
    resource = find_resource(account, run.args.resource)
    listing = await run.session.list_snapshots(resource)
    if run.args.version:
        snapshot = find_version(listing, run.args.version, resource)
    elif listing:
        snapshot = listing[0]
    else:
        raise _Stop(EXIT_NOT_FOUND, f"{_resource_label(resource)} has no snapshots")
    target = _destination_dir(run) / snapshot_filename(resource.name, snapshot)
    now = run.now()
    _say(
        f"Downloading {printable(resource.name)}, snapshot of {_when(snapshot.modified, now)}"
        f", {size_text(snapshot.size)}, to {target}"
    )

    async def refresh() -> Snapshot:
        # The signed URL was refused (expired): the listing signs a fresh one.
        for fresh in await run.session.list_snapshots(resource):
            if fresh.version_id == snapshot.version_id:
                return fresh
        raise ApiError(
            code="SNAPSHOT_NOT_FOUND", message="no longer listed", kind=ErrorKind.NOT_FOUND
        )

    progress = _ProgressLine(sys.stderr) if sys.stderr.isatty() else None
    cancel = asyncio.Event()
    engine = DownloadEngine(run.session.client)
    try:
        with _interrupt_sets(cancel):
            result = await engine.download(
                snapshot,
                target,
                on_progress=progress,
                refresh=refresh,
                cancel=cancel,
                overwrite=run.args.overwrite,
            )
    except DownloadError as error:
        if progress:
            progress.clear()
        cancelled = error.reason == "cancelled"
        run.record(
            "download",
            "cancelled" if cancelled else "failed",
            resource,
            snapshot,
            detail=error.human(),
            path=target,
        )
        if cancelled:
            _say("Cancelled: no file was written.")
            return EXIT_INTERRUPTED
        hint = " Use --overwrite to replace it." if error.reason == "exists" else ""
        raise _Stop(
            EXIT_NETWORK if error.reason == "network" else EXIT_FAILED, error.human() + hint
        ) from None
    except asyncio.CancelledError:
        # Only where Ctrl-C could not be routed to ``cancel``: drop the partial file.
        part_path(target).unlink(missing_ok=True)
        run.record("download", "cancelled", resource, snapshot, path=target)
        _say("Cancelled: no file was written.")
        return EXIT_INTERRUPTED
    if progress:
        progress.clear()
    run.record(
        "download",
        "ok",
        resource,
        snapshot,
        path=result.path,
        sha256=result.sha256,
        detail=f"{result.size} bytes in {result.seconds:.1f} s",
    )
    resumed = f", resumed {result.resumes} time(s)" if result.resumes else ""
    _say(f"Downloaded {size_text(result.size)} in {result.seconds:.1f} s{resumed}; zip verified.")
    # The format of sha256sum, so `... | sha256sum -c` checks the file.
    _say(f"{result.sha256}  {result.path}", sys.stdout)
    return EXIT_OK


# -- restore -------------------------------------------------------------------------------


def _confirmed(resource: Resource) -> bool:
    prompt = (
        f"Type the name of the {resource.kind.label} ({printable(resource.name)}) "
        "or its id to restore: "
    )
    sys.stderr.write(prompt)
    sys.stderr.flush()
    answer = sys.stdin.readline().rstrip("\r\n")
    return answer.strip() != "" and answer in (resource.name, resource.id)


async def _restore(run: _Run) -> int:
    account = await run.account()
    resource = find_resource(account, run.args.resource)
    listing = await run.session.list_snapshots(resource)
    snapshot = find_version(listing, run.args.version, resource)
    now = run.now()
    _say(
        f"Restore {_resource_label(resource)}\n"
        f"  from the snapshot of {_snapshot_label(snapshot, now)}.\n"
        f"  This replaces the current state of {printable(resource.name)} and restarts it; "
        "it cannot be undone."
    )
    if not run.args.yes:
        if not sys.stdin.isatty():
            raise _Stop(
                EXIT_USAGE,
                "restoring is destructive: add --yes to confirm when standard input is not "
                "a terminal. Nothing was sent.",
            )
        if not _confirmed(resource):
            raise _Stop(EXIT_FAILED, "not confirmed; nothing was sent.")
    if run.args.safety_snapshot:
        await _safety_snapshot(run, resource)
    _say("Restoring… (about a minute; the server answers when it is done)")
    try:
        await run.session.restore(resource, snapshot)
    except ApiError as error:
        run.record("restore", "failed", resource, snapshot, detail=error.human())
        if error.is_network_error:
            raise _Stop(
                EXIT_NETWORK,
                f"{printable(error.human())} If the request reached the server, the restore "
                "may still be running: check the resource before trying again.",
            ) from None
        raise
    except asyncio.CancelledError:
        run.record("restore", "cancelled", resource, snapshot, detail="interrupted while waiting")
        _say("Interrupted: the restore was sent and may still be running on the server.")
        return EXIT_INTERRUPTED
    run.record("restore", "ok", resource, snapshot)
    _say(
        f"Restored {printable(resource.name)} from the snapshot of "
        f"{local_time(snapshot.modified)} (version {snapshot.version_id}).",
        sys.stdout,
    )
    return EXIT_OK


async def _safety_snapshot(run: _Run, resource: Resource) -> None:
    """Take a snapshot of the current state first; any failure stops the restore."""
    if run.session.read_only:
        # Said by the restore itself; no safety snapshot is attempted for nothing.
        return
    _say("Taking a safety snapshot first…")
    # The quota and this machine's earlier creates decide whether it can be sent.
    await run.session.load_overview()
    _seed_cooldowns(run)
    try:
        created = await run.session.create(resource)
    except CreateRefused as refused:
        raise _Stop(
            EXIT_QUOTA,
            f"no safety snapshot: {refused.sentence} Nothing was restored.",
        ) from None
    except ApiError as error:
        run.record("safety-snapshot", "failed", resource, detail=error.human())
        raise _Stop(
            exit_code_for(error),
            f"the safety snapshot failed: {printable(error.human())} Nothing was restored.",
        ) from None
    if created.pending is not None:
        run.record(
            "safety-snapshot",
            "pending",
            resource,
            when=created.requested_at,
            detail=f"generating ({created.pending.reason}); watching the listing",
        )
        _say("Safety snapshot accepted; it is still generating (`sqtui` keeps watching it).")
    else:
        version = created.ready.version_id if created.ready else None
        run.record("safety-snapshot", "ok", resource, when=created.requested_at, version=version)
        _say("Safety snapshot ready.")


# -- plumbing ------------------------------------------------------------------------------

_COMMANDS: dict[str, Callable[[_Run], Awaitable[int]]] = {
    "list": _list,
    "create": _create,
    "download": _download,
    "restore": _restore,
}
_CHANGES = frozenset({"create", "restore"})


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of minutes") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("the timeout must be a positive number of minutes")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``sqtui snapshots ...``."""
    parser = argparse.ArgumentParser(
        prog="sqtui snapshots",
        description="List, create, download and restore snapshots from scripts.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = common_options()
    resource_help = "an application or database: its id, or its exact name"

    listing = commands.add_parser(
        "list",
        parents=[common],
        help="resources with their snapshots, or one resource's snapshots",
        description=(
            "Without RESOURCE: every application and database with its snapshot count\n"
            "and newest snapshot. With RESOURCE: its snapshots, newest first."
        ),
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    listing.add_argument("resource", metavar="RESOURCE", nargs="?", help=resource_help)
    listing.add_argument(
        "--json",
        action="store_true",
        help="machine-readable output (full version ids, UTC times, sizes in bytes; "
        "never the signed download URL)",
    )

    create = commands.add_parser(
        "create",
        parents=[common],
        help="take a snapshot now",
        description=(
            "Request one snapshot (never sent twice). If the server is still generating it,\n"
            "it is saved as pending, watched by the TUI; --wait watches it here."
        ),
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    create.add_argument("resource", metavar="RESOURCE", help=resource_help)
    create.add_argument(
        "--wait",
        action="store_true",
        help="if it is still being generated, wait until it is listed",
    )
    create.add_argument(
        "--timeout",
        metavar="MIN",
        type=_minutes,
        default=None,
        help="with --wait, give up after MIN minutes (default: pending_timeout_minutes "
        "of the config, 15)",
    )

    download = commands.add_parser(
        "download",
        parents=[common],
        help="download a snapshot to a verified zip file",
        description=(
            "Download a snapshot (the newest by default), resuming an interrupted transfer;\n"
            "verify its size and zip archive; print its SHA-256 and path, as sha256sum does."
        ),
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    download.add_argument("resource", metavar="RESOURCE", help=resource_help)
    which = download.add_mutually_exclusive_group()
    which.add_argument(
        "--version", metavar="V", help="the snapshot's version id, or a unique prefix of it"
    )
    which.add_argument("--latest", action="store_true", help="the newest snapshot (the default)")
    download.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        type=Path,
        default=None,
        help="directory to save into (default: --download-dir, the config, then the "
        "Downloads folder)",
    )
    download.add_argument(
        "--overwrite", action="store_true", help="replace a file of the same name"
    )

    restore = commands.add_parser(
        "restore",
        parents=[common],
        help="replace a resource's current state with a snapshot (destructive)",
        description=(
            "Restore a snapshot over its resource. Shows what will be replaced and asks for\n"
            "the resource's name; without a terminal, --yes is required."
        ),
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    restore.add_argument("resource", metavar="RESOURCE", help=resource_help)
    restore.add_argument(
        "--version",
        metavar="V",
        required=True,
        help="the snapshot's version id, or a unique prefix of it",
    )
    restore.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    restore.add_argument(
        "--safety-snapshot",
        action="store_true",
        help="snapshot the current state first; if that cannot be done, nothing is restored",
    )
    return parser


def main(argv: Sequence[str]) -> int:
    """Run ``sqtui snapshots`` with ``argv`` (the words after ``snapshots``); the exit code."""
    try:
        args = build_parser().parse_args(list(argv))
    except SystemExit as done:
        # --help and usage errors: argparse has printed what it had to say.
        return done.code if isinstance(done.code, int) else EXIT_USAGE
    try:
        return asyncio.run(_dispatch(args))
    except KeyboardInterrupt:
        _say("sqtui: interrupted.")
        return EXIT_INTERRUPTED


async def _dispatch(args: argparse.Namespace) -> int:
    try:
        settings, _config = settings_from(args)
    except ConfigError as error:
        _say(f"sqtui: {error}")
        return EXIT_USAGE
    if args.command in _CHANGES and settings.read_only:
        what = "creating" if args.command == "create" else "restoring"
        _say(
            f"sqtui: read-only mode: {what} snapshots is turned off (--read-only or the "
            "config file). Nothing was sent."
        )
        return EXIT_FAILED
    settings.locations.ensure()
    setup_logging(settings.locations.log_file)
    key = resolve_key(settings.profile)
    if key is None:
        _say(
            f"sqtui: no API key for profile {settings.profile!r}: run `sqtui login` "
            f"or set {ENV_KEY}."
        )
        return EXIT_AUTH
    add_secret(key.key)
    log.info("snapshots %s (profile %s, %s)", args.command, settings.profile, settings.api_url)
    pending = PendingTracker(settings.locations.pending_file, settings.scope)
    pending.load()
    async with SquareCloudClient(key.key, base_url=settings.api_url) as client:
        session = Session(
            client, profile=settings.profile, read_only=settings.read_only, pending=pending
        )
        run = _Run(
            args=args,
            settings=settings,
            key=key,
            session=session,
            history=History(settings.locations.history_file, secrets=[key.key]),
        )
        try:
            return await _COMMANDS[args.command](run)
        except _Stop as stop:
            _say(f"sqtui: {stop.message}")
            return stop.code
        except CreateRefused as refused:
            _say(f"sqtui: {refused.sentence}")
            return EXIT_FAILED if refused.reason == "read_only" else EXIT_QUOTA
        except ApiError as error:
            log.info("snapshots %s failed: %r", args.command, error)
            _say(f"sqtui: {printable(error.human())}{_key_hint(error, key)}")
            return exit_code_for(error)
        except asyncio.CancelledError:
            _say("sqtui: interrupted.")
            return EXIT_INTERRUPTED


def _key_hint(error: ApiError, key: KeySource) -> str:
    if not error.is_access_denied:
        return ""
    where = ENV_KEY if key.origin == "env" else "the keyring"
    return f" (key {key.masked} from {where}; run `sqtui login` to store a new one)"
