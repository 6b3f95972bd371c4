"""The snapshot flows, written once for the app and the script commands.

Each takes the :class:`~sqtui.domain.session.Session`, does the whole job (guards,
requests, history) and returns a typed outcome that the caller only renders.
"""

from __future__ import annotations

from sqtui.domain.flows.create import (
    CreateOutcome,
    CreateState,
    WaitOutcome,
    WaitState,
    create_snapshot,
    wait_listed,
)
from sqtui.domain.flows.download import (
    DownloadOutcome,
    DownloadState,
    download_snapshot,
    fresh_link,
)
from sqtui.domain.flows.restore import (
    RestoreOutcome,
    RestoreState,
    confirms_restore,
    restore_snapshot,
)

__all__ = [
    "CreateOutcome",
    "CreateState",
    "DownloadOutcome",
    "DownloadState",
    "RestoreOutcome",
    "RestoreState",
    "WaitOutcome",
    "WaitState",
    "confirms_restore",
    "create_snapshot",
    "download_snapshot",
    "fresh_link",
    "restore_snapshot",
    "wait_listed",
]
