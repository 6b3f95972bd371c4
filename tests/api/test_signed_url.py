from __future__ import annotations

from datetime import UTC, datetime

from sqtui.api.errors import ApiError
from sqtui.api.signed_url import expiry_of, redact_text, version_of

URL = (
    "https://snapshots.squarecloud.app/applications/23457145698959364/abc.zip"
    "?AWSAccessKeyId=AKIA&Expires=1767225600&Signature=abc%2Bdef%3D&versionId=v-9"
)


def test_redaction_removes_the_signature_and_keeps_the_rest() -> None:
    redacted = redact_text(f"GET {URL} failed")
    assert "abc%2Bdef" not in redacted
    assert "Signature=REDACTED" in redacted
    assert "versionId=v-9" in redacted


def test_expiry_and_version_are_read_from_url_or_key() -> None:
    assert expiry_of(URL) == datetime(2026, 1, 1, tzinfo=UTC)
    assert version_of(URL) == "v-9"
    assert version_of("AWSAccessKeyId=A&versionId=x") == "x"
    assert expiry_of("Expires=soon") is None
    assert expiry_of("Expires=99999999999999999999") is None


def test_errors_never_carry_a_signature() -> None:
    error = ApiError(code="DOWNLOAD_DENIED", status=403, method="GET", path=URL, message=URL)
    assert "abc%2Bdef" not in str(error)
    assert "abc%2Bdef" not in repr(error)


def test_unknown_code_is_a_generic_failure_of_its_status() -> None:
    error = ApiError(code="SOMETHING_NEW", status=418, message="teapot")
    assert not (error.is_cooldown or error.is_not_found or error.is_server_error)
    assert error.human() == "Request failed (HTTP 418) [SOMETHING_NEW]. Teapot."
    assert ApiError(code="WHATEVER", status=503).is_server_error


def test_server_messages_cannot_drive_the_terminal() -> None:
    error = ApiError(code="X", status=500, message="boom \x1b[2J\x1b]52;c;aGk=\x07 done")
    assert "\x1b" not in error.human() and "\x07" not in error.human()
    assert "\\x1b[2J" in error.human()
