"""What an HTTP answer (or its absence) means: the API's error fields, network
failures, the snapshot host's refusals, and the ranges it sends."""

from __future__ import annotations

import re

import httpx

from sqtui.api.errors import ApiError, ErrorKind


def code_of(body: object) -> str | None:
    """The envelope's ``code``, if the body has one."""
    if isinstance(body, dict):
        code = body.get("code")
        if isinstance(code, str) and code:
            return code[:80]
    return None


def message_of(body: object) -> str:
    """The envelope's ``message``, or nothing."""
    if isinstance(body, dict):
        message = body.get("message")
        if isinstance(message, str):
            return message[:300]
    return ""


def retry_after_of(response: httpx.Response) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds form only), or None."""
    value = response.headers.get("retry-after", "").strip()
    if value.isdigit():
        return min(float(value), 24 * 3600.0)
    return None


def network_error(method: str, path: str, error: httpx.TransportError) -> ApiError:
    """A transport failure as the typed error: what went wrong, and whether it was sent."""
    detail = {
        httpx.ConnectError: "connection refused or host unreachable",
        httpx.ConnectTimeout: "timed out while connecting",
        httpx.ReadTimeout: "timed out waiting for the answer",
        httpx.RemoteProtocolError: "the connection was dropped",
        httpx.ReadError: "the connection was dropped",
    }.get(type(error), type(error).__name__)
    return ApiError(
        code="NETWORK_ERROR",
        message=detail,
        method=method,
        path=path,
        kind=ErrorKind.NETWORK_ERROR,
        request_sent=not isinstance(
            error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout
        ),
    )


_XML_FIELD = re.compile(r"<(Code|Message)>([^<]{0,200})</\1>")


def download_error(response: httpx.Response, where: str) -> ApiError:
    """The snapshot host's refusal (S3-style XML) as the typed error."""
    fields = dict(_XML_FIELD.findall(response.text)) if response.content else {}
    status = response.status_code
    if status == 403:
        code = "DOWNLOAD_DENIED"
    elif status == 404:
        code = "DOWNLOAD_NOT_FOUND"
    else:
        code = f"HTTP_{status}"
    message = " ".join(part for part in (fields.get("Code"), fields.get("Message")) if part)
    return ApiError(code=code, message=message, status=status, method="GET", path=where)


# ``Content-Range: bytes 0-99/1234`` (the total may be ``*``).
CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)
