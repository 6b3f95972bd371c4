"""Snapshot listings: their items, rendered once and kept, and the answers built from them.

An account-wide listing can hold tens of thousands of items. Everything in an item but
its signature (name, size, time, version, origin) depends only on the snapshot, and the
size is the costly part (it is read from the archive's layout). So each item is rendered
once into JSON text and kept (``RenderedItems``); an answer then only signs each item
and joins the texts.

The simulator copies what a listing needs under its lock (a ``ListingJob``: resources,
ready manual snapshots, the time) and the job builds the answer without the lock. The
server builds it on its event loop a slice at a time (``render_async``), letting other
requests in between slices: a worker thread would not, as building is Python work that
holds the GIL throughout.

The real server caches listings for up to 30 minutes; ``ListingCache`` keeps each
rendered answer for ``listing_cache_seconds`` (simulated), so a new snapshot shows up in
a listing only once that route's cached answer has expired.
"""

from __future__ import annotations

import asyncio
import heapq
import json
import threading
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from .account import Resource, Snapshot, automatic_days, automatic_snapshot, iso
from .config import RETENTION_SECONDS, SimConfig
from .signed_url import UrlSigner

SLICE_SECONDS = 0.002
"""How long an answer is built before other requests get their turn."""

_STEP_ITEMS = 64
"""Items rendered between two looks at the clock."""


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


def _json_text(value: str) -> str:
    """``value`` as it stands between the quotes of a JSON string (as ``envelope`` writes it)."""
    return json.dumps(value, ensure_ascii=False)[1:-1]


@dataclass(frozen=True)
class RenderedItem:
    """One listed snapshot as JSON text, all but its signature (which changes each second).

    The signed query string (the ``key``) is URL-safe ASCII, so it goes into the text
    as it is: ``head + key + middle + root + path + "?" + key + tail`` is exactly what
    ``envelope`` writes for ``listing_item``.
    """

    modified: float
    version_id: str
    path: str
    head: str
    middle: str
    path_text: str
    tail: str

    @classmethod
    def of(cls, snapshot: Snapshot, user_id: str, config: SimConfig) -> RenderedItem:
        """Render ``snapshot`` (computing its archive's size)."""
        path = snapshot_path(snapshot.resource, user_id)
        name = json.dumps(snapshot.resource.object_name, ensure_ascii=False)
        modified = json.dumps(iso(snapshot.modified))
        version = json.dumps(snapshot.version_id, ensure_ascii=False)
        return cls(
            modified=snapshot.modified,
            version_id=snapshot.version_id,
            path=path,
            head=f'{{"name":{name},"size":{snapshot.size(config)},"modified":{modified},"key":"',
            middle=f'","version_id":{version},"url":"',
            path_text=_json_text(path),
            tail=f'","origin":{json.dumps(snapshot.origin)}}}',
        )

    def text(self, key: str, root_text: str) -> str:
        """The item's JSON with its signed ``key``, under the JSON-escaped ``root_text``."""
        return f"{self.head}{key}{self.middle}{root_text}{self.path_text}?{key}{self.tail}"


class RenderedItems:
    """Each resource's listed snapshots, rendered once and kept while they are listed.

    Safe from several threads without a lock: an item rendered twice at once is the
    same text, and whichever is kept will do.
    """

    def __init__(self, config: SimConfig, user_id: str) -> None:
        self._config = config
        self._user_id = user_id
        # resource id -> automatic snapshot's day (int) or manual version id -> item
        self._kept: dict[str, dict[int | str, RenderedItem]] = {}

    def of(
        self, resource: Resource, manual: tuple[tuple[str, float], ...], now: float
    ) -> Generator[None, None, list[RenderedItem]]:
        """The resource's listed snapshots at ``now``, newest first, yielding after each
        one rendered anew (its archive's size is the costly part).

        ``manual`` holds its ready, retained manual snapshots as ``(version_id, ready_at)``.
        """
        kept = self._kept.get(resource.id)
        if kept is None:
            kept = self._kept.setdefault(resource.id, {})
        items: list[RenderedItem] = []
        for k in automatic_days(resource, now):
            item = kept.get(k)
            if item is None:
                snapshot = automatic_snapshot(resource, self._config.seed, k)
                item = kept[k] = RenderedItem.of(snapshot, self._user_id, self._config)
                yield
            items.append(item)
        for version, ready_at in manual:
            item = kept.get(version)
            if item is None:
                snapshot = Snapshot(resource, version, ready_at, "manual")
                item = kept[version] = RenderedItem.of(snapshot, self._user_id, self._config)
                yield
            items.append(item)
        if len(kept) > len(items) + 64:
            # Days gone past retention: forget them.
            listed = set(automatic_days(resource, now)) | {version for version, _ in manual}
            self._kept[resource.id] = {key: v for key, v in kept.items() if key in listed}
        # Stable: equal times keep the order above, as a listing built item by item would.
        items.sort(key=attrgetter("modified"), reverse=True)
        return items


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
    signer: UrlSigner
    rendered: RenderedItems
    cache: ListingCache | None = None
    cache_key: tuple[str, ...] = ()
    expires_at: float = 0.0

    def render(self) -> bytes:
        """The answer's body, built at once (for Python callers)."""
        steps = self._steps()
        while True:
            try:
                next(steps)
            except StopIteration as built:
                body: bytes = built.value
                return body

    async def render_async(self) -> bytes:
        """The answer's body, built a slice at a time between other requests."""
        steps = self._steps()
        until = time.perf_counter() + SLICE_SECONDS
        while True:
            try:
                next(steps)
            except StopIteration as built:
                body: bytes = built.value
                return body
            if time.perf_counter() >= until:
                await asyncio.sleep(0)
                until = time.perf_counter() + SLICE_SECONDS

    def _steps(self) -> Generator[None, None, bytes]:
        """Build the body, yielding whenever another request could be let in."""
        listed: list[list[RenderedItem]] = []
        for resource, manual in zip(self.resources, self.manual, strict=True):
            listed.append((yield from self.rendered.of(resource, manual, self.now)))
            yield
        expires = int(self.now + RETENTION_SECONDS)
        root = _json_text(self.root_url.rstrip("/"))
        sign = self.signer.sign
        # Newest first across resources; equal times keep the resources' order.
        merged = heapq.merge(*listed, key=attrgetter("modified"), reverse=True)
        pieces = [b'{"status":"success","response":[']
        for batch in _batches(merged):
            texts = [item.text(sign(item.path, item.version_id, expires), root) for item in batch]
            pieces.append((b"," if len(pieces) > 1 else b"") + ",".join(texts).encode())
            yield
        pieces.append(b"]}")
        body = b"".join(pieces)
        if self.cache is not None:
            self.cache.put(self.cache_key, body, self.expires_at, self.now)
        return body


def _batches(items: Iterator[RenderedItem]) -> Iterator[list[RenderedItem]]:
    batch: list[RenderedItem] = []
    for item in items:
        batch.append(item)
        if len(batch) == _STEP_ITEMS:
            yield batch
            batch = []
    if batch:
        yield batch
