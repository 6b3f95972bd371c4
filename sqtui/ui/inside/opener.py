"""From the snapshot table into a snapshot: its files (``enter``), a diff (``D``), a find (``f``).

The listing already shown is used as it is (no request); its links are renewed by one
listing if they expired while browsing.
"""

from __future__ import annotations

import enum

from textual.screen import Screen

from sqtui.api.models import Resource, Snapshot
from sqtui.domain.flows.contents import contents_cache, contents_from
from sqtui.domain.workspace import Workspace
from sqtui.ui.inside.actions import SnapshotActions
from sqtui.ui.inside.compare import pick_and_diff
from sqtui.ui.inside.contents_screen import ContentsScreen
from sqtui.ui.inside.find_screen import FindScreen


class Look(enum.Enum):
    """What to open inside a snapshot."""

    CONTENTS = "contents"
    DIFF = "diff"
    FIND = "find"


def look_inside(
    screen: Screen[None],
    workspace: Workspace,
    actions: SnapshotActions,
    resource: Resource,
    snapshot: Snapshot,
    look: Look,
) -> None:
    """Open ``look`` for ``snapshot`` of ``resource``, over the listing the table shows."""
    session = workspace.session
    listing = session.listings.get(resource.id) or [snapshot]
    cache = contents_cache(workspace.settings.locations.cache_dir)
    opened = contents_from(session, resource, cache, listing)
    contents = opened.contents.version(snapshot.version_id)
    extract_to = workspace.last_download_dir

    def open_version(other: Snapshot) -> None:
        screen.app.push_screen(
            ContentsScreen(opened, opened.contents.version(other.version_id), actions, extract_to)
        )

    if look is Look.CONTENTS:
        screen.app.push_screen(ContentsScreen(opened, contents, actions, extract_to))
    elif look is Look.DIFF:
        pick_and_diff(screen, opened, contents, actions)
    else:
        screen.app.push_screen(FindScreen(opened, actions, open_version))
