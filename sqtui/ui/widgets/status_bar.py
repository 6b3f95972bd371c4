"""The top line: account, plan, service health, last refresh, and the stale mark."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from sqtui.api.errors import ApiError
from sqtui.display import age_text, printable


class StatusBar(Static):
    """``sqtui · Acme Ltd (standard-4) · API online · refreshed 12 s ago``.

    Each fact is a reactive: setting one redraws the line.
    """

    account_name: reactive[str] = reactive("")
    plan: reactive[str] = reactive("")
    service: reactive[str] = reactive("")
    refreshed_at: reactive[datetime | None] = reactive(None)
    stale: reactive[bool] = reactive(False)
    stale_reason: reactive[str] = reactive("")
    read_only: reactive[bool] = reactive(False)
    demo: reactive[bool] = reactive(False)
    paused_until: reactive[datetime | None] = reactive(None)
    now: reactive[datetime | None] = reactive(None)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("sqtui · connecting…", id=id, markup=False)

    def refresh_failed(self, error: ApiError, have_data: bool) -> None:
        """A refresh failed: say how the API fails, and mark what is shown as stale."""
        if error.is_network_error:
            self.service = "unreachable"
        elif error.is_server_error or error.is_invalid_response:
            self.service = "failing"
        if have_data:
            self.stale_reason = error.code
            self.stale = True

    def render(self) -> Text:
        """The line, from the current facts."""
        now = self.now
        line = Text("sqtui", style="bold")
        if self.demo:
            line.append(" [demo]")
        if not self.account_name:
            line.append(" · connecting…")
        else:
            line.append(" · ")
            line.append(printable(self.account_name))
            if self.plan:
                line.append(f" ({printable(self.plan)})")
        if self.service:
            style = "" if self.service == "online" else "bold"
            line.append(" · API ")
            line.append(printable(self.service), style=style)
        if self.refreshed_at is not None and now is not None:
            line.append(f" · refreshed {age_text(self.refreshed_at, now)} ago")
        if self.read_only:
            line.append(" · READ-ONLY", style="bold")
        if self.paused_until is not None and now is not None and self.paused_until > now:
            line.append(" · RATE LIMITED, polling paused", style="bold reverse")
        if self.stale:
            line.append(" · STALE", style="bold reverse")
            if self.stale_reason:
                line.append(f" ({printable(self.stale_reason)})")
        return line

    def watch_stale(self, stale: bool) -> None:
        self.set_class(stale, "-stale")
