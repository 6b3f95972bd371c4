"""The downloads panel: each transfer with a bar, bytes, speed and ETA; cancellable,
and a failed one can be retried (resuming from its partial file).

The panel owns its transfers: it runs the download flow for each in a worker of its
own, and tells the screen what runs on which snapshot through messages. Its rows are
fitted to its width by priority: the state (ETA, speed, saved, failed) is never cut;
the bar narrows, then the file label is shortened.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.widgets import DataTable

from sqtui.api.models import Resource, Snapshot
from sqtui.display import local_time, printable, seconds_text, shorten, size_text
from sqtui.domain.workspace import Workspace
from sqtui.ui.activity import Activity
from sqtui.ui.alert import alert
from sqtui.ui.messages import SnapshotActivity

if TYPE_CHECKING:
    from sqtui.domain.download import Progress

BAR_WIDTH = 12
NARROW_BAR_WIDTH = 6
MIN_FILE_WIDTH = 16
"""The file label keeps at least this much (less only if it is shorter)."""
RUNNING_STATUS_WIDTH = len("ETA 59 min · 999.9 KiB/s")
SEPARATOR = " · "
FAILED_REASON_WIDTH = 16
SPARE_FOR_FULL_BAR = 12
COLUMNS = 3
RETRYABLE = frozenset({"failed", "cancelled"})


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
    # What was asked for, so a failed transfer can be started again.
    resource: Resource | None = None
    snapshot: Snapshot | None = None

    @property
    def running(self) -> bool:
        """Still transferring."""
        return self.state == "running"

    @property
    def retryable(self) -> bool:
        """Ended without a file, and knows what to fetch again."""
        return self.state in RETRYABLE and self.resource is not None and self.snapshot is not None

    def file_label(self, width: int) -> str:
        """The label in ``width`` columns: the name is shortened before the time."""
        label = printable(self.label)
        if len(label) <= width or self.resource is None or self.snapshot is None:
            return shorten(label, width)
        when = local_time(self.snapshot.modified, compact=True)
        room = width - len(when) - 1
        if room < 4:
            return shorten(label, width)
        return f"{shorten(printable(self.resource.name), room)} {when}"


def _bar(fraction: float, width: int = BAR_WIDTH) -> str:
    filled = round(fraction * width)
    return "█" * filled + "░" * (width - filled)


class DownloadsPanel(DataTable[Text]):
    """Rows of transfers; ``x`` cancels the selected one, ``R`` (or ``enter``) retries a
    failed one, ``c`` clears finished ones."""

    BINDINGS = [
        Binding(
            "x",
            "cancel_selected",
            "Cancel download",
            tooltip="cancel the selected download",
            id="cancel_download",
        ),
        Binding(
            "R",
            "retry_selected",
            "Retry",
            tooltip="retry the selected failed download (resumes its partial file); also enter",
            id="retry_download",
        ),
        Binding(
            "c",
            "clear_finished",
            "Clear finished",
            tooltip="clear finished downloads",
            id="clear_finished",
        ),
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
            resource=resource,
            snapshot=snapshot,
        )
        known = self.transfers.get(transfer.key)
        if known is not None:
            if known.running:
                self.notify("That download is already running.", severity="warning")
                return
            # Started again (a retry, or the same file once more): it takes the old row.
            del self.transfers[known.key]
            self.remove_row(known.key)
        self.add(transfer)
        self._run(resource, snapshot, transfer)

    @work(group="download")
    async def _run(self, resource: Resource, snapshot: Snapshot, transfer: Transfer) -> None:
        # The download flow and its engine are imported with the first download.
        from sqtui.domain.flows.download import DownloadState, download_snapshot

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
            alert(
                self,
                self.workspace.settings,
                f"Downloaded {name}",
                f"{outcome.sentence()}\nSHA-256 {outcome.result.sha256}",
                timeout=10,
            )
        elif outcome.state is DownloadState.CANCELLED:
            transfer.detail = ""
            # Cancelled here, by the user: nothing to call them back for.
            self.notify(
                outcome.sentence(),
                title=f"Download of {name} cancelled",
                markup=False,
                timeout=8,
            )
        else:
            assert outcome.error is not None
            transfer.detail = outcome.error.reason.replace("_", " ")
            alert(
                self,
                self.workspace.settings,
                f"Download of {name} failed",
                outcome.sentence(),
                severity="error",
                timeout=8,
            )
        self.update(transfer)
        self.refresh_bindings()

    def on_mount(self) -> None:
        self.add_column("File", key="file")
        self.add_column("Progress", key="progress")
        self.add_column("Status", key="status")
        self.display = False

    def add(self, transfer: Transfer) -> None:
        """Show a new transfer (the panel appears when it has one)."""
        self.transfers[transfer.key] = transfer
        self.add_row(Text(), Text(), Text(), key=transfer.key)
        self.display = True
        self._redraw()
        # Shown just now: fit again once laid out at its real width.
        self.call_after_refresh(self._redraw)

    def update(self, transfer: Transfer) -> None:
        """Redraw a transfer's row (every row: they share the column widths)."""
        self._redraw()

    def on_resize(self) -> None:
        self._redraw()

    def _redraw(self) -> None:
        """Fit every row to the panel's width, state first, and draw it."""
        fitted = _fit(list(self.transfers.values()), self._room())
        for key, cells in fitted.items():
            for column, cell in zip(("file", "progress", "status"), cells, strict=True):
                self.update_cell(key, column, cell, update_width=True)

    def _room(self) -> int:
        """Columns for the cells themselves (each column is padded on both sides)."""
        width = self.scrollable_content_region.width
        if width <= 0:
            return 1_000  # not laid out yet: the next resize fits it
        return max(0, width - 2 * self.cell_padding * COLUMNS)

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

    def _selected(self) -> Transfer | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.transfers.get(str(key))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``R`` shows only on a row that can be retried."""
        if action == "retry_selected":
            selected = self._selected()
            return selected is not None and selected.retryable
        return True

    def on_data_table_row_highlighted(self) -> None:
        self.refresh_bindings()

    def action_retry_selected(self) -> None:
        """Start the failed or cancelled transfer under the cursor again."""
        transfer = self._selected()
        if transfer is None or not transfer.retryable:
            self.notify("Only a failed or cancelled download can be retried.", severity="warning")
            return
        assert transfer.resource is not None and transfer.snapshot is not None
        self.start(transfer.resource, transfer.snapshot, transfer.path)
        self.refresh_bindings()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """``enter`` on a failed row retries it; on other rows it does nothing."""
        transfer = self.transfers.get(str(event.row_key.value))
        if transfer is not None and transfer.retryable:
            event.stop()
            self.action_retry_selected()

    def action_clear_finished(self) -> None:
        """Remove finished, failed and cancelled transfers from the panel."""
        for key, transfer in list(self.transfers.items()):
            if not transfer.running:
                del self.transfers[key]
                self.remove_row(key)
        self.display = bool(self.transfers)
        self._redraw()
        self.refresh_bindings()


def _status_parts(transfer: Transfer) -> tuple[list[str], list[str], str, str]:
    """The status words that are never cut (ETA and speed; saved, failed), the ones
    shown when there is room, most useful first, their style and the opening word."""
    progress = transfer.progress
    if transfer.state == "running":
        essential: list[str] = []
        if progress and progress.eta_seconds is not None:
            essential.append(f"ETA {seconds_text(progress.eta_seconds)}")
        if progress and progress.speed_bps > 0:
            essential.append(f"{size_text(int(progress.speed_bps))}/s")
        extra = [_of(progress.received if progress else 0, transfer.total)]
        if progress and progress.resumes:
            extra.append(f"resumed {progress.resumes} times")
        if not essential:
            essential, extra = extra[:1], extra[1:]
        return essential, extra, "", ""
    styles = {"done": "green", "failed": "bold red", "cancelled": "dim"}
    words = {"done": "✓ saved", "failed": "✗ failed", "cancelled": "cancelled"}
    extra = [printable(transfer.detail)] if transfer.detail else []
    return [words[transfer.state]], extra, styles[transfer.state], words[transfer.state]


def _essential_width(transfer: Transfer) -> int:
    essential, extra, _style, _word = _status_parts(transfer)
    width = len(SEPARATOR.join(essential))
    if transfer.running:
        # Room for a longer ETA and speed, so the columns do not jitter.
        return max(width, RUNNING_STATUS_WIDTH)
    if transfer.state == "failed" and extra:
        # Why it failed matters more than the file label's full width.
        return width + len(SEPARATOR) + min(len(extra[0]), FAILED_REASON_WIDTH)
    return width


def _status_text(transfer: Transfer, width: int) -> Text:
    """The essential status words whole, then as many others as fit in ``width``; the
    last one that does not fit (a path, a reason) is shortened rather than dropped."""
    essential, extra, style, word = _status_parts(transfer)
    shown = SEPARATOR.join(essential)
    for part in extra:
        candidate = f"{shown}{SEPARATOR}{part}"
        if len(candidate) <= width:
            shown = candidate
            continue
        room = width - len(shown) - len(SEPARATOR)
        if not transfer.running and room >= 8:
            shown = f"{shown}{SEPARATOR}{shorten(part, room)}"
        break
    text = Text(shown, no_wrap=True)
    if word:
        text.stylize(style, 0, len(word))
    return text


def _fit(transfers: list[Transfer], room: int) -> dict[str, tuple[Text, Text, Text]]:
    """Each transfer's three cells fitted together into ``room`` columns.

    By priority: the essential status (ETA and speed, saved, failed) is never cut;
    then the bar (full, else narrow); then the file label (its whole width, else
    shortened with an ellipsis); what is left shows more status (bytes, path, reason).
    """
    if not transfers:
        return {}
    label_width = max(len(printable(t.label)) for t in transfers)
    essential = max(_essential_width(t) for t in transfers)
    # The full bar only when it leaves room for more than the essentials.
    wide = room >= essential + label_width + BAR_WIDTH + 5 + SPARE_FOR_FULL_BAR
    bar_width = BAR_WIDTH if wide else NARROW_BAR_WIDTH
    progress_width = bar_width + 5  # " 100%"
    file_width = max(
        min(label_width, MIN_FILE_WIDTH), min(label_width, room - progress_width - essential)
    )
    statuses = [
        _status_text(t, max(essential, room - progress_width - file_width)) for t in transfers
    ]
    status_width = max(essential, *(s.cell_len for s in statuses))
    cells: dict[str, tuple[Text, Text, Text]] = {}
    for transfer, status in zip(transfers, statuses, strict=True):
        progress = transfer.progress
        fraction = progress.fraction if progress else 0.0
        if transfer.state == "running":
            bar = Text(f"{_bar(fraction, bar_width)} {fraction * 100:3.0f}%")
        else:
            done = 1.0 if transfer.state == "done" else fraction
            bar = Text(_bar(done, bar_width), style="dim")
        file_cell = Text(transfer.file_label(file_width), no_wrap=True)
        # Every cell of a column has the column's width, so the widths never jitter.
        file_cell.truncate(file_width, pad=True)
        bar.truncate(progress_width, pad=True)
        status.truncate(status_width, pad=True)
        cells[transfer.key] = (file_cell, bar, status)
    return cells


def _of(received: int, total: int) -> str:
    """``63.0 of 100.0 MiB`` (one unit when both share it)."""
    done, whole = size_text(received), size_text(total)
    unit = whole.rsplit(" ", 1)[-1]
    if done.endswith(" " + unit):
        done = done.rsplit(" ", 1)[0]
    return f"{done} of {whole}"
