"""File names for downloaded snapshots that are safe on any filesystem.

Resource names come from the server and may hold anything: slashes, terminal escape
codes, Windows device names, thousands of characters. They never reach a path as is.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC

from sqtui.api.models import Snapshot

DEFAULT_MAX_BYTES = 80
FALLBACK = "snapshot"

# ECMA-48 escape sequences, so "ESC[31mred" leaves "red" rather than "[31mred":
# CSI (ESC [ or the C1 byte), OSC/DCS/APC/PM/SOS strings up to their terminator,
# and the remaining two-character escapes.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
# Characters refused by Windows, macOS or Linux in a name, plus whitespace.
_UNSAFE = re.compile(r'[/\\:*?"<>|\s]+')
_DASHES = re.compile(r"-{2,}")
# Characters that may not start a name: hidden files, option-like names.
_LEADING = ".-"
# Windows refuses these anywhere in the name before the last dot, and trailing dots.
_TRAILING = ". -"
_RESERVED = re.compile(r"(?i)^(?:CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[0-9¹²³]|LPT[0-9¹²³])$")


def _drop_invisible(text: str) -> str:
    # Control (Cc), format (Cf: bidi overrides that disguise a name), surrogates
    # (Cs: not encodable) and unassigned (Cn) code points have no business in a name.
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Cn"))


def _cap(text: str, max_bytes: int) -> str:
    """At most ``max_bytes`` of UTF-8, cut at a character boundary."""
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode("utf-8", errors="ignore")


def _clean(text: str, max_bytes: int) -> str:
    """The safe form of ``text``; may be empty."""
    text = unicodedata.normalize("NFC", text)
    text = _ESCAPES.sub("", text)
    # Whitespace before dropping controls, so "a\tb" keeps its word break.
    text = _UNSAFE.sub("-", text)
    text = _drop_invisible(text)
    text = _DASHES.sub("-", text)
    text = text.lstrip(_LEADING)
    # Capping may expose a trailing dot or dash, so strip after it.
    text = _cap(text, max_bytes).rstrip(_TRAILING)
    if _RESERVED.match(text.partition(".")[0]):
        # "_CON" is an ordinary name everywhere; cutting its end cannot make it reserved.
        text = _cap("_" + text, max_bytes).rstrip(_TRAILING)
    return text


def sanitize_component(text: str, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """``text`` as one path component safe on any filesystem; never empty.

    No separator, control character or escape sequence, no leading dot or dash, no
    Windows device name, at most ``max_bytes`` bytes of UTF-8.
    """
    if max_bytes < 1:
        raise ValueError("max_bytes must be at least 1")
    return _clean(text, max_bytes) or FALLBACK[:max_bytes]


def snapshot_filename(resource_name: str, snapshot: Snapshot) -> str:
    """The file a snapshot is saved as: ``orders-pg_2026-11-22T1403Z_3f9a1c2b.zip``.

    Resource name, snapshot time in UTC and the start of the version id, so two
    snapshots of one resource never share a name.
    """
    name = sanitize_component(resource_name)
    when = snapshot.modified.astimezone(UTC).strftime("%Y-%m-%dT%H%MZ")
    version = _clean(snapshot.version_id[:8], DEFAULT_MAX_BYTES)
    parts = [name, when, version] if version else [name, when]
    return "_".join(parts) + ".zip"
