"""Settings of a simulated account: size, plan, timings, and the injected clock."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

DAY = 86_400.0
RETENTION_SECONDS = 30 * DAY
"""Snapshots older than this are gone, and signed URLs live this long."""

USER_COOLDOWN_SECONDS = 5.0
RESOURCE_COOLDOWN_SECONDS = 180.0
QUOTA_WINDOW_SECONDS = DAY
"""The rolling quota window is wall-clock time: it is not scaled by ``speed``."""

ACCOUNT_SNAPSHOTS_LIMIT = 10
ACCOUNT_SNAPSHOTS_WINDOW_SECONDS = 60.0

MAX_SNAPSHOT_MB = 3_500.0
"""Archives stay below 4 GiB, so no Zip64 records are needed."""

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
    """Everything that shapes a simulated account; durations are simulated seconds."""

    api_key: str = "sim-key-0000000000000000"
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

    def __post_init__(self) -> None:
        plan_memory_mb(self.plan)
        if not self.api_key:
            raise ValueError("api_key must not be empty")
        if not self.speed > 0:
            raise ValueError("speed must be positive")
        for name in ("apps", "databases", "snapshots_per_resource"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        for name in ("generation_seconds", "restore_seconds", "soft_deadline_seconds"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if not 0 < self.snapshot_mb <= MAX_SNAPSHOT_MB:
            raise ValueError(f"snapshot_mb must be in (0, {MAX_SNAPSHOT_MB:g}]")
        for _, engine in self.database_names:
            if engine not in DATABASE_TYPES:
                raise ValueError(f"unknown database type {engine!r}")

    def scaled(self, simulated_seconds: float) -> float:
        """Clock seconds that ``simulated_seconds`` last at this config's speed."""
        return simulated_seconds / self.speed
