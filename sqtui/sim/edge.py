"""The edge in front of the simulated API: network latency, injected faults, the request log.

A download's log entry also carries the ``Range`` it asked for and the body bytes
actually sent, so a test can check how much of an archive a client read.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .envelope import CODE_KEY, envelope_error, phrase_code
from .faults import Fault, SimulatedDrop
from .simulator import Simulator


class EdgeMiddleware:
    """Applies faults to, and logs, every request outside ``/__sim__/``."""

    def __init__(self, app: ASGIApp, sim: Simulator) -> None:
        self.app = app
        self.sim = sim

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Delay, replace or cut the answer as the first matching fault says; log it."""
        if scope["type"] != "http" or scope["path"].startswith("/__sim__"):
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        fault = self.sim.take_fault(method, path)
        seen: dict[str, Any] = {"status": 500, "sent": 0, "dropped": False, "gone": False}
        limit = fault.drop_after_bytes if fault is not None else None

        async def observed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
            elif message["type"] == "http.response.body":
                if seen["gone"]:
                    # The client hung up: the server drops what is handed to it now.
                    await send(message)
                    return
                body: bytes = message.get("body", b"")
                room = limit - seen["sent"] if limit is not None else len(body)
                if len(body) > room or (
                    limit is not None and len(body) == room and message.get("more_body", False)
                ):
                    if room > 0:
                        await send(
                            {"type": "http.response.body", "body": body[:room], "more_body": True}
                        )
                        seen["sent"] += room
                    seen["dropped"] = True
                    raise SimulatedDrop(f"connection dropped after {limit} bytes by a fault")
                seen["sent"] += len(body)
            await send(message)

        async def observed_receive() -> Message:
            message = await receive()
            if message["type"] == "http.disconnect":
                seen["gone"] = True
            return message

        latency = self.sim.config.latency_ms
        try:
            if latency > 0:
                # A network's round trip: not simulated time, so not scaled by speed.
                await self.sim.config.sleep(latency / 1000)
            if fault is not None and fault.delay > 0:
                await self.sim.config.sleep(self.sim.config.scaled(fault.delay))
            if fault is not None and fault.replaces_answer:
                scope[CODE_KEY] = fault.code
                await _fault_response(scope, fault)(scope, observed_receive, observed_send)
            else:
                await self.app(scope, observed_receive, observed_send)
        finally:
            download = None
            if path.startswith("/snapshots/"):
                headers = dict(scope.get("headers", []))
                wanted = headers.get(b"range")
                download = {
                    "range": None if wanted is None else wanted.decode("latin-1"),
                    "bytes_sent": seen["sent"],
                }
            self.sim.record_request(
                method, path, seen["status"], scope.get(CODE_KEY), seen["dropped"], download
            )


def _fault_response(scope: Scope, fault: Fault) -> Response:
    status = fault.status if fault.status is not None else (200 if fault.body is not None else 400)
    if fault.body is not None:
        text = fault.body.lstrip()
        media = "text/html" if text.startswith("<") else "application/json"
        if not text.startswith(("<", "{", "[")):
            media = "text/plain"
        return Response(fault.body, status, media_type=media)
    code = fault.code if fault.code is not None else phrase_code(status)
    return envelope_error(scope, status, code, f"Injected fault: {code}.")
