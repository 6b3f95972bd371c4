"""Textual's footer, redrawn once for a burst of key changes.

Textual rebuilds the footer's keys for every change of focus or screen, and a start
brings several at once (the screen pushed, the list focused, the panes shown): each
rebuild makes and styles every key again. Here a burst is one rebuild, after the
next refresh, with whatever keys are in force then.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeysFooter(Footer):
    """The footer of the main screen: the keys in force, rebuilt once per burst."""

    _rebuild_due = False

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Schedule one rebuild, unless one is due already."""
        self._bindings_ready = True
        if not screen.app.app_focus or self._rebuild_due:
            return
        if self.is_attached and screen is self.screen:
            self._rebuild_due = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_due = False
        await self.recompose()
