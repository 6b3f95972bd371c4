"""``sqtui snapshots find|diff``: across versions of one resource, from directories only.

``find`` answers "which versions have this file, and when did it change?"; ``diff``
lists what was added, removed and modified between two versions, and with a PATH
shows that file's unified diff. Directories are cached, so a second run sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqtui.cli.contents_common import contents_stop, open_for
from sqtui.cli.exit_codes import ExitCode
from sqtui.cli.output import dump, iso, result, say, table
from sqtui.cli.run import Run
from sqtui.display import local_time, printable, size_text
from sqtui.domain.contents import ContentsError, Finding, diff_member


@dataclass(frozen=True)
class FindArgs:
    """``find``'s arguments."""

    resource: str
    pattern: str
    json: bool


@dataclass(frozen=True)
class DiffArgs:
    """``diff``'s arguments: ``old`` and ``new`` versions, and a file to show line by line."""

    resource: str
    old: str
    new: str
    path: str | None
    json: bool


_CHANGE_WORDS = {"first": "oldest", "added": "added", "changed": "CHANGED", "unchanged": "same"}


def _occurrences(finding: Finding) -> str:
    """The versions holding a path, newest first; runs of unchanged versions folded."""
    rows: list[list[str]] = []
    folded = 0
    for index, seen in enumerate(finding.occurrences):
        if index and seen.change == "unchanged":
            folded += 1
            continue
        if folded:
            rows.append([f"({folded} more, same)", "", "", ""])
            folded = 0
        word = _CHANGE_WORDS[seen.change]
        rows.append([seen.version_id, local_time(seen.modified), size_text(seen.size), word])
    if folded:
        rows.append([f"({folded} more, same)", "", "", ""])
    lines = table(["VERSION", "SNAPSHOT", "SIZE", "VS. OLDER"], rows, frozenset({2}))
    return "\n".join("  " + line for line in lines.splitlines())


async def find(run: Run, args: FindArgs) -> ExitCode:
    """Every file matching the pattern in every listed version, and where it changed."""
    opened = await open_for(run, args.resource)
    try:
        found = await opened.contents.find(args.pattern)
    except ContentsError as error:
        raise contents_stop(error) from None
    for version, failure in found.failed:
        say(f"sqtui: warning: version {version} could not be read: {failure.human()}")
    if args.json:
        result(
            dump(
                {
                    "searched": found.searched,
                    "failed": [
                        {"version_id": v, "reason": e.reason, "message": e.human()}
                        for v, e in found.failed
                    ],
                    "findings": [
                        {
                            "path": f.path,
                            "versions": [
                                {
                                    "version_id": o.version_id,
                                    "snapshot_modified": iso(o.modified),
                                    "size": o.size,
                                    "crc32": o.crc32,
                                    "change": o.change,
                                }
                                for o in f.occurrences
                            ],
                            "missing_from": list(f.missing_from),
                        }
                        for f in found.findings
                    ],
                }
            )
        )
    else:
        for index, finding in enumerate(found.findings):
            if index:
                result("")
            result(printable(finding.path))
            result(_occurrences(finding))
            if finding.missing_from:
                result(f"  absent from {len(finding.missing_from)} version(s)")
    matched = len(found.findings)
    say(f"{matched:,} path(s) matched in {found.searched:,} version(s).")
    return ExitCode.OK if matched else ExitCode.NOT_FOUND


async def diff(run: Run, args: DiffArgs) -> ExitCode:
    """What changed from ``old`` to ``new``: paths, or one file's lines."""
    opened = await open_for(run, args.resource)
    try:
        old = opened.version(args.old)
        new = opened.version(args.new)
        if args.path is not None:
            lines = await diff_member(old, new, args.path)
            if lines.kind == "text":
                result(lines.text)
            else:
                say(lines.reason)
            return ExitCode.OK
        changes = await opened.contents.diff(old.snapshot.version_id, new.snapshot.version_id)
    except ContentsError as error:
        raise contents_stop(error) from None
    if args.json:
        result(
            dump(
                [
                    {
                        "path": c.path,
                        "change": c.kind,
                        "size_before": c.size_before,
                        "size_after": c.size_after,
                    }
                    for c in changes.changes
                ]
            )
        )
    else:
        for change in changes.changes:
            if change.kind == "added":
                result(f"+ {printable(change.path)}  ({size_text(change.size_after or 0)})")
            elif change.kind == "removed":
                result(f"- {printable(change.path)}  ({size_text(change.size_before or 0)})")
            else:
                result(
                    f"M {printable(change.path)}  ({size_text(change.size_before or 0)} -> "
                    f"{size_text(change.size_after or 0)})"
                )
    say(
        f"{changes.added:,} added, {changes.removed:,} removed, {changes.modified:,} modified, "
        f"{changes.unchanged:,} unchanged; {size_text(changes.size_before)} -> "
        f"{size_text(changes.size_after)}"
    )
    return ExitCode.OK
