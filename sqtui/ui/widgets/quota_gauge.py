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
        self._now = datetime.now().astimezone()

    def show(self, status: QuotaStatus, now: datetime, width: int | None = None) -> None:
        """Draw ``status`` as of ``now``, fitted to the width (the counts and the state
        are never cut: the label and the bar give way first)."""
        self.status = status
        self._now = now
        self.set_class(not status.exhausted and status.fraction < 0.75, "-ok")
        self.set_class(not status.exhausted and status.fraction >= 0.75, "-warn")
        self.set_class(status.exhausted, "-full")
        self.update(gauge_line(status, now, width or self.content_size.width or 60))

    def on_resize(self) -> None:
        if self.status is not None:
            self.update(gauge_line(self.status, self._now, self.content_size.width or 60))


def gauge_line(status: QuotaStatus, now: datetime, width: int) -> Text:
    """``Snapshots today ████░░  9 / 32 · frees in 3 h 10 min``, fitted to ``width``."""
    counts = f"{status.used} / {status.allowance}"
    if status.exhausted_by_server and status.used < status.allowance:
        # The server said so; our count does not explain it: say both.
        verdicts = ["used up (server said so)", "used up (server)"]
        counts = f"{counts} counted"
    elif status.exhausted_by_server:
        verdicts = ["limit reached (server)", "used up (server)"]
    elif status.exhausted:
        verdicts = ["limit reached", "used up"]
    else:
        verdicts = [""]
    nexts = [""]
    if status.next_slot_at is not None:
        span = in_text(status.next_slot_at - now)
        label = "next slot" if status.exhausted else "frees"
        nexts = [f"{label} in {span}", f"{label} {span}", span]
    tails = []
    for verdict in verdicts:
        for when in nexts:
            tails.append(" · ".join(part for part in (counts, verdict, when) if part))
    for label in ("Snapshots today ", "Today ", ""):
        for tail in tails:
            room = width - len(label) - 2 - len(tail)
            if room >= 6 or (label == "" and room >= 0):
                return _drawn(label, min(24, room), status.fraction, tail)
    return Text(tails[-1])


def _drawn(label: str, bar_width: int, fraction: float, tail: str) -> Text:
    line = Text(label)
    if bar_width > 0:
        filled = round(fraction * bar_width)
        line.append("█" * filled)
        line.append("░" * (bar_width - filled), style="dim")
        line.append("  ")
    line.append(tail, style="bold" if "used up" in tail or "limit" in tail else "")
    return line
