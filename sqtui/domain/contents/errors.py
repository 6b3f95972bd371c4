"""The one error of reading a snapshot's contents: a reason to act on and a sentence to show."""

from __future__ import annotations

from typing import Literal

from sqtui.api.errors import ApiError
from sqtui.api.signed_url import redact_text
from sqtui.display import printable

Reason = Literal[
    "no_range",
    "denied",
    "not_found",
    "missing",
    "offline",
    "network",
    "unavailable",
    "corrupt",
    "damaged",
    "encrypted",
    "unsupported",
    "too_large",
    "exists",
    "unsafe",
    "disk",
    "failed",
]

_SENTENCES: dict[Reason, str] = {
    "no_range": (
        "The snapshot host does not support partial reads; download the whole snapshot instead."
    ),
    "denied": "The snapshot host refused the signed link (expired or invalid).",
    "not_found": "The snapshot host no longer has this snapshot.",
    "missing": "That file is not in this snapshot.",
    "offline": "The API cannot be reached to get a link to this snapshot.",
    "network": "The snapshot host could not be reached.",
    "unavailable": "The snapshot host is failing; try again later.",
    "corrupt": "The snapshot is not a readable zip archive.",
    "damaged": "A file in the snapshot is damaged (its CRC-32 does not match).",
    "encrypted": "The file is encrypted; sqtui cannot read it.",
    "unsupported": "The file is compressed with a method sqtui cannot read.",
    "too_large": "The file is too large to read at once.",
    "exists": "A file with that name already exists; nothing was overwritten.",
    "unsafe": "The name in the archive cannot be written safely.",
    "disk": "The file could not be written to disk.",
    "failed": "Reading the snapshot failed.",
}


class ContentsError(Exception):
    """Browsing, reading or extracting failed: why (``reason``) and one sentence for people.

    The sentence never holds a URL signature, and names from the archive are shown with
    their control characters escaped.
    """

    def __init__(self, reason: Reason, message: str = "") -> None:
        self.reason: Reason = reason
        self.message = printable(redact_text(message or _SENTENCES[reason]))
        super().__init__(self.message)

    def human(self) -> str:
        """One clear sentence: what happened and, where it helps, what to do."""
        return self.message

    def __repr__(self) -> str:
        return f"ContentsError(reason={self.reason!r}, message={self.message!r})"


def from_api_error(error: ApiError) -> ContentsError:
    """The contents error for a failed request to the snapshot host."""
    if error.is_download_denied:
        return ContentsError("denied")
    if error.is_not_found:
        return ContentsError("not_found")
    if error.is_network_error:
        return ContentsError(
            "network", f"The snapshot host could not be reached ({error.message or error.code})."
        )
    if error.is_server_error:
        return ContentsError(
            "unavailable", f"The snapshot host is failing (HTTP {error.status}); try again later."
        )
    if error.status == 416:
        return ContentsError(
            "corrupt", "The snapshot is shorter than its zip directory says; it is damaged."
        )
    return ContentsError("failed", f"The snapshot host refused the read: {error.human()}")
