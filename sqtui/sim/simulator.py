"""The simulated account's state machine and its Python control API.

Rules (clock seconds are ``config.clock()``; "simulated" durations are divided by speed):

- Create: per-user cooldown 5 s and per-resource cooldown 180 s (simulated) answer
  429 ``KEEP_CALM``; then the rolling quota, ``(plan RAM MB / 256) * 2`` accepted creates
  per 24 h of clock time (not scaled), answers 429 ``DAILY_SNAPSHOTS_LIMIT_REACHED``.
  An accepted create records both cooldowns and one quota slot at once. The snapshot is
  ready ``generation_seconds`` (simulated) later; its ``modified`` is that instant.
- Restore: lasts ``restore_seconds`` (simulated); meanwhile the resource is not running
  and another restore of it gets 409 ``RESTORE_IN_PROGRESS``; it runs again (and its
  uptime starts over) when the restore ends. An accepted restore also starts a 60 s
  (simulated) per-resource cooldown: another request before then gets 429 ``KEEP_CALM``.
- A database that is ``stopped`` refuses create and restore with 409
  ``DATABASE_NOT_RUNNING``, one that is ``unavailable`` with 503 ``DATABASE_UNAVAILABLE``,
  before anything is spent. A stopped application can still be snapshotted.
- ``GET /users/snapshots``: ``scope`` defaults to ``applications``; 402
  ``UPGRADE_REQUIRED`` on the free plan; at most 10 accepted calls per rolling 60
  simulated seconds per account; beyond, 429 ``RATE_LIMITED`` (refused calls do not
  count), which lifts as soon as the oldest accepted call leaves the window.
- The key may be limited (``KeyLimits``): a call outside its scopes gets 403
  ``MISSING_SCOPE``, one on a resource it may not use 403 ``RESOURCE_NOT_ALLOWED``, and
  the account-wide listing shows only the resources it may use.
- Readiness is computed from the clock on every read, so no background task runs.
  ``snapshot_ready`` and ``restore_done`` events carry the computed instant they happened
  and are written lazily, before any later event is written or the events are read.
- Events: at most 50,000 are kept; the oldest tenth is dropped beyond that.
"""

from __future__ import annotations

import heapq
import ipaddress
import json
import math
import re
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .access import KeyLimits, account_id
from .account import (
    Kind,
    Resource,
    Snapshot,
    automatic_days,
    automatic_snapshots,
    build_resource,
    derive,
    iso,
    resource_id,
    version_id,
)
from .config import (
    ACCOUNT_SNAPSHOTS_LIMIT,
    ACCOUNT_SNAPSHOTS_WINDOW_SECONDS,
    DATABASE_TYPES,
    DAY,
    QUOTA_WINDOW_SECONDS,
    RESOURCE_COOLDOWN_SECONDS,
    RESOURCE_STATES,
    RESTORE_COOLDOWN_SECONDS,
    RETENTION_SECONDS,
    USER_COOLDOWN_SECONDS,
    SimConfig,
    daily_allowance,
    plan_memory_mb,
)
from .errors import ApiError, StorageError
from .faults import Fault
from .listing import ListingCache, ListingJob, RenderedItems, listing_item
from .signed_url import UrlSigner, Verdict
from .usage import app_status

__all__ = ["ApiError", "ManualSnapshot", "Restore", "Simulator", "StorageError", "is_loopback"]

MAX_EVENTS = 50_000
_VERSION_PATTERN = re.compile(r"[0-9A-Za-z._]{32}")
_ID_PATTERN = re.compile(r"[0-9a-f]{32}")
_SCOPE_KINDS: dict[str, Kind] = {"applications": "app", "databases": "database"}


@dataclass
class ManualSnapshot:
    """A snapshot requested through the API; ready once the clock reaches ``ready_at``."""

    version_id: str
    requested_at: float
    ready_at: float
    announced: bool = False


@dataclass
class Restore:
    """A restore of a resource, running until the clock reaches ``ends_at``."""

    resource_id: str
    version_id: str
    started_at: float
    ends_at: float
    announced: bool = False


def is_loopback(host: str | None) -> bool:
    """Whether a client address is loopback (127.0.0.0/8 or ::1)."""
    if host is None:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _wait(seconds: float) -> str:
    return f"{max(1, math.ceil(seconds))} s"


class Simulator:
    """A simulated Square Cloud account: resources, snapshots, quota, restores, faults, events.

    Safe to call from another thread than the server's (a lock guards the state).
    """

    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config if config is not None else SimConfig()
        self._lock = threading.RLock()
        seed = self.config.seed
        self.started_at = self.config.clock()
        self.user_id = account_id(self.config.api_key)
        self.account_created_at = self.started_at - 400 * DAY - derive(seed, "user")[8] * 3600
        self.plan_memory = plan_memory_mb(self.config.plan)
        self.allowance = daily_allowance(self.config.plan)
        self.signer = UrlSigner(seed, self.config.signing_secret)
        self.limits = KeyLimits.of(self.config.key_scopes, self.config.key_resources)
        self.resources: dict[str, Resource] = {}
        self._states: dict[str, str] = {}
        self._up_since: dict[str, float] = {}
        self._restore_cooldown_until: dict[str, float] = {}
        self._listings = ListingCache()
        self._rendered = RenderedItems(self.config, self.user_id)
        self._counts: dict[Kind, int] = {"app": 0, "database": 0}
        self._manual: dict[str, dict[str, ManualSnapshot]] = {}
        self._user_cooldown_until = -math.inf
        self._resource_cooldown_until: dict[str, float] = {}
        self._quota: deque[float] = deque()
        self._restores: dict[str, Restore] = {}
        self._due: list[tuple[float, int, ManualSnapshot | Restore, str]] = []
        self._due_counter = 0
        self._account_calls: deque[float] = deque()
        self._faults: list[Fault] = []
        self._events: list[dict[str, Any]] = []
        for _ in range(self.config.apps):
            self._add("app", None, None, self.started_at)
        for _ in range(self.config.databases):
            self._add("database", None, None, self.started_at)
        for target, state in self.config.resource_states.items():
            # The account starts this way: a setting, not a change to log.
            self._set_state(target, state)

    # -- the control API -------------------------------------------------------------

    def now(self) -> float:
        """The current time of the injected clock."""
        return self.config.clock()

    def add_resource(self, kind: Kind, name: str, db_type: str | None = None) -> str:
        """Add an app or database named literally ``name`` (with a month of snapshots); its id."""
        if kind not in ("app", "database"):
            raise ValueError("kind must be 'app' or 'database'")
        if db_type is not None and (kind != "database" or db_type not in DATABASE_TYPES):
            raise ValueError(f"db_type must be one of {', '.join(DATABASE_TYPES)} (databases)")
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:
            # A lone surrogate cannot be sent back as UTF-8 JSON.
            raise ValueError("name must be valid Unicode text") from None
        with self._lock:
            resource = self._add(kind, name, db_type, self.now())
            self._record({"type": "resource_added", "resource": resource.id})
            return resource.id

    def add_fault(self, fault: Fault) -> None:
        """Apply ``fault`` to the requests it matches, after the faults already added."""
        with self._lock:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()

    def set_resource_state(self, target: str, state: str) -> str:
        """Make a resource (by id or name) ``running``, ``stopped`` or ``unavailable``; its id.

        ValueError for an unknown resource or state, or an application made unavailable.
        """
        with self._lock:
            rid = self._set_state(target, state)
            self._record({"type": "state_changed", "resource": rid, "state": state})
            return rid

    def set_key_limits(
        self, scopes: Iterable[str] | None, resources: Iterable[str] | None
    ) -> KeyLimits:
        """Limit the API key to ``scopes`` and ``resources`` (ids or names); None: no limit."""
        limits = KeyLimits.of(scopes, resources)
        with self._lock:
            self.limits = limits
            # Cached account-wide listings were filtered by the old limits.
            self._listings.clear()
            return limits

    @property
    def faults(self) -> list[Fault]:
        """The active faults, first match wins."""
        with self._lock:
            return list(self._faults)

    @property
    def events(self) -> list[dict[str, Any]]:
        """Requests seen and state changes, oldest first (a copy)."""
        with self._lock:
            self._flush(self.now())
            return list(self._events)

    def state(self) -> dict[str, Any]:
        """Account, resources, snapshot counts, recent manual snapshots, quota and faults."""
        with self._lock:
            now = self.now()
            self._flush(now)
            resources = []
            for resource in self.resources.values():
                manual = list(self._manual[resource.id].values())
                automatic = len(automatic_days(resource, now))
                ready = [m for m in manual if m.ready_at <= now]
                restore = self._restores.get(resource.id)
                resources.append(
                    {
                        "id": resource.id,
                        "kind": resource.kind,
                        "name": resource.name,
                        "type": resource.db_type,
                        "state": self._states[resource.id],
                        "running": self._running(resource, now),
                        "restoring": restore is not None and restore.ends_at > now,
                        "snapshots": {
                            "automatic": automatic,
                            "manual": len(ready),
                            "pending": len(manual) - len(ready),
                        },
                        "recent_manual": [
                            {
                                "version_id": m.version_id,
                                "requested_at": m.requested_at,
                                "ready_at": m.ready_at,
                                "ready": m.ready_at <= now,
                            }
                            for m in manual[-10:]
                        ],
                        "cooldown_until": self._resource_cooldown_until.get(resource.id),
                        "restore_cooldown_until": self._restore_cooldown_until.get(resource.id),
                    }
                )
            used = self._quota_used(now)
            return {
                "time": now,
                "account": {
                    "user_id": self.user_id,
                    "name": self.config.account_name,
                    "email": self.config.email,
                    "plan": self.config.plan,
                    "memory_mb": self.plan_memory,
                },
                "key": self.limits.to_json(),
                "resources": resources,
                "quota": {
                    "used": used,
                    "allowance": self.allowance,
                    "window_seconds": QUOTA_WINDOW_SECONDS,
                    "next_slot_at": self._quota[0] + QUOTA_WINDOW_SECONDS if self._quota else None,
                },
                "user_cooldown_until": (
                    None if self._user_cooldown_until == -math.inf else self._user_cooldown_until
                ),
                "faults": [fault.to_json() for fault in self._faults],
            }

    # -- what the HTTP layer calls ---------------------------------------------------

    def take_fault(self, method: str, path: str) -> Fault | None:
        """The first fault matching the request, counting one use of it."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    return fault
            return None

    def record_request(
        self,
        method: str,
        path: str,
        status: int,
        code: str | None,
        dropped: bool = False,
        download: Mapping[str, Any] | None = None,
    ) -> None:
        """Log an API or download request (``path`` without its query string).

        ``download`` adds a download's fields (``range`` asked, ``bytes_sent``).
        """
        event: dict[str, Any] = {"method": method, "path": path, "status": status, "code": code}
        if download is not None:
            event.update(download)
        if dropped:
            event["dropped"] = True
        with self._lock:
            self._record(event)

    def authorize(self, header: str | None, scope: str | None = None) -> None:
        """Raise 401 ``ACCESS_DENIED`` unless ``header`` is exactly the API key, then 403
        ``MISSING_SCOPE`` unless the key holds ``scope``."""
        if header is None or header != self.config.api_key:
            raise ApiError(401, "ACCESS_DENIED", "Invalid or missing API key.")
        if scope is not None:
            with self._lock:
                limits = self.limits
            limits.check_scope(scope)

    def me(self) -> dict[str, Any]:
        """The ``/users/me`` response."""
        with self._lock:
            used = sum(resource.ram for resource in self.resources.values())
            duration = None
            if self.config.plan != "free":
                # When the plan ends, as epoch milliseconds (not a time left).
                ends = self.started_at + (20 + derive(self.config.seed, "plan")[0] % 20) * DAY
                duration = int(ends * 1000)
            return {
                "user": {
                    "id": self.user_id,
                    "name": self.config.account_name,
                    "email": self.config.email,
                    "locale": "en-US",
                    "created_at": iso(self.account_created_at),
                    "plan": {
                        "name": self.config.plan,
                        "memory": {
                            "limit": self.plan_memory,
                            "available": max(0, self.plan_memory - used),
                            "used": used,
                        },
                        "duration": duration,
                    },
                },
                "applications": [r.to_json() for r in self._of_kind("app")],
                "databases": [r.to_json() for r in self._of_kind("database")],
            }

    def statuses(self, kind: Kind) -> list[dict[str, Any]]:
        """``/apps/status`` or ``/databases/status``: running state, and usage when running."""
        with self._lock:
            now = self.now()
            self._flush(now)
            answer: list[dict[str, Any]] = []
            for resource in self._of_kind(kind):
                item: dict[str, Any] = {"id": resource.id, "running": False}
                if self._running(resource, now):
                    status = app_status(self.config.seed, resource, now, "running", 0.0)
                    item.update(running=True, cpu=status["cpu"], ram=status["ram"])
                answer.append(item)
            return answer

    def app(self, rid: str) -> dict[str, Any]:
        """``GET /apps/{id}``: the application as ``/users/me`` lists it."""
        with self._lock:
            return self._usable("app", rid).to_json()

    def app_status(self, rid: str) -> dict[str, Any]:
        """``GET /apps/{id}/status``: usage, and whether it runs (not during a restore)."""
        with self._lock:
            now = self.now()
            self._flush(now)
            resource = self._usable("app", rid)
            restore = self._restores.get(rid)
            if restore is not None and restore.ends_at > now:
                status = "restarting"
            elif self._states[rid] == "running":
                status = "running"
            else:
                status = "exited"
            return app_status(self.config.seed, resource, now, status, self._started(rid, now))

    def resource_listing(self, kind: Kind, rid: str, root_url: str) -> bytes | ListingJob:
        """One resource's listing: its cached answer, or the job that builds it."""
        with self._lock:
            now = self.now()
            self._flush(now)
            resource = self._usable(kind, rid)
            return self._listing(("resource", rid, root_url), [resource], root_url, now)

    def account_listing(self, scope: str | None, root_url: str) -> bytes | ListingJob:
        """``/users/snapshots``: every snapshot of a scope the key may see (cached or a job)."""
        kind = _SCOPE_KINDS.get("applications" if scope is None else scope)
        if kind is None:
            raise ApiError(400, "INVALID_SCOPE", "scope must be 'applications' or 'databases'.")
        if self.config.plan == "free":
            raise ApiError(
                402, "UPGRADE_REQUIRED", "The account-wide snapshot listing needs a paid plan."
            )
        with self._lock:
            now = self.now()
            self._flush(now)
            window = self.config.scaled(ACCOUNT_SNAPSHOTS_WINDOW_SECONDS)
            while self._account_calls and self._account_calls[0] <= now - window:
                self._account_calls.popleft()
            if len(self._account_calls) >= ACCOUNT_SNAPSHOTS_LIMIT:
                left = self._account_calls[0] + window - now
                raise ApiError(429, "RATE_LIMITED", f"Too many requests; retry in {_wait(left)}.")
            self._account_calls.append(now)
            resources = [r for r in self._of_kind(kind) if self.limits.allows(r.id, r.name)]
            return self._listing(("account", kind, root_url), resources, root_url, now)

    def list_snapshots(self, kind: Kind, rid: str, root_url: str) -> list[dict[str, Any]]:
        """One resource's listed snapshots, newest first (built here, for Python callers)."""
        return _items(self.resource_listing(kind, rid, root_url))

    def list_account_snapshots(self, scope: str | None, root_url: str) -> list[dict[str, Any]]:
        """Every listed snapshot of one scope, newest first (built here, for Python callers)."""
        return _items(self.account_listing(scope, root_url))

    def create_snapshot(self, kind: Kind, rid: str) -> ManualSnapshot:
        """Accept a create request (cooldowns and quota permitting) and start generating."""
        with self._lock:
            now = self.now()
            self._flush(now)
            resource = self._usable(kind, rid)
            self._check_database_runs(resource)
            user_left = self._user_cooldown_until - now
            if user_left > 0:
                raise ApiError(
                    429,
                    "KEEP_CALM",
                    f"Keep calm: you can request another snapshot in {_wait(user_left)}.",
                )
            resource_left = self._resource_cooldown_until.get(rid, -math.inf) - now
            if resource_left > 0:
                raise ApiError(
                    429,
                    "KEEP_CALM",
                    "Keep calm: this resource can take another snapshot in "
                    f"{_wait(resource_left)}.",
                )
            if self._quota_used(now) >= self.allowance:
                frees = self._quota[0] + QUOTA_WINDOW_SECONDS
                raise ApiError(
                    429,
                    "DAILY_SNAPSHOTS_LIMIT_REACHED",
                    f"Daily snapshot limit reached ({self.allowance}r/24h); "
                    f"the next slot frees at {iso(frees)} (in {_wait(frees - now)}).",
                )
            self._user_cooldown_until = now + self.config.scaled(USER_COOLDOWN_SECONDS)
            self._resource_cooldown_until[rid] = now + self.config.scaled(RESOURCE_COOLDOWN_SECONDS)
            self._quota.append(now)
            manual = self._manual[rid]
            snapshot = ManualSnapshot(
                version_id=version_id(self.config.seed, rid, f"manual:{len(manual)}"),
                requested_at=now,
                ready_at=now + self.config.scaled(self.config.generation_seconds),
            )
            manual[snapshot.version_id] = snapshot
            self._schedule(snapshot.ready_at, snapshot, resource.id)
            self._record(
                {"type": "snapshot_created", "resource": rid, "version_id": snapshot.version_id}
            )
            return snapshot

    def finish_snapshot(
        self, kind: Kind, rid: str, snapshot: ManualSnapshot, root_url: str
    ) -> dict[str, Any]:
        """Mark a held create as ready now and return ``{url, key}`` for it."""
        with self._lock:
            now = self.now()
            if snapshot.ready_at > now:
                snapshot.ready_at = now
                self._schedule(now, snapshot, rid)
            self._flush(now)
            resource = self._resource(kind, rid)
            item = listing_item(
                Snapshot(resource, snapshot.version_id, snapshot.ready_at, "manual"),
                root_url=root_url,
                now=now,
                user_id=self.user_id,
                signer=self.signer,
                config=self.config,
            )
            return {"url": item["url"], "key": item["key"]}

    def start_restore(self, kind: Kind, rid: str, payload: object) -> Restore:
        """Validate a restore request's body and start restoring."""
        with self._lock:
            now = self.now()
            self._flush(now)
            resource = self._usable(kind, rid)
            self._check_database_runs(resource)
            fields = payload if isinstance(payload, dict) else {}
            name = fields.get("snapshotId")
            owner = _snapshot_owner(resource, name)
            if owner is None:
                raise ApiError(
                    400,
                    "INVALID_SNAPSHOT_ID",
                    "snapshotId must be a snapshot name from the listing.",
                )
            owner_id, engine = owner
            if engine != resource.db_type:
                raise ApiError(
                    400,
                    "SNAPSHOT_DATABASE_MISMATCH",
                    f"A {engine} snapshot cannot be restored into a {resource.db_type} database.",
                )
            version = fields.get("versionId")
            if not isinstance(version, str) or not _VERSION_PATTERN.fullmatch(version):
                raise ApiError(
                    400, "INVALID_VERSION_ID", "versionId must be a version_id from the listing."
                )
            snapshot = self._find(resource, version, now) if owner_id == resource.id else None
            if snapshot is None:
                raise ApiError(404, "SNAPSHOT_NOT_FOUND", "No such snapshot for this resource.")
            running = self._restores.get(rid)
            if running is not None and running.ends_at > now:
                raise ApiError(
                    409, "RESTORE_IN_PROGRESS", "A restore of this resource is already running."
                )
            cooldown_left = self._restore_cooldown_until.get(rid, -math.inf) - now
            if cooldown_left > 0:
                raise ApiError(
                    429,
                    "KEEP_CALM",
                    f"Keep calm: this resource can be restored again in {_wait(cooldown_left)}.",
                )
            restore = Restore(
                rid, version, now, now + self.config.scaled(self.config.restore_seconds)
            )
            self._restores[rid] = restore
            self._restore_cooldown_until[rid] = now + self.config.scaled(RESTORE_COOLDOWN_SECONDS)
            self._schedule(restore.ends_at, restore, rid)
            self._record({"type": "restore_started", "resource": rid, "version_id": version})
            return restore

    def finish_restore(self, restore: Restore) -> None:
        """End a held restore now (it may already have ended by the clock)."""
        with self._lock:
            now = self.now()
            if restore.ends_at > now:
                restore.ends_at = now
                self._schedule(now, restore, restore.resource_id)
            self._flush(now)

    def open_download(
        self, scope: str, user_id: str, name: str, query: Mapping[str, str]
    ) -> Snapshot:
        """Check a download's signed URL and find its snapshot, else raise ``StorageError``."""
        path = f"/snapshots/{scope}/{user_id}/{name}.zip"
        with self._lock:
            now = self.now()
            self._flush(now)
            verdict = self.signer.verify(path, query, now)
            if verdict is Verdict.MISSING:
                raise StorageError(
                    403,
                    "AccessDenied",
                    "Query-string authentication requires the Signature, Expires and "
                    "AWSAccessKeyId parameters",
                )
            if verdict is Verdict.MISMATCH:
                raise StorageError(
                    403,
                    "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you "
                    "provided.",
                )
            if verdict is Verdict.EXPIRED:
                raise StorageError(403, "AccessDenied", "Request has expired")
            resource = self._by_object_name(scope, user_id, name)
            if resource is None:
                raise StorageError(404, "NoSuchKey", "The specified key does not exist.")
            snapshot = self._find(resource, query.get("versionId", ""), now)
            if snapshot is None:
                raise StorageError(404, "NoSuchVersion", "The specified version does not exist.")
            return snapshot

    # -- internals -------------------------------------------------------------------

    def _add(self, kind: Kind, name: str | None, db_type: str | None, now: float) -> Resource:
        index = self._counts[kind]
        self._counts[kind] += 1
        salt = 0
        rid = resource_id(self.config.seed, kind, index)
        while rid in self.resources:
            salt += 1
            rid = resource_id(self.config.seed, kind, index, salt)
        resource = build_resource(self.config, kind, index, rid, now, name, db_type)
        self.resources[rid] = resource
        self._manual[rid] = {}
        self._states[rid] = "stopped" if resource.stopped else "running"
        noise = derive(self.config.seed, "uptime", rid)
        self._up_since[rid] = now - (noise[0] * 256 + noise[1]) * 60
        return resource

    def _of_kind(self, kind: Kind) -> Iterator[Resource]:
        return (r for r in self.resources.values() if r.kind == kind)

    def _resource(self, kind: Kind, rid: str) -> Resource:
        resource = self.resources.get(rid)
        if resource is None or resource.kind != kind:
            if kind == "app":
                raise ApiError(404, "APP_NOT_FOUND", "No application with this id.")
            raise ApiError(404, "DATABASE_NOT_FOUND", "No database with this id.")
        return resource

    def _set_state(self, target: str, state: str) -> str:
        resource = self.resources.get(target) or next(
            (r for r in self.resources.values() if r.name == target), None
        )
        if resource is None:
            raise ValueError(f"no resource with id or name {target!r}")
        if state not in RESOURCE_STATES:
            raise ValueError(f"state must be one of {', '.join(RESOURCE_STATES)}")
        if state == "unavailable" and resource.kind != "database":
            raise ValueError("only a database can be unavailable")
        if state == "running" and self._states[resource.id] != "running":
            self._up_since[resource.id] = self.now()
        self._states[resource.id] = state
        return resource.id

    def _usable(self, kind: Kind, rid: str) -> Resource:
        """The resource, if it exists and the key may use it."""
        resource = self._resource(kind, rid)
        self.limits.check_resource(resource.id, resource.name)
        return resource

    def _check_database_runs(self, resource: Resource) -> None:
        state = self._states[resource.id]
        if resource.kind != "database" or state == "running":
            return
        if state == "unavailable":
            raise ApiError(
                503, "DATABASE_UNAVAILABLE", "The database is unavailable right now; try later."
            )
        raise ApiError(409, "DATABASE_NOT_RUNNING", "The database is not running; start it first.")

    def _listing(
        self, key: tuple[str, ...], resources: list[Resource], root_url: str, now: float
    ) -> bytes | ListingJob:
        cache_seconds = self.config.listing_cache_seconds
        if cache_seconds > 0:
            cached = self._listings.get(key, now)
            if cached is not None:
                return cached
        oldest = now - RETENTION_SECONDS
        manual = tuple(
            tuple(
                (m.version_id, m.ready_at)
                for m in self._manual[resource.id].values()
                if oldest <= m.ready_at <= now
            )
            for resource in resources
        )
        return ListingJob(
            resources=tuple(resources),
            manual=manual,
            now=now,
            root_url=root_url,
            signer=self.signer,
            rendered=self._rendered,
            cache=self._listings if cache_seconds > 0 else None,
            cache_key=key,
            expires_at=now + self.config.scaled(cache_seconds),
        )

    def _started(self, rid: str, now: float) -> float | None:
        """When the resource last started running (the end of its last restore), or None."""
        restore = self._restores.get(rid)
        if self._states[rid] != "running" or (restore is not None and restore.ends_at > now):
            return None
        since = self._up_since[rid]
        return max(since, restore.ends_at) if restore is not None else since

    def _by_object_name(self, scope: str, user_id: str, name: str) -> Resource | None:
        if user_id != self.user_id:
            return None
        resource = self.resources.get(name.partition("_")[0])
        if resource is None or resource.scope != scope or resource.object_name != name:
            return None
        return resource

    def _running(self, resource: Resource, now: float) -> bool:
        restore = self._restores.get(resource.id)
        running = self._states[resource.id] == "running"
        return running and (restore is None or restore.ends_at <= now)

    def _quota_used(self, now: float) -> int:
        while self._quota and self._quota[0] <= now - QUOTA_WINDOW_SECONDS:
            self._quota.popleft()
        return len(self._quota)

    def _find(self, resource: Resource, version: str, now: float) -> Snapshot | None:
        manual = self._manual[resource.id].get(version)
        if manual is not None:
            if now - RETENTION_SECONDS <= manual.ready_at <= now:
                return Snapshot(resource, manual.version_id, manual.ready_at, "manual")
            return None
        for snapshot in automatic_snapshots(resource, self.config.seed, now):
            if snapshot.version_id == version:
                return snapshot
        return None

    def _schedule(self, at: float, subject: ManualSnapshot | Restore, rid: str) -> None:
        self._due_counter += 1
        heapq.heappush(self._due, (at, self._due_counter, subject, rid))

    def _flush(self, now: float) -> None:
        # A subject's time only ever moves earlier, so a stale heap entry is later than it.
        while self._due and self._due[0][0] <= now:
            _, _, subject, rid = heapq.heappop(self._due)
            if subject.announced:
                continue
            subject.announced = True
            if isinstance(subject, ManualSnapshot):
                at, change = subject.ready_at, "snapshot_ready"
            else:
                at, change = subject.ends_at, "restore_done"
            self._append(
                {"time": at, "type": change, "resource": rid, "version_id": subject.version_id}
            )

    def _record(self, event: dict[str, Any]) -> None:
        now = self.now()
        self._flush(now)
        self._append({"time": now, **event})

    def _append(self, event: dict[str, Any]) -> None:
        self._events.append(event)
        if len(self._events) > MAX_EVENTS:
            del self._events[: MAX_EVENTS // 10]


def _items(listing: bytes | ListingJob) -> list[dict[str, Any]]:
    body = listing.render() if isinstance(listing, ListingJob) else listing
    items: list[dict[str, Any]] = json.loads(body)["response"]
    return items


def _snapshot_owner(resource: Resource, name: object) -> tuple[str, str | None] | None:
    """``(resource id, engine)`` named by a restore's ``snapshotId``, None when malformed."""
    if not isinstance(name, str):
        return None
    if resource.kind == "app":
        return (name, None) if _ID_PATTERN.fullmatch(name) else None
    owner, _, engine = name.partition("_")
    if not _ID_PATTERN.fullmatch(owner) or engine not in DATABASE_TYPES:
        return None
    return owner, engine
