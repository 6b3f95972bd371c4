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
    """A scrollable table of the keys in force; ``escape``, ``q`` or ``?`` closes it.

    It moves with the keys of the lists: ``j``/``k`` and arrows, ``g``/``G`` and
    ``home``/``end``, page up and down.
    """

    BINDINGS = [
        # escape leaves every screen (back); q and ? close the views opened with a key.
        Binding("escape", "close", "Close", tooltip="close this help", id="back"),
        Binding("q,question_mark", "close", "Close", show=False, id="close"),
        Binding("j,down", "move(1)", "Down", show=False, id="down"),
        Binding("k,up", "move(-1)", "Up", show=False, id="up"),
        Binding("g,home", "edge(False)", "Top", show=False, id="top"),
        Binding("G,end", "edge(True)", "Bottom", show=False, id="bottom"),
        Binding("pagedown,space", "page(1)", "Page down", show=False, id="page_down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="page_up"),
    ]

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

    @property
    def _body(self) -> VerticalScroll:
        return self.query_one("#help", VerticalScroll)

    def action_move(self, lines: int) -> None:
        """Scroll by ``lines`` (negative: up)."""
        body = self._body
        body.scroll_to(y=body.scroll_y + lines, animate=False)

    def action_page(self, pages: int) -> None:
        """Scroll by ``pages`` screens (negative: up)."""
        body = self._body
        body.scroll_to(
            y=body.scroll_y + pages * body.scrollable_content_region.height, animate=False
        )

    def action_edge(self, bottom: bool) -> None:
        """Go to the top, or to the bottom."""
        body = self._body
        if bottom:
            body.scroll_end(animate=False, immediate=True)
        else:
            body.scroll_home(animate=False, immediate=True)

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
