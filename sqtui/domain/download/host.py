"""One GET of a snapshot from its signed URL, read on a worker thread with ``http.client``.

The body of a snapshot is most of what sqtui ever receives, so it takes the cheapest
path Python has: the standard library's ``HTTPResponse.readinto`` fills the caller's
buffer straight from the socket. httpx's async streaming spends about ten times the
CPU per byte (h11 parsing and an event-loop wake-up per 64 KiB), which on a small
machine decided the download's speed (benchmarks/README.md).

The request carries the signed URL, a ``Range`` when resuming and the User-Agent:
never the API key. It goes through the proxy the environment names (``HTTPS_PROXY``,
``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``), as httpx does, and uses the API client's
TLS context (the same trusted certificates, loaded once per process). ``abort`` may be
called from any thread: it wakes a read that is waiting on the network, so a cancelled
download stops at once.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import socket
import ssl
import urllib.request
from email.message import Message
from urllib.parse import SplitResult, unquote, urlsplit

import httpx

from sqtui import __version__
from sqtui.api.client import prepare_tls
from sqtui.api.errors import ApiError
from sqtui.api.http_answers import download_error
from sqtui.api.signed_url import redact_text

# A refusal's body is a short XML document; more than this is not read.
_REFUSAL_LIMIT = 64 << 10


class HostUnreachable(Exception):
    """The host could not be reached, or the connection failed; ``why`` in a few words."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def _tls_context() -> ssl.SSLContext:
    """The process's TLS context, the API client's own (waits while it is being loaded)."""
    try:
        return prepare_tls().result()
    except (OSError, ValueError) as error:
        raise HostUnreachable(f"TLS could not be set up ({error})") from None


class HostRequest:
    """A GET of ``url`` from byte ``start``: opened, read and closed on one worker thread.

    Blocking throughout; ``abort`` is the one method for other threads.
    """

    def __init__(self, url: str, start: int, *, timeout: float) -> None:
        self.url = url
        self.start = start
        self.where = redact_text(urlsplit(url).path)
        self._timeout = timeout
        self._connection: http.client.HTTPConnection | None = None
        self._response: http.client.HTTPResponse | None = None
        self._aborted = False

    @property
    def status(self) -> int:
        """The answer's status code (after ``open``)."""
        return self._answer().status

    @property
    def headers(self) -> Message:
        """The answer's headers, by case-insensitive name (after ``open``)."""
        return self._answer().headers

    def open(self) -> None:
        """Connect, send the request and read the answer's head."""
        parts = urlsplit(self.url)
        headers = {"User-Agent": f"sqtui/{__version__}", "Accept-Encoding": "identity"}
        if self.start > 0:
            headers["Range"] = f"bytes={self.start}-"
        try:
            connection, target = self._connect(parts, headers)
            self._connection = connection
            if self._aborted:
                raise HostUnreachable("the download was stopped")
            connection.request("GET", target, headers=headers)
            self._response = connection.getresponse()
        except (OSError, http.client.HTTPException) as error:
            raise HostUnreachable(_why(error)) from None

    def readinto(self, buffer: memoryview) -> int:
        """Read body bytes into ``buffer``; 0 at the end of the body (or when it was cut)."""
        try:
            return self._answer().readinto(buffer)
        except (OSError, http.client.HTTPException, ValueError) as error:
            # ValueError: the connection was closed under the read by ``abort``.
            raise HostUnreachable(_why(error)) from None

    def refusal(self) -> ApiError:
        """The host's refusal (any status but 200 and 206) as the typed error, body read."""
        answer = self._answer()
        try:
            body = answer.read(_REFUSAL_LIMIT)
        except (OSError, http.client.HTTPException):
            body = b""
        response = httpx.Response(answer.status, headers=list(answer.headers.items()), content=body)
        return download_error(response, self.where)

    def abort(self) -> None:
        """Stop the request from another thread: a read waiting on the network returns."""
        self._aborted = True
        connection = self._connection
        sock = connection.sock if connection is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):
                # The plain socket's shutdown, not TLS's: wakes the reader, frees nothing
                # it still uses (closing is left to the reader's thread).
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def close(self) -> None:
        """Let the connection go."""
        if self._connection is not None:
            self._connection.close()

    def _answer(self) -> http.client.HTTPResponse:
        if self._response is None:
            raise RuntimeError("the request is not open")
        return self._response

    def _connect(
        self, parts: SplitResult, headers: dict[str, str]
    ) -> tuple[http.client.HTTPConnection, str]:
        """A connection to the host or through the proxy, and the request's target."""
        secure = parts.scheme == "https"
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise HostUnreachable(f"the link is not an http(s) URL ({parts.scheme or 'none'})")
        host, port = parts.hostname, parts.port or (443 if secure else 80)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        proxy = _proxy_for(parts.scheme, host)
        connection: http.client.HTTPConnection
        if proxy is None:
            if secure:
                connection = http.client.HTTPSConnection(
                    host, port, timeout=self._timeout, context=_tls_context()
                )
            else:
                connection = http.client.HTTPConnection(host, port, timeout=self._timeout)
            return connection, path
        via = proxy.hostname or ""
        authorization = _proxy_authorization(proxy)
        if secure:
            # A CONNECT tunnel: TLS runs end to end, the proxy sees only the host name.
            connection = http.client.HTTPSConnection(
                via, proxy.port or 80, timeout=self._timeout, context=_tls_context()
            )
            connection.set_tunnel(host, port, headers=authorization)
            return connection, path
        headers.update(authorization)
        connection = http.client.HTTPConnection(via, proxy.port or 80, timeout=self._timeout)
        return connection, parts.geturl()


def _proxy_for(scheme: str, host: str) -> SplitResult | None:
    """The proxy the environment names for ``scheme`` and ``host``, or None to go direct."""
    proxies = urllib.request.getproxies()
    named = proxies.get(scheme) or proxies.get("all")
    if not named or urllib.request.proxy_bypass(host):
        return None
    proxy = urlsplit(named if "://" in named else f"http://{named}")
    if proxy.scheme != "http" or not proxy.hostname:
        raise HostUnreachable(f"the proxy {proxy.scheme}://{proxy.hostname} cannot be used")
    return proxy


def _proxy_authorization(proxy: SplitResult) -> dict[str, str]:
    if proxy.username is None:
        return {}
    credentials = f"{unquote(proxy.username)}:{unquote(proxy.password or '')}"
    token = base64.b64encode(credentials.encode()).decode("ascii")
    return {"Proxy-Authorization": f"Basic {token}"}


def _why(error: BaseException) -> str:
    """What went wrong with the connection, for people."""
    if isinstance(error, TimeoutError):
        return "the connection timed out"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"the host's certificate was refused ({error.verify_message})"
    if isinstance(error, ssl.SSLError):
        return f"TLS failed ({error.reason or error})"
    if isinstance(error, socket.gaierror):
        return "the host name could not be resolved"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused or host unreachable"
    if isinstance(error, ConnectionError | EOFError | ValueError | http.client.HTTPException):
        return "the connection was dropped"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return type(error).__name__
