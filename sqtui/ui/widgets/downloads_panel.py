"""The downloads panel: each transfer with a bar, bytes, speed and ETA; cancellable."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from sqtui.display import in_text, printable, size_text
from sqtui.domain.download import Progress

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
        Binding("x", "cancel_selected", "Cancel download"),
        Binding("c", "clear_finished", "Clear finished"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", show_header=False)
        self.transfers: dict[str, Transfer] = {}

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
                parts.append(f"ETA {in_text_seconds(progress.eta_seconds)}")
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


def in_text_seconds(seconds: float) -> str:
    """A short ETA: ``4 s``, ``3 min``."""
    return in_text(timedelta(seconds=seconds))
