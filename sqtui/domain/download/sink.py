"""Writing a download: two reused buffers written and hashed by a worker thread, and the
progress meter."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqtui.domain.download.files import datasync

Clock = Callable[[], float]

PROGRESS_INTERVAL = 0.1  # seconds: at most ~10 progress callbacks a second
SPEED_WINDOW = 3.0  # seconds of history behind the speed shown


@dataclass(frozen=True)
class Progress:
    """How far a download is: bytes so far of ``total``, speed, time left, resumes."""

    received: int
    total: int
    speed_bps: float
    eta_seconds: float | None
    resumes: int

    @property
    def fraction(self) -> float:
        """Share done, from 0.0 to 1.0."""
        return min(1.0, self.received / self.total) if self.total > 0 else 1.0


@dataclass(frozen=True)
class DownloadResult:
    """A verified download: where it is, its size and SHA-256, how it went."""

    path: Path
    size: int
    sha256: str
    resumes: int
    seconds: float


def _write_chunk(file: BinaryIO, data: bytes | memoryview) -> None:
    """Write one chunk (its own function so tests can fill the disk)."""
    file.write(data)


class Meter:
    """Throttled progress reports with a speed averaged over the last few seconds."""

    def __init__(
        self, total: int, clock: Clock, callback: Callable[[Progress], None] | None
    ) -> None:
        self.total = total
        self.clock = clock
        self.callback = callback
        self.samples: deque[tuple[float, int]] = deque()
        self.last_report: float | None = None

    def restart(self) -> None:
        """The byte count went back (the server ignored a Range): forget the speed."""
        self.samples.clear()

    def update(self, received: int, resumes: int, *, final: bool = False) -> None:
        """Report ``received`` unless a report went out under 0.1 s ago (or nobody listens)."""
        if self.callback is None:
            return
        now = self.clock()
        if (
            not final
            and self.last_report is not None
            and now - self.last_report < PROGRESS_INTERVAL
        ):
            return
        self.last_report = now
        # Samples are taken at report time only, so there are at most ~30 of them.
        self.samples.append((now, received))
        # Keep one sample older than the window as the baseline of the average.
        while len(self.samples) > 2 and now - self.samples[1][0] >= SPEED_WINDOW:
            self.samples.popleft()
        self.callback(self.progress(received, resumes))

    def progress(self, received: int, resumes: int) -> Progress:
        """The current figures."""
        speed = 0.0
        if len(self.samples) >= 2:
            (t0, r0), (t1, r1) = self.samples[0], self.samples[-1]
            if t1 > t0:
                speed = max(0.0, (r1 - r0) / (t1 - t0))
        left = max(0, self.total - received)
        eta = left / speed if speed > 0 else (0.0 if left == 0 else None)
        return Progress(received, self.total, speed, eta, resumes)


class Sink:
    """The ``.part`` being written, the bytes given to it and their running SHA-256.

    Chunks are copied into one of two reusable buffers of ``batch_bytes``; a full buffer
    is written and hashed by a worker thread while the event loop fills the other, so
    network and disk each get a core. Two buffers whatever the size: memory stays flat,
    and no buffer is allocated per batch.
    """

    def __init__(
        self,
        file: BinaryIO,
        received: int,
        digest: hashlib._Hash,
        batch_bytes: int,
        sync_every: int | None = None,
    ) -> None:
        self.file = file
        self.received = received
        self.digest = digest
        self.sync_every = sync_every
        self._filling = bytearray(batch_bytes)
        self._spare = bytearray(batch_bytes)
        self._filled = 0
        self._in_flight: concurrent.futures.Future[None] | None = None
        self._worker = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="sqtui-download"
        )
        # Flushing to disk as the download goes, on a thread of its own, so the
        # final fsync has little left to do instead of all of it at the end.
        self._syncer = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="sqtui-download-sync"
        )
        self._sync: concurrent.futures.Future[None] | None = None
        self._unsynced = 0

    async def write(self, chunk: bytes | memoryview) -> None:
        """Take a chunk; it is written and hashed in order, soon after."""
        view = memoryview(chunk)
        size = len(self._filling)
        while view:
            take = min(len(view), size - self._filled)
            self._filling[self._filled : self._filled + take] = view[:take]
            self._filled += take
            self.received += take
            view = view[take:]
            if self._filled == size:
                await self._settle()
                self._submit()

    async def flush(self) -> None:
        """Everything taken is in the file and the digest; raises the writer's error."""
        await self._settle()
        self._submit()
        await self._settle()

    async def restart(self) -> None:
        """Throw the bytes away and start from zero."""
        await self.flush()
        self.file.seek(0)
        self.file.truncate()
        self.received = 0
        self.digest = hashlib.sha256()

    def close(self) -> None:
        """Write what was taken and stop the workers; blocks for at most two batches."""
        with contextlib.suppress(Exception):
            if self._in_flight is not None:
                self._in_flight.result()
            self._submit()
        self._worker.shutdown(wait=True)
        self._syncer.shutdown(wait=True)

    async def settle_syncs(self) -> None:
        """Wait for the background flush to disk; raises its error (EIO, ENOSPC)."""
        if self._sync is not None:
            await asyncio.shield(asyncio.wrap_future(self._sync))
            self._sync = None

    def _submit(self) -> None:
        """Hand the filled buffer to the worker (the previous batch must be done)."""
        if not self._filled:
            return
        data = memoryview(self._filling)[: self._filled]
        self._in_flight = self._worker.submit(self._write_batch, data, self.digest)
        self._filling, self._spare = self._spare, self._filling
        self._filled = 0

    async def _settle(self) -> None:
        if self._in_flight is not None:
            # Shielded: a cancelled wait must not cancel a batch the worker has not
            # started yet, or its bytes would be missing from the middle of the file.
            await asyncio.shield(asyncio.wrap_future(self._in_flight))
            self._in_flight = None

    def _write_batch(self, data: memoryview, digest: hashlib._Hash) -> None:
        # One write and one hash call per batch: each gives the GIL back, and taking
        # it again from a busy event loop can cost a switch interval.
        _write_chunk(self.file, data)
        digest.update(data)
        self._unsynced += len(data)
        if self.sync_every is not None and self._unsynced >= self.sync_every:
            if self._sync is not None:
                if not self._sync.done():
                    return  # the previous flush still runs; the next batch will ask again
                self._sync.result()  # an error writing back must not go unnoticed
            self.file.flush()
            self._unsynced = 0
            self._sync = self._syncer.submit(datasync, self.file.fileno())
