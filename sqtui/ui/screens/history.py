"""The ``h`` history screen: every create, download and restore, newest first.

``/`` filters (every word must match the resource, action, outcome or any text of the
entry); the pane under the table shows the highlighted entry whole, its SHA-256, the
API it was sent to and the script command that repeats it included; ``c`` copies that
command.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, Static

from sqtui.display import local_time, printable, shown_name
from sqtui.domain.history import Action, History, HistoryEntry

OUTCOME_STYLES = {"ok": "green", "pending": "yellow", "failed": "bold red", "cancelled": "dim"}
# Entries read for the screen: the newest ones (the file is read from its end).
SHOWN = 1000


def matches(entry: HistoryEntry, words: list[str]) -> bool:
    """True when every one of ``words`` (lower case) is in one of the entry's fields."""
    fields = (
        entry.action,
        entry.outcome,
        entry.resource_name,
        entry.resource_id,
        entry.resource_kind,
        entry.profile,
        entry.snapshot or "",
        entry.detail,
        entry.path or "",
        entry.sha256 or "",
        entry.api_url or "",
        entry.command or "",
        local_time(entry.time),
    )
    text = "\n".join(fields).lower()
    return all(word in text for word in words)


def describe(entry: HistoryEntry) -> list[str]:
    """Every field of ``entry`` as lines for people (nothing cut, nothing that drives
    the terminal)."""
    lines = [
        f"{entry.action} of {printable(entry.resource_name)} ({printable(entry.resource_kind)} "
        f"{printable(entry.resource_id)}): {entry.outcome}",
        f"at {local_time(entry.time)} · profile {printable(entry.profile)}",
        f"API {printable(entry.api_url)}" if entry.api_url else "API not recorded",
    ]
    if entry.command:
        lines.append(f"command {printable(entry.command)}")
    if entry.snapshot:
        taken = f" taken {local_time(entry.snapshot_time)}" if entry.snapshot_time else ""
        lines.append(f"snapshot version {printable(entry.snapshot)}{taken}")
    if entry.path:
        lines.append(f"file {printable(entry.path)}")
    if entry.sha256:
        lines.append(f"SHA-256 {printable(entry.sha256)}")
    if entry.detail:
        lines.append(printable(entry.detail))
    return lines


def _no_command(entry: HistoryEntry) -> str:
    """Why ``entry`` has no script command, in one sentence."""
    if entry.action is Action.SAFETY_SNAPSHOT:
        return (
            "A safety snapshot has no command of its own: its restore's command "
            "(--safety-snapshot) takes it."
        )
    return "This entry has no command: it was recorded before commands were kept."


class HistoryTable(DataTable[Text]):
    """The entries, moved through with the keys of the rest of the app."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, tooltip="move down", id="down"),
        Binding("k", "cursor_up", "Up", show=False, tooltip="move up", id="up"),
        Binding("g,home", "first", "First", show=False, tooltip="newest entry", id="top"),
        Binding("G,end", "last", "Last", show=False, tooltip="oldest entry shown", id="bottom"),
    ]

    def action_first(self) -> None:
        """The newest entry."""
        self.move_cursor(row=0)

    def action_last(self) -> None:
        """The oldest entry shown."""
        self.move_cursor(row=max(0, self.row_count - 1))


class HistoryScreen(ModalScreen[None]):
    """A table of what sqtui did, for an incident review."""

    DEFAULT_CSS = """
    HistoryScreen #history-filter {
        margin: 0 0 1 0;
    }
    HistoryScreen #history-detail {
        height: auto;
        max-height: 10;
        margin-top: 1;
        color: $text-muted;
    }
    """

    BINDINGS = [
        Binding("escape", "back", "Close", id="back"),
        Binding("q,h", "close", "Close", show=False, id="close"),
        Binding("slash", "filter", "Filter", id="filter"),
        Binding(
            "c",
            "copy_command",
            "Copy command",
            tooltip="copy the entry's script command (sqtui snapshots ...) to the clipboard",
            id="copy_command",
        ),
    ]

    def __init__(self, history: History) -> None:
        super().__init__()
        self.history = history
        # Every entry read, and those the filter lets through (the table's rows).
        self.entries: list[HistoryEntry] = []
        self.shown: list[HistoryEntry] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="history"):
            yield Static(Text("History", style="bold"), classes="title")
            yield Input(
                placeholder="/ filter: resource, action, outcome or any text",
                id="history-filter",
                compact=True,
            )
            yield HistoryTable(id="history-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="history-detail")
            yield Static("", id="history-note", classes="note")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(HistoryTable)
        for label in ("Time", "Action", "Outcome", "Resource", "Snapshot", "Details"):
            table.add_column(label)
        self.entries = self.history.read(limit=SHOWN)
        self._fill("")
        self._note()
        table.focus()

    def _fill(self, query: str) -> None:
        words = query.lower().split()
        self.shown = [e for e in self.entries if matches(e, words)]
        table = self.query_one(HistoryTable)
        table.clear()
        for entry in self.shown:
            table.add_row(
                Text(local_time(entry.time)),
                Text(entry.action),
                Text(entry.outcome, style=OUTCOME_STYLES.get(entry.outcome, "")),
                Text(shown_name(entry.resource_name, 32)),
                Text(
                    local_time(entry.snapshot_time)
                    if entry.snapshot_time
                    else shown_name(entry.snapshot or "", 16)
                ),
                # A path or a detail can be long: the pane below shows it whole.
                Text(shown_name(entry.path or entry.detail, 60)),
            )
        self._show_detail(0)

    def _note(self) -> None:
        note = self.query_one("#history-note", Static)
        if self.history.unreadable:
            note.update(
                Text(
                    f"History unreadable: {self.history.path} could not be read "
                    f"({self.history.unreadable}).",
                    style="bold",
                )
            )
            note.set_class(True, "error")
            return
        parts: list[str] = []
        if not self.entries:
            parts.append(f"Nothing yet. Entries are kept in {self.history.path}.")
        if self.history.skipped:
            parts.append(f"{self.history.skipped} damaged line(s) in the file were skipped.")
        if self.history.truncated or len(self.entries) >= SHOWN:
            parts.append("Only the newest entries are shown; the file holds older ones.")
        note.update(Text(" ".join(parts)))

    def _show_detail(self, row: int) -> None:
        detail = self.query_one("#history-detail", Static)
        if not self.shown:
            filtered = self.entries and not self.shown
            detail.update(Text("No entry matches the filter." if filtered else ""))
            return
        entry = self.shown[min(max(row, 0), len(self.shown) - 1)]
        detail.update(Text("\n".join(describe(entry))))

    @on(DataTable.RowHighlighted, "#history-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.cursor_row)

    @on(DataTable.RowSelected, "#history-table")
    def _details(self, event: DataTable.RowSelected) -> None:
        """``enter`` on a row: everything the entry holds, untruncated."""
        if event.cursor_row >= len(self.shown):
            return
        entry = self.shown[event.cursor_row]
        self.notify("\n".join(describe(entry)), title="History entry", markup=False, timeout=15)

    def action_copy_command(self) -> None:
        """``c``: the highlighted entry's script command to the clipboard (OSC 52)."""
        if not self.shown:
            self.notify("No entry to copy a command from.", severity="warning")
            return
        row = self.query_one(HistoryTable).cursor_row
        entry = self.shown[min(max(row, 0), len(self.shown) - 1)]
        if entry.command is None:
            self.notify(_no_command(entry), title="No command", severity="warning", markup=False)
            return
        self.app.copy_to_clipboard(entry.command)
        self.notify(
            f"Copied (through the terminal, OSC 52): {printable(entry.command)}",
            title="Command copied",
            markup=False,
        )

    @on(Input.Changed, "#history-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#history-filter")
    def _filter_done(self) -> None:
        self.query_one(HistoryTable).focus()

    def action_filter(self) -> None:
        """Type to filter the entries."""
        self.query_one("#history-filter", Input).focus()

    def action_back(self) -> None:
        """Clear the filter first (if there is one), else close."""
        field = self.query_one("#history-filter", Input)
        if field.value:
            field.value = ""
            self.query_one(HistoryTable).focus()
            return
        if field.has_focus:
            self.query_one(HistoryTable).focus()
            return
        self.dismiss(None)

    def action_close(self) -> None:
        """Close the history."""
        self.dismiss(None)
