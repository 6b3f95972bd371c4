"""Which snapshot a key acts on, and copying its signed URL.

A key pressed right after moving the cursor must act on what the user sees, never on
the rows of a resource just left, nor on a row from the cache that cannot be used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqtui.api.models import Resource, Snapshot
from sqtui.display import local_time, shown_name

if TYPE_CHECKING:
    from sqtui.ui.screens.main import MainScreen


def picked_snapshot(
    screen: MainScreen, verb: str, *, cached_ok: bool = False
) -> tuple[Resource, Snapshot] | None:
    """The resource and snapshot an action on the table applies to, or None (said why).

    A row from the cache (no link) is refused unless ``cached_ok``.
    """
    if screen.nothing_selected():
        return None
    resource, snap = screen.current, screen.table.selected
    highlighted = screen.sidebar.highlighted_resource
    if highlighted is not None and resource is not None and highlighted.id != resource.id:
        # The cursor moved faster than the table followed: never act on rows
        # of the resource the user has just left.
        screen.notify(
            f"Showing the snapshots of {shown_name(highlighted.name)} first; "
            f"press the key again to {verb}.",
            severity="warning",
            markup=False,
        )
        return None
    if resource is None or snap is None:
        screen.notify(
            f"Select a listed snapshot to {verb} (a pending one is not listed yet).",
            severity="warning",
        )
        return None
    if not snap.url and not cached_ok:
        screen.notify(
            "This row comes from the cache (the API was not reachable); "
            "refreshing it first. Try again once it is fresh.",
            severity="warning",
        )
        screen.loader.listing(resource)
        return None
    return resource, snap


def copy_url(screen: MainScreen) -> None:
    """``y``: copy the selected snapshot's signed URL to the clipboard (OSC 52)."""
    picked = picked_snapshot(screen, "copy its URL")
    if picked is None:
        return
    _resource, snap = picked
    screen.app.copy_to_clipboard(snap.url)
    until = ""
    if snap.expires is not None:
        until = f" The link works until {local_time(snap.expires)}."
    screen.notify(
        "Copied the signed download URL (via the terminal, OSC 52). "
        f"Treat it like a password.{until}",
        title="URL copied",
        markup=False,
    )
