"""The top line: account, plan, service health, last refresh, and the stale mark."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from sqtui.api.errors import ApiError
from sqtui.display import age_text, printable, shorten


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
        """The line, from the current facts, fitted to the width by priority."""
        return self.line(self.content_size.width or self.size.width or 200)

    def line(self, width: int) -> Text:
        """The line fitted to ``width`` cells: the state words (read-only, rate limited,
        stale) are never cut; the refresh age, the plan, a healthy API and the account
        name give way first."""
        now = self.now
        states: list[tuple[str, str]] = []
        if self.read_only:
            states.append(("READ-ONLY", "bold"))
        if self.paused_until is not None and now is not None and self.paused_until > now:
            states.append(("RATE LIMITED, polling paused", "bold reverse"))
        if self.stale:
            reason = f" ({printable(self.stale_reason)})" if self.stale_reason else ""
            states.append((f"STALE{reason}", "bold reverse"))
        refreshed = ""
        if self.refreshed_at is not None and now is not None:
            refreshed = f"refreshed {age_text(self.refreshed_at, now)} ago"
        service = printable(self.service)
        healthy = self.service == "online"
        variants = [
            (refreshed, True, True, states),
            (refreshed.removeprefix("refreshed "), True, True, states),
            ("", True, True, states),
            ("", False, True, states),
            ("", False, not healthy, states),
            ("", False, not healthy, [(_short_state(t), st) for t, st in states]),
        ]
        line = Text()
        for age, plan, api, shown in variants:
            line = self._assemble(age, plan, api, service, shown, None)
            if line.cell_len <= width:
                return line
        # Still too long: the account name gives way, the state words stay whole.
        age, plan, api, shown = variants[-1]
        fixed = self._assemble(age, plan, api, service, shown, 0).cell_len
        return self._assemble(age, plan, api, service, shown, max(1, width - fixed))

    def _assemble(
        self,
        age: str,
        plan: bool,
        api: bool,
        service: str,
        states: list[tuple[str, str]],
        name_width: int | None,
    ) -> Text:
        line = Text("sqtui", style="bold")
        if self.demo:
            line.append(" [demo]")
        if not self.account_name:
            line.append(" · connecting…")
        else:
            name = printable(self.account_name)
            if name_width is not None:
                name = shorten(name, name_width)
            line.append(" · ")
            line.append(name)
            if plan and self.plan:
                line.append(f" ({printable(self.plan)})")
        if api and service:
            line.append(" · API ")
            line.append(service, style="" if self.service == "online" else "bold")
        if age:
            line.append(f" · {age}")
        for text, style in states:
            line.append(" · ")
            line.append(text, style=style)
        return line

    def watch_stale(self, stale: bool) -> None:
        self.set_class(stale, "-stale")


def _short_state(text: str) -> str:
    """A state word without its explanation: ``RATE LIMITED``, ``STALE``."""
    return text.split(",")[0].split(" (")[0]
