"""The extract dialog: which files, how much, into which folder, and the space there."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from sqtui.display import printable, size_text
from sqtui.domain.download import absolute, free_space


class ExtractDialog(ModalScreen[Path | None]):
    """Confirm an extraction; ``enter`` writes, ``escape`` cancels. Returns the folder."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel")]

    def __init__(self, what: str, files: int, size: int, folder: Path, snapshot: str) -> None:
        super().__init__()
        self.what = what
        self.files = files
        self.total = size
        self.folder = folder
        self.snapshot = snapshot

    def compose(self) -> ComposeResult:
        facts = Table.grid(padding=(0, 2))
        facts.add_column(style="dim", no_wrap=True)
        facts.add_column()
        facts.add_row("From", Text(self.snapshot))
        facts.add_row("Extract", Text(printable(self.what) or "everything"))
        count = "1 file" if self.files == 1 else f"{self.files:,} files"
        facts.add_row("Writes", Text(f"{count}, {size_text(self.total)}, each CRC-checked"))
        with Vertical(classes="dialog", id="extract"):
            yield Static(Text("Extract from snapshot", style="bold"), classes="title")
            yield Static(facts)
            yield Static(Text("Into folder", style="dim"), classes="label")
            yield Input(str(self.folder), id="folder", compact=True)
            yield Static("", id="extract-space")
            yield Static(
                Text(
                    "Nothing is written outside this folder, no link is followed or made, "
                    "and no file is overwritten.",
                    style="dim",
                )
            )
            with Horizontal(classes="buttons"):
                yield Button("Extract", variant="primary", id="extract-start")
                yield Button("Cancel", id="extract-cancel")

    def on_mount(self) -> None:
        self.query_one("#folder", Input).focus()
        self._check()

    @property
    def chosen(self) -> Path | None:
        """The folder typed, absolute; None while the field is empty."""
        typed = self.query_one("#folder", Input).value.strip()
        return absolute(Path(typed)) if typed else None

    def _check(self) -> bool:
        line = self.query_one("#extract-space", Static)
        start = self.query_one("#extract-start", Button)
        folder = self.chosen
        problem = ""
        free = 0
        if folder is None:
            problem = "Choose a folder to extract into (for example ~/restore)."
        elif folder.exists() and not folder.is_dir():
            problem = "That path is a file, not a folder."
        else:
            try:
                free = free_space(folder)
            except OSError as error:
                problem = f"That folder cannot be used: {error.strerror or error}."
            if not problem and free < self.total:
                problem = (
                    f"Not enough space: {size_text(free)} free, {size_text(self.total)} needed."
                )
        line.update(Text(problem) if problem else Text(f"Free space: {size_text(free)}", "dim"))
        line.set_class(bool(problem), "error")
        start.disabled = bool(problem)
        return not problem

    @on(Input.Changed, "#folder")
    def _changed(self) -> None:
        self._check()

    @on(Input.Submitted, "#folder")
    @on(Button.Pressed, "#extract-start")
    def _start(self) -> None:
        if self._check():
            self.dismiss(self.chosen)

    @on(Button.Pressed, "#extract-cancel")
    def action_cancel(self) -> None:
        """Close without writing anything."""
        self.dismiss(None)
