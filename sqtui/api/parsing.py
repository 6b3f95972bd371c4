"""JSON from the API into the typed values of :mod:`sqtui.api.models`.

Parsing tolerates the optional and older fields the API has carried; anything
malformed becomes one :class:`~sqtui.api.errors.ApiError` of kind INVALID_RESPONSE.
"""

from __future__ import annotations

import codecs
import json
import logging
import math
import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote

from sqtui.api.errors import ApiError, invalid_response
from sqtui.api.models import (
    DEFAULT_SNAPSHOT_HOST,
    Account,
    CreateReady,
    Origin,
    Plan,
    Resource,
    ResourceKind,
    ResourceStatus,
    ServiceStatus,
    Snapshot,
    User,
    resource_id_of,
)
from sqtui.api.signed_url import expiry_of, version_of

log = logging.getLogger("sqtui.api")

T = TypeVar("T")


class _Reader:
    """Reads typed fields out of one JSON object, failing with a path to the bad field."""

    def __init__(self, obj: object, where: str, status: int | None) -> None:
        if not isinstance(obj, Mapping):
            raise invalid_response(status, f"{where} is not an object")
        self.obj: Mapping[str, Any] = obj
        self.where = where
        self.status = status

    def fail(self, key: str, what: str) -> ApiError:
        return invalid_response(self.status, f"{self.where}.{key} {what}")

    def has(self, key: str) -> bool:
        return self.obj.get(key) is not None

    def text(self, key: str) -> str:
        value = self.obj.get(key)
        if isinstance(value, str):
            return value
        raise self.fail(key, "is missing or not a string")

    def opt_text(self, key: str, default: str = "") -> str:
        return self.text(key) if self.has(key) else default

    def ident(self, key: str) -> str:
        """An id: text, or a whole number (user ids are sometimes sent as numbers)."""
        value = self.obj.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str):
            return value
        raise self.fail(key, "is missing or not a string or whole number")

    def opt_ident(self, key: str) -> str:
        return self.ident(key) if self.has(key) else ""

    def web_address(self, key: str) -> str:
        """An http(s) URL: a create's answer is only ready with a link to download."""
        value = self.text(key)
        if not value.startswith(("https://", "http://")):
            raise self.fail(key, f"is not a web address: {value[:40]!r}")
        return value

    def loose(self, key: str) -> str | None:
        """Any scalar as text (figures such as cpu/ram come as numbers or strings)."""
        value = self.obj.get(key)
        if value is None or isinstance(value, dict | list):
            return None
        return str(value)

    def whole(self, key: str) -> int:
        value = self.obj.get(key)
        if isinstance(value, bool):
            raise self.fail(key, "is not a number")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            return int(value)
        raise self.fail(key, "is missing or not a whole number")

    def opt_whole(self, key: str, default: int | None = None) -> int | None:
        return self.whole(key) if self.has(key) else default

    def flag(self, key: str) -> bool:
        value = self.obj.get(key)
        if isinstance(value, bool):
            return value
        raise self.fail(key, "is missing or not true/false")

    def when(self, key: str) -> datetime:
        raw = self.text(key)
        parsed = parse_time(raw)
        if parsed is None:
            raise self.fail(key, f"is not an ISO 8601 time: {raw[:40]!r}")
        return parsed

    def opt_when(self, key: str) -> datetime | None:
        return self.when(key) if self.has(key) else None

    def reader(self, key: str) -> _Reader:
        return _Reader(self.obj.get(key), f"{self.where}.{key}", self.status)

    def items(self, key: str) -> list[object]:
        value = self.obj.get(key, [])
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(key, "is not a list")
        return value


def parse_time(raw: str) -> datetime | None:
    """An aware datetime from ISO 8601 text (``Z`` allowed; naive times are UTC)."""
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def parse_account(data: object, status: int | None = 200) -> Account:
    """``/users/me``'s ``response``."""
    root = _Reader(data, "response", status)
    user = root.reader("user")
    plan = user.reader("plan")
    memory = plan.reader("memory") if plan.has("memory") else None
    limit = memory.whole("limit") if memory else 0
    parsed_plan = Plan(
        name=plan.text("name"),
        memory_limit_mb=limit,
        memory_available_mb=(memory.opt_whole("available", 0) or 0) if memory else 0,
        memory_used_mb=(memory.opt_whole("used", 0) or 0) if memory else 0,
        duration_ms=plan.opt_whole("duration"),
    )
    parsed_user = User(
        id=user.ident("id"),
        name=user.opt_text("name"),
        email=user.opt_text("email"),
        locale=user.opt_text("locale"),
        created_at=user.opt_when("created_at"),
        plan=parsed_plan,
    )
    apps = tuple(
        _parse_resource(ResourceKind.APP, item, f"response.applications[{i}]", status)
        for i, item in enumerate(root.items("applications"))
    )
    dbs = tuple(
        _parse_resource(ResourceKind.DATABASE, item, f"response.databases[{i}]", status)
        for i, item in enumerate(root.items("databases"))
    )
    seen: set[str] = set()
    apps = _unique(apps, lambda r: r.id, "resource", seen)
    dbs = _unique(dbs, lambda r: r.id, "resource", seen)
    return Account(user=parsed_user, applications=apps, databases=dbs)


def _unique(
    items: Iterable[T], key: Callable[[T], Hashable], what: str, seen: set[Any] | None = None
) -> tuple[T, ...]:
    """``items`` without repeats of ``key`` (the first one stays); each repeat is logged.

    The server has answered with one id twice; everything downstream (the sidebar, the
    table, the quota) assumes an id names one thing.
    """
    seen = set() if seen is None else seen
    kept: list[T] = []
    for item in items:
        ident = key(item)
        if ident in seen:
            log.warning("the server listed %s %r twice; showing it once", what, ident)
            continue
        seen.add(ident)
        kept.append(item)
    return tuple(kept)


def _parse_resource(kind: ResourceKind, item: object, where: str, status: int | None) -> Resource:
    r = _Reader(item, where, status)
    return Resource(
        kind=kind,
        id=r.ident("id"),
        name=r.text("name"),
        ram_mb=r.opt_whole("ram", 0) or 0,
        detail=r.opt_text("lang") if kind is ResourceKind.APP else r.opt_text("type"),
        cluster=r.opt_text("cluster"),
        created_at=r.opt_when("created_at"),
        description=r.opt_text("desc") if kind is ResourceKind.APP else "",
        domain=r.opt_text("domain") if kind is ResourceKind.APP else "",
    )


def parse_snapshots(
    data: object,
    *,
    kind: ResourceKind,
    user_id: str | None,
    status: int | None = 200,
    snapshot_host: str = DEFAULT_SNAPSHOT_HOST,
) -> list[Snapshot]:
    """A snapshot listing's ``response``, newest first.

    Older answers carry only ``name, size, modified, key``: the version is then read
    from ``key`` and the URL built on the snapshot host (this needs ``user_id``).
    """
    if not isinstance(data, list):
        raise invalid_response(status, "response is not a list of snapshots")
    parsed = (
        _parse_snapshot(item, f"response[{i}]", kind, user_id, status, snapshot_host)
        for i, item in enumerate(data)
    )
    snapshots = list(_unique(parsed, lambda s: (s.name, s.version_id), "snapshot"))
    snapshots.sort(key=lambda s: s.modified, reverse=True)
    return snapshots


def _parse_snapshot(
    item: object,
    where: str,
    kind: ResourceKind,
    user_id: str | None,
    status: int | None,
    snapshot_host: str,
) -> Snapshot:
    r = _Reader(item, where, status)
    name = r.ident("name")
    size = r.whole("size")
    if size < 0:
        raise r.fail("size", "is negative")
    key = r.opt_text("key")
    version = r.opt_ident("version_id") or r.opt_ident("versionId") or (version_of(key) or "")
    if not version:
        raise r.fail("version_id", "is missing (and the key names no versionId)")
    url = r.opt_text("url")
    if not url:
        if not key or not user_id:
            raise r.fail("url", "is missing and cannot be built")
        url = (
            f"{snapshot_host.rstrip('/')}/{kind.scope}/{quote(user_id, safe='')}/"
            f"{quote(name, safe='')}.zip?{key.lstrip('?')}"
        )
    origin = _origin(r)
    runtime = r.opt_text("runtime") or None
    return Snapshot(
        name=name,
        version_id=version,
        size=size,
        modified=r.when("modified"),
        origin=origin,
        url=url,
        signed_query=key,
        expires=expiry_of(url) or (expiry_of(key) if key else None),
        runtime=runtime,
    )


def _origin(r: _Reader) -> Origin:
    raw = r.opt_text("origin").lower()
    if raw in ("automatic", "auto"):
        return "automatic"
    return "manual" if raw == "manual" else "unknown"


@dataclass
class CountedListing:
    """An account-wide listing as :class:`ManualTimesReader` read it: when each resource's
    manual snapshots were taken, and the first item that could not be read, if any."""

    times: dict[str, list[datetime]] = field(default_factory=dict)
    error: ApiError | None = None


_WHITESPACE = re.compile(r"[ \t\n\r]*")
# What may follow a key, and a value: anything else means it may go on in the next chunk.
_AFTER_A_KEY = frozenset(" \t\n\r:")
_AFTER_A_VALUE = frozenset(" \t\n\r,]}")
_DECODER = json.JSONDecoder()
# Where the reader is: what it expects next.
_START, _FIRST_KEY, _KEY, _COLON, _VALUE, _AFTER_VALUE = range(6)
_FIRST_ITEM, _ITEM, _AFTER_ITEM, _END = range(6, 10)


class ManualTimesReader:
    """Reads an account-wide listing's body as it arrives, for the daily quota.

    Each item of ``response`` is checked as :func:`parse_manual_times` checks it and
    dropped at once: only when manual snapshots were taken is kept, so a listing of
    60,000 snapshots (tens of MB of signed URLs) is never held whole, as bytes, text or
    objects. :meth:`finish` returns the envelope, its ``response`` a
    :class:`CountedListing`; a body that is not one UTF-8 JSON object is read whole
    and decoded as :func:`json.loads` would. Anything that is not JSON raises
    ``ValueError``.
    """

    def __init__(self, status: int | None = 200) -> None:
        self._status = status
        self._head = bytearray()  # the first bytes, until they say how to read the rest
        self._whole: bytearray | None = None
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._text = ""
        self._at = 0
        # A value cut by the end of what arrived is decoded again once the text has
        # doubled, not on every chunk: a huge value costs linear time, not quadratic.
        self._retry_at = 0
        self._state = _START
        self._key = ""
        self._envelope: dict[str, object] = {}
        self._listing = CountedListing()
        self._index = 0

    def feed(self, data: bytes) -> None:
        """Read the next bytes of the body."""
        if self._whole is not None:
            self._whole += data
        elif self._state == _START:
            self._start(data, final=False)
        else:
            self._read(self._decoder.decode(data), final=False)

    def finish(self) -> object:
        """The envelope, once the whole body has been fed."""
        if self._state == _START and self._whole is None:
            self._start(b"", final=True)
        if self._whole is not None:
            return json.loads(bytes(self._whole))
        self._read(self._decoder.decode(b"", final=True), final=True)
        return self._envelope

    def _start(self, data: bytes, *, final: bool) -> None:
        """Once the first bytes tell: a UTF-8 JSON object is read item by item, anything
        else is kept to be decoded whole."""
        self._head += data
        opening = self._head.lstrip(b" \t\n\r")[:1]
        if not final and (not opening or len(self._head) < 4):
            return
        if opening != b"{" or json.detect_encoding(bytes(self._head[:4])) != "utf-8":
            self._whole = self._head
            return
        text = self._decoder.decode(bytes(self._head)).lstrip(" \t\n\r")
        self._head = bytearray()
        self._state = _FIRST_KEY
        self._read(text[1:], final=False)

    def _read(self, text: str, *, final: bool) -> None:
        self._text = self._text[self._at :] + text
        self._at = 0
        if len(self._text) < self._retry_at and not final:
            return
        self._retry_at = 0
        while True:
            at = _WHITESPACE.match(self._text, self._at).end()  # type: ignore[union-attr]
            self._at = at
            if at == len(self._text):
                break
            if not self._step(self._text[at], final):
                self._retry_at = 2 * (len(self._text) - self._at)
                break
        if final and self._state != _END:
            raise ValueError("the body ends before the JSON does")

    def _step(self, char: str, final: bool) -> bool:
        """Read one token at ``self._at``; False when more text is needed first."""
        state = self._state
        if state == _END:
            raise ValueError("extra data after the JSON object")
        if state in (_FIRST_KEY, _KEY):
            if char == "}" and state == _FIRST_KEY:
                return self._then(1, _END)
            if char != '"':
                raise ValueError("expected a key")
            key = self._value(final, _AFTER_A_KEY)
            if key is _MORE:
                return False
            assert isinstance(key, str)
            self._key = key
            self._state = _COLON
            return True
        if state == _COLON:
            if char != ":":
                raise ValueError("expected ':'")
            return self._then(1, _VALUE)
        if state == _VALUE:
            if self._key == "response" and char == "[":
                self._listing = CountedListing()
                self._envelope["response"] = self._listing
                self._index = 0
                return self._then(1, _FIRST_ITEM)
            value = self._value(final)
            if value is _MORE:
                return False
            self._envelope[self._key] = value
            self._state = _AFTER_VALUE
            return True
        if state == _AFTER_VALUE:
            if char == ",":
                return self._then(1, _KEY)
            if char == "}":
                return self._then(1, _END)
            raise ValueError("expected ',' or '}'")
        if state in (_FIRST_ITEM, _ITEM):
            if char == "]" and state == _FIRST_ITEM:
                return self._then(1, _AFTER_VALUE)
            item = self._value(final)
            if item is _MORE:
                return False
            self._count(item)
            self._state = _AFTER_ITEM
            return True
        if char == ",":
            return self._then(1, _ITEM)
        if char == "]":
            return self._then(1, _AFTER_VALUE)
        raise ValueError("expected ',' or ']'")

    def _then(self, width: int, state: int) -> bool:
        self._at += width
        self._state = state
        return True

    def _value(self, final: bool, after: frozenset[str] = _AFTER_A_VALUE) -> object:
        """The JSON value at ``self._at``, or ``_MORE`` if it may go on past the text."""
        try:
            value, end = _DECODER.raw_decode(self._text, self._at)
        except ValueError:
            if final:
                raise
            return _MORE
        if not final and (end == len(self._text) or self._text[end] not in after):
            return _MORE  # a number (``1.5`` of ``1.5e+16``) may go on in the next chunk
        self._at = end
        return value

    def _count(self, item: object) -> None:
        index, self._index = self._index, self._index + 1
        listing = self._listing
        if listing.error is not None:
            return
        try:
            r = _Reader(item, f"response[{index}]", self._status)
            name = r.ident("name")
            modified = r.when("modified")
            if _origin(r) == "manual":
                listing.times.setdefault(resource_id_of(name), []).append(modified)
        except ApiError as error:
            # Raised once the envelope is read: an error envelope says more.
            listing.error = error


_MORE = object()


def manual_times_of(data: object, status: int | None = 200) -> dict[str, list[datetime]]:
    """The ``response`` of an envelope :class:`ManualTimesReader` read, as the quota
    counts it (the typed error for an item or a response it could not read)."""
    if isinstance(data, CountedListing):
        if data.error is not None:
            raise data.error
        return data.times
    return parse_manual_times(data, status)


def parse_manual_times(data: object, status: int | None = 200) -> dict[str, list[datetime]]:
    """An account-wide listing's ``response`` as the quota reads it: when each resource's
    manual snapshots were taken, by resource id.

    Only ``name``, ``modified`` and ``origin`` are read, with the checks
    :func:`parse_snapshots` gives them, so a malformed item fails the listing the same
    way. Fields the count does not read (size, version, URL) are not looked at: no
    :class:`Snapshot` is built and no signed URL parsed.
    """
    if not isinstance(data, list):
        raise invalid_response(status, "response is not a list of snapshots")
    times: dict[str, list[datetime]] = {}
    for i, item in enumerate(data):
        r = _Reader(item, f"response[{i}]", status)
        name = r.ident("name")
        modified = r.when("modified")
        if _origin(r) == "manual":
            times.setdefault(resource_id_of(name), []).append(modified)
    return times


def parse_statuses(data: object, status: int | None = 200) -> list[ResourceStatus]:
    """``/apps/status`` or ``/databases/status``."""
    if not isinstance(data, list):
        raise invalid_response(status, "response is not a list of statuses")
    result = []
    for i, item in enumerate(data):
        r = _Reader(item, f"response[{i}]", status)
        result.append(
            ResourceStatus(
                id=r.ident("id"),
                running=r.flag("running"),
                cpu=r.loose("cpu"),
                ram=r.loose("ram"),
            )
        )
    return result


def parse_service_status(data: object, status: int | None = 200) -> ServiceStatus:
    """``/service/status`` (not enveloped)."""
    r = _Reader(data, "body", status)
    value = r.opt_text("status", "unknown") or "unknown"
    return ServiceStatus(status=value, message=r.opt_text("message"))


def parse_created(data: object, status: int | None = 200) -> CreateReady:
    """A create's 200 ``response``: the signed URL and key of the new snapshot."""
    r = _Reader(data, "response", status)
    return CreateReady(url=r.web_address("url"), signed_query=r.opt_text("key"))
