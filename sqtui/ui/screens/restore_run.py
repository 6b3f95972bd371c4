"""Restoring from the app: the guarded dialog, then the restore flow in a worker.

What the restore does (safety snapshot first, the request, the history) is the
domain's :func:`~sqtui.domain.flows.restore_snapshot`; this only asks and shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqtui.api.models import Resource, Snapshot
from sqtui.display import printable
from sqtui.domain.flows import CreateOutcome, RestoreState, restore_snapshot
from sqtui.domain.refusal import Refused
from sqtui.ui.activity import Activity
from sqtui.ui.screens.restore_dialog import RestoreChoice, RestoreDialog

if TYPE_CHECKING:
    from sqtui.ui.screens.main import MainScreen


class RestoreRun:
    """The restores started from one main screen, and which resources they hold."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.running: dict[str, str] = {}

    def ask(self) -> None:
        """Open the restore dialog for the selected snapshot; restore if confirmed."""
        screen = self.screen
        session = screen.session
        picked = screen.picked("restore")
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
        blocked = ""
        try:
            session.check_create(resource)
        except Refused as refused:
            blocked = refused.why

        def chosen(choice: RestoreChoice | None) -> None:
            if choice is not None:
                screen.run_worker(self._restore(resource, snap, choice.safety_snapshot))

        screen.app.push_screen(
            RestoreDialog(resource, snap, session.now(), safety_blocked=blocked), chosen
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
        screen = self.screen
        session = screen.session
        name = printable(resource.name)
        self.running[resource.id] = "restoring"
        screen.sidebar.set_busy(self.running)
        first = Activity("⟳ safety first" if safety else "⟲ restoring", since=session.now())
        screen.table.set_activity(snap.version_id, first)

        def restoring(_safety: CreateOutcome | None) -> None:
            screen.table.set_activity(snap.version_id, Activity("⟲ restoring", since=session.now()))

        try:
            outcome = await restore_snapshot(
                session, resource, snap, safety=safety, on_restoring=restoring
            )
        finally:
            self.running.pop(resource.id, None)
            if screen.is_mounted:
                screen.table.set_activity(snap.version_id, None)
                screen.sidebar.set_busy(self.running)
                # The resource restarted: its running state and listing both changed.
                screen.loader.refresh()
        if outcome.safety is not None and outcome.safety.pending is not None:
            screen.pending_watch.watch(outcome.safety.pending)
        if outcome.state is RestoreState.DONE:
            screen.notify(outcome.sentence(), title="Restore done", markup=False, timeout=10)
        elif outcome.state is RestoreState.REFUSED:
            screen.notify(outcome.sentence(), severity="warning", markup=False)
        elif outcome.state is RestoreState.NOT_STARTED:
            screen.notify(
                outcome.sentence(),
                title="Restore not started",
                severity="error",
                markup=False,
                timeout=10,
            )
        elif outcome.error is not None and outcome.error.is_access_denied:
            screen.report(outcome.error, f"Restore of {name}")
        else:
            screen.notify(
                outcome.sentence(),
                title=f"Restore of {name}",
                severity="error",
                markup=False,
                timeout=10,
            )
