"""The simulator's HTTP face: the API under ``/v2``, the snapshot host, the control routes.

``EdgeMiddleware`` stands where a proxy would, in front of all but the control routes.
"""

from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, Router

from .account import Kind, iso
from .config import SimConfig
from .control import Control
from .edge import EdgeMiddleware
from .envelope import envelope_error, phrase_code, success
from .listing import ListingJob
from .simulator import ApiError, Simulator
from .snapshot_host import SnapshotHost


def _router(*routes: Route) -> Router:
    # A redirect would quietly fix a client's wrong URL; a 404 envelope shows it.
    return Router(list(routes), redirect_slashes=False)


def _root_url(request: Request) -> str:
    return str(request.base_url)


async def _listing_answer(listing: bytes | ListingJob) -> Response:
    # A big listing is built a slice at a time, so other requests are answered meanwhile.
    body = await listing.render_async() if isinstance(listing, ListingJob) else listing
    return Response(body, media_type="application/json")


class _Api:
    """Route handlers bound to one simulator."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.config = sim.config

    def _auth(self, request: Request, scope: str) -> None:
        self.sim.authorize(request.headers.get("authorization"), scope)

    async def me(self, request: Request) -> Response:
        self._auth(request, "account:read")
        return success(self.sim.me())

    async def app_status(self, request: Request) -> Response:
        self._auth(request, "apps:read")
        return success(self.sim.statuses("app"))

    async def database_status(self, request: Request) -> Response:
        self._auth(request, "databases:read")
        return success(self.sim.statuses("database"))

    async def one_app(self, request: Request) -> Response:
        self._auth(request, "apps:read")
        return success(self.sim.app(request.path_params["id"]))

    async def one_app_status(self, request: Request) -> Response:
        self._auth(request, "apps:read")
        return success(self.sim.app_status(request.path_params["id"]))

    async def service_status(self, request: Request) -> Response:
        return JSONResponse(
            {
                "status": "online",
                "message": "All systems operational",
                "updated_at": iso(self.sim.now()),
            }
        )

    async def account_snapshots(self, request: Request) -> Response:
        self._auth(request, "snapshots:read")
        scope = request.query_params.get("scope")
        return await _listing_answer(self.sim.account_listing(scope, _root_url(request)))

    async def app_snapshots(self, request: Request) -> Response:
        return await self._snapshots(request, "app")

    async def database_snapshots(self, request: Request) -> Response:
        return await self._snapshots(request, "database")

    async def app_restore(self, request: Request) -> Response:
        return await self._restore(request, "app")

    async def database_restore(self, request: Request) -> Response:
        return await self._restore(request, "database")

    async def _snapshots(self, request: Request, kind: Kind) -> Response:
        rid = request.path_params["id"]
        if request.method != "POST":
            self._auth(request, "snapshots:read")
            return await _listing_answer(self.sim.resource_listing(kind, rid, _root_url(request)))
        self._auth(request, "snapshots:create")
        snapshot = self.sim.create_snapshot(kind, rid)
        generation = snapshot.ready_at - snapshot.requested_at
        deadline = self.config.scaled(self.config.soft_deadline_seconds)
        if generation <= deadline:
            await self.config.sleep(generation)
            return success(self.sim.finish_snapshot(kind, rid, snapshot, _root_url(request)))
        await self.config.sleep(deadline)
        return envelope_error(
            request.scope,
            202,
            "SNAPSHOT_PROCESSING",
            "The snapshot is still being generated; it will appear in the listing when ready.",
        )

    async def _restore(self, request: Request, kind: Kind) -> Response:
        self._auth(request, "snapshots:restore")
        try:
            payload: object = json.loads(await request.body())
        except ValueError:
            payload = None
        restore = self.sim.start_restore(kind, request.path_params["id"], payload)
        await self.config.sleep(restore.ends_at - restore.started_at)
        self.sim.finish_restore(restore)
        return JSONResponse({"status": "success"})


def create_app(config: SimConfig | None = None) -> Starlette:
    """The simulator as an ASGI app; ``app.state.sim`` is its ``Simulator``."""
    sim = Simulator(config)
    api = _Api(sim)
    control = Control(sim)
    host = SnapshotHost(sim)

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return envelope_error(request.scope, exc.status, exc.code, exc.message)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        codes = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}
        code = codes.get(exc.status_code, phrase_code(exc.status_code))
        return envelope_error(request.scope, exc.status_code, code, str(exc.detail))

    snapshot_methods = ["GET", "POST"]
    app = Starlette(
        routes=[
            Mount(
                "/v2",
                app=_router(
                    Route("/users/me", api.me),
                    Route("/users/snapshots", api.account_snapshots),
                    Route("/apps/status", api.app_status),
                    Route("/apps/{id}", api.one_app),
                    Route("/apps/{id}/status", api.one_app_status),
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
                ),
            ),
            Route("/snapshots/{scope}/{user}/{name}.zip", host.download),
            Mount(
                "/__sim__",
                app=_router(
                    Route("/events", control.events),
                    Route("/state", control.state),
                    Route("/faults", control.faults, methods=["GET", "POST", "DELETE"]),
                    Route("/resources", control.resources, methods=["POST"]),
                    Route("/resources/{id}/state", control.resource_state, methods=["POST"]),
                    Route("/key", control.key, methods=["GET", "POST"]),
                ),
            ),
        ],
        middleware=[Middleware(EdgeMiddleware, sim=sim)],
        exception_handlers={ApiError: api_error, HTTPException: http_error},
    )
    app.router.redirect_slashes = False
    app.state.sim = sim
    return app
