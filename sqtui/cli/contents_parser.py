"""The arguments of ``sqtui snapshots ls|find|diff|cat|extract|verify``, and their dispatch."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqtui.cli.exit_codes import EXIT_CODES_HELP, ExitCode
from sqtui.cli.options import QuietParser
from sqtui.cli.run import Run
from sqtui.cli.snapshot_browse import CatArgs, LsArgs, VerifyArgs, cat, ls, verify
from sqtui.cli.snapshot_compare import DiffArgs, FindArgs, diff, find
from sqtui.cli.snapshot_extract import ExtractArgs, extract
from sqtui.domain.contents.verify import DEFAULT_SAMPLE

Command = Callable[[Run], Awaitable[ExitCode]]

CONTENTS_COMMANDS = frozenset({"ls", "find", "diff", "cat", "extract", "verify"})

_JSON_HELP = "machine-readable output (paths exactly as stored, sizes in bytes)"


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        # Not repeated: what was typed may be a key pasted in the wrong place.
        raise argparse.ArgumentTypeError("give a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("give at least 1")
    return value


def _which(parser: argparse.ArgumentParser, *, required: bool = False) -> None:
    group = parser.add_mutually_exclusive_group(required=required)
    group.add_argument(
        "--version", metavar="V", help="the snapshot's version id, or a unique prefix of it"
    )
    group.add_argument(
        "--latest",
        action="store_true",
        help="the newest snapshot" + ("" if required else " (the default)"),
    )


def add_contents_commands(
    commands: argparse._SubParsersAction[QuietParser],
    common: QuietParser,
    resource_help: str,
) -> None:
    """Add the commands that look inside snapshots to ``sqtui snapshots``."""

    def command(name: str, summary: str, description: str) -> argparse.ArgumentParser:
        parser = commands.add_parser(
            name,
            parents=[common],
            help=summary,
            description=description
            + "\nOnly the zip directory and the files asked for are read, by HTTP range;"
            "\ndirectories are cached, so a second look sends nothing.",
            epilog=EXIT_CODES_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        parser.add_argument("resource", metavar="RESOURCE", help=resource_help)
        return parser

    ls = command(
        "ls",
        "list the files inside a snapshot, without downloading it",
        "List a folder of a snapshot (the newest by default): sub-folders with their\n"
        "file counts and sizes, files with their sizes and times. --json lists every\n"
        "file below PATH.",
    )
    _which(ls)
    ls.add_argument("path", metavar="PATH", nargs="?", default="", help="a folder or a file")
    ls.add_argument("-R", "--recursive", action="store_true", help="list sub-folders too")
    ls.add_argument("--json", action="store_true", help=_JSON_HELP)

    found = command(
        "find",
        "find a path across every version: which have it, when it changed",
        "Search every listed version for files matching PATTERN: a glob (*.py, config/**)\n"
        "or any part of a path. For each match: the versions holding it, its size, and\n"
        "whether it changed from the version before. Exit code 4 when nothing matches.",
    )
    found.add_argument("pattern", metavar="PATTERN", help="a glob or part of a path")
    found.add_argument("--json", action="store_true", help=_JSON_HELP)

    compared = command(
        "diff",
        "what was added, removed and modified between two versions",
        "Compare version V1 (older) with V2: every path added, removed or modified,\n"
        "with sizes before and after. With PATH: that file's unified diff.",
    )
    compared.add_argument("old", metavar="V1", help="a version id or unique prefix")
    compared.add_argument("new", metavar="V2", help="a version id or unique prefix")
    compared.add_argument("path", metavar="PATH", nargs="?", help="a file to compare line by line")
    compared.add_argument("--json", action="store_true", help=_JSON_HELP)

    catted = command(
        "cat",
        "print one file of a snapshot, CRC-checked",
        "Write one file's bytes to standard output; its CRC-32 is checked (a damaged\n"
        "file up to 64 MiB prints nothing).",
    )
    _which(catted, required=True)
    catted.add_argument("path", metavar="PATH", help="the file's path inside the snapshot")

    extracted = command(
        "extract",
        "write files or folders of a snapshot into a folder",
        "Write the named files and folders (all of it with '') under DIR, each\n"
        "CRC-checked. Never writes outside DIR, never follows or makes a link, never\n"
        "overwrites without --overwrite.",
    )
    _which(extracted, required=True)
    extracted.add_argument("paths", metavar="PATH", nargs="+", help="files or folders to write")
    extracted.add_argument(
        "-o", "--output", metavar="DIR", type=Path, required=True, help="the folder to write into"
    )
    extracted.add_argument(
        "--overwrite", action="store_true", help="replace files of the same name"
    )
    extracted.add_argument("--json", action="store_true", help=_JSON_HELP)

    checked = command(
        "verify",
        "read files of a snapshot by range and check their CRC-32",
        "Read a random sample of files (or all of them) and check each one's CRC-32,\n"
        "as `restic check --read-data-subset` does. Exit code 1 if any is damaged.",
    )
    _which(checked, required=True)
    how = checked.add_mutually_exclusive_group()
    how.add_argument(
        "--sample",
        metavar="N",
        type=_positive,
        default=DEFAULT_SAMPLE,
        help=f"how many files to read at random (default: {DEFAULT_SAMPLE})",
    )
    how.add_argument("--all", action="store_true", help="read every file")
    checked.add_argument("--json", action="store_true", help=_JSON_HELP)


def contents_command(args: argparse.Namespace) -> Command:
    """The contents command named on the line, bound to its typed arguments."""
    name = args.command
    version = getattr(args, "version", None)
    if name == "ls":
        listed = LsArgs(args.resource, version, args.path, bool(args.json), bool(args.recursive))
        return lambda run: ls(run, listed)
    if name == "find":
        found = FindArgs(args.resource, args.pattern, bool(args.json))
        return lambda run: find(run, found)
    if name == "diff":
        compared = DiffArgs(args.resource, args.old, args.new, args.path, bool(args.json))
        return lambda run: diff(run, compared)
    if name == "cat":
        catted = CatArgs(args.resource, version, args.path)
        return lambda run: cat(run, catted)
    if name == "extract":
        extracted = ExtractArgs(
            args.resource,
            version,
            tuple(args.paths),
            args.output,
            bool(args.overwrite),
            bool(args.json),
        )
        return lambda run: extract(run, extracted)
    checked = VerifyArgs(args.resource, version, args.sample, bool(args.all), bool(args.json))
    return lambda run: verify(run, checked)
