"""The log file: rotating, private to the user, with signatures and keys redacted."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import threading
from io import TextIOWrapper
from logging.handlers import RotatingFileHandler
from pathlib import Path

from sqtui.display import mask

LOGGER_NAME = "sqtui"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 3
REDACTED = "REDACTED"

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_SIGNATURE = re.compile(r"(?i)\b((?:X-Amz-)?Signature=)[^&\s\"'<>]+")
_AUTHORIZATION = re.compile(
    r"(?i)\b(authorization[\"']?\s*[:=]\s*[\"']?)(?:(?:bearer|basic|token)\s+)?[^\s\"',;}\]]+"
)


def redact(text: str) -> str:
    """``text`` with URL signatures and ``Authorization`` header values replaced."""
    text = _SIGNATURE.sub(lambda m: m.group(1) + REDACTED, text)
    return _AUTHORIZATION.sub(lambda m: m.group(1) + REDACTED, text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's final message (and traceback) through ``redact``.

    Known secrets added with ``add_secret`` (the API key in use) are masked too.
    """

    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add_secret(self, secret: str) -> None:
        """Mask ``secret`` wherever it appears in later records."""
        # Very short strings would mask ordinary words; real keys are long.
        if len(secret) >= 8:
            with self._lock:
                self._secrets.add(secret)

    def scrub(self, text: str) -> str:
        """``text`` redacted as this filter would log it."""
        text = redact(text)
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            text = text.replace(secret, mask(secret))
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record`` in place; never drops it."""
        record.msg = self.scrub(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            # Formatter.format reuses exc_text, so the redacted traceback is what gets written.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        return True


class _PrivateRotatingFileHandler(RotatingFileHandler):
    """A rotating handler whose files (the first and each after rollover) are 0o600.

    A write that fails later (disk full, the file taken away) is remembered for
    :func:`log_problem` instead of printing a traceback over the screen.
    """

    def handleError(self, record: logging.LogRecord) -> None:
        error = sys.exc_info()[1]
        why = (error.strerror if isinstance(error, OSError) else None) or type(error).__name__
        _state.problem = _state.problem or f"The log file {self.baseFilename} stopped ({why})."

    def _open(self) -> TextIOWrapper:
        def opener(path: str, flags: int) -> int:
            return os.open(path, flags, 0o600)

        # RotatingFileHandler always appends (it forces mode "a" when rotating by size).
        return open(
            self.baseFilename, "a", encoding=self.encoding, errors=self.errors, opener=opener
        )


_filter = RedactingFilter()


class _State:
    """Why the log file is not being written, if it is not."""

    problem: str | None = None


_state = _State()


def log_problem() -> str | None:
    """One sentence on why nothing is being logged, or None while logging works."""
    return _state.problem


def add_secret(secret: str) -> None:
    """Mask ``secret`` (the API key in use) in everything logged from now on."""
    _filter.add_secret(secret)


def setup_logging(path: Path, level: int = logging.INFO) -> str | None:
    """Log the ``sqtui`` logger to ``path`` (1 MB x 3 files, 0o600, redacted); idempotent.

    Never raises: a log file or folder that cannot be written is returned as one
    sentence (also kept for :func:`log_problem`) and records are dropped, never
    printed over the screen.
    """
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(level)
    # httpx logs every request's full URL at INFO, signed download URLs included;
    # keep it quiet should anyone attach a handler to the root logger.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    target = os.path.abspath(path)
    for handler in list(logger.handlers):
        if isinstance(handler, _PrivateRotatingFileHandler):
            if handler.baseFilename == target:
                return _state.problem
            # A new path replaces the old file, rather than logging to both.
            logger.removeHandler(handler)
            handler.close()
    _state.problem = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handler = _PrivateRotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
        )
    except OSError as error:
        why = error.strerror or type(error).__name__
        _state.problem = f"The log file {path} cannot be written ({why}); nothing is logged."
        # Without a handler, Python would print warnings on standard error (over the app).
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())
        return _state.problem
    # An existing file may predate us with looser permissions.
    with contextlib.suppress(OSError):
        os.chmod(path, 0o600)
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(_filter)
    logger.addHandler(handler)
    return None
