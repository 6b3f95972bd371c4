from __future__ import annotations

import logging
import logging.handlers
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sqtui.storage.logging_setup import RedactingFilter, add_secret, redact, setup_logging

URL = "https://snap.example/a.zip?Expires=1&Signature=abc%2Bdef&versionId=v1"


@pytest.fixture
def sqtui_logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger("sqtui")
    before = list(logger.handlers)
    level = logger.level
    yield logger
    for handler in logger.handlers:
        if handler not in before:
            logger.removeHandler(handler)
            handler.close()
    logger.setLevel(level)


def test_redact_signatures_and_authorization() -> None:
    assert redact(URL) == ("https://snap.example/a.zip?Expires=1&Signature=REDACTED&versionId=v1")
    assert "zzz" not in redact("x-amz-signature=zzz&X-Amz-Date=1")
    assert redact("Authorization: sq-secret-key") == "Authorization: REDACTED"
    assert redact("authorization = Bearer abc.def") == "authorization = REDACTED"
    assert redact("{'Authorization': 'sq-secret'}") == "{'Authorization': 'REDACTED'}"
    assert redact("nothing secret here") == "nothing secret here"


def test_filter_redacts_the_formatted_message_and_traceback() -> None:
    record = logging.LogRecord(
        "sqtui.api", logging.INFO, __file__, 1, "GET %s with %s", (URL, "Authorization: k1"), None
    )
    assert RedactingFilter().filter(record) is True
    assert record.getMessage() == (
        "GET https://snap.example/a.zip?Expires=1&Signature=REDACTED&versionId=v1"
        " with Authorization: REDACTED"
    )
    try:
        raise RuntimeError(URL)
    except RuntimeError:
        error = logging.LogRecord("sqtui", logging.ERROR, __file__, 1, "x", None, sys.exc_info())
    RedactingFilter().filter(error)
    assert error.exc_text is not None
    assert "abc%2Bdef" not in error.exc_text and "RuntimeError" in error.exc_text


def test_known_secrets_are_masked() -> None:
    only = RedactingFilter()
    only.add_secret("sq-0123456789WXYZ")
    only.add_secret("abc")  # too short to mask safely; ignored
    assert only.scrub("key sq-0123456789WXYZ abc") == "key …WXYZ abc"


def test_setup_logging_writes_a_private_redacted_file_once(
    tmp_path: Path, sqtui_logger: logging.Logger
) -> None:
    path = tmp_path / "log" / "sqtui.log"
    setup_logging(path)
    setup_logging(path)
    ours = [h for h in sqtui_logger.handlers if getattr(h, "baseFilename", None) == str(path)]
    assert len(ours) == 1
    add_secret("sq-test-key-4567")
    logging.getLogger("sqtui.api.client").info("GET %s key=%s", URL, "sq-test-key-4567")
    logging.getLogger("sqtui").debug("debug is below INFO")
    logging.getLogger("other").warning("not ours")
    for handler in ours:
        handler.flush()
    text = path.read_text()
    assert "Signature=REDACTED" in text and "abc%2Bdef" not in text
    assert "sq-test-key-4567" not in text and "…4567" in text
    assert " INFO sqtui.api.client: " in text
    assert "debug is below" not in text and "not ours" not in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_setup_logging_to_a_new_path_replaces_the_old_handler(
    tmp_path: Path, sqtui_logger: logging.Logger
) -> None:
    setup_logging(tmp_path / "a.log")
    setup_logging(tmp_path / "b.log", level=logging.DEBUG)
    files = [getattr(h, "baseFilename", "") for h in sqtui_logger.handlers]
    assert str(tmp_path / "b.log") in files and str(tmp_path / "a.log") not in files
    assert sqtui_logger.level == logging.DEBUG


def test_rotated_files_stay_private(tmp_path: Path, sqtui_logger: logging.Logger) -> None:
    path = tmp_path / "sqtui.log"
    setup_logging(path)
    handler = next(h for h in sqtui_logger.handlers if getattr(h, "baseFilename", "") == str(path))
    assert isinstance(handler, logging.handlers.RotatingFileHandler)
    assert handler.maxBytes == 1_000_000 and handler.backupCount == 3
    sqtui_logger.info("before")
    handler.doRollover()
    sqtui_logger.info("after")
    handler.flush()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (tmp_path / "sqtui.log.1").exists()
