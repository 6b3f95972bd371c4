"""``sqtui snapshots extract RESOURCE --version V PATH... -o DIR``: files, not the archive.

Each file is read by range and CRC-checked before it takes its name; nothing is
written outside DIR, no link is followed or made, nothing is overwritten without
``--overwrite``. The paths written go to standard output, one per line.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from sqtui.cli.contents_common import contents_stop, open_for
from sqtui.cli.exit_codes import ExitCode
from sqtui.cli.output import dump, result, say, when_text
from sqtui.cli.run import Run
from sqtui.display import printable, size_text
from sqtui.domain.contents import ContentsError, WorkProgress
from sqtui.domain.download import absolute


@dataclass(frozen=True)
class ExtractArgs:
    """``extract``'s arguments."""

    resource: str
    version: str | None
    paths: tuple[str, ...]
    output: Path
    overwrite: bool
    json: bool


class _ExtractProgress:
    """One updating line on standard error: files and bytes written so far."""

    def __init__(self) -> None:
        self.shown = False

    def __call__(self, work: WorkProgress) -> None:
        sys.stderr.write(
            f"\r{work.fraction:4.0%}  {work.files_done:,} of {work.files_total:,} files"
            f"  {size_text(work.bytes_done)} of {size_text(work.bytes_total)}\x1b[K"
        )
        sys.stderr.flush()
        self.shown = True

    def clear(self) -> None:
        """Remove the line before anything else is printed."""
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


async def extract(run: Run, args: ExtractArgs) -> ExitCode:
    """Write the named files or folders of one snapshot under ``args.output``."""
    opened = await open_for(run, args.resource)
    folder = absolute(args.output)
    progress = _ExtractProgress() if sys.stderr.isatty() else None
    try:
        contents = opened.version(args.version)
        say(
            f"Extracting from {printable(opened.resource.name)}, snapshot of "
            f"{when_text(contents.snapshot.modified, run.now())} into {folder}"
        )
        done = await contents.extract(
            list(args.paths), folder, overwrite=args.overwrite, on_progress=progress
        )
    except ContentsError as error:
        raise contents_stop(error) from None
    finally:
        if progress is not None:
            progress.clear()
    if args.json:
        result(
            dump(
                {
                    "folder": str(done.folder),
                    "files": [
                        {"path": f.path, "target": str(f.target), "size": f.size}
                        for f in done.files
                    ],
                    "skipped": [{"path": s.path, "reason": s.reason} for s in done.skipped],
                }
            )
        )
    else:
        for written in done.files:
            result(str(written.target))
    for skipped in done.skipped:
        say(f"sqtui: skipped {printable(skipped.path)}: {skipped.reason}")
    say(f"Wrote {len(done.files):,} files ({size_text(done.bytes_written)}), each CRC-checked.")
    return ExitCode.OK
