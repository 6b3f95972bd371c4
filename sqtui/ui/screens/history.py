"""The ``h`` history screen: every create, download and restore, newest first."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from sqtui.display import local_time, printable
from sqtui.domain.history import History

OUTCOME_STYLES = {"ok": "green", "pending": "yellow", "failed": "bold red", "cancelled": "dim"}


class HistoryScreen(ModalScreen[None]):
    """A table of what sqtui did, for an incident review."""

    BINDINGS = [Binding("escape,q,h", "close", "Close")]

    def __init__(self, history: History) -> None:
        super().__init__()
        self.history = history

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="history"):
            yield Static(Text("History", style="bold"), classes="title")
            yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="history-note", classes="note")

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one("#history-table", DataTable)
        for label in ("Time", "Action", "Outcome", "Resource", "Snapshot", "Details"):
            table.add_column(label)
        entries = self.history.read(limit=1000)
        for entry in entries:
            details = entry.detail
            if entry.path:
                details = f"{entry.path}  sha256 {entry.sha256 or '?'}"
            table.add_row(
                Text(local_time(entry.time)),
                Text(entry.action),
                Text(entry.outcome, style=OUTCOME_STYLES.get(entry.outcome, "")),
                Text(printable(entry.resource_name)),
                Text(
                    local_time(entry.snapshot_time)
                    if entry.snapshot_time
                    else (entry.snapshot or "")
                ),
                Text(printable(details)),
            )
        note = self.query_one("#history-note", Static)
        if not entries:
            note.update(Text(f"Nothing yet. Entries are kept in {self.history.path}."))
        elif self.history.skipped:
            note.update(Text(f"{self.history.skipped} damaged line(s) in the file were skipped."))
        table.focus()

    def action_close(self) -> None:
        """Close the history."""
        self.dismiss(None)
