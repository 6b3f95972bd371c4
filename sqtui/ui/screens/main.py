"""The main screen: sidebar, snapshot table, downloads, quota gauge; layout and routing.

The work itself is elsewhere: flows in :mod:`sqtui.domain.flows`, downloads in the
downloads panel, pending snapshots in :class:`~sqtui.ui.pending_watch.PendingWatch`.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Static

from sqtui.api.errors import ApiError
from sqtui.api.models import Resource, Snapshot
from sqtui.display import age_text, shown_name, size_text
from sqtui.domain.session import Listed
from sqtui.domain.workspace import Workspace
from sqtui.ui.alert import alert
from sqtui.ui.commands import ResourceCommands
from sqtui.ui.keys import bindings_of
from sqtui.ui.messages import KeyRefused, ResourceHighlighted, ResourceOpened, SnapshotActivity
from sqtui.ui.pending_watch import PendingWatch
from sqtui.ui.screens.account_loader import AccountLoader
from sqtui.ui.screens.batch_run import BatchRun
from sqtui.ui.screens.restore_run import RestoreRun
from sqtui.ui.screens.selection import copy_url, picked_snapshot
from sqtui.ui.widgets.downloads_panel import DownloadsPanel
from sqtui.ui.widgets.footer import KeysFooter
from sqtui.ui.widgets.quota_gauge import QuotaGauge
from sqtui.ui.widgets.sidebar import Sidebar
from sqtui.ui.widgets.snapshot_table import SnapshotTable
from sqtui.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from datetime import datetime

    from sqtui.domain.flows.create import CreateOutcome
    from sqtui.ui.screens.download_dialog import DownloadChoice

# What is opened from here (inside a snapshot, history, the download dialog) is
# imported when first opened: none of it is on the way to the first frame.

log = logging.getLogger("sqtui.ui")

AUTO_REFRESH_SECONDS = 120.0
LISTING_SETTLE_SECONDS = 0.15


class MainScreen(Screen[None]):
    """One account: what is shown where, and which key does what."""

    COMMANDS = {ResourceCommands}
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    """Textual's own, without its repaint of the whole screen at each focus change: the
    widget that loses the focus and the one that gains it redraw themselves (so do
    containers styled by what they hold), and a whole-screen repaint draws nothing new.
    Escape in the filter box repaints 2 times instead of 3 (2,000 resources)."""
    BINDINGS = [
        Binding(
            "n",
            "new_snapshot",
            "New",
            tooltip="new snapshot of the selected resource",
            id="new_snapshot",
        ),
        Binding(
            "d",
            "download",
            "Download",
            tooltip="download the selected snapshot (a dialog shows where, size, free space)",
            id="download",
        ),
        Binding(
            "r",
            "restore",
            "Restore",
            tooltip="restore the selected snapshot (safety snapshot, then type the name)",
            id="restore",
        ),
        Binding(
            "y", "copy_url", "URL", tooltip="copy its signed download URL (OSC 52)", id="copy_url"
        ),
        # In help and the palette; the footer keeps its room for q Quit at 80 columns.
        Binding(
            "D",
            "diff",
            "Diff",
            show=False,
            tooltip="compare the selected snapshot's files with another version",
            id="diff",
        ),
        Binding(
            "f",
            "find",
            "Find",
            show=False,
            tooltip="find a path in every version: when did it change?",
            id="find",
        ),
        Binding(
            "t",
            "time_travel",
            "Time travel",
            show=False,
            tooltip="time travel: select the newest snapshot taken at or before a moment "
            "(14:00, 2h ago, yesterday 03:00, an ISO time)",
            id="time_travel",
        ),
        Binding(
            "h",
            "history",
            "History",
            tooltip="history of creates, downloads, restores",
            id="history",
        ),
        Binding(
            "slash",
            "filter",
            "Filter",
            tooltip="filter the apps and databases (fuzzy)",
            id="filter",
        ),
        Binding(
            "ctrl+r",
            "refresh",
            "Refresh",
            show=False,
            tooltip="reload the account now",
            id="refresh",
        ),
        Binding(
            "escape",
            "clear_filter",
            "Clear filter",
            show=False,
            tooltip="unmark the marked resources, else clear the filter",
            id="clear_filter",
        ),
        # The sidebar's other marking keys are its own; this one works from the table too
        # (``/`` filter, ``enter``, ``*``, ``n``).
        Binding(
            "asterisk",
            "mark_all",
            "Mark all",
            show=False,
            tooltip="mark every resource the sidebar shows (the filter's matches); "
            "again unmarks them",
            id="mark_all",
        ),
        # In the footer only while a batch runs.
        Binding(
            "X",
            "stop_batch",
            "Stop batch",
            tooltip="stop the batch of snapshots: nothing more is sent",
            id="stop_batch",
        ),
    ]

    # What read-only mode turns off: hidden from the footer, refused with a reason.
    CHANGES = frozenset({"new_snapshot", "restore"})

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.session = workspace.session
        self.current: Resource | None = None
        self.pending_watch = PendingWatch(self, self.session, self.report)
        self.restores = RestoreRun(self)
        self.batches = BatchRun(self)
        self.loader = AccountLoader(self)

    def compose(self) -> ComposeResult:
        # The width's class (``-narrow``, ``-wide``) the first resize would add, added
        # now: the widgets are styled once, not once without it and again with it.
        width = self.app.size.width
        for edge, name in sorted(self.app.HORIZONTAL_BREAKPOINTS or [], reverse=True):
            if width >= edge:
                self.add_class(name)
                break
        yield StatusBar(id="status")
        yield Static("Loading the account…", id="loading")
        with Horizontal(id="body"):
            yield Sidebar(id="sidebar")
            with Vertical(id="main"):
                yield Static("", id="title", markup=False)
                yield SnapshotTable(pending_timeout=self.session.pending_timeout, id="snapshots")
                yield Static("", id="batch", markup=False)
                yield DownloadsPanel(self.workspace, id="downloads")
                yield QuotaGauge(id="quota")
        yield KeysFooter()

    @property
    def table(self) -> SnapshotTable:
        """The snapshot table."""
        return self.query_one(SnapshotTable)

    @property
    def sidebar(self) -> Sidebar:
        """The resource sidebar."""
        return self.query_one(Sidebar)

    @property
    def downloads(self) -> DownloadsPanel:
        """The downloads panel."""
        return self.query_one(DownloadsPanel)

    @property
    def status(self) -> StatusBar:
        """The top line."""
        return self.query_one(StatusBar)

    def on_mount(self) -> None:
        self.status.read_only = self.session.read_only
        self.status.demo = self.workspace.settings.demo
        self.sidebar.filter_input.can_focus = False
        self.session.pending.on_change = self.show_snapshots
        self.session.on_listed = self._listed
        self.sidebar.option_list.focus()
        self.set_interval(1.0, self.tick)
        self.set_interval(AUTO_REFRESH_SECONDS, self.loader.refresh_periodically)
        self.loader.start()

    def on_unmount(self) -> None:
        self.session.pending.on_change = None
        self.session.on_listed = None

    # -- showing ---------------------------------------------------------------------

    # Redraws also run from workers that finish while the app shuts down (a cancelled
    # create is saved as lost), when the widgets may be gone.

    def show_snapshots(self) -> None:
        """Redraw the selected resource's rows (and the quota they count against)."""
        with contextlib.suppress(NoMatches):
            if self.current is not None:
                self.table.show(
                    self.session.listings.get(self.current.id, []),
                    self.session.pending.for_resource(self.current.id),
                    self.session.now(),
                )
            self.show_title()
            self.show_quota()

    def show_title(self) -> None:
        """The line above the table: which resource, how many snapshots, the oldest's age.

        Written in order of importance, so a narrow screen cuts the details last.
        """
        title = self.query_one("#title", Static)
        resource = self.current
        if resource is None:
            if self.sidebar.nothing_shown:
                query = self.sidebar.filter_input.value.strip()
                title.update(
                    Text(
                        f"Nothing matches {shown_name(query, 24)!r}: escape clears the filter",
                        style="dim",
                    )
                )
            else:
                title.update("")
            return
        width = max(20, title.size.width or 60)
        line = Text(shown_name(resource.name, max(12, width // 2)), style="bold")
        line.no_wrap = True
        line.overflow = "ellipsis"
        listing = self.session.listings.get(resource.id)
        if listing is None:
            line.append("  · loading…", style="dim")
        elif not listing:
            line.append("  · no snapshots")
        else:
            oldest = min(s.modified for s in listing)
            count = f"{len(listing)} snapshot{'s' if len(listing) != 1 else ''}"
            line.append(f"  · {count}, oldest {age_text(oldest, self.session.now())}")
        detail = f"{resource.kind.label} · {resource.ram_mb} MB"
        if resource.detail:
            detail += f" · {shown_name(resource.detail, 20)}"
        line.append(f"  ({detail})", style="dim")
        title.update(line)

    def show_batch(self) -> None:
        """The batch line: what is marked, and a batch's queue; hidden when neither."""
        line = self.batches.line(self.sidebar.marked)
        batch = self.query_one("#batch", Static)
        batch.display = line is not None
        if line is not None:
            batch.update(line)

    def show_quota(self) -> None:
        """Redraw the quota gauge."""
        with contextlib.suppress(NoMatches):
            self.query_one(QuotaGauge).show(self.session.quota(), self.session.now())

    def _listed(self, listed: Listed) -> None:
        if self.current is not None and listed.resource.id == self.current.id:
            # The user asked for it: the cursor goes to it (on the next redraw).
            with contextlib.suppress(NoMatches):
                self.table.follow(listed.snapshot.version_id)
        alert(
            self,
            self.workspace.settings,
            "Snapshot ready",
            f"Snapshot of {shown_name(listed.resource.name)} is ready "
            f"({size_text(listed.snapshot.size)}).",
        )

    def tick(self) -> None:
        """The once-a-second update: ages, countdowns, the rate-limit mark, overdue creates."""
        now = self.session.now()
        paused = self.session.polling_paused_for()
        self.status.paused_until = now + paused if paused else None
        self.status.now = now
        self.table.tick(now)
        self.pending_watch.warn_overdue()

    @on(SnapshotActivity)
    def _activity(self, event: SnapshotActivity) -> None:
        self.table.set_activity(event.version_id, event.activity)

    @on(ResourceHighlighted)
    def _resource_highlighted(self, event: ResourceHighlighted) -> None:
        resource = event.resource
        self.current = resource
        self.session.selected_id = resource.id
        self.show_snapshots()
        self.loader.listing(resource, settle=LISTING_SETTLE_SECONDS)

    @on(Sidebar.MarksChanged)
    def _marks_changed(self) -> None:
        self.show_batch()

    @on(Sidebar.NothingShown)
    def _nothing_shown(self) -> None:
        # A filter that matches nothing selects nothing: no key may act on the
        # resource that was selected before.
        self.current = None
        self.table.show([], [], self.session.now())
        self.show_title()

    @on(ResourceOpened)
    def _resource_opened(self, event: ResourceOpened) -> None:
        self.table.focus()

    # -- actions ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Read-only mode hides what it turns off from the footer (see :meth:`on_key`);
        stopping a batch is offered while one runs."""
        if action == "stop_batch":
            return self.batches.running
        return not (action in self.CHANGES and self.session.read_only)

    def on_key(self, event: events.Key) -> None:
        """A key read-only mode turned off still says why nothing is sent."""
        if not self.session.read_only:
            return
        for binding in bindings_of(MainScreen):
            if binding.action in self.CHANGES and event.key in binding.key.split(","):
                event.stop()
                self.refused(binding.action)
                return

    def refused(self, action: str) -> None:
        """Run ``action`` past :meth:`check_action`: its flow explains the refusal."""
        if action in self.CHANGES:
            getattr(self, f"action_{action}")()

    def nothing_selected(self) -> bool:
        """Say so and return True when the filter hides every resource."""
        if not self.sidebar.nothing_shown:
            return False
        self.notify(
            "Nothing is selected: the filter matches no application or database. "
            "Press escape to clear it.",
            severity="warning",
        )
        return True

    def action_new_snapshot(self) -> None:
        """``n``: snapshot the selected resource now (checked against quota and cooldowns);
        with resources marked, one of each, paced."""
        marked = self.sidebar.marked
        if marked and not self.session.read_only:
            self.batches.create(marked)
            return
        if self.nothing_selected():
            return
        resource = self.sidebar.highlighted_resource or self.current
        if resource is None:
            self.notify("Select an application or a database first.", severity="warning")
            return
        self.create_snapshot(resource)

    def action_clear_filter(self) -> None:
        """``escape``: unmark what is marked, else clear the sidebar's filter (from
        anywhere, keeping the selection)."""
        if not self.sidebar.clear_marks():
            self.sidebar.clear_filter()

    def action_mark_all(self) -> None:
        """``*``: mark every resource shown in the sidebar; if all are, unmark them."""
        self.sidebar.mark_all_shown()

    def action_stop_batch(self) -> None:
        """``X``: stop the batch of snapshots; nothing more is sent."""
        self.batches.stop()

    @work(group="create")
    async def create_snapshot(self, resource: Resource) -> None:
        """Run the create flow; a pending row shows at once and turns ready when listed."""
        from sqtui.domain.flows.create import create_snapshot

        self.show_create_outcome(await create_snapshot(self.session, resource))

    def show_create_outcome(self, outcome: CreateOutcome) -> None:
        """Say how a create ended; follow its row, watch it while pending."""
        from sqtui.domain.flows.create import CreateState

        resource = outcome.resource
        if outcome.state is CreateState.REFUSED:
            assert outcome.refusal is not None
            self.notify(
                outcome.refusal.sentence, title="Not sent", severity="warning", markup=False
            )
        elif outcome.state is CreateState.FAILED:
            assert outcome.error is not None
            self.report(outcome.error, f"Snapshot of {shown_name(resource.name)}")
        else:
            title = "Snapshot ready" if outcome.state is CreateState.READY else "Snapshot pending"
            self.notify(outcome.sentence(), title=title, markup=False)
            current = self.current
            if outcome.version and current is not None and current.id == resource.id:
                with contextlib.suppress(NoMatches):
                    self.table.follow(outcome.version)
            if outcome.pending is not None:
                self.pending_watch.watch(outcome.pending)
        self.show_snapshots()

    def picked(self, verb: str) -> tuple[Resource, Snapshot] | None:
        """The resource and snapshot an action on the table applies to, or None (said why)."""
        return picked_snapshot(self, verb)

    def action_copy_url(self) -> None:
        """``y``: copy the selected snapshot's signed URL to the clipboard (OSC 52)."""
        copy_url(self)

    def action_download(self) -> None:
        """``d``: download the selected snapshot (a dialog confirms where); with resources
        marked, the newest snapshot of each."""
        marked = self.sidebar.marked
        if marked:
            self.batches.download(marked)
            return
        picked = self.picked("download")
        if picked is not None:
            self.download_snapshot(*picked)

    def download_snapshot(self, resource: Resource, snap: Snapshot) -> None:
        """The download dialog for ``snap``, then the transfer in the downloads panel."""
        if self._cached(snap):
            return
        from sqtui.ui.screens.download_dialog import DownloadDialog

        def chosen(choice: DownloadChoice | None) -> None:
            if choice is not None:
                self.workspace.last_download_dir = choice.path.parent
                self.downloads.start(resource, snap, choice.path)

        self.app.push_screen(
            DownloadDialog(resource, snap, self.workspace.last_download_dir, self.session.now()),
            chosen,
        )

    def action_restore(self) -> None:
        """``r``: restore the selected snapshot, after the dialog and the typed name."""
        self.restores.ask()

    def restore_snapshot(self, resource: Resource, snap: Snapshot) -> None:
        """The guarded restore dialog for ``snap`` (from inside a snapshot)."""
        if not self._cached(snap):
            self.restores.ask((resource, snap))

    def _cached(self, snap: Snapshot) -> bool:
        if snap.url:
            return False
        self.notify(
            "This snapshot comes from the cache (the API cannot be reached): it can be "
            "looked into, not downloaded or restored, until a refresh succeeds.",
            severity="warning",
        )
        return True

    @on(DataTable.RowSelected, "#snapshots")
    def _row_opened(self) -> None:
        """``enter`` on a snapshot: its files, read from the archive's directory."""
        self._look("contents")

    def action_diff(self) -> None:
        """``D``: compare the selected snapshot with another version."""
        self._look("diff")

    def action_find(self) -> None:
        """``f``: find a path across every version of the selected resource."""
        self._look("find")

    def _look(self, look: str) -> None:
        """Open ``look`` (a :class:`~sqtui.ui.inside.opener.Look` value) on the selection."""
        from sqtui.ui.inside.opener import Look, look_inside

        # Cached rows (the API down) may be looked into: directories read before are on disk.
        picked = picked_snapshot(self, "look inside", cached_ok=True)
        if picked is not None:
            look_inside(self, self.workspace, self, *picked, Look(look))

    def action_time_travel(self) -> None:
        """``t``: select the newest snapshot taken at or before a moment typed in a dialog."""
        if self.nothing_selected():
            return
        resource = self.current
        if resource is None:
            self.notify("Select an application or a database first.", severity="warning")
            return
        from sqtui.ui.screens.moment_dialog import MomentDialog, travel_to

        def travel(moment: datetime | None) -> None:
            if moment is not None:
                travel_to(self, resource, moment)

        self.app.push_screen(MomentDialog(resource, self.session.now), travel)

    def action_history(self) -> None:
        """``h``: what sqtui did (creates, downloads, restores), newest first."""
        from sqtui.ui.screens.history import HistoryScreen

        self.app.push_screen(HistoryScreen(self.workspace.history))

    def action_filter(self) -> None:
        """``/``: type to filter the sidebar."""
        self.sidebar.focus_filter()

    def action_refresh(self) -> None:
        """``ctrl+r``: reload everything now."""
        self.loader.refresh()
        self.notify("Refreshing…", timeout=1.5)

    def jump_to(self, resource_id: str) -> None:
        """Select ``resource_id`` in the sidebar and focus its snapshots."""
        self.sidebar.select(resource_id)
        self.table.focus()

    def run_palette_action(self, action: str) -> None:
        """Run one of this screen's actions by name, once the palette has closed.

        One that read-only mode turns off still runs, to say why nothing is sent.
        """
        if action in self.CHANGES:
            self.call_later(self.refused, action)
        else:
            self.call_later(self.run_action, action)

    def busy(self) -> list[str]:
        """What would be cut off by quitting now: creates, downloads, restores."""
        work = [
            f"creating a snapshot of {shown_name(p.resource_name)}"
            for p in self.session.pending.items
            if p.reason == "requesting"
        ]
        work += [f"downloading {shown_name(t.label)}" for t in self.downloads.running]
        return work + self.restores.busy() + self.batches.busy()

    def report(self, error: ApiError, what: str) -> None:
        """Say that ``what`` failed; a refused key leads back to the login screen."""
        log.warning("%s: %r", what, error)
        if error.is_access_denied:
            # The key was revoked while sqtui ran: nothing works until a new one.
            self.post_message(KeyRefused(error))
            return
        self.notify(error.human(), title=what, severity="error", markup=False, timeout=8)
