"""An archive's bytes made once into an unlinked temporary file, then served from it.

Making an archive's bytes is Python work (SHAKE-256 blocks, text rows): about 350 MB/s
on one core, less than a client on loopback can take. A download (most of the
archive in one range) is therefore served from a copy of the whole archive spooled to a
temporary file, read in large pieces from the page cache; a shorter range (looking
inside a snapshot, even at a big member) is still made directly, since spooling a
gigabyte to read a few megabytes would cost far more.
"""

from __future__ import annotations

import functools
import os
import tempfile
import threading
from collections.abc import Iterator
from typing import BinaryIO

from .layout import Archive

SPOOL_FROM = 4 << 20
"""Ranges at least this long, and of at least half the archive, come from the spool."""
READ_SIZE = 1 << 20
"""Bytes read from the spooled copy at a time: few, large pieces for the server to send."""


class Spool:
    """The bytes of one archive in a temporary file that has no name (gone with the process)."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self._lock = threading.Lock()
        self._file: BinaryIO | None = None

    def fill(self) -> None:
        """Write the archive's bytes once (blocking: call it off the event loop)."""
        with self._lock:
            if self._file is not None:
                return
            # Kept open for the spool's life, so not in a ``with``: closed on failure only.
            file = tempfile.TemporaryFile(prefix="sqtui-sim-")  # noqa: SIM115
            try:
                self.archive.prepare(0, self.archive.size)
                for chunk in self.archive.chunks(0, self.archive.size):
                    file.write(chunk)
                file.flush()
                # Written back to disk now rather than by the kernel half a minute later,
                # in the middle of the downloads being measured.
                os.fsync(file.fileno())
            except BaseException:
                file.close()
                raise
            self._file = file

    def read(self, start: int, end: int) -> Iterator[bytes]:
        """Bytes ``[start, end)``, ``READ_SIZE`` at a time; ``fill`` must have run."""
        file = self._file
        if file is None:
            raise RuntimeError("the spool is not filled")
        end = min(end, self.archive.size)
        while start < end:
            # A seek and a read with no yield between them: other downloads of the same
            # spool, on the same event loop, cannot move the position in between.
            file.seek(start)
            chunk = file.read(min(READ_SIZE, end - start))
            if not chunk:
                raise EOFError("the spooled archive is shorter than its layout")
            start += len(chunk)
            yield chunk


def worth_spooling(start: int, end: int, size: int) -> bool:
    """Whether serving ``[start, end)`` of an archive of ``size`` bytes is a download."""
    length = end - start
    return length >= SPOOL_FROM and 2 * length >= size


@functools.lru_cache(maxsize=2)
def _spool_of(archive: Archive) -> Spool:
    return Spool(archive)


def spooled(archive: Archive) -> Spool:
    """The filled spool of ``archive`` (the last two are kept; blocking the first time)."""
    spool = _spool_of(archive)
    spool.fill()
    return spool
