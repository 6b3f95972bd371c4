"""Snapshot listings: their items, built away from the event loop, and the server's cache.

An account-wide listing can hold tens of thousands of items. The simulator copies what
a listing needs under its lock (a ``ListingJob``: resources, ready manual snapshots, the
time) and the job builds and renders the answer without the lock, in a worker thread, so
the event loop keeps answering other requests meanwhile.

The real server caches listings for up to 30 minutes; ``ListingCache`` keeps each
rendered answer for ``listing_cache_seconds`` (simulated), so a new snapshot shows up in
a listing only once that route's cached answer has expired.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .account import Resource, Snapshot, automatic_snapshots, iso
from .config import RETENTION_SECONDS, SimConfig
from .signed_url import UrlSigner


def snapshot_path(resource: Resource, user_id: str) -> str:
    """The snapshot host's path of a resource's stored object."""
    return f"/snapshots/{resource.scope}/{user_id}/{resource.object_name}.zip"


def listing_item(
    snapshot: Snapshot,
    *,
    root_url: str,
    now: float,
    user_id: str,
    signer: UrlSigner,
    config: SimConfig,
) -> dict[str, Any]:
    """One snapshot as a listing shows it, with a URL signed for 30 days from ``now``."""
    resource = snapshot.resource
    path = snapshot_path(resource, user_id)
    key = signer.sign(path, snapshot.version_id, int(now + RETENTION_SECONDS))
    return {
        "name": resource.object_name,
        "size": snapshot.size(config),
        "modified": iso(snapshot.modified),
        "key": key,
        "version_id": snapshot.version_id,
        "url": f"{root_url.rstrip('/')}{path}?{key}",
        "origin": snapshot.origin,
    }


def envelope(items: list[dict[str, Any]]) -> bytes:
    """The success envelope around a listing, as the answer's body."""
    return json.dumps(
        {"status": "success", "response": items}, ensure_ascii=False, separators=(",", ":")
    ).encode()


class ListingCache:
    """Rendered listing answers by route, each until its expiry (clock seconds)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: dict[tuple[str, ...], tuple[float, bytes]] = {}

    def get(self, key: tuple[str, ...], now: float) -> bytes | None:
        """The cached answer for ``key`` if it has not expired."""
        with self._lock:
            found = self._answers.get(key)
            if found is None or found[0] <= now:
                return None
            return found[1]

    def put(self, key: tuple[str, ...], body: bytes, expires_at: float, now: float) -> None:
        """Keep ``body`` for ``key`` until ``expires_at``; expired answers are dropped."""
        with self._lock:
            self._answers = {k: v for k, v in self._answers.items() if v[0] > now}
            self._answers[key] = (expires_at, body)

    def clear(self) -> None:
        """Forget every cached answer."""
        with self._lock:
            self._answers.clear()


@dataclass(frozen=True)
class ListingJob:
    """Everything one listing needs, copied from the simulator, to build without its lock.

    ``manual`` holds each resource's ready, retained manual snapshots as
    ``(version_id, ready_at)``; automatic ones are derived from the resource.
    """

    resources: tuple[Resource, ...]
    manual: tuple[tuple[tuple[str, float], ...], ...]
    now: float
    root_url: str
    user_id: str
    signer: UrlSigner
    config: SimConfig
    cache: ListingCache | None = None
    cache_key: tuple[str, ...] = ()
    expires_at: float = 0.0

    def snapshots(self) -> Iterator[Snapshot]:
        """Every listed snapshot, resource by resource."""
        for resource, manual in zip(self.resources, self.manual, strict=True):
            yield from automatic_snapshots(resource, self.config.seed, self.now)
            yield from (Snapshot(resource, v, at, "manual") for v, at in manual)

    def items(self) -> list[dict[str, Any]]:
        """The listing's items, newest first."""
        # Built resource by resource (an archive's sizes share work per resource), then
        # sorted; the sort is stable, so equal times keep the resources' order.
        dated = [
            (
                snapshot.modified,
                listing_item(
                    snapshot,
                    root_url=self.root_url,
                    now=self.now,
                    user_id=self.user_id,
                    signer=self.signer,
                    config=self.config,
                ),
            )
            for snapshot in self.snapshots()
        ]
        dated.sort(key=lambda pair: pair[0], reverse=True)
        return [item for _, item in dated]

    def render(self) -> bytes:
        """The answer's body (kept in the cache when the job has one)."""
        body = envelope(self.items())
        if self.cache is not None:
            self.cache.put(self.cache_key, body, self.expires_at, self.now)
        return body
