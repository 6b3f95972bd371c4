"""Who an API key is and what it may do: the account id it names, its scopes and resources.

Keys have the shape ``<account id>-<secret>`` and clients take the account id from the
part before the first ``-`` (download URLs are built from it), so the simulated account's
id is that part. A key without a usable prefix (no ``-``, an empty prefix, or characters
other than letters, digits and ``_``, which could not stand in a URL path) gets a 17-digit
id derived from the whole key, the same on every run.

The vendor documents that a key can be limited to scopes and resources but not the
scopes' names, so the simulator names them after what each route does (``SCOPES``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import ApiError

SCOPES: dict[str, str] = {
    "account:read": "GET /users/me",
    "apps:read": "GET /apps/status, /apps/{id}, /apps/{id}/status",
    "databases:read": "GET /databases/status",
    "snapshots:read": "GET the snapshot listings, per resource and account-wide",
    "snapshots:create": "POST /apps|databases/{id}/snapshots",
    "snapshots:restore": "POST /apps|databases/{id}/snapshots/restore",
}
"""Every scope a simulated key can hold, with the routes it opens."""

_ACCOUNT_ID = re.compile(r"[0-9A-Za-z_]{1,64}")


def account_id(key: str) -> str:
    """The account id a key names: its part before the first ``-``, else one derived from it."""
    prefix, dash, _ = key.partition("-")
    if dash and _ACCOUNT_ID.fullmatch(prefix):
        return prefix
    digest = hashlib.sha256(f"sqtui-sim-account:{key}".encode("utf-8", "surrogatepass")).digest()
    return str(10**16 + int.from_bytes(digest[:8]) % (9 * 10**16))


def check_scopes(scopes: Iterable[str]) -> None:
    """ValueError unless every scope is one the simulator knows."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ValueError(f"unknown scopes {', '.join(unknown)} (known: {', '.join(SCOPES)})")


@dataclass(frozen=True)
class KeyLimits:
    """What the key may do: None means no limit; resources are named by id or by name."""

    scopes: frozenset[str] | None = None
    resources: frozenset[str] | None = None

    @classmethod
    def of(cls, scopes: Iterable[str] | None, resources: Iterable[str] | None) -> KeyLimits:
        """Limits from any iterables (checked), None for no limit."""
        if scopes is not None:
            scopes = frozenset(scopes)
            check_scopes(scopes)
        return cls(
            None if scopes is None else frozenset(scopes),
            None if resources is None else frozenset(resources),
        )

    def check_scope(self, scope: str) -> None:
        """Raise 403 ``MISSING_SCOPE`` unless the key holds ``scope``."""
        if self.scopes is not None and scope not in self.scopes:
            raise ApiError(403, "MISSING_SCOPE", f"This API key lacks the scope {scope}.")

    def allows(self, resource_id: str, name: str) -> bool:
        """Whether the key may act on the resource with this id and name."""
        return self.resources is None or resource_id in self.resources or name in self.resources

    def check_resource(self, resource_id: str, name: str) -> None:
        """Raise 403 ``RESOURCE_NOT_ALLOWED`` unless the key may act on this resource."""
        if not self.allows(resource_id, name):
            raise ApiError(
                403, "RESOURCE_NOT_ALLOWED", "This API key is not allowed to use this resource."
            )

    def to_json(self) -> dict[str, list[str] | None]:
        """The limits as the control route shows and accepts them."""
        return {
            "scopes": None if self.scopes is None else sorted(self.scopes),
            "resources": None if self.resources is None else sorted(self.resources),
        }
