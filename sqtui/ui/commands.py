"""Command palette (``ctrl+p``): jump to any application or database, run any action."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from sqtui.display import printable

if TYPE_CHECKING:
    from sqtui.ui.screens.main import MainScreen

ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("New snapshot of the selected resource", "new_snapshot", "n"),
    ("Download the selected snapshot", "download", "d"),
    ("Restore the selected snapshot", "restore", "r"),
    ("Copy the selected snapshot's download URL", "copy_url", "y"),
    ("History of creates, downloads and restores", "history", "h"),
    ("Refresh", "refresh", "ctrl+r"),
    ("Filter the sidebar", "filter", "/"),
)


class ResourceCommands(Provider):
    """Resources by name (jump there) and the main screen's actions."""

    def _main(self) -> MainScreen | None:
        from sqtui.ui.screens.main import MainScreen

        screen = self.screen
        return screen if isinstance(screen, MainScreen) else None

    async def search(self, query: str) -> Hits:
        """Fuzzy-match resource names and action titles."""
        main = self._main()
        if main is None:
            return
        matcher = self.matcher(query)
        account = main.session.account
        for resource in account.resources if account else ():
            label = f"{resource.kind.label}: {printable(resource.name)}"
            score = matcher.match(label)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(label),
                    partial(main.jump_to, resource.id),
                    help=f"Show the snapshots of this {resource.kind.label}",
                )
        for title, action, key in ACTIONS:
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(title),
                    partial(main.palette_action, action),
                    help=f"key: {key}",
                )

    async def discover(self) -> Hits:
        """Before typing: the actions, then every resource."""
        main = self._main()
        if main is None:
            return
        for title, action, key in ACTIONS:
            yield DiscoveryHit(title, partial(main.palette_action, action), help=f"key: {key}")
        account = main.session.account
        for resource in account.resources if account else ():
            yield DiscoveryHit(
                f"{resource.kind.label}: {printable(resource.name)}",
                partial(main.jump_to, resource.id),
            )
