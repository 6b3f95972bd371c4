"""Loading the account for the main screen: the cached view first, then the API.

Refreshes and listings run in exclusive workers of the screen, so a newer one
cancels an older one still waiting; failures mark what is shown as stale.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

from sqtui.api.errors import ApiError
from sqtui.api.models import Resource
from sqtui.display import shown_name

if TYPE_CHECKING:
    from sqtui.ui.screens.main import MainScreen

# The account-wide listings behind the quota have their own rate limit.
QUOTA_REFRESH = timedelta(minutes=10)


class AccountLoader:
    """Loads what the main screen shows and hands it to its widgets."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.session = screen.session

    def start(self) -> None:
        """Show the cached view at once (stale), then ask the API."""
        self._show_cached_view()
        self.refresh()

    def refresh(self, quota: bool = True) -> None:
        """Reload the account, running states, service health and (``quota``) the quota."""
        self.screen.run_worker(self._refresh(quota), group="refresh", exclusive=True)

    def listing(self, resource: Resource, settle: float = 0.0) -> None:
        """Fetch one resource's snapshots and show them if it is still selected.

        ``settle`` waits first, so holding ``j`` over a long sidebar sends one request
        for where the cursor stops, not one for every row it passes (a newer call
        cancels this one while it waits).
        """
        self.screen.run_worker(self._listing(resource, settle), group="listing", exclusive=True)

    def refresh_periodically(self) -> None:
        """The timer's refresh: skipped while polling is paused; the quota every 10 min."""
        if self.session.polling_paused_for() is None:
            loaded = self.session.quota_loaded_at
            stale = loaded is None or self.session.now() - loaded >= QUOTA_REFRESH
            self.refresh(quota=stale)

    def _show_cached_view(self) -> None:
        """Show the last good view at once, marked stale, while the API answers."""
        saved_at = self.session.load_cached()
        account = self.session.account
        if saved_at is None or account is None:
            return
        self._show_account(stale="cached")
        self.screen.status.refreshed_at = saved_at

    def _show_account(self, stale: str = "") -> None:
        overview = self.session.overview
        if overview is None:
            return
        status = self.screen.status
        status.now = self.session.now()
        user = overview.account.user
        status.account_name = user.name or user.email or user.id
        status.plan = user.plan.name
        status.refreshed_at = overview.refreshed_at
        status.stale_reason = stale
        status.stale = bool(stale)
        resources = overview.account.resources
        first = self.screen.current is None
        self.screen.sidebar.show(resources, overview.statuses, self.screen.restores.running)
        remembered = self.session.selected_id
        if first and remembered and any(r.id == remembered for r in resources):
            # Where this profile was last time: the resource last viewed.
            self.screen.sidebar.select(remembered)
        self.screen.show_quota()

    async def _refresh(self, quota: bool) -> None:
        try:
            overview = await self.session.load_overview(quota=quota)
        except ApiError as error:
            self.screen.report(error, "Refresh failed")
            self.screen.status.refresh_failed(error, self.session.overview is not None)
            return
        self.screen.status.service = overview.service.status if overview.service else ""
        self._show_account()
        self.session.save_view()
        self.screen.pending_watch.watch_saved()
        if self.screen.current is not None:
            self.listing(self.screen.current)

    async def _listing(self, resource: Resource, settle: float) -> None:
        if settle:
            await asyncio.sleep(settle)
        try:
            await self.session.list_snapshots(resource)
        except ApiError as error:
            self.screen.report(error, f"Snapshots of {shown_name(resource.name)}")
            return
        self.screen.show_snapshots()
        self.session.save_view()
