"""Crash-safe file writes (a file is either the old version or the new one, never half),
a lock shared by every sqtui process of the machine, and reads that refuse huge files."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sqtui.display import size_text

# How long a writer waits for another sqtui holding the same file's lock.
LOCK_TIMEOUT = 10.0


class TooLarge(OSError):
    """A local file past the size sqtui reads: refused, never loaded into memory."""

    def __init__(self, path: Path, size: int, limit: int) -> None:
        self.path, self.size, self.limit = path, size, limit
        super().__init__(
            errno.EFBIG,
            f"{path.name} is {size_text(size)}, more than the {size_text(limit)} sqtui reads; "
            "it was left alone (move it away to start afresh)",
        )

    def __str__(self) -> str:
        return str(self.strerror)


@contextlib.contextmanager
def locked(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the lock of ``path`` (``<name>.lock`` beside it) against every other process.

    Raises OSError when the lock file cannot be made, or when another holder keeps it
    past ``timeout`` seconds.
    """
    # Imported here, when a state file is first changed: not on the way to a first frame.
    import filelock

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    lock = filelock.FileLock(path.with_name(path.name + ".lock"), timeout=timeout, mode=0o600)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise OSError(
            errno.EWOULDBLOCK, f"{path.name} is held by another sqtui for over {timeout:g} s"
        ) from None
    try:
        yield
    finally:
        lock.release()


def read_limited(path: Path, limit: int) -> bytes:
    """The bytes of ``path``; raises :class:`TooLarge` past ``limit`` (OSError if unreadable)."""
    with path.open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        if size > limit:
            raise TooLarge(path, size, limit)
        data = file.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(path, len(data), limit)
    return data


def read_tail(path: Path, limit: int) -> tuple[bytes, bool]:
    """The last whole lines of ``path`` within ``limit`` bytes, and whether any were left out."""
    with path.open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        if size <= limit:
            return file.read(), False
        file.seek(size - limit)
        data = file.read(limit)
    # The first line was cut by the seek: start after it.
    cut = data.find(b"\n")
    return (data[cut + 1 :] if cut >= 0 else b""), True


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
