"""Command palette (``ctrl+p``): jump to any application or database, run any action.

The actions offered are the main screen's own bindings, so the palette, the footer
and help never disagree about what exists and which key runs it (the key in force,
after the config's ``[keys]`` table).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from sqtui.display import shown_name
from sqtui.ui.keys import bindings_of, keys_shown

if TYPE_CHECKING:
    from sqtui.ui.screens.main import MainScreen


# Names are escaped and cut to one line of the palette.
NAME_WIDTH = 60


class ResourceCommands(Provider):
    """Resources by name (jump there) and the main screen's actions."""

    @property
    def _main(self) -> MainScreen:
        screen = self.screen
        # Attached to the main screen only (its COMMANDS), so this is that screen.
        return screen  # type: ignore[return-value]

    def _actions(self) -> Iterator[tuple[str, str, str]]:
        main = self._main
        for binding in bindings_of(type(main)):
            title = (binding.tooltip or binding.description).capitalize()
            yield title, binding.action, keys_shown(self.app, binding)

    def _resources(self) -> Iterator[tuple[str, str, str]]:
        account = self._main.session.account
        for resource in account.resources if account else ():
            yield (
                f"{resource.kind.label}: {shown_name(resource.name, NAME_WIDTH)}",
                resource.id,
                (resource.kind.label),
            )

    async def search(self, query: str) -> Hits:
        """Fuzzy-match resource names and action titles (names shown literally)."""
        main = self._main
        matcher = self.matcher(query)
        for label, resource_id, kind in self._resources():
            score = matcher.match(label)
            if score > 0:
                yield Hit(
                    score,
                    literal_highlight(matcher, label),
                    partial(main.jump_to, resource_id),
                    text=label,
                    help=f"Show the snapshots of this {kind}",
                )
        for title, action, key in self._actions():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    literal_highlight(matcher, title),
                    partial(main.run_palette_action, action),
                    text=title,
                    help=f"key: {key}",
                )

    async def discover(self) -> Hits:
        """Before typing: the actions, then every resource."""
        main = self._main
        for title, action, key in self._actions():
            yield DiscoveryHit(title, partial(main.run_palette_action, action), help=f"key: {key}")
        for label, resource_id, _kind in self._resources():
            yield DiscoveryHit(Content(label), partial(main.jump_to, resource_id), text=label)


def literal_highlight(matcher: Matcher, label: str) -> Content:
    """``label`` with the matched letters styled, read as plain text, never as markup.

    Textual's own ``Matcher.highlight`` parses its candidate as markup: a name like
    ``cron[/5]`` would crash it and ``[@click=app.quit]x[/]`` would become a live link.
    """
    content = Content(label)
    score, offsets = matcher.fuzzy_search.match(matcher.query, label)
    if not score:
        return content
    for offset in offsets:
        if not label[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content
