"""The two questions a batch asks: snapshot the marked resources, download their newest.

Both only show what the domain worked out (:class:`~sqtui.domain.flows.batch.BatchPlan`,
:class:`~sqtui.domain.flows.newest.BatchDownload`) and return the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from sqtui.display import age_text, local_time, seconds_text, shown_name, size_text
from sqtui.domain.flows.batch import BatchPlan
from sqtui.domain.flows.newest import BatchDownload, NewestPick, plan_downloads
from sqtui.ui.screens.download_dialog import FolderDialog, free_space_line

# Rows listed in a dialog; more are counted, not listed (``* `` may mark hundreds).
LISTED = 8
NAME_WIDTH = 40


def _more(rows: Table, hidden: int) -> None:
    if hidden > 0:
        rows.add_row("", Text(f"… and {hidden} more", style="dim"), "")


class BatchCreateDialog(ModalScreen[bool]):
    """``n`` on marked resources: what will be sent, in which order, and what the quota
    leaves out. ``enter`` sends, ``escape`` cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel")]

    def __init__(self, plan: BatchPlan, pace_seconds: float, now: datetime) -> None:
        super().__init__()
        self.plan = plan
        self.pace_seconds = pace_seconds
        self.now = now

    def compose(self) -> ComposeResult:
        plan = self.plan
        fits = plan.fits
        rows = Table.grid(padding=(0, 2))
        rows.add_column(style="dim", justify="right", no_wrap=True)
        rows.add_column(no_wrap=True, overflow="ellipsis")
        rows.add_column(style="dim", no_wrap=True)
        for number, resource in enumerate(fits[:LISTED], 1):
            rows.add_row(f"{number}.", shown_name(resource.name, NAME_WIDTH), resource.kind.label)
        _more(rows, len(fits) - LISTED)
        for resource in plan.left_out[:LISTED]:
            rows.add_row(
                Text("✗", style="bold"),
                shown_name(resource.name, NAME_WIDTH),
                f"{resource.kind.label}, left out",
            )
        _more(rows, len(plan.left_out) - LISTED)
        took = seconds_text(round(self.pace_seconds * (len(fits) - 1)))
        pace = seconds_text(round(self.pace_seconds))
        how = (
            f"One at a time, in this order, at least {pace} apart (about {took} in all), "
            "so the API's cooldown is never hit. A resource in its own cooldown goes last."
            if len(fits) > 1
            else "One create, checked against the cooldowns first."
        )
        with Vertical(classes="dialog", id="batch-create"):
            yield Static(
                Text(f"Snapshot {len(fits)} of {len(plan.resources)} marked", style="bold")
                if plan.left_out
                else Text(f"Snapshot {len(fits)} marked", style="bold"),
                classes="title",
            )
            yield Static(rows, id="batch-rows")
            yield Static(Text(how, style="dim"), id="batch-how")
            yield Static(
                Text(plan.sentence(self.now), style="" if plan.left_out else "dim"),
                id="batch-quota",
                classes="error" if plan.left_out else "",
            )
            with Horizontal(classes="buttons"):
                yield Button(f"Send {len(fits)}", variant="primary", id="send")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#send", Button).focus()

    @on(Button.Pressed, "#send")
    def _send(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close without sending anything."""
        self.dismiss(False)


class BatchDownloadDialog(FolderDialog[BatchDownload]):
    """``d`` on marked resources: the newest snapshot of each, where they go, the room
    they need. ``enter`` starts them, ``escape`` cancels."""

    def __init__(self, picks: Sequence[NewestPick], directory: Path, now: datetime) -> None:
        super().__init__(directory, verdict=self._room, chosen=lambda: self.plan)
        self.picks = tuple(picks)
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="batch-download"):
            yield Static(
                Text(f"Download the newest snapshot of {len(self.picks)} marked", style="bold"),
                classes="title",
            )
            yield Static("", id="batch-rows")
            yield Static("", id="batch-notes")
            yield from self.folder_fields()

    @property
    def plan(self) -> BatchDownload:
        """What would be downloaded into the folder typed so far."""
        return plan_downloads(self.picks, self.folder)

    def _show(self, plan: BatchDownload) -> None:
        rows = Table.grid(padding=(0, 2))
        rows.add_column(no_wrap=True, overflow="ellipsis")
        rows.add_column(style="dim", no_wrap=True)
        rows.add_column(justify="right", no_wrap=True)
        for fetch in plan.fetches[:LISTED]:
            snap = fetch.snapshot
            rows.add_row(
                shown_name(fetch.resource.name, NAME_WIDTH),
                f"{local_time(snap.modified)} ({age_text(snap.modified, self.now)} ago)",
                size_text(snap.size),
            )
        _more(rows, len(plan.fetches) - LISTED)
        if len(plan.fetches) > 1:
            rows.add_row(Text("in all", style="dim"), "", Text(size_text(plan.total), "bold"))
        self.query_one("#batch-rows", Static).update(rows)
        notes = self.query_one("#batch-notes", Static)
        notes.update(Text(" ".join(plan.notes())))
        notes.display = bool(plan.notes())

    def _room(self) -> tuple[str, Text]:
        """Room for all of them, resuming partial files; files already there are kept."""
        plan = self.plan
        self._show(plan)
        start = self.query_one("#start", Button)
        start.label = f"Download {len(plan.fetches)}" if plan.fetches else "Download"
        try:
            check = plan.space()
        except OSError as error:
            return f"That folder cannot be used: {error.strerror or error}.", Text()
        if plan.directory.exists() and not plan.directory.is_dir():
            problem = "That path is a file, not a folder."
        elif not plan.fetches:
            problem = "Nothing to download there."
        else:
            problem = check.problem() or ""
        return problem, free_space_line(check.free, check.partial)
