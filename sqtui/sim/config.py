"""Settings of a simulated account: size, plan, timings, and the injected clock."""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from .access import account_id, check_scopes

DAY = 86_400.0
RETENTION_SECONDS = 30 * DAY
"""Snapshots older than this are gone, and signed URLs live this long."""

USER_COOLDOWN_SECONDS = 5.0
RESOURCE_COOLDOWN_SECONDS = 180.0
RESTORE_COOLDOWN_SECONDS = 60.0
"""One restore request per resource per minute (simulated)."""
QUOTA_WINDOW_SECONDS = DAY
"""The rolling quota window is wall-clock time: it is not scaled by ``speed``."""

ACCOUNT_SNAPSHOTS_LIMIT = 10
ACCOUNT_SNAPSHOTS_WINDOW_SECONDS = 60.0

MAX_AUTOMATIC_SNAPSHOTS = 30
"""Retention is 30 days and the platform takes one automatic snapshot a day."""

MAX_SNAPSHOT_MB = 65_536.0
"""Archives past 4 GiB carry Zip64 records; 64 GiB is plenty for any test."""

MAX_FILES_PER_APP = 200_000
"""Keeps an application's source tree, without its data file, well below 4 GiB."""

DEFAULT_ACCOUNT_ID = "23457145698959364"
DEFAULT_API_KEY = (
    f"{DEFAULT_ACCOUNT_ID}-{hashlib.sha256(b'sqtui-sim default key').hexdigest()[:32]}"
)
"""``<account id>-<secret>``, like a real key, and the same on every run."""

RESOURCE_STATES = ("running", "stopped", "unavailable")
"""What a resource can be; only a database can be ``unavailable``."""

DEMO_APPS: tuple[tuple[str, str], ...] = (
    ("api-gateway", "python"),
    ("worker", "python"),
    ("landing-page", "javascript"),
    ("billing-service", "typescript"),
    ("notifier-bot", "javascript"),
    ("admin-panel", "typescript"),
    ("scheduler", "go"),
    ("image-resizer", "rust"),
    ("search-indexer", "java"),
    ("webhooks", "elixir"),
)
"""Demo applications as ``(name, language)``; more apps get generated names."""

DEMO_DATABASES: tuple[tuple[str, str], ...] = (
    ("orders-pg", "postgres"),
    ("cache-redis", "redis"),
    ("users-mongo", "mongo"),
    ("metrics-mysql", "mysql"),
    ("sessions-redis", "redis"),
    ("analytics-pg", "postgres"),
    ("events-mongo", "mongo"),
    ("inventory-mysql", "mysql"),
)
"""Demo databases as ``(name, engine)``; more databases get generated names."""

DATABASE_TYPES = ("postgres", "redis", "mongo", "mysql")

_PLANS_MB = {
    "free": 512,
    "hobby-1": 1024,
    "hobby-2": 2048,
    "standard-4": 4096,
    "standard-6": 6144,
    "standard-8": 8192,
    "pro-12": 12288,
    "pro-16": 16384,
    "pro-24": 24576,
}
_ENTERPRISE = re.compile(r"enterprise-([1-9][0-9]{0,3})")


def plan_memory_mb(plan: str) -> int:
    """RAM of a plan in MB (``enterprise-N`` is N GB); ValueError for an unknown plan."""
    if plan in _PLANS_MB:
        return _PLANS_MB[plan]
    match = _ENTERPRISE.fullmatch(plan)
    if match is None:
        known = ", ".join([*_PLANS_MB, "enterprise-N"])
        raise ValueError(f"unknown plan {plan!r} (known: {known})")
    return int(match.group(1)) * 1024


def daily_allowance(plan: str) -> int:
    """Manual snapshots allowed per rolling 24 h: ``(plan RAM MB / 256) * 2``."""
    return plan_memory_mb(plan) // 256 * 2


@dataclass
class SimConfig:
    """Everything that shapes a simulated account; durations are simulated seconds.

    ``api_key``'s part before the first ``-`` is the account id (see ``access``).
    ``key_scopes``/``key_resources`` limit the key (None: no limit; resources by id or
    name). ``resource_states`` maps a resource id or name to ``running``, ``stopped`` or
    (databases only) ``unavailable``. ``listing_cache_seconds`` (simulated) lets listings
    lag like the real server's cache; ``latency_ms`` (real milliseconds on the injected
    ``sleep``) delays every API and download answer. ``signing_secret`` fixes the key of
    the download URLs' signatures, random per run otherwise. ``files_per_app`` forces the
    number of files in an application's snapshot (derived from the seed otherwise);
    ``hostile_names`` adds members with dangerous names to every archive;
    ``host_ignores_range`` makes the download host answer every GET with the whole file.
    """

    api_key: str = DEFAULT_API_KEY
    seed: int = 1
    speed: float = 1.0
    plan: str = "standard-4"
    apps: int = 3
    databases: int = 2
    snapshots_per_resource: int = 30
    generation_seconds: float = 20.0
    snapshot_mb: float = 1.0
    restore_seconds: float = 60.0
    soft_deadline_seconds: float = 90.0
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    app_names: tuple[tuple[str, str], ...] = DEMO_APPS
    database_names: tuple[tuple[str, str], ...] = DEMO_DATABASES
    account_name: str = "Acme Ltd"
    email: str = "ops@acme.example"
    key_scopes: tuple[str, ...] | None = None
    key_resources: tuple[str, ...] | None = None
    resource_states: Mapping[str, str] = field(default_factory=dict)
    listing_cache_seconds: float = 0.0
    latency_ms: float = 0.0
    signing_secret: bytes | None = None
    files_per_app: int | None = None
    hostile_names: bool = False
    host_ignores_range: bool = False

    def __post_init__(self) -> None:
        plan_memory_mb(self.plan)
        if not self.api_key:
            raise ValueError("api_key must not be empty")
        if not self.speed > 0:
            raise ValueError("speed must be positive")
        for name in ("apps", "databases", "snapshots_per_resource"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.snapshots_per_resource > MAX_AUTOMATIC_SNAPSHOTS:
            raise ValueError(
                f"snapshots_per_resource must be at most {MAX_AUTOMATIC_SNAPSHOTS}: snapshots "
                "are kept 30 days and the platform takes one automatic snapshot a day"
            )
        for name in (
            "generation_seconds",
            "restore_seconds",
            "soft_deadline_seconds",
            "listing_cache_seconds",
            "latency_ms",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.files_per_app is not None and not 1 <= self.files_per_app <= MAX_FILES_PER_APP:
            raise ValueError(f"files_per_app must be in [1, {MAX_FILES_PER_APP}]")
        if self.key_scopes is not None:
            check_scopes(self.key_scopes)
        for target, state in self.resource_states.items():
            if state not in RESOURCE_STATES:
                raise ValueError(f"state of {target!r} must be one of {', '.join(RESOURCE_STATES)}")
        if not 0 < self.snapshot_mb <= MAX_SNAPSHOT_MB:
            raise ValueError(f"snapshot_mb must be in (0, {MAX_SNAPSHOT_MB:g}]")
        for _, engine in self.database_names:
            if engine not in DATABASE_TYPES:
                raise ValueError(f"unknown database type {engine!r}")

    @property
    def account_id(self) -> str:
        """The account id the API key names."""
        return account_id(self.api_key)

    def scaled(self, simulated_seconds: float) -> float:
        """Clock seconds that ``simulated_seconds`` last at this config's speed."""
        return simulated_seconds / self.speed
