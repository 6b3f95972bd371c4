"""Messages that cross widgets: small dataclasses, posted upward."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from sqtui.api.models import Resource


@dataclass
class ResourceHighlighted(Message):
    """The sidebar's highlight moved to ``resource``: show its snapshots."""

    resource: Resource


@dataclass
class ResourceOpened(Message):
    """``enter`` on a resource: move the focus to its snapshots."""

    resource: Resource
