"""What the screens inside a snapshot ask of the main screen: download it, restore it."""

from __future__ import annotations

from typing import Protocol

from sqtui.api.models import Resource, Snapshot


class SnapshotActions(Protocol):
    """The guarded download and restore dialogs, for any snapshot being looked at."""

    def download_snapshot(self, resource: Resource, snapshot: Snapshot) -> None:
        """Open the download dialog for ``snapshot``."""

    def restore_snapshot(self, resource: Resource, snapshot: Snapshot) -> None:
        """Open the restore dialog for ``snapshot`` (the same guards as ``r``)."""
