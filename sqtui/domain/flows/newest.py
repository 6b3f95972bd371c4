"""The newest snapshot of each of several resources, and where each would be saved.

For ``d`` on resources marked in the sidebar: each resource's listing is read afresh
(the newest may be minutes old), a few at a time, and each snapshot gets the file name
a single download would give it. What cannot be downloaded is said, not skipped
silently: a resource with no snapshot, one whose listing failed, a file already there.
The downloads themselves are the download flow's, one per snapshot.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqtui.api.errors import ApiError
from sqtui.api.models import Resource, Snapshot
from sqtui.display import shown_name
from sqtui.domain.download.files import SPACE_MARGIN, SpaceCheck, space_check
from sqtui.domain.filenames import snapshot_filename
from sqtui.domain.session import Session

# Listings read at once: enough to be quick for a handful, gentle for hundreds.
SIMULTANEOUS_LISTINGS = 4


@dataclass(frozen=True)
class NewestPick:
    """One resource's newest snapshot, or why there is none."""

    resource: Resource
    snapshot: Snapshot | None = None
    error: ApiError | None = None


async def newest_of_each(session: Session, resources: Sequence[Resource]) -> list[NewestPick]:
    """Each resource's newest snapshot, read from a fresh listing, in the order given.

    A refused key raises (nothing else would work either); any other failure is that
    resource's pick's ``error``.
    """
    gate = asyncio.Semaphore(SIMULTANEOUS_LISTINGS)

    async def pick(resource: Resource) -> NewestPick:
        async with gate:
            try:
                listing = await session.list_snapshots(resource)
            except ApiError as error:
                if error.is_access_denied:
                    raise
                return NewestPick(resource, error=error)
        newest = max(listing, key=lambda s: s.modified, default=None)
        return NewestPick(resource, snapshot=newest)

    unique = {resource.id: resource for resource in resources}
    return list(await asyncio.gather(*(pick(r) for r in unique.values())))


@dataclass(frozen=True)
class Fetch:
    """One download of a batch: the snapshot and its final path."""

    resource: Resource
    snapshot: Snapshot
    path: Path


@dataclass(frozen=True)
class BatchDownload:
    """What a batch download into ``directory`` would fetch, and what it cannot."""

    directory: Path
    fetches: tuple[Fetch, ...]
    already_there: tuple[Fetch, ...]
    empty: tuple[Resource, ...]
    failed: tuple[tuple[Resource, ApiError], ...]

    @property
    def total(self) -> int:
        """Bytes of every snapshot to fetch."""
        return sum(f.snapshot.size for f in self.fetches)

    def space(self, margin: int = SPACE_MARGIN) -> SpaceCheck:
        """Room for all of them at once (partial downloads resume), the engine's margin kept.

        Raises :class:`OSError` when the folder cannot be examined.
        """
        free = partial = needed = 0
        for index, fetch in enumerate(self.fetches):
            check = space_check(fetch.snapshot.size, fetch.path, margin)
            if index == 0:
                free = check.free
            partial += check.partial
            needed += check.needed
        return SpaceCheck(free, partial, needed, margin)

    def notes(self) -> list[str]:
        """One sentence for each thing left out, for the dialog and the notification."""
        notes = []
        if self.empty:
            names = ", ".join(shown_name(r.name) for r in self.empty)
            notes.append(f"No snapshot yet: {names}.")
        for resource, error in self.failed:
            notes.append(f"{shown_name(resource.name)} could not be listed: {error.human()}")
        if self.already_there:
            names = ", ".join(f.path.name for f in self.already_there)
            notes.append(f"Already in that folder, not downloaded again: {names}.")
        return notes


def plan_downloads(picks: Sequence[NewestPick], directory: Path) -> BatchDownload:
    """Where each pick would be saved in ``directory`` (absolute); files there are kept."""
    fetches: list[Fetch] = []
    there: list[Fetch] = []
    empty: list[Resource] = []
    failed: list[tuple[Resource, ApiError]] = []
    for pick in picks:
        if pick.error is not None:
            failed.append((pick.resource, pick.error))
        elif pick.snapshot is None:
            empty.append(pick.resource)
        else:
            path = directory / snapshot_filename(pick.resource.name, pick.snapshot)
            fetch = Fetch(pick.resource, pick.snapshot, path)
            (there if path.exists() else fetches).append(fetch)
    return BatchDownload(directory, tuple(fetches), tuple(there), tuple(empty), tuple(failed))
