"""Restoring from the app: the guarded dialog, then the restore flow in a worker.

What the restore does (safety snapshot first, the request, the history) is the
domain's :func:`~sqtui.domain.flows.restore_snapshot`, and watching the resource
until it runs again is :func:`~sqtui.domain.flows.restore.watch_comeback`; this only
asks and shows.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from textual.css.query import NoMatches

from sqtui.api.errors import ApiError
from sqtui.api.models import Resource, Snapshot
from sqtui.display import printable
from sqtui.domain.refusal import Refused
from sqtui.ui.activity import Activity
from sqtui.ui.alert import alert

if TYPE_CHECKING:
    from sqtui.domain.flows.create import CreateOutcome
    from sqtui.ui.screens.main import MainScreen
    from sqtui.ui.screens.restore_dialog import RestoreChoice


class RestoreRun:
    """The restores started from one main screen, and which resources they hold."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.running: dict[str, str] = {}

    def ask(self, picked: tuple[Resource, Snapshot] | None = None) -> None:
        """The restore dialog for ``picked`` (else the selected snapshot); restore if confirmed."""
        from sqtui.ui.screens.restore_dialog import RestoreDialog

        screen = self.screen
        session = screen.session
        picked = picked or screen.picked("restore")
        if picked is None:
            return
        resource, snap = picked
        try:
            session.check_restore(resource)
        except Refused as refused:
            screen.notify(refused.sentence, title="Not restored", severity="warning")
            return
        if resource.id in self.running:
            screen.notify(
                f"A restore of {printable(resource.name)} is already running.",
                severity="warning",
                markup=False,
            )
            return

        def blocked() -> str:
            """Why a safety snapshot cannot be taken now, or nothing."""
            try:
                session.check_create(resource)
            except Refused as refused:
                return refused.why
            return ""

        def chosen(choice: RestoreChoice | None) -> None:
            if choice is not None:
                screen.run_worker(self._restore(resource, snap, choice.safety_snapshot))

        screen.app.push_screen(
            RestoreDialog(resource, snap, session.now(), safety_blocked=blocked(), recheck=blocked),
            chosen,
        )

    def busy(self) -> list[str]:
        """The restores running, in words."""
        account = self.screen.session.account
        names = []
        for resource_id in self.running:
            found = account.by_id(resource_id) if account else None
            names.append(f"restoring {printable(found.name) if found else resource_id}")
        return names

    async def _restore(self, resource: Resource, snap: Snapshot, safety: bool) -> None:
        from sqtui.domain.flows.restore import RestoreState, restore_snapshot

        screen = self.screen
        session = screen.session
        settings = screen.workspace.settings
        name = printable(resource.name)
        self.running[resource.id] = "restoring"
        screen.sidebar.set_busy(self.running)
        first = Activity("⟳ safety first" if safety else "⟲ restoring", since=session.now())
        screen.table.set_activity(snap.version_id, first)

        def restoring(safety_taken: CreateOutcome | None) -> None:
            # The safety snapshot exists now: show it (listed, or pending and watched)
            # for the whole restore, not only once it is over.
            if safety_taken is not None and safety_taken.pending is not None:
                screen.pending_watch.watch(safety_taken.pending)
            screen.show_snapshots()
            screen.table.set_activity(snap.version_id, Activity("⟲ restoring", since=session.now()))

        try:
            outcome = await restore_snapshot(
                session, resource, snap, safety=safety, on_restoring=restoring
            )
        finally:
            self.running.pop(resource.id, None)
            # Also reached when the app quits mid-restore, its widgets already gone.
            with contextlib.suppress(NoMatches):
                screen.table.set_activity(snap.version_id, None)
                screen.sidebar.set_busy(self.running)
                # The resource restarted: its running state and listing both changed.
                screen.loader.refresh()
        if outcome.safety is not None and outcome.safety.pending is not None:
            screen.pending_watch.watch(outcome.safety.pending)
        if outcome.state is RestoreState.DONE:
            screen.notify(
                f"{outcome.sentence()} Watching it until it runs again.",
                title="Restore done",
                markup=False,
                timeout=10,
            )
            await self._watch_comeback(resource, snap)
        elif outcome.state is RestoreState.REFUSED:
            alert(screen, settings, "Not restored", outcome.sentence(), severity="warning")
        elif outcome.state is RestoreState.NOT_STARTED:
            alert(
                screen,
                settings,
                "Restore not started",
                outcome.sentence(),
                severity="error",
                timeout=10,
            )
        elif outcome.error is not None and outcome.error.is_access_denied:
            screen.report(outcome.error, f"Restore of {name}")
        else:
            alert(
                screen,
                settings,
                f"Restore of {name}",
                outcome.sentence(),
                severity="error",
                timeout=10,
            )

    async def _watch_comeback(self, resource: Resource, snap: Snapshot) -> None:
        """Say when the restored resource runs again, or that it did not come back."""
        from sqtui.domain.flows.restore import ComebackState, watch_comeback

        screen = self.screen
        session = screen.session
        try:
            comeback = await watch_comeback(session, resource, snap)
        except ApiError as error:
            screen.report(error, f"Status of {printable(resource.name)}")
            return
        if not screen.is_mounted:
            return
        sentence = comeback.sentence(session.now())
        settings = screen.workspace.settings
        if comeback.state is ComebackState.RUNNING:
            alert(screen, settings, "Running again", sentence, timeout=10)
        else:
            title = "Not running" if comeback.state is ComebackState.NOT_BACK else "Restored"
            alert(screen, settings, title, sentence, severity="warning", timeout=15)
        # Its running dot changed with it.
        screen.loader.refresh(quota=False)
