"""Time travel (``t``): a dialog for a moment (``14:00``, ``2h ago``, ``yesterday 03:00``…),
then the cursor on the newest snapshot taken at or before it.

What is typed is read by :func:`~sqtui.domain.moment.parse_moment` and the snapshot
picked by :func:`~sqtui.domain.moment.newest_at_or_before`: the same rules as the
scripts' ``--before``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from sqtui.api.models import Resource
from sqtui.display import printable, shown_name
from sqtui.domain.moment import (
    newest_at_or_before,
    nothing_before_text,
    parse_moment,
    picked_text,
)

if TYPE_CHECKING:
    from sqtui.ui.screens.main import MainScreen

PLACEHOLDER = "14:00 · 2h ago · yesterday 03:00 · 2026-11-23T03:00Z · now"


class MomentDialog(ModalScreen[datetime | None]):
    """Ask for a moment; ``enter`` answers it (or says why not), ``escape`` cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="close without moving", id="cancel")]

    def __init__(self, resource: Resource, now: Callable[[], datetime]) -> None:
        super().__init__()
        self.resource = resource
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="moment"):
            yield Static(Text("Time travel", style="bold"), classes="title")
            yield Static(
                Text(
                    f"Select the newest snapshot of {printable(self.resource.name)} "
                    "taken at or before:"
                )
            )
            yield Input(placeholder=PLACEHOLDER, id="moment-text", compact=True)
            yield Static("", id="moment-error", classes="error")
            yield Static(
                Text(
                    "Local time unless an offset or Z is given. enter selects, escape cancels.",
                    style="dim",
                )
            )

    def on_mount(self) -> None:
        self.query_one("#moment-text", Input).focus()

    @on(Input.Changed, "#moment-text")
    def _typing(self) -> None:
        self.query_one("#moment-error", Static).update("")

    @on(Input.Submitted, "#moment-text")
    def _submitted(self, event: Input.Submitted) -> None:
        try:
            moment = parse_moment(event.value, self.now())
        except ValueError as error:
            # The dialog stays open: the sentence says which forms are read.
            self.query_one("#moment-error", Static).update(Text(str(error)))
            return
        self.dismiss(moment)

    def action_cancel(self) -> None:
        """Close without moving the cursor."""
        self.dismiss(None)


def travel_to(screen: MainScreen, resource: Resource, moment: datetime) -> None:
    """Put the table's cursor on ``resource``'s newest snapshot taken by ``moment``."""
    name = shown_name(resource.name)
    if screen.current is None or screen.current.id != resource.id:
        screen.notify(
            f"{name} is no longer selected; press t again.", severity="warning", markup=False
        )
        return
    if screen.session.listings.get(resource.id) is None:
        screen.notify(
            f"The snapshots of {name} are still loading; press t again in a moment.",
            severity="warning",
            markup=False,
        )
        return
    shown = screen.table.snapshots
    picked = newest_at_or_before(shown, moment)
    if picked is None:
        screen.notify(
            nothing_before_text(name, shown, moment),
            title="Time travel",
            severity="warning",
            markup=False,
        )
        return
    screen.table.follow(picked.version_id)
    screen.table.focus()
    keys = "d downloads it" if screen.session.read_only else "r restores it, d downloads it"
    screen.notify(
        f"Selected {picked_text(picked, moment)}: {keys}.",
        title=f"Time travel · {name}",
        markup=False,
    )
