"""Downloading a snapshot to a verified file, with a fresh signed URL when the old one
is refused; recorded in the history however it ends."""

from __future__ import annotations

import asyncio
import enum
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from sqtui.api.models import Resource, Snapshot
from sqtui.display import size_text
from sqtui.domain.download import (
    DownloadEngine,
    DownloadError,
    DownloadResult,
    Progress,
    absolute,
)
from sqtui.domain.history import Action, Outcome
from sqtui.domain.session import Session

FreshLink = Callable[[], Awaitable[Snapshot]]


class DownloadState(enum.StrEnum):
    """How a download ended."""

    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"


@dataclass(frozen=True)
class DownloadOutcome:
    """A download and how it ended: the verified file, or why there is none."""

    resource: Resource
    snapshot: Snapshot
    target: Path
    state: DownloadState
    result: DownloadResult | None = None
    error: DownloadError | None = None

    def sentence(self) -> str:
        """One sentence for people about how it ended."""
        if self.result is not None:
            resumed = f", resumed {self.result.resumes} time(s)" if self.result.resumes else ""
            return (
                f"Saved {self.result.path} ({size_text(self.result.size)} in "
                f"{self.result.seconds:.1f} s{resumed}; zip verified)."
            )
        assert self.error is not None
        return self.error.human()


def fresh_link(session: Session, resource: Resource, snapshot: Snapshot) -> FreshLink:
    """How to get ``snapshot`` again with a fresh signed URL: from a new listing."""

    async def fetch() -> Snapshot:
        for fresh in await session.list_snapshots(resource):
            if fresh.version_id == snapshot.version_id:
                return fresh
        raise DownloadError("not_found", "The snapshot is no longer listed.")

    return fetch


async def download_snapshot(
    session: Session,
    engine: DownloadEngine,
    resource: Resource,
    snapshot: Snapshot,
    target: Path,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    cancel: asyncio.Event | None = None,
    overwrite: bool = False,
) -> DownloadOutcome:
    """Download ``snapshot`` to ``target`` (an absolute path is recorded)."""
    target = absolute(target)
    # The command recorded repeats the choice to replace a file.
    record = functools.partial(session.recorder.record, overwrite=overwrite)
    try:
        result = await engine.download(
            snapshot,
            target,
            on_progress=on_progress,
            refresh=fresh_link(session, resource, snapshot),
            cancel=cancel,
            overwrite=overwrite,
            # Stopped from outside (Ctrl-C where no cancel event could be used, a quit):
            # nothing under the final name, and no partial file left behind either.
            keep_part_on_cancel=False,
        )
    except DownloadError as error:
        cancelled = error.reason == "cancelled"
        record(
            Action.DOWNLOAD,
            Outcome.CANCELLED if cancelled else Outcome.FAILED,
            resource,
            snapshot,
            detail=error.human(),
            path=target,
        )
        state = DownloadState.CANCELLED if cancelled else DownloadState.FAILED
        return DownloadOutcome(resource, snapshot, target, state, error=error)
    except asyncio.CancelledError:
        record(Action.DOWNLOAD, Outcome.CANCELLED, resource, snapshot, path=target)
        raise
    record(
        Action.DOWNLOAD,
        Outcome.OK,
        resource,
        snapshot,
        path=result.path,
        sha256=result.sha256,
        detail=f"{result.size} bytes in {result.seconds:.1f} s",
    )
    return DownloadOutcome(resource, snapshot, target, DownloadState.DONE, result=result)
