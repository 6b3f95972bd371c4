"""The daily quota gauge: used / allowance, a bar, and when the next slot frees."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from sqtui.display import in_text
from sqtui.domain.quota import QuotaStatus


class QuotaGauge(Static):
    """One line; its CSS class (``-ok``, ``-warn``, ``-full``) sets the colour."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Snapshots today: loading…", id=id, markup=False)
        self.status: QuotaStatus | None = None

    def show(self, status: QuotaStatus, now: datetime, width: int | None = None) -> None:
        """Draw ``status`` as of ``now``."""
        self.status = status
        self.set_class(not status.exhausted and status.fraction < 0.75, "-ok")
        self.set_class(not status.exhausted and status.fraction >= 0.75, "-warn")
        self.set_class(status.exhausted, "-full")
        bar_width = max(6, min(24, (width or self.size.width or 60) - 44))
        filled = round(status.fraction * bar_width)
        line = Text("Snapshots today ")
        line.append("█" * filled)
        line.append("░" * (bar_width - filled), style="dim")
        line.append(f"  {status.used} / {status.allowance}")
        if status.exhausted_by_server:
            line.append(" · limit reached (server)", style="bold")
        elif status.exhausted:
            line.append(" · limit reached", style="bold")
        if status.next_slot_at is not None:
            label = "next slot" if status.exhausted else "frees"
            line.append(f" · {label} in {in_text(status.next_slot_at - now)}")
        self.update(line)
