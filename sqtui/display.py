"""How values are written for people, in the app and on the command line.

Server names are data: :func:`printable` escapes the control characters that would
otherwise drive the terminal. Nothing here imports Textual or Rich.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import humanize

# C0 and C1 control characters (ESC among them) would drive the terminal if printed.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def mask(secret: str) -> str:
    """A secret as it may be shown: ``…`` and its last 4 characters (``…`` alone if short)."""
    return "…" + secret[-4:] if len(secret) > 8 else "…"


def printable(text: str) -> str:
    """``text`` with control characters shown as ``\\xNN`` escapes."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def size_text(size: int) -> str:
    """Bytes in binary units: ``148.0 MiB``."""
    return humanize.naturalsize(size, binary=True, format="%.1f")


def local_time(when: datetime, *, compact: bool = False) -> str:
    """An absolute local timestamp: ``2026-11-22 14:03`` (``11-22 14:03`` when compact)."""
    return when.astimezone().strftime("%m-%d %H:%M" if compact else "%Y-%m-%d %H:%M")


def age_text(when: datetime, now: datetime) -> str:
    """A short age that fits a column: ``40 s``, ``2 min``, ``11 h``, ``3 days``."""
    seconds = int((now - when).total_seconds())
    if seconds < 0:
        return "just now"
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 48 * 3600:
        return f"{seconds // 3600} h"
    days = seconds // 86400
    return "1 day" if days == 1 else f"{days} days"


def elapsed_text(delta: timedelta) -> str:
    """A clock-style duration: ``0:42``, ``12:05``, ``1:02:03``."""
    seconds = max(0, int(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def in_text(delta: timedelta) -> str:
    """A short span until something: ``3 h 10 min``, ``4 min``, ``20 s``."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def seconds_text(seconds: float) -> str:
    """:func:`in_text` for a number of seconds: ``4 s``, ``3 min``."""
    return in_text(timedelta(seconds=seconds))
