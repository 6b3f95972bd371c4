"""The one error type of the API client, and the cases the UI treats differently."""

from __future__ import annotations

import enum

from sqtui.api.signed_url import redact_text
from sqtui.display import printable


class ErrorKind(enum.Enum):
    """How the UI should treat a failure; derived from the HTTP status and the code."""

    ACCESS_DENIED = "access denied"
    NOT_FOUND = "not found"
    COOLDOWN = "cooldown"
    DAILY_QUOTA = "daily quota"
    RATE_LIMITED = "rate limited"
    RESTORE_IN_PROGRESS = "restore in progress"
    SERVER_ERROR = "server error"
    NETWORK_ERROR = "network error"
    INVALID_RESPONSE = "invalid response"
    DOWNLOAD_DENIED = "download denied"
    NOT_ALLOWED = "not allowed for this key"
    RESOURCE_NOT_RUNNING = "resource not running"
    FAILED = "failed"


_KIND_BY_CODE: dict[str, ErrorKind] = {
    "ACCESS_DENIED": ErrorKind.ACCESS_DENIED,
    "INVALID_ACCESS_TOKEN": ErrorKind.ACCESS_DENIED,
    "APP_NOT_FOUND": ErrorKind.NOT_FOUND,
    "DATABASE_NOT_FOUND": ErrorKind.NOT_FOUND,
    "SNAPSHOT_NOT_FOUND": ErrorKind.NOT_FOUND,
    "NOT_FOUND": ErrorKind.NOT_FOUND,
    "KEEP_CALM": ErrorKind.COOLDOWN,
    "DAILY_SNAPSHOTS_LIMIT_REACHED": ErrorKind.DAILY_QUOTA,
    "RATE_LIMITED": ErrorKind.RATE_LIMITED,
    "RESTORE_IN_PROGRESS": ErrorKind.RESTORE_IN_PROGRESS,
    "DOWNLOAD_DENIED": ErrorKind.DOWNLOAD_DENIED,
    "DOWNLOAD_NOT_FOUND": ErrorKind.NOT_FOUND,
    # A scoped key: the key is valid, only this action (or resource) is closed to it.
    "MISSING_SCOPE": ErrorKind.NOT_ALLOWED,
    "RESOURCE_NOT_ALLOWED": ErrorKind.NOT_ALLOWED,
    "DATABASE_NOT_RUNNING": ErrorKind.RESOURCE_NOT_RUNNING,
    "DATABASE_UNAVAILABLE": ErrorKind.RESOURCE_NOT_RUNNING,
}

# Short human sentences for the codes we know; the server's message is added after them.
_SENTENCES: dict[str, str] = {
    "ACCESS_DENIED": "The API key was refused (unknown, revoked or expired)",
    "INVALID_ACCESS_TOKEN": "The API key was refused (unknown, revoked or expired)",
    "APP_NOT_FOUND": "This application no longer exists",
    "DATABASE_NOT_FOUND": "This database no longer exists",
    "SNAPSHOT_NOT_FOUND": "That snapshot no longer exists",
    "INVALID_SNAPSHOT_ID": "The server did not accept that snapshot id",
    "INVALID_VERSION_ID": "The server did not accept that snapshot version",
    "KEEP_CALM": "Too soon: a cooldown is running",
    "DAILY_SNAPSHOTS_LIMIT_REACHED": "The daily snapshot quota is used up",
    "RATE_LIMITED": "The account is rate limited by Square Cloud",
    "RESTORE_IN_PROGRESS": "Another restore of this resource is still running",
    "SNAPSHOT_FAILED": "The snapshot could not be created",
    "SNAPSHOT_RESTORE_FAILED": "The restore failed",
    "SNAPSHOT_DATABASE_MISMATCH": "That snapshot belongs to a database of another engine",
    "NETWORK_ERROR": "The API could not be reached",
    "INVALID_RESPONSE": "Invalid response from server",
    "DOWNLOAD_DENIED": "The snapshot host refused the signed URL (expired or invalid)",
    "DOWNLOAD_NOT_FOUND": "The snapshot host no longer has this snapshot",
    "MISSING_SCOPE": "This API key is not allowed to do that (the key is valid, its scopes "
    "leave this action out)",
    "RESOURCE_NOT_ALLOWED": "This API key may not act on this resource (the key is valid, "
    "limited to other resources)",
    "DATABASE_NOT_RUNNING": "The database is not running: start it, then try again",
    "DATABASE_UNAVAILABLE": "The database is unavailable right now; try again in a while",
    "UPGRADE_REQUIRED": "Not available on this plan",
}


class ApiError(Exception):
    """A failed API or download call: HTTP status, code, message, method and path.

    ``status`` is None when no HTTP answer arrived (network errors). The path never
    carries a query string signature, and no field ever holds the API key.
    """

    def __init__(
        self,
        *,
        code: str,
        message: str = "",
        status: int | None = None,
        method: str = "",
        path: str = "",
        kind: ErrorKind | None = None,
        request_sent: bool = True,
        retry_after: float | None = None,
    ) -> None:
        self.code = code
        # Seconds the server asked us to wait (a ``Retry-After`` header), if it said.
        self.retry_after = retry_after
        # False when the connection failed before the request left (connect errors):
        # then the server cannot have acted on it.
        self.request_sent = request_sent
        # Server text may carry terminal escape codes: kept visible, never obeyed.
        self.message = printable(redact_text(message))
        self.status = status
        self.method = method
        self.path = redact_text(path)
        self.kind = kind if kind is not None else _kind_for(code, status)
        super().__init__(self.human())

    def human(self) -> str:
        """One short sentence for a notification: what happened, naming the code."""
        if self.kind is ErrorKind.INVALID_RESPONSE:
            base = f"Invalid response from server (HTTP {self.status})"
            return f"{base}: {self.message}" if self.message else base
        sentence = _SENTENCES.get(self.code)
        if sentence is None:
            what = f"HTTP {self.status}" if self.status is not None else "no answer"
            sentence = f"Request failed ({what})"
        message = self.message.strip().rstrip(".")
        detail = f" {message[:1].upper()}{message[1:]}." if message else ""
        return f"{sentence} [{self.code}].{detail}"

    def __repr__(self) -> str:
        return (
            f"ApiError(code={self.code!r}, status={self.status!r}, kind={self.kind.name}, "
            f"method={self.method!r}, path={self.path!r}, message={self.message!r})"
        )

    @property
    def is_access_denied(self) -> bool:
        """The key was refused (401 ``ACCESS_DENIED`` or its older name)."""
        return self.kind is ErrorKind.ACCESS_DENIED

    @property
    def is_not_found(self) -> bool:
        """The resource or snapshot does not exist (any more)."""
        return self.kind is ErrorKind.NOT_FOUND

    @property
    def is_cooldown(self) -> bool:
        """``KEEP_CALM``: a per-user or per-resource cooldown is running."""
        return self.kind is ErrorKind.COOLDOWN

    @property
    def is_daily_quota(self) -> bool:
        """``DAILY_SNAPSHOTS_LIMIT_REACHED``: the rolling 24 h quota is used up."""
        return self.kind is ErrorKind.DAILY_QUOTA

    @property
    def is_rate_limited(self) -> bool:
        """``RATE_LIMITED``: the account, key or IP is blocked for a while."""
        return self.kind is ErrorKind.RATE_LIMITED

    @property
    def is_restore_in_progress(self) -> bool:
        """``RESTORE_IN_PROGRESS``: another restore of the resource runs."""
        return self.kind is ErrorKind.RESTORE_IN_PROGRESS

    @property
    def is_server_error(self) -> bool:
        """A 5xx answer (retried for GETs)."""
        return self.kind is ErrorKind.SERVER_ERROR

    @property
    def is_network_error(self) -> bool:
        """No answer: connection refused, dropped, or timed out."""
        return self.kind is ErrorKind.NETWORK_ERROR

    @property
    def is_download_denied(self) -> bool:
        """The snapshot host answered 403: the signed URL expired or was altered."""
        return self.kind is ErrorKind.DOWNLOAD_DENIED

    @property
    def is_not_allowed(self) -> bool:
        """``MISSING_SCOPE``/``RESOURCE_NOT_ALLOWED``: a valid key that may not do this."""
        return self.kind is ErrorKind.NOT_ALLOWED

    @property
    def is_resource_not_running(self) -> bool:
        """``DATABASE_NOT_RUNNING``/``DATABASE_UNAVAILABLE``: it cannot run this now."""
        return self.kind is ErrorKind.RESOURCE_NOT_RUNNING

    @property
    def is_invalid_response(self) -> bool:
        """The answer could not be understood (non-JSON, HTML, wrong shape)."""
        return self.kind is ErrorKind.INVALID_RESPONSE


def _kind_for(code: str, status: int | None) -> ErrorKind:
    known = _KIND_BY_CODE.get(code)
    if known is not None:
        return known
    if code == "NETWORK_ERROR":
        return ErrorKind.NETWORK_ERROR
    if code == "INVALID_RESPONSE":
        return ErrorKind.INVALID_RESPONSE
    if status is not None and status >= 500:
        return ErrorKind.SERVER_ERROR
    if status == 401:
        return ErrorKind.ACCESS_DENIED
    return ErrorKind.FAILED


def invalid_response(status: int | None, detail: str, method: str = "", path: str = "") -> ApiError:
    """The typed error for an answer that is not the JSON the contract promises."""
    return ApiError(
        code="INVALID_RESPONSE",
        message=detail,
        status=status,
        method=method,
        path=path,
        kind=ErrorKind.INVALID_RESPONSE,
    )
