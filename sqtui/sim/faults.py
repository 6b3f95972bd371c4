"""Injected faults: what the edge in front of the simulated API does wrong, and when."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

_T = TypeVar("_T")


class SimulatedDrop(Exception):
    """Raised inside a response to cut the connection after some bytes, like a network failure.

    Over a real socket uvicorn then closes the connection; through ``httpx.ASGITransport``
    the exception reaches the client (unless ``raise_app_exceptions=False``).
    Deliberately not an ``OSError``: Starlette would turn that into a quiet disconnect.
    """


@dataclass(kw_only=True)
class Fault:
    """A misbehaviour applied to the requests it matches, ``times`` times (None: forever).

    ``path`` is a regex searched in the URL path (``/v2/...`` or ``/snapshots/...``).
    ``status``/``code``/``body`` replace the answer (``code`` alone: status 400; ``body``
    alone: status 200); ``delay`` (simulated seconds) comes first; ``drop_after_bytes``
    cuts the answer, real or replaced, after that many body bytes.
    """

    method: str | None = None
    path: str
    status: int | None = None
    code: str | None = None
    delay: float = 0.0
    drop_after_bytes: int | None = None
    body: str | None = None
    times: int | None = None
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            self._pattern = re.compile(self.path)
        except re.error as error:
            raise ValueError(f"path is not a valid regex: {error}") from None
        if self.method is not None:
            self.method = self.method.upper()
        if self.status is not None and not 100 <= self.status <= 599:
            raise ValueError("status must be an HTTP status code")
        if self.delay < 0:
            raise ValueError("delay must not be negative")
        if self.drop_after_bytes is not None and self.drop_after_bytes < 0:
            raise ValueError("drop_after_bytes must not be negative")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be at least 1")

    @property
    def replaces_answer(self) -> bool:
        """Whether the fault answers instead of the simulated API."""
        return self.status is not None or self.code is not None or self.body is not None

    def matches(self, method: str, path: str) -> bool:
        """Whether a request with this method and URL path is affected."""
        if self.method is not None and self.method != method.upper():
            return False
        return self._pattern.search(path) is not None

    def to_json(self) -> dict[str, Any]:
        """The fault as the control route accepts it."""
        return {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "code": self.code,
            "delay": self.delay,
            "drop_after_bytes": self.drop_after_bytes,
            "body": self.body,
            "times": self.times,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fault:
        """Build a fault from the control route's JSON; ValueError when it does not fit."""
        unknown = set(data) - {name for name in cls.__dataclass_fields__ if name[0] != "_"}
        if unknown:
            raise ValueError(f"unknown fields: {', '.join(sorted(unknown))}")
        path = data.get("path")
        if not isinstance(path, str):
            raise ValueError("path (a regex string) is required")
        method = _optional(data, "method", str)
        code = _optional(data, "code", str)
        body = _optional(data, "body", str)
        status = _optional(data, "status", int)
        drop = _optional(data, "drop_after_bytes", int)
        times = _optional(data, "times", int)
        delay = data.get("delay", 0.0)
        if delay is None:
            delay = 0.0
        if isinstance(delay, bool) or not isinstance(delay, int | float):
            raise ValueError("delay must be a number")
        return cls(
            method=method,
            path=path,
            status=status,
            code=code,
            delay=float(delay),
            drop_after_bytes=drop,
            body=body,
            times=times,
        )


def _optional(data: Mapping[str, Any], name: str, kind: type[_T]) -> _T | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, kind):
        raise ValueError(f"{name} must be a {kind.__name__}")
    return value
