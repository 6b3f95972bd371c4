"""The ``h`` history screen: every create, download and restore, newest first."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from sqtui.display import local_time, printable
from sqtui.domain.history import History, HistoryEntry

OUTCOME_STYLES = {"ok": "green", "pending": "yellow", "failed": "bold red", "cancelled": "dim"}


class HistoryScreen(ModalScreen[None]):
    """A table of what sqtui did, for an incident review."""

    BINDINGS = [Binding("escape,q,h", "close", "Close")]

    def __init__(self, history: History) -> None:
        super().__init__()
        self.history = history
        self.entries: list[HistoryEntry] = []

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
        self.entries = entries
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

    @on(DataTable.RowSelected, "#history-table")
    def _details(self, event: DataTable.RowSelected) -> None:
        """``enter`` on a row: everything the entry holds, untruncated."""
        if event.cursor_row >= len(self.entries):
            return
        entry = self.entries[event.cursor_row]
        lines = [
            f"{entry.action} of {printable(entry.resource_name)} ({entry.resource_kind} "
            f"{entry.resource_id}): {entry.outcome}",
            f"at {local_time(entry.time)} · profile {printable(entry.profile)}",
        ]
        if entry.snapshot:
            lines.append(f"snapshot version {printable(entry.snapshot)}")
        if entry.path:
            lines.append(f"file {printable(entry.path)}")
        if entry.sha256:
            lines.append(f"SHA-256 {entry.sha256}")
        if entry.detail:
            lines.append(printable(entry.detail))
        self.notify("\n".join(lines), title="History entry", markup=False, timeout=15)

    def action_close(self) -> None:
        """Close the history."""
        self.dismiss(None)
