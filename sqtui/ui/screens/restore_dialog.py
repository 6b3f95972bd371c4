"""The restore dialog: what is replaced by what, a safety snapshot, the typed name.

Whether a safety snapshot can be taken changes while the dialog is open (a cooldown
runs out): it is asked again every second, and the box follows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Static

from sqtui.api.models import Resource, Snapshot
from sqtui.display import age_text, local_time, printable, size_text
from sqtui.domain.flows.restore import confirms_restore


@dataclass(frozen=True)
class RestoreChoice:
    """The user confirmed; with or without a safety snapshot first."""

    safety_snapshot: bool


class RestoreDialog(ModalScreen[RestoreChoice | None]):
    """Confirm a destructive restore by typing the resource's name."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel")]
    DEFAULT_CSS = """
    RestoreDialog #restore-facts {
        height: auto;
        max-height: 12;
    }
    """

    def __init__(
        self,
        resource: Resource,
        snapshot: Snapshot,
        now: datetime,
        *,
        safety_blocked: str = "",
        recheck: Callable[[], str] | None = None,
    ) -> None:
        super().__init__()
        self.resource = resource
        self.snapshot = snapshot
        self.now = now
        self.safety_blocked = safety_blocked
        # Why a safety snapshot cannot be taken now ("" when it can), asked each second.
        self.recheck = recheck

    @property
    def expected(self) -> str:
        """What must be typed: the name as shown (control characters escaped)."""
        return printable(self.resource.name)

    def compose(self) -> ComposeResult:
        resource, snap = self.resource, self.snapshot
        name = printable(resource.name)
        kind = resource.kind.label + (f", {resource.detail}" if resource.detail else "")
        facts = Table.grid(padding=(0, 2))
        facts.add_column(style="dim", no_wrap=True)
        facts.add_column(overflow="fold")
        facts.add_row("Replace", Text(f"{name} ({printable(kind)}), its current state"))
        facts.add_row(
            "With",
            Text(
                f"the snapshot of {local_time(snap.modified)} "
                f"({age_text(snap.modified, self.now)} ago)"
            ),
        )
        facts.add_row(
            "",
            Text(
                f"{size_text(snap.size)} · {snap.origin} · version {printable(snap.short_version)}"
            ),
        )
        with Vertical(classes="dialog", id="restore"):
            yield Static(
                Text("Restore snapshot: this is destructive", style="bold"), classes="title"
            )
            # A long name is shown whole (it is what must be typed); the facts scroll
            # rather than push the buttons off the screen.
            with VerticalScroll(id="restore-facts", can_focus=False):
                yield Static(facts, id="facts")
                yield Static(
                    Text(
                        f"Everything {name} holds now is replaced by this snapshot. "
                        f"The {resource.kind.label} restarts; a restore takes about a minute."
                    ),
                    classes="warning-text",
                )
            yield Checkbox(
                "Take a safety snapshot first",
                value=not self.safety_blocked,
                disabled=bool(self.safety_blocked),
                id="safety",
                compact=True,
            )
            yield Static(self._blocked_text(), classes="note", id="safety-note")
            yield Static(Text("Type the name to confirm:"), classes="label")
            yield Input(placeholder=name, id="confirm-name", compact=True)
            with Horizontal(classes="buttons"):
                yield Button("Restore", variant="error", id="restore-button", disabled=True)
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#confirm-name", Input).focus()
        self.query_one("#safety-note").display = bool(self.safety_blocked)
        if self.recheck is not None:
            self.set_interval(1.0, self.recheck_safety)

    def _blocked_text(self) -> Text:
        return Text(f"Not possible now: {self.safety_blocked}" if self.safety_blocked else "")

    def recheck_safety(self) -> None:
        """Ask again whether a safety snapshot can be taken; count down, or allow it."""
        if self.recheck is None:
            return
        blocked = self.recheck()
        if blocked == self.safety_blocked:
            return
        was_blocked = bool(self.safety_blocked)
        self.safety_blocked = blocked
        note = self.query_one("#safety-note", Static)
        note.update(self._blocked_text())
        note.display = bool(blocked)
        if was_blocked == bool(blocked):
            return  # only the countdown moved
        safety = self.query_one("#safety", Checkbox)
        safety.disabled = bool(blocked)
        # Allowed now: on, as it would have been had the dialog opened now (the user
        # could not have turned it off while it was disabled).
        safety.value = not blocked

    @property
    def name_matches(self) -> bool:
        """True once the typed text is the resource's name as shown (or as stored)."""
        return confirms_restore(self.resource, self.query_one("#confirm-name", Input).value)

    @on(Input.Changed, "#confirm-name")
    def _typed(self) -> None:
        self.query_one("#restore-button", Button).disabled = not self.name_matches

    @on(Input.Submitted, "#confirm-name")
    @on(Button.Pressed, "#restore-button")
    def _confirm(self) -> None:
        if not self.name_matches:
            self.notify("Type the exact name of the resource to confirm.", severity="warning")
            return
        safety = self.query_one("#safety", Checkbox)
        self.dismiss(RestoreChoice(safety_snapshot=safety.value and not safety.disabled))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close without restoring."""
        self.dismiss(None)
