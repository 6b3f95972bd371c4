"""The snapshot flows, written once for the app and the script commands.

Each takes the :class:`~sqtui.domain.session.Session`, does the whole job (guards,
requests, history) and returns a typed outcome that the caller only renders.

Each flow's module is imported when one of its names is first used: the download
flow brings the download engine, which a first frame does not need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqtui.domain.flows.batch import (
        BatchCancel,
        BatchEnd,
        BatchPlan,
        BatchResult,
        BatchState,
        plan_batch,
        plan_for,
        run_batch,
    )
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
    from sqtui.domain.flows.newest import (
        BatchDownload,
        Fetch,
        NewestPick,
        newest_of_each,
        plan_downloads,
    )
    from sqtui.domain.flows.restore import (
        RestoreOutcome,
        RestoreState,
        confirms_restore,
        restore_snapshot,
    )

_MODULE_OF = {
    "BatchCancel": "batch",
    "BatchEnd": "batch",
    "BatchPlan": "batch",
    "BatchResult": "batch",
    "BatchState": "batch",
    "plan_batch": "batch",
    "plan_for": "batch",
    "run_batch": "batch",
    "CreateOutcome": "create",
    "CreateState": "create",
    "WaitOutcome": "create",
    "WaitState": "create",
    "create_snapshot": "create",
    "wait_listed": "create",
    "DownloadOutcome": "download",
    "DownloadState": "download",
    "download_snapshot": "download",
    "fresh_link": "download",
    "BatchDownload": "newest",
    "Fetch": "newest",
    "NewestPick": "newest",
    "newest_of_each": "newest",
    "plan_downloads": "newest",
    "RestoreOutcome": "restore",
    "RestoreState": "restore",
    "confirms_restore": "restore",
    "restore_snapshot": "restore",
}

__all__ = [
    "BatchCancel",
    "BatchDownload",
    "BatchEnd",
    "BatchPlan",
    "BatchResult",
    "BatchState",
    "CreateOutcome",
    "CreateState",
    "DownloadOutcome",
    "DownloadState",
    "Fetch",
    "NewestPick",
    "RestoreOutcome",
    "RestoreState",
    "WaitOutcome",
    "WaitState",
    "confirms_restore",
    "create_snapshot",
    "download_snapshot",
    "fresh_link",
    "newest_of_each",
    "plan_batch",
    "plan_downloads",
    "plan_for",
    "restore_snapshot",
    "run_batch",
    "wait_listed",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
