"""What an archive is made from: the resource (``Source``) and the snapshot (``Version``)."""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass

DAY = 86_400.0


@dataclass(frozen=True)
class Source:
    """A resource's identity and the settings that shape its archives.

    ``flavour`` is the language of an application or the engine of a database;
    ``anchor`` is the time of its automatic snapshot of day 0, so day ``k`` is the
    24 hours from ``anchor + k days``.
    """

    seed: int
    resource_id: str
    kind: str
    name: str
    flavour: str
    ram: int
    anchor: float
    snapshot_mb: float
    files_per_app: int | None = None
    hostile_names: bool = False

    def digest(self, *parts: object) -> bytes:
        """32 bytes that depend only on the seed, the resource and ``parts``."""
        text = "\x1f".join(
            ["sqtui-sim-archive", str(self.seed), self.resource_id, *map(str, parts)]
        )
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()

    def number(self, *parts: object) -> int:
        """A 64-bit number that depends only on the seed, the resource and ``parts``."""
        return int.from_bytes(self.digest(*parts)[:8])

    def day_of(self, moment: float) -> int:
        """The day index of an instant (day 0 starts at ``anchor``)."""
        return math.floor((moment - self.anchor) / DAY)

    @property
    def slug(self) -> str:
        """The resource's name made safe for a file name (letters, digits, ``-``, ``_``)."""
        slug = re.sub(r"[^a-z0-9_-]+", "-", self.name.lower()).strip("-")[:40]
        return slug or "data"

    @property
    def target_bytes(self) -> int:
        """The size asked for a snapshot, before its day's growth and wobble."""
        return int(self.snapshot_mb * 1024 * 1024)


@dataclass(frozen=True)
class Version:
    """One snapshot: its version id, when it was taken, and how."""

    version_id: str
    at: float
    origin: str
