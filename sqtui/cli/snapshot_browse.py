"""``sqtui snapshots ls|cat|verify``: one snapshot's files, read by ranges, no download.

``ls`` lists a folder (``--json``: every file below it, as the archive stores them);
``cat`` writes one file's bytes to standard output, CRC-checked; ``verify`` reads
files by range and checks their CRC-32.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from sqtui.cli.contents_common import contents_stop, entry_json, open_for, zip_time
from sqtui.cli.exit_codes import ExitCode
from sqtui.cli.output import dump, result, say, table, when_text
from sqtui.cli.run import Run, Stop
from sqtui.display import printable, shown_name, size_text
from sqtui.domain.contents import ContentsError, Entry, Folder, SnapshotContents
from sqtui.domain.contents.snapshot_contents import DEFAULT_READ_LIMIT


@dataclass(frozen=True)
class BrowseArgs:
    """Which snapshot of which resource (``version`` None: the newest)."""

    resource: str
    version: str | None


@dataclass(frozen=True)
class LsArgs(BrowseArgs):
    """``ls``'s arguments."""

    path: str
    json: bool
    recursive: bool


@dataclass(frozen=True)
class CatArgs(BrowseArgs):
    """``cat``'s arguments."""

    path: str


@dataclass(frozen=True)
class VerifyArgs(BrowseArgs):
    """``verify``'s arguments: ``sample`` files at random, or every file."""

    sample: int
    all: bool
    json: bool


async def _snapshot(run: Run, args: BrowseArgs) -> SnapshotContents:
    opened = await open_for(run, args.resource)
    try:
        contents = opened.version(args.version)
    except ContentsError as error:
        raise contents_stop(error) from None
    say(
        f"{printable(opened.resource.name)}, snapshot of "
        f"{when_text(contents.snapshot.modified, run.now())}, "
        f"version {contents.snapshot.version_id}"
    )
    return contents


def _rows(folder: Folder, recursive: bool) -> list[list[str]]:
    rows: list[list[str]] = []
    for child in folder.children():
        if isinstance(child, Folder):
            files = f"{child.file_count:,}"
            rows.append([shown_name(child.path, 100), size_text(child.total_size), files, ""])
            if recursive:
                rows.extend(_rows(child, recursive))
        else:
            rows.append(
                [shown_name(child.path, 100), size_text(child.size), "", zip_time(child.modified)]
            )
    return rows


async def ls(run: Run, args: LsArgs) -> ExitCode:
    """The files of one snapshot under ``args.path`` (a folder, a file or ``""``)."""
    contents = await _snapshot(run, args)
    try:
        directory = await contents.directory()
        root = await contents.tree()
    except ContentsError as error:
        raise contents_stop(error) from None
    wanted = args.path.strip("/")
    entry = directory.get(args.path) if args.path else None
    folder = root.find_folder(wanted) if entry is None else None
    if entry is None and folder is None:
        raise Stop(ExitCode.NOT_FOUND, f"{printable(args.path)} is not in this snapshot.")
    if args.json:
        if entry is not None:
            listed: list[Entry] = [entry]
        else:
            assert folder is not None
            prefix = folder.path
            listed = [e for e in directory.entries if e.path.startswith(prefix)]
        result(dump([entry_json(e) for e in listed]))
        return ExitCode.OK
    if entry is not None:
        rows = [[printable(entry.path), size_text(entry.size), "", zip_time(entry.modified)]]
    else:
        assert folder is not None
        rows = _rows(folder, args.recursive)
    if rows:
        result(table(["PATH", "SIZE", "FILES", "MODIFIED"], rows, frozenset({1, 2})))
    scope = folder if folder is not None else None
    files = scope.file_count if scope is not None else 1
    total = scope.total_size if scope is not None else (entry.size if entry else 0)
    stale = " (from the cache; the API cannot be reached)" if directory.stale else ""
    say(f"{files:,} files, {size_text(total)}{stale}")
    return ExitCode.OK


async def cat(run: Run, args: CatArgs) -> ExitCode:
    """One file's bytes on standard output, its CRC-32 checked."""
    contents = await _snapshot(run, args)
    out = sys.stdout.buffer
    try:
        entry = await contents.entry(args.path)
        if entry.is_dir:
            raise Stop(ExitCode.USAGE, f"{printable(args.path)} is a folder; `ls` lists it.")
        if entry.size <= DEFAULT_READ_LIMIT:
            # Checked before the first byte is written: a damaged file prints nothing.
            out.write(await contents.read_member(entry))
        else:
            async for piece in contents.stream_member(entry):
                out.write(piece)
        out.flush()
    except ContentsError as error:
        raise contents_stop(error) from None
    return ExitCode.OK


async def verify(run: Run, args: VerifyArgs) -> ExitCode:
    """Read files by range (a sample, or all) and check each one's CRC-32."""
    contents = await _snapshot(run, args)
    try:
        checked = await contents.verify(sample=args.sample, read_all=args.all)
    except ContentsError as error:
        raise contents_stop(error) from None
    if args.json:
        result(
            dump(
                {
                    "ok": checked.ok,
                    "checked": checked.checked,
                    "files": checked.files,
                    "bytes_checked": checked.bytes_checked,
                    "problems": [
                        {"path": p.path, "reason": p.reason, "message": p.message}
                        for p in checked.problems
                    ],
                    "unchecked": [
                        {"path": p.path, "reason": p.reason, "message": p.message}
                        for p in checked.unchecked
                    ],
                }
            )
        )
    else:
        for problem in (*checked.problems, *checked.unchecked):
            result(f"{printable(problem.path)}: {problem.message}")
    summary = (
        f"Checked {checked.checked:,} of {checked.files:,} files "
        f"({size_text(checked.bytes_checked)})"
    )
    if checked.unchecked:
        summary += f"; {len(checked.unchecked):,} could not be checked"
    if not checked.ok:
        say(f"{summary}: {len(checked.problems):,} damaged.")
        return ExitCode.FAILED
    say(f"{summary}: all sound.")
    return ExitCode.OK
