"""Crash-safe file writes: a file is either the old version or the new one, never half."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; not every platform can open a directory.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes | str, *, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` (str is UTF-8) via a synced temp file and ``os.replace``.

    On failure the temp file is removed, the old content stays, and the OSError propagates.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Same directory as the target, so os.replace is a rename on one filesystem.
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def append_line(path: Path, line: str) -> None:
    """Append ``line`` and a newline to ``path`` (created 0o600) in one O_APPEND write.

    Raises ValueError if ``line`` holds a newline, which would break a JSON-lines file.
    """
    if "\n" in line or "\r" in line:
        raise ValueError("append_line writes exactly one line; the text contains a line break")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    payload = (line + "\n").encode("utf-8")
    flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, 0o600)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            # The previous writer died mid-line: do not glue this line onto it.
            payload = b"\n" + payload
        # One write call per line, so concurrent appenders do not interleave lines.
        written = os.write(fd, payload)
        while written < len(payload):
            written += os.write(fd, payload[written:])
    finally:
        os.close(fd)
