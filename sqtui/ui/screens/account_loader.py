"""Loading the account for the main screen: the cached view first, then the API.

Refreshes and listings run in exclusive workers of the screen, so a newer one
cancels an older one still waiting; failures mark what is shown as stale.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import timedelta
from typing import TYPE_CHECKING

from textual.css.query import NoMatches
from textual.worker import Worker

from sqtui.api.errors import ApiError
from sqtui.api.models import Resource
from sqtui.display import shown_name

if TYPE_CHECKING:
    from sqtui.ui.screens.main import MainScreen

# A listing this recent is shown as it is when its resource is selected again.
FRESH_LISTING_SECONDS = 2.0
# How long a cold start keeps the panes hidden waiting for the first listing.
FIRST_FRAME_WAIT = 0.3
# The account-wide listings behind the quota have their own rate limit.
QUOTA_REFRESH = timedelta(minutes=10)


class AccountLoader:
    """Loads what the main screen shows and hands it to its widgets."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.session = screen.session
        # Resources whose listing is being fetched now (never asked twice at once),
        # and the one the latest listing worker is for.
        self._fetching: set[str] = set()
        self._wanted: str | None = None
        # When each resource's listing last arrived (monotonic seconds).
        self._arrived: dict[str, float] = {}
        # False from a refresh's start until its running states and quota are in.
        self.settled = False

    def start(self) -> None:
        """Show the cached view at once (stale), then ask the API.

        Without a cached view, the panes stay hidden until the first listing is in,
        or :data:`FIRST_FRAME_WAIT` has passed: a fast API's answer is drawn once,
        in full, instead of after a frame of empty panes.
        """
        if not self._show_cached_view():
            self._panes(shown=False)
            self.screen.set_timer(FIRST_FRAME_WAIT, self._reveal)
        self.refresh()

    def _panes(self, *, shown: bool) -> None:
        self.screen.query_one("#body").display = shown
        self.screen.query_one("#loading").display = not shown

    def _reveal(self) -> None:
        """Show the panes (once the first listing is in, or after the wait)."""
        with contextlib.suppress(NoMatches):
            if not self.screen.query_one("#body").display:
                self._panes(shown=True)
                sidebar = self.screen.sidebar
                # The list, unless "/" was pressed meanwhile: focus given to a hidden
                # widget (or to the filter by Textual's auto-focus) did not hold.
                typing = (
                    self.screen.focused is sidebar.filter_input and sidebar.filter_input.can_focus
                )
                if not typing:
                    sidebar.option_list.focus()

    def refresh(self, quota: bool = True) -> None:
        """Reload the account and the selected listing; then running states, service
        health and (``quota``) the quota, which never delay the listing."""
        asked = time.monotonic()

        # A function, not a coroutine: a worker replaced before it started (exclusive)
        # then leaves no coroutine behind that was never awaited.
        async def refresh() -> None:
            await self._refresh(quota, asked)

        _: Worker[None] = self.screen.run_worker(refresh, group="refresh", exclusive=True)

    def listing(self, resource: Resource, settle: float = 0.0) -> None:
        """Fetch one resource's snapshots and show them if it is still selected.

        ``settle`` waits first, so holding ``j`` over a long sidebar sends one request
        for where the cursor stops, not one for every row it passes (a newer call
        cancels this one while it waits). A listing the refresh is fetching already
        is not asked twice.
        """
        arrived = self._arrived.get(resource.id)
        if resource.id == self._wanted or (
            arrived is not None and time.monotonic() - arrived < FRESH_LISTING_SECONDS
        ):
            return
        if resource.id in self._fetching:
            # The refresh is fetching it: a listing waiting for another one is stale.
            self.screen.workers.cancel_group(self.screen, "listing")
            return
        self._wanted = resource.id

        async def listing() -> None:
            await self._listing(resource, settle)

        _: Worker[None] = self.screen.run_worker(listing, group="listing", exclusive=True)

    def refresh_periodically(self) -> None:
        """The timer's refresh: skipped while polling is paused; the quota every 10 min."""
        if self.session.polling_paused_for() is None:
            loaded = self.session.quota_loaded_at
            stale = loaded is None or self.session.now() - loaded >= QUOTA_REFRESH
            self.refresh(quota=stale)

    def _show_cached_view(self) -> bool:
        """Show the last good view at once, marked stale, while the API answers."""
        saved_at = self.session.load_cached()
        account = self.session.account
        if saved_at is None or account is None:
            return False
        self._show_account(stale="cached")
        self.screen.status.refreshed_at = saved_at
        selected = self.screen.sidebar.highlighted_resource
        if selected is not None:
            # Asked at once, beside /users/me: the cached rows are replaced a round
            # trip sooner.
            self.listing(selected)
        return True

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

    async def _refresh(self, quota: bool, asked: float) -> None:
        self.settled = False
        # The critical path: the account, then the selected resource's listing. What
        # only adds to that screen (running dots, service health, the quota's
        # account-wide listings) is asked once the listing is shown.
        try:
            await self.session.load_account()
        except ApiError as error:
            self.settled = True
            self._reveal()
            with contextlib.suppress(NoMatches):
                self.screen.report(error, "Refresh failed")
                self.screen.status.refresh_failed(error, self.session.overview is not None)
            return
        self._show_account()
        self.screen.pending_watch.watch_saved()
        selected = self.screen.sidebar.highlighted_resource
        if (
            selected is not None
            and selected.id not in self._fetching | {self._wanted}
            and self._arrived.get(selected.id, asked - 1) < asked
        ):
            # (With a cached view, it was asked for beside /users/me already.)
            await self._fetch(selected)
        self._reveal()
        # Once the listing is on screen: nothing competes with drawing it.
        self.screen.call_after_refresh(self._start_extras, quota)

    def _start_extras(self, quota: bool) -> None:
        self.session.save_view()

        async def extras() -> None:
            await self._extras(quota)

        _: Worker[None] = self.screen.run_worker(extras, group="extras", exclusive=True)

    async def _extras(self, quota: bool) -> None:
        try:
            overview = await self.session.load_extras(quota=quota)
        except ApiError as error:
            self.screen.report(error, "Refresh failed")
            return
        finally:
            self.settled = True
        # The app may be closing meanwhile, its widgets gone.
        with contextlib.suppress(NoMatches):
            self.screen.status.service = overview.service.status if overview.service else ""
            self._show_account()
        self.session.save_view()

    async def _listing(self, resource: Resource, settle: float) -> None:
        try:
            if settle:
                await asyncio.sleep(settle)
            await self._fetch(resource)
        finally:
            if self._wanted == resource.id:
                self._wanted = None
        self.session.save_view()

    async def _fetch(self, resource: Resource) -> None:
        self._fetching.add(resource.id)
        try:
            await self.session.list_snapshots(resource)
        except ApiError as error:
            self.screen.report(error, f"Snapshots of {shown_name(resource.name)}")
            return
        finally:
            self._fetching.discard(resource.id)
        self._arrived[resource.id] = time.monotonic()
        self.screen.show_snapshots()
        self._reveal()
