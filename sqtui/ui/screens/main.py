"""The main screen: sidebar, snapshot table, quota gauge; creates and pending snapshots."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer, Static

from sqtui.api.errors import ApiError
from sqtui.api.models import Resource, Snapshot
from sqtui.display import in_text, local_time, printable, size_text
from sqtui.domain.account_cache import load_view, save_view
from sqtui.domain.download import DownloadEngine, DownloadError, Progress
from sqtui.domain.history import Action, History, HistoryEntry, Outcome
from sqtui.domain.pending import PendingSnapshot
from sqtui.domain.session import Created, CreateRefused, Session
from sqtui.ui.messages import ResourceHighlighted, ResourceOpened
from sqtui.ui.screens.download_dialog import DownloadChoice, DownloadDialog
from sqtui.ui.screens.history import HistoryScreen
from sqtui.ui.screens.restore_dialog import RestoreChoice, RestoreDialog
from sqtui.ui.widgets.downloads_panel import DownloadsPanel, Transfer
from sqtui.ui.widgets.quota_gauge import QuotaGauge
from sqtui.ui.widgets.sidebar import Sidebar
from sqtui.ui.widgets.snapshot_table import Activity, SnapshotTable
from sqtui.ui.widgets.status_bar import StatusBar

log = logging.getLogger("sqtui.ui")

AUTO_REFRESH_SECONDS = 120.0
LISTING_SETTLE_SECONDS = 0.15
# The account-wide listings behind the quota have their own rate limit.
QUOTA_REFRESH = timedelta(minutes=10)


class MainScreen(Screen[None]):
    """Everything about one account; owns the create flow and the pending watchers."""

    BINDINGS = [
        Binding("n", "new_snapshot", "New"),
        Binding("d", "download", "Download"),
        Binding("r", "restore", "Restore"),
        Binding("y", "copy_url", "URL"),
        Binding("h", "history", "History"),
        Binding("slash", "filter", "Filter"),
        Binding("ctrl+r", "refresh", "Refresh", show=False),
    ]

    def __init__(
        self,
        session: Session,
        *,
        history: History | None = None,
        download_dir: Path | None = None,
        cache_path: Path | None = None,
        demo: bool = False,
        poll_scale: float = 1.0,
        pending_timeout_seconds: float = 15 * 60.0,
    ) -> None:
        super().__init__()
        self.session = session
        self.history = history
        self.cache_path = cache_path
        self.download_dir = download_dir or Path.cwd()
        self.engine = DownloadEngine(session.client)
        self.activity: dict[str, Activity] = {}
        self.restoring: dict[str, str] = {}
        self.demo = demo
        self.poll_scale = poll_scale
        self.pending_timeout_seconds = pending_timeout_seconds
        self.current: Resource | None = None
        self._watched: set[str] = set()
        self._warned_overdue: set[str] = set()

    # -- building ------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Horizontal(id="body"):
            yield Sidebar(id="sidebar")
            with Vertical(id="main"):
                yield Static("", id="title", markup=False)
                yield SnapshotTable(id="snapshots")
                yield DownloadsPanel(id="downloads")
                yield QuotaGauge(id="quota")
        yield Footer(compact=True)

    @property
    def table(self) -> SnapshotTable:
        """The snapshot table."""
        return self.query_one(SnapshotTable)

    @property
    def sidebar(self) -> Sidebar:
        """The resource sidebar."""
        return self.query_one(Sidebar)

    def on_mount(self) -> None:
        status = self.query_one(StatusBar)
        status.read_only = self.session.read_only
        status.demo = self.demo
        self.table.pending_timeout_seconds = self.pending_timeout_seconds
        self.sidebar.filter_input.can_focus = False
        self.session.pending.on_change = self._pending_changed
        self.session.recall_creates(self.history)
        self.sidebar.option_list.focus()
        self.set_interval(1.0, self._tick)
        self.set_interval(AUTO_REFRESH_SECONDS, self._refresh_periodically)
        self._show_cached_view()
        self.refresh_all()

    def _show_cached_view(self) -> None:
        """Show the last good view at once, marked stale, while the API answers."""
        if self.cache_path is None or self.session.overview is not None:
            return
        view = load_view(self.cache_path, self.session.client.base_url)
        if view is None:
            return
        self.session.adopt_cached(view.account, view.listings, view.saved_at)
        status = self.query_one(StatusBar)
        user = view.account.user
        status.account_name = user.name or user.email or user.id
        status.plan = user.plan.name
        status.refreshed_at = view.saved_at
        status.stale = True
        status.stale_reason = "cached"
        status.redraw(self._now())
        self.sidebar.show(view.account.resources, {}, self.restoring)
        self._show_quota()

    def _save_view(self) -> None:
        account = self.session.account
        if self.cache_path is not None and account is not None:
            save_view(
                self.cache_path,
                self.session.client.base_url,
                account,
                self.session.listings,
                self._now(),
            )

    def _now(self) -> datetime:
        return self.session.now()

    # -- loading -------------------------------------------------------------------

    @work(exclusive=True, group="refresh")
    async def refresh_all(self, quota: bool = True) -> None:
        """Reload the account, running states, service health and (``quota``) the quota."""
        status = self.query_one(StatusBar)
        try:
            overview = await self.session.load_overview(quota=quota)
        except ApiError as error:
            if error.is_access_denied:
                self._key_refused(error)
                return
            self._report(error, "Refresh failed")
            if error.is_network_error:
                status.service = "unreachable"
            elif error.is_server_error or error.is_invalid_response:
                status.service = "failing"
            if self.session.overview is not None:
                status.stale = True
                status.stale_reason = error.code
            status.redraw(self._now())
            return
        user = overview.account.user
        status.account_name = user.name or user.email or user.id
        status.plan = user.plan.name
        status.service = overview.service.status if overview.service else ""
        status.refreshed_at = overview.refreshed_at
        status.stale = False
        status.redraw(self._now())
        self.sidebar.show(overview.account.resources, overview.statuses, self.restoring)
        self._show_quota()
        self._save_view()
        self._watch_saved_pending()
        if self.current is not None:
            self.load_listing(self.current)

    @work(exclusive=True, group="listing")
    async def load_listing(self, resource: Resource, settle: float = 0.0) -> None:
        """Fetch one resource's snapshots and show them if it is still selected.

        ``settle`` waits first, so holding ``j`` over a long sidebar sends one request
        for where the cursor stops, not one for every row it passes (a newer call
        cancels this one while it waits).
        """
        if settle:
            await asyncio.sleep(settle)
        try:
            listing = await self.session.list_snapshots(resource)
        except ApiError as error:
            self._report(error, f"Snapshots of {printable(resource.name)}")
            return
        self._apply_listing(resource, listing)
        self._save_view()

    def _apply_listing(self, resource: Resource, listing: list[Snapshot]) -> None:
        self._announce_ready(resource, self.session.resolve_pending(resource, listing))

    def _announce_ready(self, resource: Resource, ready: list[Snapshot]) -> None:
        """Pending snapshots now listed: say so, record them, redraw."""
        for snap in ready:
            self._record("create", "ok", resource, snap, detail="listed after pending")
            self.notify(
                f"Snapshot of {printable(resource.name)} is ready ({size_text(snap.size)}).",
                title="Snapshot ready",
                markup=False,
            )
        self._show_quota()
        if self.current is not None and self.current.id == resource.id:
            self._show_table()

    # The two redraws below also run from workers that finish while the app shuts
    # down (a cancelled create is saved as lost), when the widgets may be gone.

    def _show_table(self) -> None:
        resource = self.current
        if resource is None:
            return
        with contextlib.suppress(NoMatches):
            self.table.show(
                self.session.listings.get(resource.id, []),
                self.session.pending.for_resource(resource.id),
                self._now(),
                self.activity,
            )

    def _show_quota(self) -> None:
        with contextlib.suppress(NoMatches):
            self.query_one(QuotaGauge).show(self.session.quota(), self._now())

    def _pending_changed(self) -> None:
        self._show_table()
        self._show_quota()

    def on_unmount(self) -> None:
        self.session.pending.on_change = None

    @on(ResourceHighlighted)
    def _resource_highlighted(self, event: ResourceHighlighted) -> None:
        resource = event.resource
        self.current = resource
        detail = f"{resource.kind.label} · {resource.ram_mb} MB"
        if resource.detail:
            detail += f" · {resource.detail}"
        title = Text(printable(resource.name), style="bold")
        title.append(f"  ({printable(detail)})", style="dim")
        self.query_one("#title", Static).update(title)
        self._show_table()
        self.load_listing(resource, settle=LISTING_SETTLE_SECONDS)

    @on(ResourceOpened)
    def _resource_opened(self, event: ResourceOpened) -> None:
        self.table.focus()

    def _tick(self) -> None:
        now = self._now()
        status = self.query_one(StatusBar)
        paused = self.session.polling_paused_for()
        status.paused_until = now + paused if paused else None
        status.redraw(now)
        self.table.tick(now)
        for pending in self.session.pending.items:
            key = pending.key
            overdue = pending.elapsed(now).total_seconds() >= self.pending_timeout_seconds
            if overdue and key not in self._warned_overdue:
                self._warned_overdue.add(key)
                self.notify(
                    f"The snapshot of {printable(pending.resource_name)} requested "
                    f"{in_text(pending.elapsed(now))} ago is not listed yet. It was not "
                    "sent again; sqtui keeps watching the listing.",
                    title="Not seen yet",
                    severity="warning",
                    markup=False,
                )

    def _refresh_periodically(self) -> None:
        if self.session.polling_paused_for() is None:
            loaded = self.session.quota_loaded_at
            stale = loaded is None or self._now() - loaded >= QUOTA_REFRESH
            self.refresh_all(quota=stale)

    # -- creating ------------------------------------------------------------------

    def action_new_snapshot(self) -> None:
        """``n``: snapshot the selected resource now (checked against quota and cooldowns)."""
        resource = self.sidebar.highlighted_resource or self.current
        if resource is None:
            self.notify("Select an application or a database first.", severity="warning")
            return
        try:
            self.session.check_create(resource)
        except CreateRefused as refused:
            self.notify(refused.sentence, title="Not sent", severity="warning", markup=False)
            return
        self.create_snapshot(resource)

    @work(group="create")
    async def create_snapshot(self, resource: Resource) -> None:
        """Send the create; a pending row shows at once and turns ready when listed."""
        name = printable(resource.name)
        try:
            created = await self.session.create(resource)
        except CreateRefused as refused:
            self.notify(refused.sentence, title="Not sent", severity="warning", markup=False)
            return
        except ApiError as error:
            self._record("create", "failed", resource, detail=error.human())
            self._report(error, f"Snapshot of {name}")
            self._show_quota()
            return
        self._record_created("create", created)
        self._created(created)

    def _created(self, created: Created) -> None:
        name = printable(created.resource.name)
        if created.pending is not None:
            lost = created.pending.reason == "lost"
            self.notify(
                (
                    f"The answer for {name} was lost ({created.pending.reason}); the snapshot "
                    "may be generating. Watching the listing; it will not be sent again."
                    if lost
                    else f"The snapshot of {name} is being generated. Watching the listing."
                ),
                title="Snapshot pending",
                markup=False,
            )
            self._watch(created.pending)
        else:
            self.notify(f"The snapshot of {name} is ready.", title="Snapshot ready", markup=False)
            self.load_listing(created.resource)
        self._show_quota()

    def _watch_saved_pending(self) -> None:
        account = self.session.account
        if account is None:
            return
        for pending in self.session.pending.items:
            if pending.reason == "requesting":
                continue
            if account.find(pending.resource_id) is None:
                self.notify(
                    f"{printable(pending.resource_name)} no longer exists; "
                    "its pending snapshot is forgotten.",
                    severity="warning",
                    markup=False,
                )
                self.session.pending.discard(pending)
                continue
            self._watch(pending)

    def _watch(self, pending: PendingSnapshot) -> None:
        key = pending.key
        if key not in self._watched:
            self._watched.add(key)
            self.watch_pending(pending, key)

    @work(group="pending")
    async def watch_pending(self, pending: PendingSnapshot, key: str) -> None:
        """Poll the resource's listing (never the create) until the snapshot is listed."""
        try:
            while self.session.is_pending(pending):
                account = self.session.account
                resource = account.find(pending.resource_id) if account else None
                if resource is None:
                    return
                outcome = await self.session.poll_pending(resource, pending, scale=self.poll_scale)
                pending = outcome.pending
                if outcome.error is not None and outcome.error.is_not_found:
                    self._report(outcome.error, f"Pending snapshot of {printable(resource.name)}")
                    return
                self._announce_ready(resource, outcome.ready)
        finally:
            self._watched.discard(key)

    # -- other actions ---------------------------------------------------------------

    def action_copy_url(self) -> None:
        """``y``: copy the selected snapshot's signed URL to the clipboard (OSC 52)."""
        picked = self._picked("copy its URL")
        if picked is None:
            return
        _resource, snap = picked
        self.app.copy_to_clipboard(snap.url)
        until = ""
        if snap.expires is not None:
            until = f" It works until {snap.expires.astimezone().strftime('%Y-%m-%d %H:%M')}."
        self.notify(
            "Copied the signed download URL (via the terminal, OSC 52). "
            f"Treat it like a password.{until}",
            title="URL copied",
            markup=False,
        )

    # -- downloading -----------------------------------------------------------------

    @property
    def downloads(self) -> DownloadsPanel:
        """The downloads panel."""
        return self.query_one(DownloadsPanel)

    def _picked(self, verb: str) -> tuple[Resource, Snapshot] | None:
        resource, snap = self.current, self.table.selected
        highlighted = self.sidebar.highlighted_resource
        if highlighted is not None and resource is not None and highlighted.id != resource.id:
            # The cursor moved faster than the table followed: never act on rows
            # of the resource the user has just left.
            self.notify(
                f"Showing the snapshots of {printable(highlighted.name)} first; "
                f"press the key again to {verb}.",
                severity="warning",
                markup=False,
            )
            return None
        if resource is None or snap is None:
            self.notify(
                f"Select a listed snapshot to {verb} (a pending one is not listed yet).",
                severity="warning",
            )
            return None
        if not snap.url:
            self.notify(
                "This row comes from the cache (the API was not reachable); "
                "refreshing it first. Try again once it is fresh.",
                severity="warning",
            )
            self.load_listing(resource)
            return None
        return resource, snap

    def action_download(self) -> None:
        """``d``: download the selected snapshot (a dialog confirms where)."""
        picked = self._picked("download")
        if picked is None:
            return
        resource, snap = picked

        def chosen(choice: DownloadChoice | None) -> None:
            if choice is not None:
                self._start_download(resource, snap, choice.path)

        self.app.push_screen(DownloadDialog(resource, snap, self.download_dir, self._now()), chosen)

    def _start_download(self, resource: Resource, snap: Snapshot, path: Path) -> None:
        self.download_dir = path.parent
        transfer = Transfer(
            key=f"{snap.version_id}:{path}",
            label=f"{resource.name} {local_time(snap.modified)}",
            path=path,
            total=snap.size,
        )
        if transfer.key in self.downloads.transfers:
            if self.downloads.transfers[transfer.key].running:
                self.notify("That download is already running.", severity="warning")
                return
            self.downloads.action_clear_finished()
        self.downloads.add(transfer)
        self.download(resource, snap, transfer)

    @work(group="download")
    async def download(self, resource: Resource, snap: Snapshot, transfer: Transfer) -> None:
        """Run one transfer in the background; the panel and the row show its progress."""
        name = printable(resource.name)

        def progressed(progress: Progress) -> None:
            transfer.progress = progress
            self.downloads.update(transfer)
            self._set_activity(snap, Activity(f"↓ {progress.fraction * 100:.0f}%"))

        async def refresh() -> Snapshot:
            listing = await self.session.list_snapshots(resource)
            fresh = next((s for s in listing if s.version_id == snap.version_id), None)
            if fresh is None:
                raise DownloadError("not_found")
            return fresh

        self._set_activity(snap, Activity("↓ 0%"))
        try:
            result = await self.engine.download(
                snap, transfer.path, on_progress=progressed, refresh=refresh, cancel=transfer.cancel
            )
        except DownloadError as error:
            cancelled = error.reason == "cancelled"
            transfer.state = "cancelled" if cancelled else "failed"
            transfer.detail = "" if cancelled else error.reason.replace("_", " ")
            self._record(
                "download",
                "cancelled" if cancelled else "failed",
                resource,
                snap,
                detail=error.human(),
                path=str(transfer.path),
            )
            self.notify(
                error.human(),
                title=f"Download of {name} {'cancelled' if cancelled else 'failed'}",
                severity="information" if cancelled else "error",
                markup=False,
                timeout=8,
            )
        else:
            transfer.state = "done"
            transfer.detail = f"{result.path} · sha256 {result.sha256[:12]}…"
            self._record(
                "download", "ok", resource, snap, path=str(result.path), sha256=result.sha256
            )
            self.notify(
                f"Saved {result.path} ({size_text(result.size)}, zip verified).\n"
                f"SHA-256 {result.sha256}",
                title=f"Downloaded {name}",
                markup=False,
                timeout=10,
            )
        finally:
            self._set_activity(snap, None)
            with contextlib.suppress(NoMatches):
                self.downloads.update(transfer)

    def _set_activity(self, snap: Snapshot, activity: Activity | None) -> None:
        if activity is None:
            self.activity.pop(snap.version_id, None)
        else:
            self.activity[snap.version_id] = activity
        with contextlib.suppress(NoMatches):
            self.table.set_activity(snap.version_id, activity)

    # -- restoring -------------------------------------------------------------------

    def action_restore(self) -> None:
        """``r``: restore the selected snapshot, after the dialog and the typed name."""
        if self.session.read_only:
            self.notify(
                "Read-only mode: restoring snapshots is turned off (--read-only).",
                title="Not restored",
                severity="warning",
            )
            return
        picked = self._picked("restore")
        if picked is None:
            return
        resource, snap = picked
        if resource.id in self.restoring:
            self.notify(
                f"A restore of {printable(resource.name)} is already running.",
                severity="warning",
                markup=False,
            )
            return
        blocked = ""
        try:
            self.session.check_create(resource)
        except CreateRefused as refused:
            blocked = refused.sentence.removeprefix("Not sent: ")

        def chosen(choice: RestoreChoice | None) -> None:
            if choice is not None:
                self.restore(resource, snap, choice.safety_snapshot)

        self.app.push_screen(
            RestoreDialog(resource, snap, self._now(), safety_blocked=blocked), chosen
        )

    @work(group="restore")
    async def restore(self, resource: Resource, snap: Snapshot, safety_snapshot: bool) -> None:
        """Optionally take a safety snapshot, then restore; the row shows *restoring*."""
        name = printable(resource.name)
        self.restoring[resource.id] = "restoring"
        self.sidebar.set_busy(self.restoring)
        try:
            if safety_snapshot and not await self._safety_snapshot(resource, snap):
                return
            self._set_activity(snap, Activity("⟲ restoring", since=self._now()))
            try:
                await self.session.restore(resource, snap)
            except CreateRefused as refused:
                self.notify(refused.sentence, severity="warning", markup=False)
                return
            except ApiError as error:
                self._record("restore", "failed", resource, snap, detail=error.human())
                self._report(error, f"Restore of {name}")
                return
            self._record("restore", "ok", resource, snap)
            self.notify(
                f"{name} was restored to the snapshot of {local_time(snap.modified)}. "
                "It is restarting.",
                title="Restore done",
                markup=False,
                timeout=10,
            )
        finally:
            self.restoring.pop(resource.id, None)
            self._set_activity(snap, None)
            with contextlib.suppress(NoMatches):
                self.sidebar.set_busy(self.restoring)
            # The resource restarted: its running state and listing both changed.
            self.refresh_all()

    async def _safety_snapshot(self, resource: Resource, snap: Snapshot) -> bool:
        """Take the safety snapshot; True once it is ready or listed as pending."""
        name = printable(resource.name)
        self._set_activity(snap, Activity("⟳ safety first", since=self._now()))
        try:
            created = await self.session.create(resource)
        except (CreateRefused, ApiError) as error:
            sentence = error.sentence if isinstance(error, CreateRefused) else error.human()
            self._record("safety-snapshot", "failed", resource, detail=sentence)
            self.notify(
                f"The safety snapshot of {name} failed: {sentence} The restore was NOT started.",
                title="Restore not started",
                severity="error",
                markup=False,
                timeout=10,
            )
            return False
        self._record_created("safety-snapshot", created)
        if created.pending is not None:
            self._watch(created.pending)
        self.notify(
            f"Safety snapshot of {name} "
            f"{'is generating' if created.pending else 'is ready'}; restoring now.",
            markup=False,
        )
        return True

    # -- history ---------------------------------------------------------------------

    def action_history(self) -> None:
        """``h``: what sqtui did (creates, downloads, restores), newest first."""
        if self.history is None:
            self.notify("No history file in this mode.", severity="warning")
            return
        self.app.push_screen(HistoryScreen(self.history))

    def _record_created(self, action: Action, created: Created) -> None:
        version = created.ready.version_id if created.ready else None
        self._record(
            action,
            "pending" if created.pending else "ok",
            created.resource,
            version=version,
            detail=(
                f"generating ({created.pending.reason}); watching the listing"
                if created.pending
                else ""
            ),
        )

    def _record(
        self,
        action: Action,
        outcome: Outcome,
        resource: Resource,
        snap: Snapshot | None = None,
        *,
        version: str | None = None,
        detail: str = "",
        path: str | None = None,
        sha256: str | None = None,
    ) -> None:
        if self.history is None:
            return
        entry = HistoryEntry.about(
            time=self._now(),
            action=action,
            outcome=outcome,
            profile=self.session.profile,
            resource=resource,
            snapshot=snap,
            version=version,
            detail=detail,
            path=path,
            sha256=sha256,
        )
        try:
            self.history.append(entry)
        except OSError as error:
            self.notify(
                f"The history could not be written: {error.strerror or error}.",
                severity="warning",
                markup=False,
            )

    def action_filter(self) -> None:
        """``/``: type to filter the sidebar."""
        self.sidebar.focus_filter()

    def jump_to(self, resource_id: str) -> None:
        """Select ``resource_id`` in the sidebar and focus its snapshots."""
        self.sidebar.select(resource_id)
        self.table.focus()

    def palette_action(self, action: str) -> None:
        """Run one of this screen's actions by name (for the command palette)."""
        self.call_later(self.run_action, action)

    def action_refresh(self) -> None:
        """``ctrl+r``: reload everything now."""
        self.refresh_all()
        self.notify("Refreshing…", timeout=1.5)

    def busy(self) -> list[str]:
        """What would be cut off by quitting now: creates, downloads, restores."""
        work = [
            f"creating a snapshot of {printable(p.resource_name)}"
            for p in self.session.pending.items
            if p.reason == "requesting"
        ]
        work += [f"downloading {printable(t.label)}" for t in self.downloads.running]
        account = self.session.account
        for resource_id in self.restoring:
            found = account.find(resource_id) if account else None
            work.append(f"restoring {printable(found.name) if found else resource_id}")
        return work

    def _key_refused(self, error: ApiError) -> None:
        from sqtui.ui.app import SqtuiApp

        app = self.app
        if isinstance(app, SqtuiApp):
            app.key_refused(error)

    def _report(self, error: ApiError, what: str) -> None:
        log.warning("%s: %r", what, error)
        if error.is_access_denied:
            # The key was revoked while sqtui ran: nothing works until a new one.
            self._key_refused(error)
            return
        self.notify(
            error.human(),
            title=what,
            severity="error",
            markup=False,
            timeout=8,
        )
