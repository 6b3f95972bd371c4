"""Typed values of the Square Cloud API: account, plan, resources, snapshots.

Frozen values only; :mod:`sqtui.api.parsing` turns the API's JSON into them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from sqtui.api.signed_url import redact_text, version_of

DEFAULT_SNAPSHOT_HOST = "https://snapshots.squarecloud.app"

#: How long the platform keeps a snapshot after it was taken.
RETENTION = timedelta(days=30)


class ResourceKind(enum.Enum):
    """Applications and databases: same snapshot routes under a different prefix."""

    APP = "app"
    DATABASE = "database"

    @property
    def route(self) -> str:
        """The API path segment: ``apps`` or ``databases``."""
        return "apps" if self is ResourceKind.APP else "databases"

    @property
    def scope(self) -> str:
        """The ``scope`` of the account-wide listing and the download host's folder."""
        return "applications" if self is ResourceKind.APP else "databases"

    @property
    def label(self) -> str:
        """A word for people: ``app`` or ``database``."""
        return self.value


@dataclass(frozen=True)
class Plan:
    """The account's plan; ``memory_limit_mb`` is its RAM, which sets the daily quota."""

    name: str
    memory_limit_mb: int
    memory_available_mb: int
    memory_used_mb: int
    duration_ms: int | None


@dataclass(frozen=True)
class User:
    """The account owner."""

    id: str
    name: str
    email: str
    locale: str
    created_at: datetime | None
    plan: Plan


@dataclass(frozen=True)
class Resource:
    """An application or a database: the things that have snapshots."""

    kind: ResourceKind
    id: str
    name: str
    ram_mb: int
    detail: str  # an application's language, a database's engine
    cluster: str = ""
    created_at: datetime | None = None
    description: str = ""
    domain: str = ""

    @property
    def db_type(self) -> str:
        """A database's engine (``postgres``...); empty for applications."""
        return self.detail if self.kind is ResourceKind.DATABASE else ""


@dataclass(frozen=True)
class Account:
    """``/users/me``: the user with their plan, applications and databases."""

    user: User
    applications: tuple[Resource, ...]
    databases: tuple[Resource, ...]

    @property
    def resources(self) -> tuple[Resource, ...]:
        """Applications first, then databases."""
        return self.applications + self.databases

    def by_id(self, resource_id: str) -> Resource | None:
        """The resource with this id (names are resolved by ``domain.resolve``)."""
        return next((r for r in self.resources if r.id == resource_id), None)


Origin = Literal["automatic", "manual", "unknown"]


def resource_id_of(name: str) -> str:
    """The resource a snapshot belongs to, from its object's ``name`` (``<id>_<type>``
    for databases)."""
    return name.split("_", 1)[0]


@dataclass(frozen=True)
class Snapshot:
    """One snapshot: a version of a resource's stored object.

    ``(name, version_id)`` identifies it. The signed ``url`` and its query string
    ``signed_query`` (the API's ``key``) are credentials, so they stay out of ``repr``.
    ``expires`` is when that signed link stops working, not when the snapshot goes:
    that is :attr:`kept_until`.
    """

    name: str
    version_id: str
    size: int
    modified: datetime
    origin: Origin
    url: str = field(repr=False)
    signed_query: str = field(repr=False)
    expires: datetime | None = None
    runtime: str | None = None

    @property
    def redacted_url(self) -> str:
        """The download URL with its signature removed, for logs and messages."""
        return redact_text(self.url)

    @property
    def resource_id(self) -> str:
        """The resource the snapshot belongs to (``name`` may carry ``_<type>``)."""
        return resource_id_of(self.name)

    @property
    def kept_until(self) -> datetime | None:
        """When the platform removes the snapshot (:data:`RETENTION` after it was taken).

        None for a time so near the end of the calendar that the sum cannot be written.
        """
        try:
            return self.modified + RETENTION
        except OverflowError:
            return None

    @property
    def short_version(self) -> str:
        """The first characters of the version id, enough to tell versions apart."""
        return self.version_id[:8]


@dataclass(frozen=True)
class ResourceStatus:
    """Runtime state from ``/apps/status`` or ``/databases/status``."""

    id: str
    running: bool
    cpu: str | None = None
    ram: str | None = None


@dataclass(frozen=True)
class ServiceStatus:
    """Public service health from ``/service/status``."""

    status: str
    message: str


@dataclass(frozen=True)
class CreateReady:
    """A create that answered 200: the snapshot exists and can be downloaded."""

    url: str = field(repr=False)
    signed_query: str = field(repr=False)

    @property
    def version_id(self) -> str | None:
        """The new version, when the signed URL or its query names it."""
        return version_of(self.signed_query) or version_of(self.url)


@dataclass(frozen=True)
class CreateGenerating:
    """A create still generating (202), or whose answer was lost: watch the listing."""

    reason: Literal["processing", "lost"]
    detail: str = ""


CreateAnswer = CreateReady | CreateGenerating


@dataclass(frozen=True)
class RangeAnswer:
    """A ranged GET of a snapshot: the status, where the bytes start, the archive's size.

    A 200 means the host ignored the Range: ``start`` is None and ``data`` empty (the
    body was not read); ``total`` is then its Content-Length, if given.
    """

    status: int
    start: int | None
    total: int | None
    data: bytes = field(repr=False)
