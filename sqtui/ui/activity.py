"""What runs on a snapshot right now, as its table row shows it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Activity:
    """Something running on a snapshot (``restoring``, ``↓ 63%``) since ``since``."""

    word: str
    since: datetime | None = None
