"""The API's JSON envelope, and the note each answer leaves for the request log."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import Scope

CODE_KEY = "sqtui.sim.code"
"""Scope key where a handler leaves the error code it answered, for the request log."""


def envelope_error(scope: Scope, status: int, code: str, message: str) -> JSONResponse:
    """An enveloped error, remembered in ``scope`` for the request log."""
    scope[CODE_KEY] = code
    return JSONResponse({"status": "error", "code": code, "message": message}, status)


def success(response: Any) -> JSONResponse:
    """A success envelope around ``response``."""
    return JSONResponse({"status": "success", "response": response})


def phrase_code(status: int) -> str:
    """A code for a bare HTTP status, from its phrase (503: ``SERVICE_UNAVAILABLE``)."""
    try:
        return HTTPStatus(status).phrase.upper().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "ERROR"
