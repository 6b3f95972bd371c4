"""Signed snapshot URLs: the expiry and version they carry, and their redaction for logs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

_SECRET_PARAM = re.compile(r"(?i)((?:Signature|X-Amz-Signature|X-Amz-Credential)=)[^&\s\"'<>]*")

REDACTED = "REDACTED"


def redact_text(text: str) -> str:
    """Replace every URL signature in ``text`` so it can be logged or shown."""
    return _SECRET_PARAM.sub(lambda m: m.group(1) + REDACTED, text)


def _query(url_or_key: str) -> dict[str, list[str]]:
    query = urlsplit(url_or_key).query if "://" in url_or_key else url_or_key.lstrip("?")
    return parse_qs(query, keep_blank_values=True)


def query_param(url_or_key: str, name: str) -> str | None:
    """The first value of query parameter ``name`` (case-insensitive), if present."""
    for key, values in _query(url_or_key).items():
        if key.lower() == name.lower() and values:
            return values[0]
    return None


def expiry_of(url_or_key: str) -> datetime | None:
    """When the signed URL stops working (its ``Expires`` parameter), if it says."""
    raw = query_param(url_or_key, "Expires")
    if raw is None or not raw.isdigit():
        return None
    try:
        return datetime.fromtimestamp(int(raw), tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def version_of(url_or_key: str) -> str | None:
    """The ``versionId`` a signed URL or key carries, if any."""
    return query_param(url_or_key, "versionId")
