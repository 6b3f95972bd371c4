"""The last good view of an account, kept on disk for when the API cannot be reached.

The cache holds the account and the listings in the API's own shapes (read back with
the same parsers) without the signed URLs and keys: those are credentials, and a
cached row cannot be downloaded anyway. A cached view is always shown as stale.
It also keeps the resource last viewed, so the next start opens it again. A cache
that cannot be read (damaged, too large, odd dates) is a warning, never a crash.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
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
from sqtui.storage.atomic import read_limited, write_atomic

log = logging.getLogger("sqtui.cache")

FORMAT = 1
# Hundreds of resources with thirty snapshots each take well under a megabyte.
MAX_FILE_BYTES = 16 << 20


@dataclass
class CachedView:
    """What was last seen: the account, listings by resource id, and when."""

    account: Account
    listings: dict[str, list[Snapshot]] = field(default_factory=dict)
    saved_at: datetime | None = None
    # The resource last viewed (its id), opened again at the next start.
    selected: str | None = None


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
    *,
    selected: str | None = None,
) -> None:
    """Write the view atomically; a failure is logged, never raised.

    ``selected`` is the resource last viewed; without it, the one saved before is kept.
    """
    if selected is None:
        selected = _saved_selection(path, api_url)
    user, plan = account.user, account.user.plan
    data = {
        "format": FORMAT,
        "api_url": api_url,
        "selected": selected,
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
    except (OSError, ValueError, OverflowError) as error:
        log.warning("could not save the account cache: %s", error)


def remember_selected(path: Path, api_url: str, resource_id: str) -> None:
    """Keep ``resource_id`` as the resource last viewed; a failure is logged, never raised."""
    data = _read(path)
    if data is None or data.get("api_url") != api_url or data.get("selected") == resource_id:
        return
    data["selected"] = resource_id
    try:
        write_atomic(path, json.dumps(data))
    except OSError as error:
        log.warning("could not save the resource last viewed: %s", error)


def _saved_selection(path: Path, api_url: str) -> str | None:
    data = _read(path)
    if data is None or data.get("api_url") != api_url:
        return None
    selected = data.get("selected")
    return selected if isinstance(selected, str) else None


def _read(path: Path, warn: Callable[[str], None] | None = None) -> dict[str, Any] | None:
    """The cache file's object of this format, or None (missing, damaged, too large)."""
    try:
        data = json.loads(read_limited(path, MAX_FILE_BYTES))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, RecursionError) as error:
        _warn(warn, f"The cached view of the account ({path.name}) was not used: {error}.")
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    return data


def _warn(warn: Callable[[str], None] | None, sentence: str) -> None:
    log.warning("%s", sentence)
    if warn is not None:
        warn(sentence)


def load_view(
    path: Path, api_url: str, warn: Callable[[str], None] | None = None
) -> CachedView | None:
    """The saved view for ``api_url``, or None if there is none or it cannot be used.

    Never raises: why a cache was not used is logged and handed to ``warn``.
    """
    data = _read(path, warn)
    if data is None or data.get("api_url") != api_url:
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
    except (ApiError, ValueError, TypeError, KeyError, OverflowError, RecursionError) as error:
        _warn(warn, f"The cached view of the account ({path.name}) was not used: {error}.")
        return None
    saved = data.get("saved_at")
    selected = data.get("selected")
    return CachedView(
        account=account,
        listings=listings,
        saved_at=parse_time(saved) if isinstance(saved, str) else None,
        selected=selected if isinstance(selected, str) else None,
    )


def _without_url(snapshot: Snapshot) -> Snapshot:
    return replace(snapshot, url="", signed_query="", expires=None)
