"""The ``?`` help screen: every key, where it works, and what it does."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from sqtui.ui.keys import KeyRow


class HelpScreen(ModalScreen[None]):
    """A scrollable table of the keys in force; ``escape``, ``q`` or ``?`` closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", tooltip="close this help")]

    def __init__(self, rows: Sequence[KeyRow]) -> None:
        super().__init__()
        self.rows = list(rows)

    def compose(self) -> ComposeResult:
        table = Table(box=None, expand=True, pad_edge=False, show_header=True)
        table.add_column("Where", style="dim", no_wrap=True)
        table.add_column("Key", style="bold", no_wrap=True)
        table.add_column("What it does", ratio=1)
        for row in self.rows:
            table.add_row(row.where, row.keys, row.what)
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
