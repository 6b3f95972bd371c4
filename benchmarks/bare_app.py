"""The baseline of ``startup.py``: a bare Textual app with sqtui's main-screen widgets.

A top line, a sidebar (an option list of 8 resources under two headers), a title, a
table of 30 snapshots, an empty downloads table, a gauge and a footer, filled from
constants on mount: what Textual itself costs to show that screen, with no API, no
state directory and none of sqtui's code.

    .venv/bin/python benchmarks/bare_app.py
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, OptionList, Static

MARKER = "snapshots, oldest"
"""What both apps show once the table is filled (sqtui's title says the same)."""


class BareApp(App[None]):
    """The same widgets as sqtui's main screen, filled at once."""

    CSS = """
    #sidebar { width: 28; }
    #top { height: 1; }
    #downloads { height: 4; }
    #quota { height: 1; }
    """
    BINDINGS = [
        Binding("n", "noop", "New"),
        Binding("d", "noop", "Download"),
        Binding("r", "noop", "Restore"),
        Binding("q", "quit", "Quit"),
    ]

    def compose(self) -> ComposeResult:
        yield Static("bare · Acme Ltd (standard-4) · API online", id="top")
        with Horizontal():
            yield OptionList(id="sidebar")
            with Vertical():
                yield Static("", id="title")
                yield DataTable(id="snapshots", cursor_type="row")
                yield DataTable(id="downloads")
                yield Static("", id="quota")
        yield Footer()

    def on_mount(self) -> None:
        sidebar = self.query_one(OptionList)
        sidebar.add_options(["APPLICATIONS 5", *[f"● app-{i}" for i in range(5)]])
        sidebar.add_options(["DATABASES 3", *[f"● db-{i}" for i in range(3)]])
        table = self.query_one("#snapshots", DataTable)
        table.add_columns("Created", "Age", "Size", "Origin", "Version", "Expires")
        for day in range(30):
            table.add_row(
                f"2026-11-{30 - day % 30:02d} 03:00",
                f"{day} d",
                "24.0 MB",
                "automatic",
                f"V{day:07d}",
                "in 30 d",
            )
        self.query_one("#downloads", DataTable).add_columns("File", "State", "Progress")
        self.query_one("#title", Static).update(f"app-0  · 30 {MARKER} 29 days")
        self.query_one("#quota", Static).update("Quota 0/40 today")
        sidebar.focus()

    def action_noop(self) -> None:
        """Bound keys do nothing: only the first frame is measured."""


if __name__ == "__main__":
    BareApp().run()
