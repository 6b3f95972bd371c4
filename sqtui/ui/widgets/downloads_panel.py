"""The downloads panel: each transfer with a bar, bytes, speed and ETA; cancellable.

The panel owns its transfers: it runs the download flow for each in a worker of its
own, and tells the screen what runs on which snapshot through messages.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.widgets import DataTable

from sqtui.api.models import Resource, Snapshot
from sqtui.display import local_time, printable, seconds_text, size_text
from sqtui.domain.download import Progress
from sqtui.domain.flows import DownloadState, download_snapshot
from sqtui.domain.workspace import Workspace
from sqtui.ui.activity import Activity
from sqtui.ui.messages import SnapshotActivity

BAR_WIDTH = 12


@dataclass
class Transfer:
    """One download as the panel shows it."""

    key: str
    label: str
    path: Path
    total: int
    cancel: asyncio.Event = field(default_factory=asyncio.Event)
    progress: Progress | None = None
    state: str = "running"  # running | done | failed | cancelled
    detail: str = ""

    @property
    def running(self) -> bool:
        """Still transferring."""
        return self.state == "running"


def _bar(fraction: float) -> str:
    filled = round(fraction * BAR_WIDTH)
    return "█" * filled + "░" * (BAR_WIDTH - filled)


class DownloadsPanel(DataTable[Text]):
    """Rows of transfers; ``x`` cancels the selected one, ``c`` clears finished ones."""

    BINDINGS = [
        Binding("x", "cancel_selected", "Cancel download", tooltip="cancel the selected download"),
        Binding("c", "clear_finished", "Clear finished", tooltip="clear finished downloads"),
    ]

    def __init__(self, workspace: Workspace, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", show_header=False)
        self.workspace = workspace
        self.transfers: dict[str, Transfer] = {}

    def start(self, resource: Resource, snapshot: Snapshot, path: Path) -> None:
        """Download ``snapshot`` to ``path`` in the background, shown as a row here."""
        transfer = Transfer(
            key=f"{snapshot.version_id}:{path}",
            label=f"{resource.name} {local_time(snapshot.modified)}",
            path=path,
            total=snapshot.size,
        )
        known = self.transfers.get(transfer.key)
        if known is not None:
            if known.running:
                self.notify("That download is already running.", severity="warning")
                return
            self.action_clear_finished()
        self.add(transfer)
        self._run(resource, snapshot, transfer)

    @work(group="download")
    async def _run(self, resource: Resource, snapshot: Snapshot, transfer: Transfer) -> None:
        name = printable(resource.name)

        def progressed(progress: Progress) -> None:
            transfer.progress = progress
            self.update(transfer)
            self.post_message(
                SnapshotActivity(snapshot.version_id, Activity(f"↓ {progress.fraction:.0%}"))
            )

        self.post_message(SnapshotActivity(snapshot.version_id, Activity("↓ 0%")))
        try:
            outcome = await download_snapshot(
                self.workspace.session,
                self.workspace.engine,
                resource,
                snapshot,
                transfer.path,
                on_progress=progressed,
                cancel=transfer.cancel,
            )
        finally:
            self.post_message(SnapshotActivity(snapshot.version_id, None))
        transfer.state = outcome.state.value
        if outcome.result is not None:
            transfer.detail = f"{outcome.result.path} · sha256 {outcome.result.sha256[:12]}…"
            self.notify(
                f"{outcome.sentence()}\nSHA-256 {outcome.result.sha256}",
                title=f"Downloaded {name}",
                markup=False,
                timeout=10,
            )
        else:
            assert outcome.error is not None
            cancelled = outcome.state is DownloadState.CANCELLED
            transfer.detail = "" if cancelled else outcome.error.reason.replace("_", " ")
            self.notify(
                outcome.sentence(),
                title=f"Download of {name} {'cancelled' if cancelled else 'failed'}",
                severity="information" if cancelled else "error",
                markup=False,
                timeout=8,
            )
        self.update(transfer)

    def on_mount(self) -> None:
        self.add_column("File", key="file")
        self.add_column("Progress", key="progress")
        self.add_column("Status", key="status")
        self.display = False

    def add(self, transfer: Transfer) -> None:
        """Show a new transfer (the panel appears when it has one)."""
        self.transfers[transfer.key] = transfer
        self.add_row(*self._cells(transfer), key=transfer.key)
        self.display = True

    def update(self, transfer: Transfer) -> None:
        """Redraw one transfer's row."""
        _file, progress_cell, status_cell = self._cells(transfer)
        self.update_cell(transfer.key, "progress", progress_cell)
        self.update_cell(transfer.key, "status", status_cell)

    @property
    def running(self) -> list[Transfer]:
        """Transfers still going."""
        return [t for t in self.transfers.values() if t.running]

    def action_cancel_selected(self) -> None:
        """Cancel the transfer under the cursor."""
        if not self.row_count:
            return
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        transfer = self.transfers.get(str(key))
        if transfer is None or not transfer.running:
            self.notify("That download is not running.", severity="warning")
            return
        transfer.cancel.set()

    def action_clear_finished(self) -> None:
        """Remove finished, failed and cancelled transfers from the panel."""
        for key, transfer in list(self.transfers.items()):
            if not transfer.running:
                del self.transfers[key]
                self.remove_row(key)
        self.display = bool(self.transfers)

    def _cells(self, transfer: Transfer) -> tuple[Text, Text, Text]:
        progress = transfer.progress
        fraction = progress.fraction if progress else 0.0
        file_cell = Text(printable(transfer.label), no_wrap=True, overflow="ellipsis")
        if transfer.state == "running":
            bar = Text(f"{_bar(fraction)} {fraction * 100:3.0f}%")
            received = progress.received if progress else 0
            # Most useful first, so a narrow panel cuts the least useful part.
            parts = []
            if progress and progress.speed_bps > 0:
                parts.append(f"{size_text(int(progress.speed_bps))}/s")
            if progress and progress.eta_seconds is not None:
                parts.append(f"ETA {seconds_text(progress.eta_seconds)}")
            parts.append(_of(received, transfer.total))
            if progress and progress.resumes:
                parts.append(f"resumed {progress.resumes} times")
            return file_cell, bar, Text(" · ".join(parts), no_wrap=True, overflow="ellipsis")
        styles = {"done": "green", "failed": "bold red", "cancelled": "dim"}
        words = {"done": "✓ saved", "failed": "✗ failed", "cancelled": "cancelled"}
        bar = Text(_bar(1.0 if transfer.state == "done" else fraction), style="dim")
        outcome = Text(words[transfer.state], style=styles[transfer.state])
        if transfer.detail:
            outcome.append(f" · {printable(transfer.detail)}")
        return file_cell, bar, outcome


def _of(received: int, total: int) -> str:
    """``63.0 of 100.0 MiB`` (one unit when both share it)."""
    done, whole = size_text(received), size_text(total)
    unit = whole.rsplit(" ", 1)[-1]
    if done.endswith(" " + unit):
        done = done.rsplit(" ", 1)[0]
    return f"{done} of {whole}"
