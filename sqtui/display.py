"""How values are written for people, in the app and on the command line.

Server names are data: :func:`printable` escapes the control characters that would
otherwise drive the terminal. Nothing here imports Textual or Rich.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

import humanize

# C0 and C1 control characters (ESC among them) would drive the terminal if printed.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

# What makes one name look like another: format characters (bidi overrides and
# isolates, zero-width joiners and spaces, the BOM, soft hyphens), line and paragraph
# separators, surrogates, private-use and unassigned code points, spaces other than
# the plain one, and the "filler" letters that print as nothing.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"})
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")

#: Shown where a time cannot be written (a year out of range, a time zone overflow).
UNKNOWN_TIME = "unknown time"


def mask(secret: str) -> str:
    """A secret as it may be shown: ``…`` and its last 4 characters (``…`` alone if short)."""
    return "…" + secret[-4:] if len(secret) > 8 else "…"


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _hidden(char: str) -> bool:
    if char == " ":
        return False
    return unicodedata.category(char) in _HIDDEN_CATEGORIES or char in _BLANK_LETTERS


def printable(text: str) -> str:
    """``text`` as it may be shown: nothing in it drives the terminal or hides.

    Control characters become ``\\xNN``; bidi overrides, zero-width and other
    invisible or look-alike characters become ``\\uNNNN``, so two names that differ
    always look different, and what is typed to confirm is what is shown.
    """
    if text.isascii():
        return _CONTROL.sub(lambda m: _escape(m.group()), text)
    return "".join(_escape(c) if _hidden(c) else c for c in text)


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with a trailing ``…`` when longer."""
    if width < 1:
        return ""
    return text if len(text) <= width else text[: width - 1] + "…"


def shown_name(name: str, width: int = 60) -> str:
    """A server name for a list, a row or a sentence: escaped, then shortened.

    The full (escaped) name is for dialogs that confirm by typing it and for
    ``--json``; everywhere else a name of thousands of characters must not take the
    screen.
    """
    return shorten(printable(name), width)


def size_text(size: int) -> str:
    """Bytes in binary units: ``148.0 MiB``."""
    return humanize.naturalsize(size, binary=True, format="%.1f")


def local_time(when: datetime, *, compact: bool = False) -> str:
    """An absolute local timestamp: ``2026-11-22 14:03`` (``11-22 14:03`` when compact).

    A time that cannot be moved to the local zone (year 1 west of UTC, year 9999
    east of it) is shown as :data:`UNKNOWN_TIME`, never raised.
    """
    try:
        local = when.astimezone()
    except (OverflowError, ValueError, OSError):
        return UNKNOWN_TIME
    stamp = local.strftime("%m-%d %H:%M")
    # strftime's %Y writes year 1 as "1": always four digits, as ISO 8601 does.
    return stamp if compact else f"{local.year:04d}-{stamp}"


def age_text(when: datetime, now: datetime) -> str:
    """A short age that fits a column: ``40 s``, ``2 min``, ``11 h``, ``3 days``."""
    try:
        seconds = int((now - when).total_seconds())
    except (OverflowError, ValueError):
        return "?"
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


def remaining_text(until: datetime | None, now: datetime) -> str:
    """How long until ``until`` in :func:`age_text`'s units (``29 days``, ``5 h``).

    ``due now`` once it has passed, ``?`` when it is not known.
    """
    if until is None:
        return "?"
    if until <= now:
        return "due now"
    return age_text(now, until)


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
