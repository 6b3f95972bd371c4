"""Writing a download: bytes taken in order on the download's thread (SHA-256 and the zip
check there), written to disk by a writer thread from a few reused buffers; and the
progress meter, which reports on the event loop."""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqtui.domain.download.files import datasync
from sqtui.domain.download.zipcheck import ZipCheck

Clock = Callable[[], float]

PROGRESS_INTERVAL = 0.1  # seconds: at most ~10 progress callbacks a second
SPEED_WINDOW = 3.0  # seconds of history behind the speed shown
_PREFIX_BLOCK = 1 << 20  # bytes read at a time from a .part being resumed


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
    """Throttled progress reports with a speed averaged over the last few seconds.

    Updated from the download's thread too; the callback always runs on the event loop
    the meter was made on, and reports that arrive there after ``silence`` are dropped.
    """

    def __init__(
        self, total: int, clock: Clock, callback: Callable[[Progress], None] | None
    ) -> None:
        self.total = total
        self.clock = clock
        self.callback = callback
        self.samples: deque[tuple[float, int]] = deque()
        self.last_report: float | None = None
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._silenced = False

    def silence(self) -> None:
        """Drop the reports still on their way to the loop (the transfer was abandoned)."""
        self._silenced = True

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
        progress = self.progress(received, resumes)
        if threading.get_ident() == self._loop_thread:
            self.callback(progress)
        else:
            self._loop.call_soon_threadsafe(self._deliver, progress)

    def _deliver(self, progress: Progress) -> None:
        if not self._silenced and self.callback is not None:
            self.callback(progress)

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


class SinkClosed(Exception):
    """The download stopped taking bytes (cancelled); a late reader thread ends quietly."""


class Sink:
    """The ``.part`` being written, the bytes given to it, their SHA-256 and zip check.

    The download's thread reads from the network into :meth:`space` and hands the bytes
    over with :meth:`commit`, which follows the zip (each member's CRC-32) and writes
    them, then queues the buffer for the hashing thread (SHA-256, the largest cost per
    byte). Each thread thus has about half the work, which on two cores decides the
    speed (benchmarks/README.md). A few buffers of ``buffer_size`` are reused whatever
    the size, so memory stays flat. A full disk or another write error is raised by
    ``commit`` (an error flushing in the background, by a later one or by ``finish``).
    """

    def __init__(
        self,
        file: BinaryIO,
        buffer_size: int,
        sync_every: int | None = None,
        buffers: int = 4,
    ) -> None:
        self.file = file
        self.received = 0
        self.digest = hashlib.sha256()
        self.check = ZipCheck()
        self.sync_every = sync_every
        self._free = [bytearray(buffer_size) for _ in range(buffers)]
        self._current: bytearray | None = None
        self._to_hash: deque[tuple[bytearray, int]] = deque()
        self._changed = threading.Condition()
        self._closed = False
        self._unsynced = 0
        self._hasher = threading.Thread(
            target=self._hash_loop, name="sqtui-download-hash", daemon=True
        )
        self._hasher.start()
        # Flushing to disk as the download goes, on a thread of its own, so the
        # final fsync has little left to do instead of all of it at the end.
        self._syncer = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="sqtui-download-sync"
        )
        self._sync: concurrent.futures.Future[None] | None = None

    def resume_from(self, part: Path, size: int) -> None:
        """Take the first ``size`` bytes already in ``part`` (hashed and checked, not written)."""
        with part.open("rb") as file:
            buffer = bytearray(_PREFIX_BLOCK)
            view = memoryview(buffer)
            left = size
            while left > 0:
                count = file.readinto(view[: min(len(view), left)])
                if not count:
                    break
                self.digest.update(view[:count])
                self.check.feed(view[:count])
                self.received += count
                left -= count

    # -- on the download's thread ----------------------------------------------------

    def space(self) -> memoryview:
        """The buffer to read the next bytes into (waits while all are being hashed)."""
        if self._current is None:
            with self._changed:
                while not self._free and not self._closed:
                    self._changed.wait()
                if self._closed:
                    raise SinkClosed
                self._current = self._free.pop()
        return memoryview(self._current)

    def commit(self, size: int) -> None:
        """The first ``size`` bytes of :meth:`space` arrived: check, write, queue to hash."""
        if size <= 0 or self._current is None:
            return
        data = memoryview(self._current)[:size]
        with self._changed:
            if self._closed:
                raise SinkClosed
        self.check.feed(data)
        # One write per buffer: each gives the GIL back, and taking it again from a
        # busy thread can cost a switch interval.
        _write_chunk(self.file, data)
        self._synced_as_it_goes(size)
        self.received += size
        with self._changed:
            self._to_hash.append((self._current, size))
            self._current = None
            self._changed.notify_all()

    def restart(self) -> None:
        """Throw the bytes away and start from zero (the host ignored the Range)."""
        self._hashed()
        self.file.seek(0)
        self.file.truncate()
        self.received = 0
        self.digest = hashlib.sha256()
        self.check = ZipCheck()

    # -- at the end, off the event loop ----------------------------------------------

    def finish(self) -> None:
        """Everything taken is written, hashed and flushed in the background; raises its error."""
        self._hashed()
        if self._sync is not None:
            self._sync.result()  # an error writing back (EIO, ENOSPC) must not go unnoticed
            self._sync = None

    def close(self) -> None:
        """Take no more bytes; the hashing thread ends with what was queued. Never raises."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._hasher.join()
        self._syncer.shutdown(wait=True)

    def _hashed(self) -> None:
        """Wait until every queued buffer is hashed."""
        with self._changed:
            while self._to_hash and not self._closed:
                self._changed.wait()
            if self._closed:
                raise SinkClosed

    def _synced_as_it_goes(self, size: int) -> None:
        self._unsynced += size
        if self.sync_every is None or self._unsynced < self.sync_every:
            return
        if self._sync is not None:
            if not self._sync.done():
                return  # the previous flush still runs; the next buffer will ask again
            self._sync.result()  # an error writing back must not go unnoticed
        self.file.flush()
        self._unsynced = 0
        self._sync = self._syncer.submit(datasync, self.file.fileno())

    # -- the hashing thread ----------------------------------------------------------

    def _hash_loop(self) -> None:
        while True:
            with self._changed:
                while not self._to_hash and not self._closed:
                    self._changed.wait()
                if not self._to_hash:
                    return
                buffer, size = self._to_hash[0]
            self.digest.update(memoryview(buffer)[:size])
            with self._changed:
                self._to_hash.popleft()
                self._free.append(buffer)
                self._changed.notify_all()
