"""The loopback-only control routes under ``/__sim__/``: events, state, faults, resources."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .faults import Fault
from .simulator import Simulator, is_loopback


class Control:
    """The loopback-only ``/__sim__/`` routes."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    @staticmethod
    def _refused(request: Request) -> Response | None:
        host = request.client.host if request.client is not None else None
        if is_loopback(host):
            return None
        return JSONResponse({"error": "control routes answer loopback clients only"}, 403)

    async def events(self, request: Request) -> Response:
        """``GET /__sim__/events``: requests and state changes, oldest first."""
        return self._refused(request) or JSONResponse(self.sim.events)

    async def state(self, request: Request) -> Response:
        """``GET /__sim__/state``: account, resources, snapshots, quota, faults."""
        return self._refused(request) or JSONResponse(self.sim.state())

    async def faults(self, request: Request) -> Response:
        """``GET`` lists, ``POST`` adds (201) and ``DELETE`` clears the faults."""
        refused = self._refused(request)
        if refused is not None:
            return refused
        if request.method == "DELETE":
            self.sim.clear_faults()
            return JSONResponse({"faults": []})
        if request.method == "POST":
            try:
                data = json.loads(await request.body())
                if not isinstance(data, dict):
                    raise ValueError("the body must be a JSON object")
                fault = Fault.from_json(data)
            except ValueError as error:
                return JSONResponse({"error": str(error)}, 400)
            self.sim.add_fault(fault)
            return JSONResponse(fault.to_json(), 201)
        return JSONResponse({"faults": [fault.to_json() for fault in self.sim.faults]})

    async def resources(self, request: Request) -> Response:
        """``POST {"kind", "name", "type"?}``: add a resource, answer its id (201)."""
        refused = self._refused(request)
        if refused is not None:
            return refused
        try:
            data = json.loads(await request.body())
            if not isinstance(data, dict):
                raise ValueError("the body must be a JSON object")
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
