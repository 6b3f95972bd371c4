"""A stand-in API that serves whatever JSON a test gives it: hostile data on demand.

The simulator keeps its data sane; this serves accounts and listings exactly as
written (odd names, dates at the ends of the calendar, duplicates), through the real
client, over an in-process transport.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from sqtui.domain.settings import RunSettings
from sqtui.storage.credentials import KeySource
from sqtui.storage.locations import Locations
from sqtui.ui.app import SqtuiApp

API_URL = "http://127.0.0.1/v2"
KEY = "4242-fake-key-for-tests"
USER_ID = "4242"


def envelope(response: object) -> dict[str, Any]:
    """The API's success envelope."""
    return {"status": "success", "response": response}


def app_json(rid: str, name: str, **extra: Any) -> dict[str, Any]:
    """One application as ``/users/me`` lists it."""
    return {"id": rid, "name": name, "ram": 512, "lang": "python", "cluster": "fl-1", **extra}


def db_json(rid: str, name: str, **extra: Any) -> dict[str, Any]:
    """One database as ``/users/me`` lists it."""
    return {"id": rid, "name": name, "ram": 256, "type": "postgres", "cluster": "fl-1", **extra}


def snap_json(rid: str, version: str, modified: str, **extra: Any) -> dict[str, Any]:
    """One listing item (signed URL included)."""
    return {
        "name": rid,
        "size": 1024 * 1024,
        "modified": modified,
        "key": f"AWSAccessKeyId=AK&Expires=1999999999&Signature=S&versionId={version}",
        "version_id": version,
        "url": f"https://snapshots.example/{rid}.zip?Expires=1999999999&Signature=S",
        "origin": "automatic",
        **extra,
    }


def account_json(
    apps: list[dict[str, Any]], dbs: list[dict[str, Any]], **user: Any
) -> dict[str, Any]:
    """``/users/me``'s response."""
    return {
        "user": {
            "id": USER_ID,
            "name": "Hostile Ltd",
            "email": "ops@example.com",
            "plan": {"name": "standard-4", "memory": {"limit": 4096, "available": 0, "used": 0}},
            **user,
        },
        "applications": apps,
        "databases": dbs,
    }


@dataclass
class FakeApi:
    """Serves ``account`` and ``listings`` (by resource id) as the real API would."""

    account: dict[str, Any]
    listings: dict[str, list[Any]] = field(default_factory=dict)
    created: object = None
    requests: list[str] = field(default_factory=list)

    def _items(self, kind: str) -> list[Any]:
        ids = {str(r.get("id")) for r in self.account.get(kind) or [] if isinstance(r, dict)}
        return [s for rid, items in self.listings.items() if rid in ids for s in items]

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v2")
        self.requests.append(f"{request.method} {path}")
        if path == "/service/status":
            return httpx.Response(200, json={"status": "online", "message": ""})
        if path == "/users/me":
            return httpx.Response(200, json=envelope(self.account))
        if path in ("/apps/status", "/databases/status"):
            return httpx.Response(200, json=envelope([]))
        if path == "/users/snapshots":
            scope = request.url.params.get("scope", "applications")
            return httpx.Response(200, json=envelope(self._items(scope)))
        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[2] == "snapshots":
            if request.method == "POST":
                return httpx.Response(200, json=envelope(self.created))
            return httpx.Response(200, json=envelope(self.listings.get(parts[1], [])))
        return httpx.Response(404, json={"status": "error", "code": "NOT_FOUND"})

    def transport(self) -> httpx.MockTransport:
        """An in-process transport answering with this API."""
        return httpx.MockTransport(self.handle)

    def app(
        self,
        home: Path,
        *,
        read_only: bool = False,
        now: datetime | None = None,
    ) -> SqtuiApp:
        """The real app against this API, its files under ``home``."""
        settings = RunSettings(
            locations=Locations.under(home),
            api_url=API_URL,
            read_only=read_only,
            key=KeySource(api_key=KEY, origin="session"),
        )
        extra: dict[str, Any] = {}
        if now is not None:
            extra["now"] = lambda: now
        return SqtuiApp(settings, transport_factory=self.transport, **extra)


FIXED_NOW = datetime(2026, 11, 22, 14, 3, tzinfo=UTC)
