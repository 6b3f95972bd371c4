"""The control routes under ``/__sim__/``: events, state, faults, resources, the key.

They answer loopback clients only. Since a browser on the same machine is a loopback
client too, they also refuse any request whose ``Origin`` is not the simulator's own
loopback origin (a cross-site page), and take only ``application/json`` bodies, which a
cross-site HTML form cannot send: a web page cannot add faults or change the account.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .faults import Fault
from .simulator import Simulator, is_loopback

_JSON = "application/json"


def _loopback_name(host: str | None) -> bool:
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _own_origin(origin: str, request: Request) -> bool:
    """Whether ``origin`` is this server's own origin, on a loopback name."""
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    host = request.headers.get("host")
    return (
        parts.scheme == request.url.scheme
        and host is not None
        and parts.netloc == host
        and parts.path == ""
        and _loopback_name(parts.hostname)
    )


class Control:
    """The loopback-only ``/__sim__/`` routes."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    @staticmethod
    async def _refused(request: Request) -> Response | None:
        host = request.client.host if request.client is not None else None
        if not is_loopback(host):
            return JSONResponse({"error": "control routes answer loopback clients only"}, 403)
        origin = request.headers.get("origin")
        if origin is not None and not _own_origin(origin, request):
            return JSONResponse({"error": "control routes refuse cross-site requests"}, 403)
        if request.method in ("POST", "DELETE"):
            media = request.headers.get("content-type", "").split(";")[0].strip().lower()
            # A DELETE may come without a body; any body must be JSON.
            has_body = request.method == "POST" or bool(await request.body()) or media != ""
            if has_body and media != _JSON:
                return JSONResponse({"error": "send the body as application/json"}, 415)
        return None

    async def events(self, request: Request) -> Response:
        """``GET /__sim__/events``: requests and state changes, oldest first."""
        return await self._refused(request) or JSONResponse(self.sim.events)

    async def state(self, request: Request) -> Response:
        """``GET /__sim__/state``: account, resources, snapshots, quota, faults."""
        return await self._refused(request) or JSONResponse(self.sim.state())

    async def faults(self, request: Request) -> Response:
        """``GET`` lists, ``POST`` adds (201) and ``DELETE`` clears the faults."""
        refused = await self._refused(request)
        if refused is not None:
            return refused
        if request.method == "DELETE":
            self.sim.clear_faults()
            return JSONResponse({"faults": []})
        if request.method == "POST":
            try:
                fault = Fault.from_json(await _object(request))
            except ValueError as error:
                return JSONResponse({"error": str(error)}, 400)
            self.sim.add_fault(fault)
            return JSONResponse(fault.to_json(), 201)
        return JSONResponse({"faults": [fault.to_json() for fault in self.sim.faults]})

    async def resources(self, request: Request) -> Response:
        """``POST {"kind", "name", "type"?}``: add a resource, answer its id (201)."""
        refused = await self._refused(request)
        if refused is not None:
            return refused
        try:
            data = await _object(request)
            kind, name, engine = data.get("kind"), data.get("name"), data.get("type")
            if not isinstance(name, str) or not name:
                raise ValueError("name must be a non-empty string")
            if kind not in ("app", "database"):
                raise ValueError("kind must be 'app' or 'database'")
            if engine is not None and not isinstance(engine, str):
                raise ValueError("type must be a string")
            rid = self.sim.add_resource(kind, name, engine)
        except ValueError as error:
            return JSONResponse({"error": str(error)}, 400)
        return JSONResponse({"id": rid}, 201)

    async def resource_state(self, request: Request) -> Response:
        """``POST /__sim__/resources/{id or name}/state {"state"}``: run, stop or break it."""
        refused = await self._refused(request)
        if refused is not None:
            return refused
        try:
            state = (await _object(request)).get("state")
            if not isinstance(state, str):
                raise ValueError("state must be a string")
            rid = self.sim.set_resource_state(request.path_params["id"], state)
        except ValueError as error:
            return JSONResponse({"error": str(error)}, 400)
        return JSONResponse({"id": rid, "state": state})

    async def key(self, request: Request) -> Response:
        """``GET`` shows, ``POST {"scopes", "resources"}`` sets what the key may do."""
        refused = await self._refused(request)
        if refused is not None:
            return refused
        if request.method == "POST":
            try:
                data = await _object(request)
                unknown = set(data) - {"scopes", "resources"}
                if unknown:
                    raise ValueError(f"unknown fields: {', '.join(sorted(unknown))}")
                limits = self.sim.set_key_limits(
                    _names(data.get("scopes"), "scopes"), _names(data.get("resources"), "resources")
                )
            except ValueError as error:
                return JSONResponse({"error": str(error)}, 400)
            return JSONResponse(limits.to_json())
        return JSONResponse(self.sim.limits.to_json())


async def _object(request: Request) -> dict[str, Any]:
    """The request's JSON object body; ValueError otherwise."""
    data = json.loads(await request.body())
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data


def _names(value: object, field: str) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{field} must be a list of strings or null")
    return value
