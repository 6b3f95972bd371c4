"""The simulator's HTTP face: the API under ``/v2``, the snapshot host, the control routes.

``EdgeMiddleware`` stands where a proxy would: it applies injected faults and logs every
API and download request. Control routes under ``/__sim__/`` answer loopback clients only
and are neither faulted nor logged.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from email.utils import formatdate
from http import HTTPStatus
from typing import Any
from xml.sax.saxutils import escape

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .account import Kind, iso
from .config import SimConfig
from .faults import Fault, SimulatedDrop
from .simulator import ApiError, Simulator, StorageError, is_loopback

CODE_KEY = "sqtui.sim.code"
"""Scope key where a handler leaves the error code it answered, for the request log."""

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def envelope_error(scope: Scope, status: int, code: str, message: str) -> JSONResponse:
    """An enveloped error, remembered in ``scope`` for the request log."""
    scope[CODE_KEY] = code
    return JSONResponse({"status": "error", "code": code, "message": message}, status)


def _success(response: Any) -> JSONResponse:
    return JSONResponse({"status": "success", "response": response})


def _root_url(request: Request) -> str:
    return str(request.base_url)


def _storage_error(
    scope: Scope, error: StorageError, headers: dict[str, str] | None = None
) -> Response:
    scope[CODE_KEY] = error.code
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message></Error>"
    )
    return Response(body, error.status, headers=headers, media_type="application/xml")


class _Api:
    """Route handlers bound to one simulator."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.config = sim.config

    def _auth(self, request: Request) -> None:
        self.sim.authorize(request.headers.get("authorization"))

    async def me(self, request: Request) -> Response:
        self._auth(request)
        return _success(self.sim.me())

    async def app_status(self, request: Request) -> Response:
        self._auth(request)
        return _success(self.sim.statuses("app"))

    async def database_status(self, request: Request) -> Response:
        self._auth(request)
        return _success(self.sim.statuses("database"))

    async def service_status(self, request: Request) -> Response:
        return JSONResponse(
            {
                "status": "online",
                "message": "All systems operational",
                "updated_at": iso(self.sim.now()),
            }
        )

    async def account_snapshots(self, request: Request) -> Response:
        self._auth(request)
        scope = request.query_params.get("scope")
        return _success(self.sim.list_account_snapshots(scope, _root_url(request)))

    async def app_snapshots(self, request: Request) -> Response:
        return await self._snapshots(request, "app")

    async def database_snapshots(self, request: Request) -> Response:
        return await self._snapshots(request, "database")

    async def app_restore(self, request: Request) -> Response:
        return await self._restore(request, "app")

    async def database_restore(self, request: Request) -> Response:
        return await self._restore(request, "database")

    async def _snapshots(self, request: Request, kind: Kind) -> Response:
        self._auth(request)
        rid = request.path_params["id"]
        if request.method != "POST":
            return _success(self.sim.list_snapshots(kind, rid, _root_url(request)))
        snapshot = self.sim.create_snapshot(kind, rid)
        generation = snapshot.ready_at - snapshot.requested_at
        deadline = self.config.scaled(self.config.soft_deadline_seconds)
        if generation <= deadline:
            await self.config.sleep(generation)
            return _success(self.sim.finish_snapshot(kind, rid, snapshot, _root_url(request)))
        await self.config.sleep(deadline)
        return envelope_error(
            request.scope,
            202,
            "SNAPSHOT_PROCESSING",
            "The snapshot is still being generated; it will appear in the listing when ready.",
        )

    async def _restore(self, request: Request, kind: Kind) -> Response:
        self._auth(request)
        try:
            payload: object = json.loads(await request.body())
        except ValueError:
            payload = None
        restore = self.sim.start_restore(kind, request.path_params["id"], payload)
        await self.config.sleep(restore.ends_at - restore.started_at)
        self.sim.finish_restore(restore)
        return JSONResponse({"status": "success"})

    async def download(self, request: Request) -> Response:
        params = request.path_params
        try:
            archive = self.sim.open_download(
                params["scope"], params["user"], params["name"], request.query_params
            )
        except StorageError as error:
            return _storage_error(request.scope, error)
        size = archive.size
        headers = {
            "Accept-Ranges": "bytes",
            "ETag": f'"{archive.key.hex()[:32]}"',
            "Last-Modified": formatdate(archive.modified, usegmt=True),
            "x-amz-version-id": request.query_params.get("versionId", ""),
        }
        try:
            wanted = _requested_range(request.headers.get("range"), size)
        except _Unsatisfiable:
            headers["Content-Range"] = f"bytes */{size}"
            unsatisfiable = StorageError(
                416, "InvalidRange", "The requested range is not satisfiable"
            )
            return _storage_error(request.scope, unsatisfiable, headers)
        start, end = wanted if wanted is not None else (0, size)
        status = 200 if wanted is None else 206
        if wanted is not None:
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
        headers["Content-Length"] = str(end - start)
        if request.method == "HEAD":
            return Response(b"", status, headers=headers, media_type="application/zip")
        crc = await run_in_threadpool(archive.crc)

        async def body() -> AsyncIterator[bytes]:
            for chunk in archive.chunks(start, end, crc):
                yield chunk

        return StreamingResponse(body(), status, headers=headers, media_type="application/zip")


class _Unsatisfiable(Exception):
    """A Range header that no byte of the file can satisfy (416)."""


def _requested_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``[start, end)`` asked by a single-range header; None to serve the whole file.

    Malformed, multi-range and inverted ranges are ignored, as RFC 9110 allows.
    """
    match = _RANGE.fullmatch((header or "").strip())
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.groups()
    if first == "":
        if int(last) == 0:
            raise _Unsatisfiable
        return max(0, size - int(last)), size
    start = int(first)
    if last != "" and int(last) < start:
        return None
    if start >= size:
        raise _Unsatisfiable
    return start, size if last == "" else min(size, int(last) + 1)


class _Control:
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
        return self._refused(request) or JSONResponse(self.sim.events)

    async def state(self, request: Request) -> Response:
        return self._refused(request) or JSONResponse(self.sim.state())

    async def faults(self, request: Request) -> Response:
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


class EdgeMiddleware:
    """Applies faults to, and logs, every request outside ``/__sim__/``."""

    def __init__(self, app: ASGIApp, sim: Simulator) -> None:
        self.app = app
        self.sim = sim

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/__sim__"):
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        fault = self.sim.take_fault(method, path)
        seen: dict[str, Any] = {"status": 500, "sent": 0, "dropped": False}
        limit = fault.drop_after_bytes if fault is not None else None

        async def observed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
            elif message["type"] == "http.response.body" and limit is not None:
                body: bytes = message.get("body", b"")
                room = limit - seen["sent"]
                if len(body) > room or (len(body) == room and message.get("more_body", False)):
                    if room > 0:
                        await send(
                            {"type": "http.response.body", "body": body[:room], "more_body": True}
                        )
                    seen["dropped"] = True
                    raise SimulatedDrop(f"connection dropped after {limit} bytes by a fault")
                seen["sent"] += len(body)
            await send(message)

        try:
            if fault is not None and fault.delay > 0:
                await self.sim.config.sleep(self.sim.config.scaled(fault.delay))
            if fault is not None and fault.replaces_answer:
                scope[CODE_KEY] = fault.code
                await _fault_response(scope, fault)(scope, receive, observed_send)
            else:
                await self.app(scope, receive, observed_send)
        finally:
            self.sim.record_request(
                method, path, seen["status"], scope.get(CODE_KEY), seen["dropped"]
            )


def _fault_response(scope: Scope, fault: Fault) -> Response:
    status = fault.status if fault.status is not None else (200 if fault.body is not None else 400)
    if fault.body is not None:
        text = fault.body.lstrip()
        media = "text/html" if text.startswith("<") else "application/json"
        if not text.startswith(("<", "{", "[")):
            media = "text/plain"
        return Response(fault.body, status, media_type=media)
    code = fault.code if fault.code is not None else _phrase_code(status)
    return envelope_error(scope, status, code, f"Injected fault: {code}.")


def _phrase_code(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.upper().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "ERROR"


def create_app(config: SimConfig | None = None) -> Starlette:
    """The simulator as an ASGI app; ``app.state.sim`` is its ``Simulator``."""
    sim = Simulator(config)
    api = _Api(sim)
    control = _Control(sim)

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return envelope_error(request.scope, exc.status, exc.code, exc.message)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        codes = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}
        code = codes.get(exc.status_code, _phrase_code(exc.status_code))
        return envelope_error(request.scope, exc.status_code, code, str(exc.detail))

    snapshot_methods = ["GET", "POST"]
    app = Starlette(
        routes=[
            Mount(
                "/v2",
                routes=[
                    Route("/users/me", api.me),
                    Route("/users/snapshots", api.account_snapshots),
                    Route("/apps/status", api.app_status),
                    Route("/databases/status", api.database_status),
                    Route("/service/status", api.service_status),
                    Route("/apps/{id}/snapshots", api.app_snapshots, methods=snapshot_methods),
                    Route(
                        "/databases/{id}/snapshots",
                        api.database_snapshots,
                        methods=snapshot_methods,
                    ),
                    Route("/apps/{id}/snapshots/restore", api.app_restore, methods=["POST"]),
                    Route(
                        "/databases/{id}/snapshots/restore",
                        api.database_restore,
                        methods=["POST"],
                    ),
                ],
            ),
            Route("/snapshots/{scope}/{user}/{name}.zip", api.download),
            Mount(
                "/__sim__",
                routes=[
                    Route("/events", control.events),
                    Route("/state", control.state),
                    Route("/faults", control.faults, methods=["GET", "POST", "DELETE"]),
                    Route("/resources", control.resources, methods=["POST"]),
                ],
            ),
        ],
        middleware=[Middleware(EdgeMiddleware, sim=sim)],
        exception_handlers={ApiError: api_error, HTTPException: http_error},
    )
    app.state.sim = sim
    return app
