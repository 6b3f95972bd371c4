"""The snapshot download host: S3-style signed GETs of zip archives, with Range support.

A download (most of the archive in one range) is sent from a spooled copy of the archive
in pieces of a megabyte, so the simulator serves several times faster than a client
needs; a shorter range (a look inside the archive) is made on demand (``archive.spool``)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from email.utils import formatdate
from xml.sax.saxutils import escape

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Scope

from .archive.spool import spooled, worth_spooling
from .envelope import CODE_KEY
from .simulator import Simulator, StorageError

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def _storage_error(
    scope: Scope, error: StorageError, headers: dict[str, str] | None = None
) -> Response:
    scope[CODE_KEY] = error.code
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message></Error>"
    )
    return Response(body, error.status, headers=headers, media_type="application/xml")


class SnapshotHost:
    """Serves ``/snapshots/{scope}/{user}/{name}.zip`` for one simulator; ignores API keys."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    async def download(self, request: Request) -> Response:
        """Check the signature and expiry, then stream the archive or the asked range."""
        params = request.path_params
        try:
            snapshot = self.sim.open_download(
                params["scope"], params["user"], params["name"], request.query_params
            )
        except StorageError as error:
            return _storage_error(request.scope, error)
        # Laying out a 20,000-file archive takes a moment: not on the event loop.
        archive = await run_in_threadpool(snapshot.archive, self.sim.config)
        size = archive.size
        ignores_range = self.sim.config.host_ignores_range
        headers = {
            "Accept-Ranges": "none" if ignores_range else "bytes",
            "ETag": f'"{archive.key.hex()[:32]}"',
            "Last-Modified": formatdate(archive.modified, usegmt=True),
            "x-amz-version-id": request.query_params.get("versionId", ""),
        }
        try:
            # A host that ignores Range answers 200 with the whole file, as RFC 9110 allows.
            asked = None if ignores_range else request.headers.get("range")
            wanted = _requested_range(asked, size)
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
        if worth_spooling(start, end, size):
            # Made whole once (a moment for a big archive), off the event loop.
            chunks = (await run_in_threadpool(spooled, archive)).read(start, end)
        else:
            # The CRCs the range needs (a big member's is a pass over it) come first.
            await run_in_threadpool(archive.prepare, start, end)
            chunks = archive.chunks(start, end)

        async def body() -> AsyncIterator[bytes]:
            for chunk in chunks:
                yield chunk
                # Once the client has gone the server's send no longer waits: this yield
                # lets Starlette see the disconnect and stop, rather than run on to the end.
                await asyncio.sleep(0)

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
