"""A path across every version of a resource: which versions hold it, and how it changed.

Only zip directories are compared (size and CRC-32), so a find over thirty versions
reads no file, and none of the host once the directories are cached.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqtui.api.models import Snapshot
from sqtui.domain.contents.entry import Directory
from sqtui.domain.contents.errors import ContentsError
from sqtui.domain.contents.pattern import path_matcher

Change = Literal["first", "added", "changed", "unchanged"]


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One version holding the path, compared with the version just before (older).

    ``change`` is ``first`` in the oldest version (nothing to compare with), ``added``
    when the older version lacks the path, else ``changed`` or ``unchanged``.
    """

    version_id: str
    modified: datetime
    size: int
    crc32: int
    change: Change


@dataclass(frozen=True)
class Finding:
    """A matching path: the versions holding it (newest first) and those lacking it."""

    path: str
    occurrences: tuple[Occurrence, ...]
    missing_from: tuple[str, ...]

    @property
    def versions(self) -> tuple[str, ...]:
        """The version ids holding the path, newest first."""
        return tuple(o.version_id for o in self.occurrences)

    @property
    def latest(self) -> Occurrence:
        """The path in the newest version that holds it."""
        return self.occurrences[0]


@dataclass(frozen=True)
class FindResult:
    """Every finding, how many versions were searched, and those that could not be read."""

    findings: tuple[Finding, ...]
    searched: int
    failed: tuple[tuple[str, ContentsError], ...] = ()


def find_in(pattern: str, versions: Sequence[tuple[Snapshot, Directory]]) -> list[Finding]:
    """Files matching ``pattern`` (see ``pattern``) in any of ``versions``, sorted by path."""
    matches = path_matcher(pattern)
    oldest_first = sorted(versions, key=lambda pair: pair[0].modified)
    found: dict[str, list[Occurrence]] = {}
    # Versions share most paths: each is tested against the pattern once.
    verdicts: dict[str, bool] = {}
    previous: dict[str, tuple[int, int]] | None = None
    for snapshot, directory in oldest_first:
        current: dict[str, tuple[int, int]] = {}
        for path, entry in directory.by_path.items():
            verdict = verdicts.get(path)
            if verdict is None:
                verdict = verdicts[path] = not entry.is_dir and matches(path)
            if not verdict:
                continue
            current[path] = (entry.size, entry.crc32)
            before = previous.get(path) if previous is not None else None
            change: Change = (
                "first"
                if previous is None
                else "added"
                if before is None
                else "unchanged"
                if before == current[path]
                else "changed"
            )
            occurrence = Occurrence(
                snapshot.version_id, snapshot.modified, entry.size, entry.crc32, change
            )
            found.setdefault(path, []).append(occurrence)
        previous = current
    return [
        Finding(
            path=path,
            occurrences=tuple(reversed(found[path])),
            missing_from=tuple(_absent(path, oldest_first, found[path])),
        )
        for path in sorted(found)
    ]


def _absent(
    path: str, oldest_first: Sequence[tuple[Snapshot, Directory]], found: list[Occurrence]
) -> list[str]:
    holding = {o.version_id for o in found}
    return [s.version_id for s, _ in reversed(oldest_first) if s.version_id not in holding]
