"""The simulated account's catalogue: resources, ids, and snapshots derived from the seed.

Automatic snapshots are never stored: a resource keeps only the time of its newest
automatic snapshot at creation (``auto_anchor``, a daily 03:xx UTC) and how many days
go back from there; snapshot ``k`` (``k <= 0`` in the past, ``k > 0`` for days the
simulator keeps running) is at ``auto_anchor + k days``. Version ids, sizes and bytes
are derived from ``(seed, resource id, version)`` (see ``archive``), so a large account
costs almost nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from .archive import Archive, Source, Version, archive_size, build_archive
from .config import DATABASE_TYPES, DAY, MAX_AUTOMATIC_SNAPSHOTS, RETENTION_SECONDS, SimConfig

Kind = Literal["app", "database"]

_VERSION_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._"
_APP_RAM = (512, 256, 128, 256, 128, 512, 256, 512, 1024, 256)
_DATABASE_RAM = (512, 256, 512, 256, 128, 1024, 512, 256)
_CLUSTERS = ("florida-1", "florida-2", "virginia-1")
_DEMO_DETAILS: dict[str, tuple[str | None, str | None, str | None]] = {
    "api-gateway": ("Public REST API", "acme-api.squareweb.app", None),
    "worker": ("Background jobs and queues", None, None),
    "landing-page": ("Marketing site", "acme-landing.squareweb.app", "www.acme.example"),
}
"""Demo app name -> (description, domain, custom domain)."""


def derive(seed: int, *parts: object) -> bytes:
    """32 bytes that depend only on the seed and ``parts``."""
    text = "\x1f".join(["sqtui-sim", str(seed), *(str(part) for part in parts)])
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


# Byte -> its version id character: a big listing derives thousands of ids.
_VERSION_CHARACTERS = bytes(ord(_VERSION_ALPHABET[byte % 64]) for byte in range(256))


def version_id(seed: int, resource_id: str, tag: str) -> str:
    """A 32-character version id in the style of S3 (letters, digits, ``.`` and ``_``)."""
    return derive(seed, "version", resource_id, tag).translate(_VERSION_CHARACTERS).decode()


def iso(timestamp: float) -> str:
    """ISO 8601 in UTC with milliseconds and a ``Z``, as JavaScript prints dates."""
    moment = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Resource:
    """An application or a database of the account."""

    id: str
    kind: Kind
    name: str
    ram: int
    cluster: str
    created_at: float
    auto_anchor: float
    auto_count: int
    lang: str | None = None
    db_type: str | None = None
    desc: str | None = None
    domain: str | None = None
    custom: str | None = None
    stopped: bool = False

    @property
    def scope(self) -> str:
        """The download host's folder for this kind of resource."""
        return "applications" if self.kind == "app" else "databases"

    @property
    def object_name(self) -> str:
        """The listing's ``name``: the id, plus ``_<type>`` for databases."""
        return self.id if self.db_type is None else f"{self.id}_{self.db_type}"

    def to_json(self) -> dict[str, object]:
        """The resource as ``/users/me`` lists it."""
        if self.kind == "database":
            return {
                "id": self.id,
                "name": self.name,
                "ram": self.ram,
                "type": self.db_type,
                "cluster": self.cluster,
                "created_at": iso(self.created_at),
            }
        item: dict[str, object] = {"id": self.id, "name": self.name}
        if self.desc is not None:
            item["desc"] = self.desc
        item.update(ram=self.ram, lang=self.lang, cluster=self.cluster)
        if self.domain is not None:
            item["domain"] = self.domain
        if self.custom is not None:
            item["custom"] = self.custom
        item["created_at"] = iso(self.created_at)
        return item


@dataclass(frozen=True)
class Snapshot:
    """One version of a resource's stored object."""

    resource: Resource
    version_id: str
    modified: float
    origin: Literal["automatic", "manual"]

    def source(self, config: SimConfig) -> Source:
        """What this snapshot's archive is made from."""
        resource = self.resource
        return Source(
            seed=config.seed,
            resource_id=resource.id,
            kind=resource.kind,
            name=resource.name,
            flavour=resource.db_type or resource.lang or "python",
            ram=resource.ram,
            anchor=resource.auto_anchor,
            snapshot_mb=config.snapshot_mb,
            files_per_app=config.files_per_app,
            hostile_names=config.hostile_names,
        )

    @property
    def version(self) -> Version:
        """Which version of the resource's object this is."""
        return Version(self.version_id, self.modified, self.origin)

    def size(self, config: SimConfig) -> int:
        """Bytes of this snapshot's zip file (computed without building it)."""
        return archive_size(self.source(config), self.version)

    def archive(self, config: SimConfig) -> Archive:
        """The zip file of this snapshot (its layout; bytes are produced on demand)."""
        return build_archive(self.source(config), self.version)


def daily_anchor(seed: int, resource_id: str, reference: float) -> float:
    """Time of the newest automatic snapshot at ``reference``: 03:00 UTC plus a fixed jitter."""
    jitter = int.from_bytes(derive(seed, "anchor", resource_id)[:4]) % 3600
    anchor = math.floor((reference - 3 * 3600) / DAY) * DAY + 3 * 3600 + jitter
    return anchor - DAY if anchor > reference else anchor


def automatic_days(resource: Resource, now: float) -> range:
    """Which automatic snapshots (their ``k``, newest first) are taken by ``now`` and retained."""
    if resource.auto_count == 0:
        return range(0)
    anchor = resource.auto_anchor
    newest = math.floor((now - anchor) / DAY)
    oldest = max(-resource.auto_count + 1, math.ceil((now - RETENTION_SECONDS - anchor) / DAY) - 1)
    # The division may round across the boundary: the retention test decides, as for a
    # download of that version.
    while oldest <= newest and anchor + oldest * DAY < now - RETENTION_SECONDS:
        oldest += 1
    return range(newest, oldest - 1, -1)


def automatic_snapshot(resource: Resource, seed: int, k: int) -> Snapshot:
    """The resource's ``k``-th automatic snapshot (``k <= 0`` for those before creation)."""
    taken = resource.auto_anchor + k * DAY
    return Snapshot(resource, version_id(seed, resource.id, f"auto:{k}"), taken, "automatic")


def automatic_snapshots(resource: Resource, seed: int, now: float) -> Iterator[Snapshot]:
    """A resource's automatic snapshots taken by ``now`` and still retained, newest first."""
    for k in automatic_days(resource, now):
        yield automatic_snapshot(resource, seed, k)


def resource_id(seed: int, kind: Kind, index: int, salt: int = 0) -> str:
    """The 32-hex-character id of the ``index``-th resource of a kind (``salt`` avoids a clash)."""
    return derive(seed, "id", kind, index, salt).hex()[:32]


def build_resource(
    config: SimConfig,
    kind: Kind,
    index: int,
    rid: str,
    now: float,
    name: str | None = None,
    db_type: str | None = None,
) -> Resource:
    """The ``index``-th resource of a kind, named from the demo list unless ``name`` is given."""
    seed = config.seed
    noise = derive(seed, "details", rid)
    created_at = now - (60 + noise[0] % 300) * DAY - noise[2] * 97
    cluster = _CLUSTERS[noise[1] % len(_CLUSTERS)]
    anchor = daily_anchor(seed, rid, now)
    count = min(config.snapshots_per_resource, MAX_AUTOMATIC_SNAPSHOTS)
    if kind == "app":
        demo = config.app_names[index] if index < len(config.app_names) else None
        app_name = name if name is not None else demo[0] if demo else f"app-{index + 1:03d}"
        desc, domain, custom = _DEMO_DETAILS.get(app_name, (None, None, None))
        extra = index >= len(_APP_RAM)
        return Resource(
            id=rid,
            kind="app",
            name=app_name,
            ram=(128, 256)[noise[3] % 2] if extra else _APP_RAM[index],
            cluster=cluster,
            created_at=created_at,
            auto_anchor=anchor,
            auto_count=count,
            lang=demo[1] if demo else "python",
            desc=desc,
            domain=domain,
            custom=custom,
            stopped=index == 2 or (extra and noise[4] % 10 == 0),
        )
    demo = config.database_names[index] if index < len(config.database_names) else None
    extra = index >= len(_DATABASE_RAM)
    engine = db_type or (demo[1] if demo else DATABASE_TYPES[index % len(DATABASE_TYPES)])
    return Resource(
        id=rid,
        kind="database",
        name=name if name is not None else demo[0] if demo else f"db-{index + 1:03d}",
        ram=256 if extra else _DATABASE_RAM[index],
        cluster=cluster,
        created_at=created_at,
        auto_anchor=anchor,
        auto_count=count,
        db_type=engine,
        stopped=extra and noise[4] % 12 == 0,
    )
