"""What the commands print: aligned tables, JSON, one-line progress, messages on stderr.

Results go to standard output, messages to standard error. Server text is printed
through :func:`~sqtui.display.printable`, so it can never drive the terminal.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

from sqtui.api.models import Resource, Snapshot
from sqtui.display import age_text, local_time, remaining_text, seconds_text, size_text
from sqtui.domain.download import Progress


def say(text: str, stream: TextIO | None = None) -> None:
    """Print one message (standard error unless ``stream`` says otherwise)."""
    print(text, file=stream if stream is not None else sys.stderr, flush=True)


def result(text: str) -> None:
    """Print a result on standard output."""
    say(text, sys.stdout)


def iso(when: datetime | None) -> str | None:
    """A UTC ISO 8601 time for JSON (``Z`` suffix), or None.

    A time that cannot be moved to UTC (year 1 east of it, year 9999 west of it) keeps
    the offset the server gave: still exact, never raised.
    """
    if when is None:
        return None
    try:
        utc = when.astimezone(UTC)
    except (OverflowError, ValueError):
        return when.isoformat()
    return utc.isoformat().replace("+00:00", "Z")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: frozenset[int]) -> str:
    """Aligned columns separated by two spaces; columns in ``right`` are right-aligned."""
    widths = [max(_width(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for row in [headers, *rows]:
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - _width(cell))
            cells.append(pad + cell if i in right else cell + pad)
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def when_text(when: datetime, now: datetime) -> str:
    """Absolute local time and how long ago: ``2026-11-22 14:03 (3 days ago)``."""
    age = age_text(when, now)
    return f"{local_time(when)} ({age if age == 'just now' else age + ' ago'})"


def snapshot_label(snapshot: Snapshot, now: datetime) -> str:
    """``2026-11-22 14:03 (3 days ago), 1.2 MiB, manual, version …``."""
    return (
        f"{when_text(snapshot.modified, now)}, "
        f"{size_text(snapshot.size)}, {snapshot.origin}, version {snapshot.version_id}"
    )


def resource_json(resource: Resource) -> dict[str, Any]:
    """A resource for ``--json``."""
    return {"id": resource.id, "name": resource.name, "kind": resource.kind.value}


def snapshot_json(snapshot: Snapshot) -> dict[str, Any]:
    """A snapshot for ``--json``: everything but the signed URL and key (credentials).

    ``kept_until`` is when the platform removes the snapshot (30 days after it was
    taken); ``link_expires`` is when its signed download link stops working.
    """
    return {
        "version_id": snapshot.version_id,
        "name": snapshot.name,
        "modified": iso(snapshot.modified),
        "size": snapshot.size,
        "origin": snapshot.origin,
        "runtime": snapshot.runtime,
        "kept_until": iso(snapshot.kept_until),
        "link_expires": iso(snapshot.expires),
    }


def expires_text(snapshot: Snapshot, now: datetime) -> str:
    """When the platform removes the snapshot, for a table: ``in 29 days``, ``due now``."""
    left = remaining_text(snapshot.kept_until, now)
    return f"in {left}" if left[0].isdigit() else left


def dump(data: object) -> str:
    """JSON for people and programs; every control character escaped."""
    # ensure_ascii escapes every control character, C1 ones included.
    return json.dumps(data, indent=2, ensure_ascii=True)


class ProgressLine:
    """One updating line on standard error: percent, bytes, speed, time left."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.shown = False

    def __call__(self, progress: Progress) -> None:
        speed = f"{size_text(int(progress.speed_bps))}/s" if progress.speed_bps > 0 else "-"
        eta = seconds_text(progress.eta_seconds) if progress.eta_seconds is not None else "?"
        line = (
            f"{progress.fraction:4.0%}  {size_text(progress.received)}"
            f" of {size_text(progress.total)}  {speed}  ETA {eta}"
        )
        self.stream.write(f"\r{line}\x1b[K")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        """Remove the line before anything else is printed."""
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False
