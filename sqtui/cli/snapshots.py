"""``sqtui snapshots list|create|download|restore|ls|find|diff|cat|extract|verify``.

The same flows as the app, through the same session, pending file and history,
without a screen: results on standard output, messages on standard error, one
documented exit code per outcome. Imports no Textual (nor Rich).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqtui.api.errors import ApiError
from sqtui.cli.contents_parser import CONTENTS_COMMANDS, add_contents_commands, contents_command
from sqtui.cli.exit_codes import (
    EXIT_CODES_HELP,
    ExitCode,
    exit_code_for,
    exit_code_for_refusal,
    exit_code_for_unresolved,
)
from sqtui.cli.options import QuietParser, common_options, settings_from
from sqtui.cli.output import say
from sqtui.cli.run import Run, Stop
from sqtui.cli.snapshot_create import CreateArgs, create
from sqtui.cli.snapshot_download import DownloadArgs, download
from sqtui.cli.snapshot_list import ListArgs, list_snapshots
from sqtui.cli.snapshot_restore import RestoreArgs, restore
from sqtui.display import printable
from sqtui.domain.moment import parse_moment
from sqtui.domain.refusal import Refused
from sqtui.domain.resolve import ResolveError
from sqtui.domain.workspace import open_workspace
from sqtui.storage.config import ConfigError
from sqtui.storage.credentials import ENV_KEY, KeySource, resolve_key
from sqtui.storage.logging_setup import setup_logging

log = logging.getLogger("sqtui.cli")

Command = Callable[[Run], Awaitable[ExitCode]]


def _command(args: argparse.Namespace) -> Command:
    """The command named on the line, bound to its typed arguments."""
    name = args.command
    if name in CONTENTS_COMMANDS:
        return contents_command(args)
    if name == "list":
        listed = ListArgs(resource=args.resource, json=bool(args.json), before=args.before)
        return lambda run: list_snapshots(run, listed)
    if name == "create":
        created = CreateArgs(
            resources=tuple(args.resource),
            wait=bool(args.wait),
            timeout_minutes=args.timeout,
            json=bool(args.json),
            all_apps=bool(args.all_apps),
            all_databases=bool(args.all_databases),
            fit=bool(args.fit),
        )
        return lambda run: create(run, created)
    if name == "download":
        wanted = DownloadArgs(
            resource=args.resource,
            version=args.version,
            output=args.output,
            overwrite=bool(args.overwrite),
            json=bool(args.json),
            before=args.before,
        )
        return lambda run: download(run, wanted)
    restored = RestoreArgs(
        resource=args.resource,
        version=args.version,
        yes=bool(args.yes),
        safety_snapshot=bool(args.safety_snapshot),
        latest=bool(args.latest),
        json=bool(args.json),
        wait=not args.no_wait,
        before=args.before,
    )
    return lambda run: restore(run, restored)


_CHANGES = frozenset({"create", "restore"})


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        # Not repeated: what was typed may be a key pasted in the wrong place.
        raise argparse.ArgumentTypeError("give a number of minutes") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("the timeout must be a positive number of minutes")
    return value


def _moment(text: str) -> datetime:
    """``--before``'s TIME, read as the app's ``t`` reads it; a usage error otherwise."""
    try:
        return parse_moment(text, datetime.now(UTC))
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


_BEFORE_FORMS = "14:00, 2h ago, yesterday 03:00, 2026-11-23T03:00Z; local time unless an offset"


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``sqtui snapshots ...``."""
    parser = QuietParser(
        prog="sqtui snapshots",
        description="List, create, download and restore snapshots, and look inside them, "
        "from scripts.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=QuietParser
    )
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
        "--before",
        metavar="TIME",
        type=_moment,
        default=None,
        help=f"only the snapshots taken at or before TIME ({_BEFORE_FORMS})",
    )
    listing.add_argument(
        "--json",
        action="store_true",
        help="machine-readable output (full version ids, UTC times, sizes in bytes; "
        "never the signed download URL)",
    )

    create = commands.add_parser(
        "create",
        parents=[common],
        help="take a snapshot now (of one resource, or one of each of several)",
        description=(
            "Request one snapshot (never sent twice). If the server is still generating it,\n"
            "it is saved as pending (when the state directory is writable) and watched by\n"
            "the app; --wait watches it here.\n"
            "\n"
            "Several resources (or --all-apps, --all-databases) get one snapshot each, in\n"
            "the order given, each answered before the next is sent, paced by the cooldowns\n"
            "(5 s per account plus a second's margin; a resource in its own 180 s cooldown\n"
            "goes after the others), so the server never answers KEEP_CALM. A line per\n"
            'resource as it is answered; progress and "next in N s" on stderr. If the daily\n'
            "quota cannot cover them all, nothing is sent (exit 5) unless --fit sends the\n"
            "ones that fit (those left out still make it exit 5). One that is refused or\n"
            "fails does not stop the others; the quota used up, RATE_LIMITED or the key\n"
            "refused stops the rest. Ctrl-C sends nothing more (the create under way is\n"
            "answered; a second Ctrl-C stops waiting and keeps it pending). The exit code\n"
            "is 0 if every one was accepted, else the most serious of theirs: 130, 3, 7, 6,\n"
            "4, 1, then 5 (what waiting fixes comes last)."
        ),
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    create.add_argument("resource", metavar="RESOURCE", nargs="*", help=resource_help)
    everything = create.add_mutually_exclusive_group()
    everything.add_argument(
        "--all-apps", action="store_true", help="every application (after any RESOURCE)"
    )
    everything.add_argument(
        "--all-databases", action="store_true", help="every database (after any RESOURCE)"
    )
    create.add_argument(
        "--fit",
        action="store_true",
        help="when the daily quota cannot cover them all, send the ones that fit (in the "
        "order given) instead of nothing",
    )
    create.set_defaults(usage_error=create.error)
    create.add_argument(
        "--wait",
        action="store_true",
        help="if it is still being generated, wait until it is listed (each of several)",
    )
    create.add_argument(
        "--timeout",
        metavar="MIN",
        type=_minutes,
        default=None,
        help="with --wait, give up after MIN minutes (default: pending_timeout_minutes "
        "of the config, 15)",
    )
    create.add_argument(
        "--json",
        action="store_true",
        help="print the outcome as one JSON object (outcome, resource, snapshot, UTC times; "
        "never the key or a signed URL); for several, a list of them in the order given",
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
    which.add_argument(
        "--before",
        metavar="TIME",
        type=_moment,
        default=None,
        help=f"the newest snapshot taken at or before TIME ({_BEFORE_FORMS})",
    )
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
    download.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object (outcome, resource, snapshot, absolute path, size, "
        "sha256, UTC times) instead of the sha256sum line",
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
    restored = restore.add_mutually_exclusive_group(required=True)
    restored.add_argument(
        "--version", metavar="V", help="the snapshot's version id, or a unique prefix of it"
    )
    restored.add_argument("--latest", action="store_true", help="the newest ready snapshot")
    restored.add_argument(
        "--before",
        metavar="TIME",
        type=_moment,
        default=None,
        help=f"the newest snapshot taken at or before TIME ({_BEFORE_FORMS})",
    )
    restore.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    restore.add_argument(
        "--safety-snapshot",
        action="store_true",
        help="snapshot the current state first; if that cannot be done, nothing is restored",
    )
    restore.add_argument(
        "--no-wait",
        action="store_true",
        help="do not watch the resource until it runs again after the restore",
    )
    restore.add_argument(
        "--json",
        action="store_true",
        help="print the outcome as one JSON object (outcome, resource, snapshot, UTC times; "
        "never the key or a signed URL)",
    )
    add_contents_commands(commands, common, resource_help)
    return parser


def main(argv: Sequence[str]) -> int:
    """Run ``sqtui snapshots`` with ``argv`` (the words after ``snapshots``); the exit code."""
    try:
        args = build_parser().parse_args(list(argv))
        if args.command == "create" and not (args.resource or args.all_apps or args.all_databases):
            args.usage_error("give a RESOURCE, or --all-apps or --all-databases")
    except SystemExit as done:
        # --help and usage errors: argparse has printed what it had to say.
        return done.code if isinstance(done.code, int) else ExitCode.USAGE
    try:
        return asyncio.run(_dispatch(args))
    except KeyboardInterrupt:
        say("sqtui: interrupted.")
        return ExitCode.INTERRUPTED


async def _dispatch(args: argparse.Namespace) -> ExitCode:
    try:
        settings = settings_from(args)
    except ConfigError as error:
        say(f"sqtui: {error}")
        return ExitCode.USAGE
    for warning in settings.config_warnings:
        say(f"sqtui: warning: {warning}")
    if args.command in _CHANGES and settings.read_only:
        what = "creating" if args.command == "create" else "restoring"
        say(
            f"sqtui: read-only mode: {what} snapshots is turned off (--read-only or the "
            "config file). Nothing was sent."
        )
        return ExitCode.FAILED
    settings.locations.ensure()
    setup_logging(settings.locations.log_file)
    key = resolve_key(settings.profile)
    if key is None:
        say(
            f"sqtui: no API key for profile {settings.profile!r}: run `sqtui login` "
            f"or set {ENV_KEY}."
        )
        return ExitCode.AUTH
    log.info("snapshots %s (profile %s, %s)", args.command, settings.profile, settings.api_url)
    command = _command(args)
    workspace = open_workspace(settings, key, warn=lambda text: say(f"sqtui: warning: {text}"))
    try:
        return await command(Run(settings=settings, key=key, workspace=workspace))
    except Stop as stop:
        say(f"sqtui: {stop.message}")
        return stop.code
    except ResolveError as error:
        say(f"sqtui: {error.sentence}")
        return exit_code_for_unresolved(error)
    except Refused as refused:
        say(f"sqtui: {refused.sentence}")
        return exit_code_for_refusal(refused)
    except ApiError as error:
        log.info("snapshots %s failed: %r", args.command, error)
        say(f"sqtui: {printable(error.human())}{_key_hint(error, key)}")
        return exit_code_for(error)
    except asyncio.CancelledError:
        say("sqtui: interrupted.")
        return ExitCode.INTERRUPTED
    finally:
        await workspace.aclose()


def _key_hint(error: ApiError, key: KeySource) -> str:
    if not error.is_access_denied:
        return ""
    where = ENV_KEY if key.origin == "env" else "the keyring"
    return f" (key {key.masked} from {where}; run `sqtui login` to store a new one)"
