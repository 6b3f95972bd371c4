"""The ``?`` help screen: every key, where it works, and what it does."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS: tuple[tuple[str, str, str], ...] = (
    ("Anywhere", "q", "quit (asks first while a create, download or restore runs)"),
    ("Anywhere", "?", "this help"),
    ("Anywhere", "ctrl+p", "command palette: jump to any app or database, run any action"),
    ("Anywhere", "ctrl+r", "refresh the account and the listing"),
    ("Anywhere", "tab / shift+tab", "move the focus between sidebar and table"),
    ("Anywhere", "escape", "close a dialog, clear the filter"),
    ("Sidebar", "/", "filter apps and databases (fuzzy); enter opens the best match"),
    ("Sidebar", "j / k, ↑ / ↓", "move"),
    ("Sidebar", "enter", "open: move the focus to its snapshots"),
    ("Snapshots", "j / k, ↑ / ↓", "move"),
    ("Snapshots", "s", "sort by the next column (or click a header)"),
    ("Snapshots", "n", "new snapshot of the selected resource"),
    ("Snapshots", "d", "download the selected snapshot (a dialog shows where, size, free space)"),
    ("Snapshots", "r", "restore the selected snapshot (safety snapshot, then type the name)"),
    ("Snapshots", "y", "copy its signed download URL (OSC 52, works over SSH)"),
    ("Anywhere", "h", "history of creates, downloads and restores (enter: one in full)"),
    ("Downloads", "x", "cancel the selected download (tab to the panel first)"),
    ("Downloads", "c", "clear finished downloads from the panel"),
)


class HelpScreen(ModalScreen[None]):
    """A scrollable table of keys; any of ``escape``, ``q``, ``?`` closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def compose(self) -> ComposeResult:
        table = Table(box=None, expand=True, pad_edge=False, show_header=True)
        table.add_column("Where", style="dim", no_wrap=True)
        table.add_column("Key", style="bold", no_wrap=True)
        table.add_column("What it does", ratio=1)
        for where, key, what in KEYS:
            table.add_row(where, key, what)
        with VerticalScroll(classes="dialog", id="help"):
            yield Static(Text("sqtui keys", style="bold"), classes="title")
            yield Static(table)
            yield Static(
                Text(
                    "Pending snapshots are watched through the listing and never re-posted. "
                    "They are remembered across restarts.",
                    style="dim",
                )
            )

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
