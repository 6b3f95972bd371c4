"""Signed, expiring download URLs in the style of S3 query-string authentication.

``Signature`` is the unpadded url-safe base64 of HMAC-SHA256 over the path, the
``versionId`` and ``Expires``: changing any of them, or the signature itself, invalidates
the URL. The HMAC key is random per run unless given: a URL signed by one run of the
simulator is refused by the next, and nobody can forge one by knowing the seed.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from urllib.parse import urlencode

_URL_SAFE = re.compile(r"[0-9A-Za-z._-]*")


class Verdict(enum.Enum):
    """Outcome of checking a signed URL."""

    VALID = "valid"
    MISSING = "missing"
    MISMATCH = "mismatch"
    EXPIRED = "expired"


class UrlSigner:
    """Signs and verifies download URLs for one simulated account."""

    def __init__(self, seed: int, secret: bytes | None = None) -> None:
        self._secret = secret if secret is not None else secrets.token_bytes(32)
        # The access key id is public (it is in every URL): the seed may fix it.
        material = hashlib.sha256(f"sqtui-sim-access-key:{seed}".encode()).hexdigest()
        self.access_key_id = "SIMAKIA" + material[:13].upper()

    def _signature(self, path: str, version_id: str, expires: str) -> str:
        message = f"GET\n{path}\n{version_id}\n{expires}".encode()
        digest = hmac.new(self._secret, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def sign(self, path: str, version_id: str, expires: int) -> str:
        """The query string (the listing's ``key``) granting GET of ``path`` until ``expires``."""
        signature = self._signature(path, version_id, str(expires))
        if _URL_SAFE.fullmatch(version_id):
            # Every value is already URL-safe: skip urlencode, a big listing signs thousands.
            return (
                f"AWSAccessKeyId={self.access_key_id}&Expires={expires}"
                f"&Signature={signature}&versionId={version_id}"
            )
        return urlencode(
            [
                ("AWSAccessKeyId", self.access_key_id),
                ("Expires", str(expires)),
                ("Signature", signature),
                ("versionId", version_id),
            ]
        )

    def verify(self, path: str, query: Mapping[str, str], now: float) -> Verdict:
        """Check a request's query string against its path and the current time."""
        fields = [query.get(name) for name in ("AWSAccessKeyId", "Expires", "Signature")]
        if any(value is None or value == "" for value in fields):
            return Verdict.MISSING
        access_key_id, expires, signature = (str(value) for value in fields)
        expected = self._signature(path, query.get("versionId", ""), expires)
        if access_key_id != self.access_key_id or not hmac.compare_digest(
            signature.encode(), expected.encode()
        ):
            return Verdict.MISMATCH
        if not expires.isdigit() or int(expires) < now:
            return Verdict.EXPIRED
        return Verdict.VALID
