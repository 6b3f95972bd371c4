"""Watching pending snapshots from the app: one worker per snapshot, never a re-post.

The waiting itself is the domain's :func:`~sqtui.domain.flows.wait_listed`; this class
only starts it for each pending snapshot once, and says what became of it.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.screen import Screen

from sqtui.api.errors import ApiError
from sqtui.display import in_text, printable
from sqtui.domain.pending import PendingSnapshot
from sqtui.domain.session import Session


class PendingWatch:
    """Starts (once each) the workers that watch pending snapshots on ``screen``."""

    def __init__(
        self, screen: Screen[None], session: Session, report: Callable[[ApiError, str], None]
    ) -> None:
        self.screen = screen
        self.session = session
        self.report = report
        self._watched: set[str] = set()
        self._warned_overdue: set[str] = set()

    def watch(self, pending: PendingSnapshot) -> None:
        """Watch ``pending`` until listed (no-op if it is watched already)."""
        if pending.ident in self._watched:
            return
        self._watched.add(pending.ident)
        self.screen.run_worker(self._wait(pending), group="pending")

    def watch_saved(self) -> None:
        """Watch what earlier runs left pending; forget those of deleted resources."""
        account = self.session.account
        if account is None:
            return
        for pending in self.session.pending.items:
            if pending.reason == "requesting":
                continue
            if account.by_id(pending.resource_id) is None:
                self.screen.notify(
                    f"{printable(pending.resource_name)} no longer exists; "
                    "its pending snapshot is forgotten.",
                    severity="warning",
                    markup=False,
                )
                self.session.pending.discard(pending)
                continue
            self.watch(pending)

    def warn_overdue(self) -> None:
        """Say once of each pending snapshot that it is overdue (it is still watched)."""
        now = self.session.now()
        timeout = self.session.pending_timeout
        for pending in self.session.pending.items:
            if pending.overdue(now, timeout) and pending.ident not in self._warned_overdue:
                self._warned_overdue.add(pending.ident)
                self.screen.notify(
                    f"The snapshot of {printable(pending.resource_name)} requested "
                    f"{in_text(pending.elapsed(now))} ago is not listed yet. It was not "
                    "sent again; sqtui keeps watching the listing.",
                    title="Not seen yet",
                    severity="warning",
                    markup=False,
                )

    async def _wait(self, pending: PendingSnapshot) -> None:
        from sqtui.domain.flows.create import WaitState, wait_listed

        try:
            account = self.session.account
            resource = account.by_id(pending.resource_id) if account else None
            if resource is None:
                return
            outcome = await wait_listed(self.session, resource, pending)
            if outcome.state is WaitState.GONE and outcome.error is not None:
                self.report(outcome.error, f"Pending snapshot of {printable(resource.name)}")
        except ApiError as error:
            self.report(error, f"Pending snapshot of {printable(pending.resource_name)}")
        finally:
            self._watched.discard(pending.ident)
