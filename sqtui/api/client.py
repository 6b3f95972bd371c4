"""The async Square Cloud API client: one shared ``httpx.AsyncClient``, typed answers.

GETs retry twice with backoff on network errors and 5xx; POSTs never retry, and
create/restore wait longer than the server's ~90 s hold. The API key is sent only in
the ``Authorization`` header of API calls, never to the snapshot host, and never
appears in a log line, a ``repr`` or an error.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import ssl
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import Future
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from sqtui import __version__
from sqtui.api.errors import ApiError, ErrorKind, invalid_response
from sqtui.api.http_answers import (
    CONTENT_RANGE,
    code_of,
    download_error,
    message_of,
    network_error,
    retry_after_of,
)
from sqtui.api.models import (
    DEFAULT_SNAPSHOT_HOST,
    Account,
    CreateAnswer,
    CreateGenerating,
    RangeAnswer,
    ResourceKind,
    ResourceStatus,
    ServiceStatus,
    Snapshot,
)
from sqtui.api.parsing import (
    ManualTimesReader,
    manual_times_of,
    parse_account,
    parse_created,
    parse_service_status,
    parse_snapshots,
    parse_statuses,
)
from sqtui.api.signed_url import redact_text
from sqtui.display import mask

T = TypeVar("T")

DEFAULT_BASE_URL = "https://api.squarecloud.app/v2"
DEFAULT_TIMEOUT = 20.0
# The server holds create and restore up to ~90 s; the official SDK waits 120 s.
LONG_TIMEOUT = 120.0
GET_RETRIES = 2

log = logging.getLogger("sqtui.api")

Sleep = Callable[[float], Awaitable[None]]


_tls_lock = threading.Lock()
_tls: dict[tuple[str, str], Future[ssl.SSLContext]] = {}


def prepare_tls() -> Future[ssl.SSLContext]:
    """The TLS context every client uses, built once per process on a thread of its own.

    Loading the CA bundle takes tens of milliseconds, most of it outside the GIL: the
    app starts it before importing Textual, so it is ready when the first request
    goes, whatever the URL's scheme, and never runs on the event loop. It follows
    ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` as httpx does.
    """
    where = (os.environ.get("SSL_CERT_FILE", ""), os.environ.get("SSL_CERT_DIR", ""))
    with _tls_lock:
        built = _tls.get(where)
        if built is None:
            built = _tls[where] = Future()

            def build(future: Future[ssl.SSLContext] = built) -> None:
                try:
                    future.set_result(httpx.create_ssl_context())
                except Exception as error:  # a missing or broken bundle, say
                    future.set_exception(error)

            threading.Thread(target=build, name="tls-context", daemon=True).start()
        return built


class SquareCloudClient:
    """Typed access to the Square Cloud API and the snapshot host."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        long_timeout: float = LONG_TIMEOUT,
        retries: int = GET_RETRIES,
        backoff: float = 0.5,
        sleep: Sleep = asyncio.sleep,
        snapshot_host: str = DEFAULT_SNAPSHOT_HOST,
    ) -> None:
        self._key = api_key
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.long_timeout = long_timeout
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep
        self.snapshot_host = snapshot_host
        self.user_id: str | None = None
        self._transport = transport
        self._http: httpx.AsyncClient | None = None
        if transport is None:
            # Loading the CA bundle starts now, on a thread of its own (see prepare_tls).
            prepare_tls()

    def __repr__(self) -> str:
        return f"SquareCloudClient(base_url={self.base_url!r}, key={mask(self._key)!r})"

    @property
    def masked_key(self) -> str:
        """The key in the only form it may be shown."""
        return mask(self._key)

    async def _pool(self, method: str, where: str) -> httpx.AsyncClient:
        """The shared connection pool, made on first use with the TLS context prepared
        beforehand; a context that cannot be made is a network error naming why
        (``SSL_CERT_FILE`` naming a missing file, say)."""
        if self._http is None:
            verify: ssl.SSLContext | bool = True
            if self._transport is None:
                tls = prepare_tls()
                try:
                    # Ready by now, usually: taken without a turn of the event loop.
                    verify = tls.result() if tls.done() else await asyncio.wrap_future(tls)
                except (OSError, ValueError) as error:
                    log.warning("no TLS context: %s", type(error).__name__)
                    raise ApiError(
                        code="NETWORK_ERROR",
                        message=f"TLS could not be set up ({type(error).__name__}: {error})",
                        method=method,
                        path=where,
                        kind=ErrorKind.NETWORK_ERROR,
                        request_sent=False,
                    ) from None
            if self._http is None:
                # No default auth header: the key is added per API request only, so
                # the snapshot host (another party) never receives it.
                self._http = httpx.AsyncClient(
                    transport=self._transport,
                    verify=verify,
                    timeout=httpx.Timeout(self.timeout),
                    headers={"User-Agent": f"sqtui/{__version__}"},
                    follow_redirects=False,
                )
        return self._http

    async def aclose(self) -> None:
        """Close the shared connection pool."""
        if self._http is not None:
            await self._http.aclose()

    async def __aenter__(self) -> SquareCloudClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- routes ------------------------------------------------------------------

    async def me(self) -> Account:
        """``GET /users/me``: the account, its plan, applications and databases."""
        status, data = await self._api("GET", "/users/me")
        account = parse_account(data, status)
        self.user_id = account.user.id
        return account

    async def statuses(self, kind: ResourceKind) -> list[ResourceStatus]:
        """``GET /apps/status`` or ``/databases/status``: which resources run."""
        status, data = await self._api("GET", f"/{kind.route}/status")
        return parse_statuses(data, status)

    async def resource_status(self, kind: ResourceKind, resource_id: str) -> ResourceStatus:
        """Whether one resource runs: ``GET /apps/{id}/status``, or its entry in
        ``/databases/status`` (the contract has no per-database status route)."""
        if kind is ResourceKind.APP:
            status, data = await self._api("GET", f"/apps/{resource_id}/status")
            if not isinstance(data, dict) or not isinstance(data.get("running"), bool):
                raise invalid_response(status, "the status has no running flag", "GET", "status")
            return ResourceStatus(id=resource_id, running=data["running"])
        for found in await self.statuses(kind):
            if found.id == resource_id:
                return found
        return ResourceStatus(id=resource_id, running=False)

    async def service_status(self) -> ServiceStatus:
        """``GET /service/status``: public health of the platform (not enveloped)."""
        response = await self._send("GET", "/service/status", authorized=False)
        return parse_service_status(self._json(response), response.status_code)

    async def list_snapshots(self, kind: ResourceKind, resource_id: str) -> list[Snapshot]:
        """``GET /{apps|databases}/{id}/snapshots``, newest first."""
        return await self._listing(kind, f"/{kind.route}/{resource_id}/snapshots")

    async def list_account_snapshots(self, kind: ResourceKind) -> list[Snapshot]:
        """``GET /users/snapshots?scope=...``: every snapshot of one kind in one call."""
        return await self._listing(kind, "/users/snapshots", {"scope": kind.scope})

    async def account_manual_times(self, kind: ResourceKind) -> dict[str, list[datetime]]:
        """``GET /users/snapshots?scope=...`` read for the daily quota only: when each
        resource's manual snapshots were taken, by resource id.

        A large account lists tens of thousands of snapshots there, tens of MB of signed
        URLs. The answer is read as it arrives, each item checked and dropped at once
        (no :class:`Snapshot`, no URL kept), a network chunk at a time: memory stays
        flat and the event loop, and the app's screen, go on between chunks.
        """
        path = "/users/snapshots"
        response, reader = await self._get_read("GET", path, {"scope": kind.scope})
        if reader is None:
            data = self._unwrap(response, self._json(response))
        else:
            try:
                envelope = reader.finish()
            except ValueError:
                raise self._not_json(response) from None
            data = self._unwrap(response, envelope)
        return manual_times_of(data, response.status_code)

    async def create_snapshot(self, kind: ResourceKind, resource_id: str) -> CreateAnswer:
        """``POST /{apps|databases}/{id}/snapshots``: ready, or pending.

        Pending covers 202 ``SNAPSHOT_PROCESSING`` and an answer lost to a timeout or
        a dropped connection: the snapshot may be generating, so the caller watches
        the listing and must never POST again to find out.
        """
        path = f"/{kind.route}/{resource_id}/snapshots"
        try:
            response = await self._send("POST", path, read_timeout=self.long_timeout)
        except ApiError as error:
            if error.is_network_error and error.request_sent:
                return CreateGenerating(reason="lost", detail=error.message)
            raise
        body = self._json(response)
        if response.status_code == 202 and code_of(body) == "SNAPSHOT_PROCESSING":
            return CreateGenerating(reason="processing", detail=message_of(body))
        data = self._unwrap(response, body)
        return parse_created(data, response.status_code)

    async def restore_snapshot(
        self, kind: ResourceKind, resource_id: str, snapshot_name: str, version_id: str
    ) -> None:
        """``POST /{apps|databases}/{id}/snapshots/restore``; returns once restored."""
        path = f"/{kind.route}/{resource_id}/snapshots/restore"
        response = await self._send(
            "POST",
            path,
            payload={"snapshotId": snapshot_name, "versionId": version_id},
            read_timeout=self.long_timeout,
        )
        self._unwrap(response, self._json(response))

    @asynccontextmanager
    async def open_download(self, url: str, start: int = 0) -> AsyncIterator[httpx.Response]:
        """Stream a snapshot from its signed URL, from byte ``start`` (a Range request).

        The API key is not sent. Yields the response (200 or 206) to iterate; a
        refused URL raises ``DOWNLOAD_DENIED``, a missing object ``DOWNLOAD_NOT_FOUND``.
        """
        headers = {"Range": f"bytes={start}-"} if start > 0 else {}
        where = redact_text(urlsplit(url).path)
        response = await self._host_get(url, headers, where)
        try:
            log.info("download %s from byte %d: HTTP %d", where, start, response.status_code)
            yield response
        finally:
            await response.aclose()

    async def read_range(
        self,
        url: str,
        *,
        start: int | None = None,
        end: int | None = None,
        suffix: int | None = None,
    ) -> RangeAnswer:
        """GET bytes ``start``-``end`` (inclusive; to the end if None) or the last ``suffix``.

        For reading inside a snapshot without downloading it. The API key is not sent.
        A 206 body is read, never past its Content-Range; a 200 (the host ignored the
        Range) is returned with its body unread. Refusals raise as in ``open_download``.
        """
        limit: int | None
        if suffix is not None and suffix > 0 and start is None and end is None:
            wanted, limit = f"bytes=-{suffix}", suffix
        elif start is not None and start >= 0 and suffix is None and (end is None or end >= start):
            wanted = f"bytes={start}-{'' if end is None else end}"
            limit = None if end is None else end - start + 1
        else:
            raise ValueError("read_range needs start (and maybe end), or a positive suffix")
        where = redact_text(urlsplit(url).path)
        response = await self._host_get(url, {"Range": wanted}, where)
        try:
            match = CONTENT_RANGE.match(response.headers.get("content-range", ""))
            if response.status_code != 206 or match is None:
                # Reading on would fetch the whole archive: the caller decides, unread.
                log.warning(
                    "range %s %s: HTTP %d, not a range", where, wanted, response.status_code
                )
                length = response.headers.get("content-length", "")
                total = int(length) if length.isdigit() else None
                return RangeAnswer(response.status_code, None, total, b"")
            first, last, size = int(match[1]), int(match[2]), match[3]
            expected = last - first + 1
            if limit is not None and expected > limit:
                raise invalid_response(206, f"asked {wanted}, got {first}-{last}", "GET", where)
            pieces: list[bytes] = []
            received = 0
            async for piece in response.aiter_bytes():
                received += len(piece)
                if received > expected:
                    raise invalid_response(206, "more bytes than the Content-Range", "GET", where)
                pieces.append(piece)
            if received < expected:
                raise network_error("GET", where, httpx.ReadError("the answer ended early"))
        except httpx.TransportError as error:
            raise network_error("GET", where, error) from None
        except httpx.DecodingError:
            raise invalid_response(206, "the body could not be decoded", "GET", where) from None
        finally:
            await response.aclose()
        log.debug("range %s %s: HTTP 206, %d bytes", where, wanted, received)
        return RangeAnswer(206, first, None if size == "*" else int(size), b"".join(pieces))

    # -- plumbing ------------------------------------------------------------------

    async def _host_get(self, url: str, headers: dict[str, str], where: str) -> httpx.Response:
        """A streamed GET on the snapshot host (no API key); a refusal raises, body read."""
        http = await self._pool("GET", where)
        request = http.build_request("GET", url, headers=headers)
        try:
            response = await http.send(request, stream=True)
        except httpx.TransportError as error:
            raise network_error("GET", where, error) from None
        if response.status_code not in (200, 206):
            try:
                await response.aread()
            finally:
                await response.aclose()
            raise download_error(response, where)
        return response

    async def _listing(
        self, kind: ResourceKind, path: str, params: dict[str, str] | None = None
    ) -> list[Snapshot]:
        status, data = await self._api("GET", path, params=params)
        return parse_snapshots(
            data,
            kind=kind,
            user_id=await self._user_id_if_needed(data),
            status=status,
            snapshot_host=self.snapshot_host,
        )

    async def _get_read(
        self, method: str, path: str, params: dict[str, str]
    ) -> tuple[httpx.Response, ManualTimesReader | None]:
        """Send an API GET whose 2xx body is fed to a :class:`ManualTimesReader` as it
        arrives (retried as :meth:`_send` retries); another answer is read whole."""
        url = self.base_url + path
        headers = {"Authorization": self._key}

        async def once(http: httpx.AsyncClient) -> tuple[httpx.Response, ManualTimesReader | None]:
            request = http.build_request(method, url, params=params, headers=headers)
            response = await http.send(request, stream=True)
            reader: ManualTimesReader | None = None
            try:
                try:
                    if 200 <= response.status_code < 300:
                        reader = ManualTimesReader(response.status_code)
                        async for chunk in response.aiter_bytes():
                            reader.feed(chunk)
                    else:
                        await response.aread()
                finally:
                    await response.aclose()
            except ValueError:
                # Not JSON (or not UTF-8): said as every other route says it.
                raise self._not_json(response) from None
            return response, reader

        return await self._retrying(method, path, once)

    async def _user_id_if_needed(self, data: object) -> str | None:
        # Only older listings without ``url`` need the user id to build one.
        if (
            self.user_id is None
            and isinstance(data, list)
            and any(isinstance(item, dict) and not item.get("url") for item in data)
        ):
            await self.me()
        return self.user_id

    async def _api(
        self, method: str, path: str, *, params: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        response = await self._send(method, path, params=params)
        return response.status_code, self._unwrap(response, self._json(response))

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        payload: object = None,
        read_timeout: float | None = None,
        authorized: bool = True,
    ) -> httpx.Response:
        """Send one API request; GETs are retried on network errors and 5xx."""
        url = self.base_url + path
        headers = {"Authorization": self._key} if authorized else {}

        async def once(http: httpx.AsyncClient) -> tuple[httpx.Response, None]:
            response = await http.request(
                method,
                url,
                params=params,
                json=payload,
                headers=headers,
                timeout=read_timeout if read_timeout is not None else self.timeout,
            )
            return response, None

        response, _ = await self._retrying(method, path, once)
        return response

    async def _retrying(
        self,
        method: str,
        path: str,
        once: Callable[[httpx.AsyncClient], Awaitable[tuple[httpx.Response, T]]],
    ) -> tuple[httpx.Response, T]:
        """Run ``once`` until it answers; GETs again on network errors and 5xx, with
        backoff. POSTs are sent once: the server may have acted on a lost answer."""
        attempts = 1 + (self.retries if method == "GET" else 0)
        http = await self._pool(method, path)
        for attempt in range(1, attempts + 1):
            started = time.monotonic()
            try:
                response, read = await once(http)
            except httpx.TransportError as error:
                log.warning("%s %s: %s (attempt %d)", method, path, type(error).__name__, attempt)
                if attempt < attempts:
                    await self._sleep(self.backoff * 2 ** (attempt - 1))
                    continue
                raise network_error(method, path, error) from None
            log.info(
                "%s %s: HTTP %d in %.0f ms",
                method,
                path,
                response.status_code,
                (time.monotonic() - started) * 1000,
            )
            if response.status_code >= 500 and attempt < attempts:
                await self._sleep(self.backoff * 2 ** (attempt - 1))
                continue
            return response, read
        raise AssertionError("unreachable")  # pragma: no cover

    @classmethod
    def _json(cls, response: httpx.Response) -> object:
        try:
            return json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            raise cls._not_json(response) from None

    @staticmethod
    def _not_json(response: httpx.Response) -> ApiError:
        return invalid_response(
            response.status_code,
            "the body is not JSON",
            response.request.method,
            response.request.url.path,
        )

    @staticmethod
    def _unwrap(response: httpx.Response, body: object) -> Any:
        """The envelope's ``response`` on success; the typed error otherwise."""
        method, path = response.request.method, response.request.url.path
        status = response.status_code
        if not isinstance(body, dict):
            raise invalid_response(status, "the body is not a JSON object", method, path)
        if body.get("status") == "success" and 200 <= status < 300:
            return body.get("response")
        code = code_of(body)
        if code is None:
            if 200 <= status < 300:
                raise invalid_response(status, "the envelope has no status", method, path)
            code = f"HTTP_{status}"
        raise ApiError(
            code=code,
            message=message_of(body),
            status=status,
            method=method,
            path=path,
            retry_after=retry_after_of(response),
        )
