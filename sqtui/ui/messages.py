"""Messages that cross widgets: small dataclasses, posted upward."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from sqtui.api.errors import ApiError
from sqtui.api.models import Resource
from sqtui.ui.activity import Activity


@dataclass
class ResourceHighlighted(Message):
    """The sidebar's highlight moved to ``resource``: show its snapshots."""

    resource: Resource


@dataclass
class ResourceOpened(Message):
    """``enter`` on a resource: move the focus to its snapshots."""

    resource: Resource


@dataclass
class SnapshotActivity(Message):
    """Something started or stopped running on a snapshot (``None``: it stopped)."""

    version_id: str
    activity: Activity | None


@dataclass
class KeyRefused(Message):
    """The API refused the key in use: the app goes back to the login screen."""

    error: ApiError
