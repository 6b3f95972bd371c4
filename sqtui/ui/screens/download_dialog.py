"""The download dialog: where the file goes, its name, its size and the free space."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from sqtui.api.models import Resource, Snapshot
from sqtui.display import age_text, local_time, printable, size_text
from sqtui.domain.download import absolute, space_check
from sqtui.domain.filenames import snapshot_filename

ResultT = TypeVar("ResultT")


@dataclass(frozen=True)
class DownloadChoice:
    """What the user confirmed: the final path of the file."""

    path: Path


class FolderDialog(ModalScreen[ResultT | None]):
    """A dialog that downloads into a folder typed in it: the field, a line saying the
    free space or why not there, Download and Cancel. ``enter`` starts, ``escape`` cancels.

    A subclass composes its facts, then :meth:`folder_fields`, and gives two functions:
    ``verdict`` says why the download cannot go to :attr:`folder` (empty if it can) and
    the line shown when it can (the free space); ``chosen`` is what the dialog returns
    once the folder will do.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel")]

    def __init__(
        self,
        directory: Path,
        *,
        verdict: Callable[[], tuple[str, Text]],
        chosen: Callable[[], ResultT],
    ) -> None:
        super().__init__()
        self.directory = directory
        self._verdict = verdict
        self._chosen = chosen

    def folder_fields(self) -> ComposeResult:
        """The folder field, the free-space line and the buttons."""
        yield Static(Text("Save in", style="dim"), classes="label")
        yield Input(str(self.directory), id="directory", compact=True)
        yield Static("", id="space")
        with Horizontal(classes="buttons"):
            yield Button("Download", variant="primary", id="start")
            yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#directory", Input).focus()
        self._check()

    @property
    def typed(self) -> str:
        """The folder as typed, without surrounding blanks."""
        return self.query_one("#directory", Input).value.strip()

    @property
    def folder(self) -> Path:
        """The folder typed so far, absolute (``~`` expanded)."""
        return absolute(Path(self.typed or "."))

    def _check(self) -> bool:
        """Say whether the download can start there, and why not; returns the verdict."""
        space = self.query_one("#space", Static)
        start = self.query_one("#start", Button)
        if not self.typed:
            # An empty field would mean "wherever sqtui was started from": never guess.
            problem, line = "Choose a folder to save in (for example ~/backups).", Text()
        else:
            problem, line = self._verdict()
        space.update(Text(problem) if problem else line)
        space.set_class(bool(problem), "error")
        start.disabled = bool(problem)
        return not problem

    @on(Input.Changed, "#directory")
    def _directory_changed(self) -> None:
        self._check()

    @on(Input.Submitted, "#directory")
    @on(Button.Pressed, "#start")
    def _start(self) -> None:
        if self._check():
            self.dismiss(self._chosen())

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close without downloading."""
        self.dismiss(None)


def free_space_line(free: int, partial: int) -> Text:
    """``Free space: 78.7 GiB · resumes a partial download (12.0 MiB)``."""
    line = Text(f"Free space: {size_text(free)}", style="dim")
    if partial:
        line.append(f" · resumes a partial download ({size_text(partial)})", style="dim")
    return line


class DownloadDialog(FolderDialog[DownloadChoice]):
    """Confirm a download: where the file goes, its name, its size and the free space."""

    def __init__(
        self, resource: Resource, snapshot: Snapshot, directory: Path, now: datetime
    ) -> None:
        super().__init__(directory, verdict=self._room, chosen=self._path)
        self.resource = resource
        self.snapshot = snapshot
        self.now = now
        self.filename = snapshot_filename(resource.name, snapshot)

    def compose(self) -> ComposeResult:
        snap = self.snapshot
        facts = Table.grid(padding=(0, 2))
        facts.add_column(style="dim", no_wrap=True)
        facts.add_column()
        facts.add_row(
            "Resource", Text(f"{printable(self.resource.name)} ({self.resource.kind.label})")
        )
        facts.add_row(
            "Snapshot",
            Text(
                f"{local_time(snap.modified)} ({age_text(snap.modified, self.now)} ago)"
                f" · {snap.origin} · version {printable(snap.short_version)}"
            ),
        )
        facts.add_row("Size", Text(size_text(snap.size)))
        facts.add_row("File name", Text(self.filename))
        with Vertical(classes="dialog", id="download"):
            yield Static(Text("Download snapshot", style="bold"), classes="title")
            yield Static(facts)
            yield from self.folder_fields()

    @property
    def target(self) -> Path:
        """The final path for the folder typed so far, absolute (``~`` expanded)."""
        return self.folder / self.filename

    def _room(self) -> tuple[str, Text]:
        """Room for the file (resuming its ``.part``), and no file of its name there."""
        target = self.target
        try:
            # The engine's own rule: the bytes still to write plus the margin it keeps.
            check = space_check(self.snapshot.size, target)
        except OSError as error:
            return f"That folder cannot be used: {error.strerror or error}.", Text()
        if target.parent.exists() and not target.parent.is_dir():
            problem = "That path is a file, not a folder."
        elif target.exists():
            problem = "A file with this name is already there; it will not be overwritten."
        else:
            problem = check.problem() or ""
        return problem, free_space_line(check.free, check.partial)

    def _path(self) -> DownloadChoice:
        """The final path."""
        return DownloadChoice(self.target)
