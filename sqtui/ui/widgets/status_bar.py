"""The top line: account, plan, service health, last refresh, and the stale mark."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from sqtui.display import age_text, printable


class StatusBar(Static):
    """``sqtui · Acme Ltd (standard-4) · API online · refreshed 12 s ago``."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("sqtui · connecting…", id=id, markup=False)
        self.account_name = ""
        self.plan = ""
        self.service = ""
        self.refreshed_at: datetime | None = None
        self.stale = False
        self.stale_reason = ""
        self.read_only = False
        self.demo = False
        self.paused_until: datetime | None = None

    def redraw(self, now: datetime) -> None:
        """Redraw with the time ``now`` (for the refresh age)."""
        line = Text("sqtui", style="bold")
        if self.demo:
            line.append(" [demo]")
        if self.account_name:
            line.append(" · ")
            line.append(printable(self.account_name))
            if self.plan:
                line.append(f" ({printable(self.plan)})")
        if self.service:
            style = "" if self.service == "online" else "bold"
            line.append(" · API ")
            line.append(printable(self.service), style=style)
        if self.refreshed_at is not None:
            line.append(f" · refreshed {age_text(self.refreshed_at, now)} ago")
        if self.read_only:
            line.append(" · READ-ONLY", style="bold")
        if self.paused_until is not None and self.paused_until > now:
            line.append(" · RATE LIMITED, polling paused", style="bold reverse")
        if self.stale:
            line.append(" · STALE", style="bold reverse")
            if self.stale_reason:
                line.append(f" ({printable(self.stale_reason)})")
        self.set_class(self.stale, "-stale")
        self.update(line)
