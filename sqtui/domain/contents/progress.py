"""How far an extraction or a verification is, for a progress bar."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class WorkProgress:
    """Files and bytes (as extracted) done so far, of the totals."""

    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int

    @property
    def fraction(self) -> float:
        """Share done, from 0.0 to 1.0 (by bytes, by files when there are no bytes)."""
        if self.bytes_total > 0:
            return min(1.0, self.bytes_done / self.bytes_total)
        return min(1.0, self.files_done / self.files_total) if self.files_total else 1.0


OnProgress = Callable[[WorkProgress], None]
