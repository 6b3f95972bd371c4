"""The last good view of an account, kept on disk for when the API cannot be reached.

The cache holds the account and the listings in the API's own shapes (read back with
the same parsers) without the signed URLs and keys: those are credentials, and a
cached row cannot be downloaded anyway. A cached view is always shown as stale.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqtui.api.errors import ApiError
from sqtui.api.models import (
    Account,
    Resource,
    ResourceKind,
    Snapshot,
)
from sqtui.api.parsing import parse_account, parse_snapshots, parse_time
from sqtui.storage.atomic import write_atomic

log = logging.getLogger("sqtui.cache")

FORMAT = 1


@dataclass
class CachedView:
    """What was last seen: the account, listings by resource id, and when."""

    account: Account
    listings: dict[str, list[Snapshot]] = field(default_factory=dict)
    saved_at: datetime | None = None


def _resource_json(resource: Resource) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": resource.id,
        "name": resource.name,
        "ram": resource.ram_mb,
        "cluster": resource.cluster,
    }
    if resource.created_at is not None:
        data["created_at"] = resource.created_at.isoformat()
    if resource.kind is ResourceKind.APP:
        data.update(lang=resource.detail, desc=resource.description, domain=resource.domain)
    else:
        data["type"] = resource.detail
    return data


def _snapshot_json(snapshot: Snapshot) -> dict[str, Any]:
    return {
        "name": snapshot.name,
        "version_id": snapshot.version_id,
        "size": snapshot.size,
        "modified": snapshot.modified.isoformat(),
        "origin": snapshot.origin if snapshot.origin != "unknown" else None,
        # No url and no key: they are credentials. A placeholder keeps the parser happy.
        "url": "cached:",
    }


def save_view(
    path: Path,
    api_url: str,
    account: Account,
    listings: dict[str, list[Snapshot]],
    now: datetime,
) -> None:
    """Write the view atomically; a failure is logged, never raised."""
    user, plan = account.user, account.user.plan
    data = {
        "format": FORMAT,
        "api_url": api_url,
        "saved_at": now.astimezone(UTC).isoformat(),
        "account": {
            "user": {
                "id": user.id,
                "name": user.name,
                "email": user.email,
                "locale": user.locale,
                "plan": {
                    "name": plan.name,
                    "memory": {
                        "limit": plan.memory_limit_mb,
                        "available": plan.memory_available_mb,
                        "used": plan.memory_used_mb,
                    },
                    "duration": plan.duration_ms,
                },
            },
            "applications": [_resource_json(r) for r in account.applications],
            "databases": [_resource_json(r) for r in account.databases],
        },
        "listings": {
            rid: {
                "kind": next(
                    (r.kind.value for r in account.resources if r.id == rid),
                    ResourceKind.APP.value,
                ),
                "snapshots": [_snapshot_json(s) for s in snaps],
            }
            for rid, snaps in listings.items()
        },
    }
    try:
        write_atomic(path, json.dumps(data))
    except OSError as error:
        log.warning("could not save the account cache: %s", error)


def load_view(path: Path, api_url: str) -> CachedView | None:
    """The saved view for ``api_url``, or None if there is none or it is unreadable."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    if data.get("api_url") != api_url:
        return None
    try:
        account = parse_account(data.get("account"))
        listings: dict[str, list[Snapshot]] = {}
        raw_listings = data.get("listings") or {}
        if isinstance(raw_listings, dict):
            for rid, entry in raw_listings.items():
                if not isinstance(entry, dict):
                    continue
                kind = ResourceKind(entry.get("kind", "app"))
                listings[str(rid)] = [
                    _without_url(s)
                    for s in parse_snapshots(entry.get("snapshots"), kind=kind, user_id=None)
                ]
    except (ApiError, ValueError) as error:
        log.warning("ignoring an unreadable account cache: %s", error)
        return None
    saved = data.get("saved_at")
    return CachedView(
        account=account,
        listings=listings,
        saved_at=parse_time(saved) if isinstance(saved, str) else None,
    )


def _without_url(snapshot: Snapshot) -> Snapshot:
    return replace(snapshot, url="", signed_query="", expires=None)
