"""Batches from the app: ``n`` and ``d`` on the resources marked in the sidebar.

The pacing, the quota plan and the order are the domain's
(:func:`~sqtui.domain.flows.batch.run_batch`), as are the newest snapshot of each and
where it goes (:mod:`sqtui.domain.flows.newest`); this asks, starts, shows the queue
line (``Batch: 3 queued · next in 4 s``) and lets ``X`` stop it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.css.query import NoMatches
from textual.notifications import SeverityLevel

from sqtui.api.errors import ApiError
from sqtui.api.models import Resource
from sqtui.display import shown_name
from sqtui.ui.alert import alert

if TYPE_CHECKING:
    from sqtui.domain.flows.batch import BatchCancel, BatchPlan, BatchState
    from sqtui.domain.flows.create import CreateOutcome
    from sqtui.domain.flows.newest import BatchDownload
    from sqtui.ui.screens.main import MainScreen

# Marked names listed on the batch line before "and N more".
NAMED = 3


class BatchRun:
    """The one batch of creates a main screen may run, and the line that shows it."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.state: BatchState | None = None
        self._cancel: BatchCancel | None = None
        self._total = 0

    @property
    def running(self) -> bool:
        """True from the moment a batch is confirmed until its last create is answered."""
        return self._cancel is not None

    # -- n: one snapshot of each ---------------------------------------------------------

    def create(self, resources: Sequence[Resource]) -> None:
        """Plan a snapshot of each of ``resources``, ask, then send them paced."""
        screen = self.screen
        if self.running:
            screen.notify(
                "A batch is already running: X stops it.", title="Batch", severity="warning"
            )
            return
        screen.run_worker(self._ask(tuple(resources)), group="batch")

    async def _ask(self, resources: tuple[Resource, ...]) -> None:
        from sqtui.domain.flows.batch import PACE_MARGIN_SECONDS, plan_for
        from sqtui.ui.screens.batch_dialogs import BatchCreateDialog

        screen = self.screen
        session = screen.session
        try:
            plan = await plan_for(session, resources)
        except ApiError as error:
            screen.report(error, "Batch of snapshots")
            return
        if not plan.fits:
            screen.notify(
                plan.sentence(session.now()), title="Nothing sent", severity="warning", timeout=10
            )
            return
        pace = session.cooldowns.user_seconds + PACE_MARGIN_SECONDS / session.time_scale

        def answered(send: bool | None) -> None:
            if send and not self.running:
                screen.sidebar.clear_marks()
                self._start(plan)

        screen.app.push_screen(BatchCreateDialog(plan, pace, session.now()), answered)

    def _start(self, plan: BatchPlan) -> None:
        from sqtui.domain.flows.batch import BatchCancel

        # Running from here, before the worker's first step, so a second n is refused.
        self._cancel = BatchCancel()
        self._total = len(plan.fits)
        self.screen.refresh_bindings()
        # All of them: the batch plans again (the quota may have moved meanwhile), sends
        # what fits, and names what it left out.
        self.screen.run_worker(self._run(plan.resources, self._cancel), group="batch")

    async def _run(self, resources: tuple[Resource, ...], cancel: BatchCancel) -> None:
        from sqtui.domain.flows.batch import BatchEnd, run_batch

        screen = self.screen
        session = screen.session
        try:
            result = await run_batch(
                session,
                resources,
                on_state=self._moved,
                on_outcome=self._answered,
                cancel=cancel,
            )
        except ApiError as error:
            screen.report(error, "Batch of snapshots")
            return
        finally:
            self._cancel = None
            self.state = None
            # Also reached when the app quits mid-batch, its widgets already gone.
            with contextlib.suppress(NoMatches):
                screen.refresh_bindings()
                screen.show_batch()
        severity: SeverityLevel = "information" if result.end is BatchEnd.DONE else "warning"
        title = {
            BatchEnd.DONE: "Batch sent",
            BatchEnd.CANCELLED: "Batch stopped",
            BatchEnd.STOPPED: "Batch stopped",
        }[result.end]
        alert(screen, screen.workspace.settings, title, result.summary(), severity=severity)

    def _moved(self, state: BatchState) -> None:
        self.state = state
        with contextlib.suppress(NoMatches):
            self.screen.show_batch()

    def _answered(self, outcome: CreateOutcome) -> None:
        self.screen.show_create_outcome(outcome)

    def stop(self) -> None:
        """``X``: send nothing more; a create under way is answered and kept."""
        if self._cancel is None:
            self.screen.notify("No batch is running.", title="Batch")
            return
        self._cancel.cancel()
        self.screen.show_batch()
        self.screen.notify("Stopping the batch: nothing more is sent.", title="Batch")

    def busy(self) -> list[str]:
        """The batch, in words, for the question before quitting."""
        if not self.running:
            return []
        state = self.state
        # One being sent is named among the creates under way.
        queued = self._total if state is None else state.queued - (1 if state.sending else 0)
        return [f"a batch of snapshots ({queued} not sent yet)"]

    # -- d: the newest snapshot of each --------------------------------------------------

    def download(self, resources: Sequence[Resource]) -> None:
        """Find the newest snapshot of each of ``resources``, ask where, download them."""
        self.screen.run_worker(self._download(tuple(resources)), group="batch-download")

    async def _download(self, resources: tuple[Resource, ...]) -> None:
        from sqtui.domain.flows.newest import newest_of_each
        from sqtui.ui.screens.batch_dialogs import BatchDownloadDialog

        screen = self.screen
        session = screen.session
        screen.notify(f"Finding the newest snapshot of {len(resources)}…", timeout=2)
        try:
            picks = await newest_of_each(session, resources)
        except ApiError as error:
            screen.report(error, "Batch download")
            return
        if not any(pick.snapshot is not None for pick in picks):
            notes = [
                f"{shown_name(p.resource.name)}: "
                + (p.error.human() if p.error is not None else "no snapshot yet")
                for p in picks
            ]
            screen.notify(
                " ".join(notes), title="Nothing to download", severity="warning", markup=False
            )
            return

        def chosen(plan: BatchDownload | None) -> None:
            if plan is None:
                return
            screen.workspace.last_download_dir = plan.directory
            screen.sidebar.clear_marks()
            for fetch in plan.fetches:
                screen.downloads.start(fetch.resource, fetch.snapshot, fetch.path)
            if plan.notes():
                screen.notify(" ".join(plan.notes()), title="Not downloaded", markup=False)

        screen.app.push_screen(
            BatchDownloadDialog(picks, screen.workspace.last_download_dir, session.now()), chosen
        )

    # -- the line ------------------------------------------------------------------------

    def line(self, marked: Sequence[Resource]) -> Text | None:
        """``Batch: 3 queued · next in 4 s · X stops`` and/or what is marked; None if neither."""
        parts: list[Text] = []
        if self.running:
            state = self.state
            where = state.line() if state is not None else f"{self._total} queued"
            if self._cancel is not None and self._cancel.cancelled:
                parts.append(
                    Text.assemble(("Batch: ", "bold"), "stopping, once the create under way ends")
                )
            else:
                parts.append(Text.assemble(("Batch: ", "bold"), where, (" · X stops it", "dim")))
        if marked:
            names = ", ".join(shown_name(r.name, 24) for r in marked[:NAMED])
            if len(marked) > NAMED:
                names += f" and {len(marked) - NAMED} more"
            parts.append(
                Text.assemble(
                    (f"{len(marked)} marked", "bold"),
                    f": {names}",
                    (" · n snapshot each · d download newest · esc unmark", "dim"),
                )
            )
        if not parts:
            return None
        return Text(" │ ").join(parts)
