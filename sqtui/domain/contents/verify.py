"""Checking a snapshot's files against their CRC-32 by reading them from the host.

Like ``restic check --read-data-subset``: a random sample of files (or every file) is
read by range and decoded, and each one's size and CRC-32 compared with its directory
entry, without downloading the archive.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqtui.domain.contents.entry import Directory, Entry
from sqtui.domain.contents.errors import ContentsError, Reason
from sqtui.domain.contents.extract import SMALL
from sqtui.domain.contents.progress import OnProgress, WorkProgress
from sqtui.domain.contents.remote_zip import RemoteZip
from sqtui.domain.contents.zip_format import check_readable

DEFAULT_SAMPLE = 20


@dataclass(frozen=True)
class Problem:
    """A file that failed its check, or could not be checked: why, in a sentence."""

    path: str
    reason: Reason
    message: str


@dataclass(frozen=True)
class VerifyResult:
    """How many files were read and checked, of how many, and the ones that failed."""

    checked: int
    files: int
    bytes_checked: int
    problems: tuple[Problem, ...]
    unchecked: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        """Every file read was sound."""
        return not self.problems


async def verify(
    reader: RemoteZip,
    directory: Directory,
    *,
    sample: int | None = DEFAULT_SAMPLE,
    read_all: bool = False,
    rng: random.Random | None = None,
    on_progress: OnProgress | None = None,
) -> VerifyResult:
    """Read ``sample`` random files (every file with ``read_all``) and check each CRC-32.

    Encrypted files and unknown compression methods cannot be checked: they are listed
    in ``unchecked``. A failing host raises; a damaged file is a problem, not an error.
    """
    files = [entry for entry in directory.entries if not entry.is_dir]
    readable: list[Entry] = []
    unchecked: list[Problem] = []
    for entry in files:
        try:
            check_readable(entry)
        except ContentsError as error:
            unchecked.append(Problem(entry.path, error.reason, error.human()))
        else:
            readable.append(entry)
    if read_all or sample is None:
        chosen = readable
    else:
        picker = rng if rng is not None else random.SystemRandom()
        chosen = picker.sample(readable, min(max(0, sample), len(readable)))
    total = sum(entry.size for entry in chosen)
    problems: list[Problem] = []
    checked = 0
    done = 0

    def report() -> None:
        if on_progress is not None:
            on_progress(WorkProgress(checked, len(chosen), done, total))

    report()
    small = [entry for entry in chosen if entry.compressed_size <= SMALL]
    async for entry, content in reader.read_each(small):
        if isinstance(content, ContentsError):
            problems.append(Problem(entry.path, content.reason, content.human()))
        checked += 1
        done += entry.size
        report()
    for entry in chosen:
        if entry.compressed_size <= SMALL:
            continue
        try:
            async for piece in reader.stream(entry):
                done += len(piece)
                report()
        except ContentsError as error:
            if error.reason not in ("damaged", "corrupt"):
                raise
            problems.append(Problem(entry.path, error.reason, error.human()))
        checked += 1
        report()
    return VerifyResult(
        checked=checked,
        files=len(files),
        bytes_checked=total,
        problems=tuple(problems),
        unchecked=tuple(unchecked),
    )
