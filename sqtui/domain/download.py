"""The download engine: a snapshot to a verified file, resumable, never half-written.

Bytes go to ``<final>.part``; an interrupted transfer resumes with an HTTP Range
request; the result is checked against the listed size and as a zip archive, hashed
(SHA-256) while it is written, synced to disk, and only then linked under its final
name, without ever replacing a file that is already there.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import errno
import hashlib
import logging
import os
import re
import shutil
import time
import zipfile
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

import httpx

from sqtui.api.client import SquareCloudClient
from sqtui.api.errors import ApiError
from sqtui.api.models import Snapshot
from sqtui.api.signed_url import redact_text

log = logging.getLogger("sqtui.download")

Reason = Literal[
    "exists",
    "no_space",
    "size_mismatch",
    "corrupt",
    "cancelled",
    "network",
    "denied",
    "not_found",
    "disk",
]
Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

PROGRESS_INTERVAL = 0.1  # seconds: at most ~10 progress callbacks a second
SPEED_WINDOW = 3.0  # seconds of history behind the speed shown
SYNC_EVERY = 32 << 20  # bytes written between background flushes to disk
# Bytes written (and hashed) at once. Measured on Linux, writing and hashing 1 MiB
# blocks took three to four times the CPU of 256 KiB blocks (benchmarks/README.md).
DEFAULT_CHUNK = 256 << 10
_HASH_BLOCK = 1 << 20
_NO_SPACE_ERRNOS = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})
_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)


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


_SENTENCES: dict[Reason, str] = {
    "exists": "A file with that name already exists; nothing was overwritten.",
    "no_space": "There is not enough free disk space for this snapshot.",
    "size_mismatch": "The download does not have the size the listing gives; it was discarded.",
    "corrupt": "The downloaded file is not a valid zip archive; it was discarded.",
    "cancelled": "The download was cancelled and its partial file removed.",
    "network": "The snapshot host could not be reached; the partial file is kept to resume.",
    "denied": "The snapshot host refused the download link (expired or invalid).",
    "not_found": "The snapshot host no longer has this snapshot.",
    "disk": "The file could not be written to disk.",
}


class DownloadError(Exception):
    """A download that did not produce a file: why (``reason``) and one sentence for people.

    The text never holds a URL signature.
    """

    def __init__(self, reason: Reason, message: str = "") -> None:
        self.reason: Reason = reason
        self.message = redact_text(message or _SENTENCES[reason])
        super().__init__(self.message)

    def human(self) -> str:
        """One clear sentence: what happened and what became of the file."""
        return self.message

    def __repr__(self) -> str:
        return f"DownloadError(reason={self.reason!r}, message={self.message!r})"


def free_space(directory: Path) -> int:
    """Free bytes on the filesystem that holds ``directory`` (or would, once created)."""
    probe = directory.absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def part_path(final: Path) -> Path:
    """Where a download to ``final`` is written until it is verified."""
    return final.with_name(final.name + ".part")


def _human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def _write_chunk(file: BinaryIO, data: bytes | memoryview) -> None:
    """Write one chunk (its own function so tests can fill the disk)."""
    file.write(data)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def _discard(part: Path, *, keep_bytes: bool) -> None:
    """Remove ``part``, unless ``keep_bytes`` and it holds some (to resume later)."""
    try:
        if keep_bytes and part.stat().st_size > 0:
            return
    except OSError:
        return
    _remove(part)


def _hash_prefix(path: Path, size: int) -> hashlib._Hash:
    """A SHA-256 fed with the first ``size`` bytes of ``path`` (a resumed ``.part``)."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        left = size
        while left > 0:
            block = file.read(min(_HASH_BLOCK, left))
            if not block:
                break
            digest.update(block)
            left -= len(block)
    return digest


def _datasync(fd: int) -> None:
    # fdatasync skips metadata the final fsync writes anyway; macOS only has fsync.
    getattr(os, "fdatasync", os.fsync)(fd)


def _sync(file: BinaryIO, fsync: bool) -> None:
    file.flush()
    if fsync:
        os.fsync(file.fileno())


def _sync_directory(directory: Path) -> None:
    # Makes the new directory entry durable; not possible (nor needed) on Windows.
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def zip_problem(path: Path) -> str | None:
    """Why ``path`` is not a sound zip archive (every member's CRC checked), or None."""
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError) as error:
        return str(error) or type(error).__name__
    except NotImplementedError as error:
        return f"cannot be checked: {error}"
    return f"member {bad!r} is damaged" if bad is not None else None


def _place(part: Path, final: Path, overwrite: bool) -> None:
    """Move the verified ``part`` to ``final``; never replaces a file unless ``overwrite``."""
    if overwrite:
        os.replace(part, final)
        return
    try:
        # A hard link fails if ``final`` exists: no window where another file is replaced.
        os.link(part, final)
    except FileExistsError:
        raise DownloadError(
            "exists",
            f"{final.name} appeared while downloading and was kept; "
            f"the verified download is {part.name}.",
        ) from None
    except OSError:
        # Filesystems without hard links (FAT, some network shares).
        if final.exists():
            raise DownloadError(
                "exists",
                f"{final.name} appeared while downloading and was kept; "
                f"the verified download is {part.name}.",
            ) from None
        os.replace(part, final)
    else:
        _remove(part)


class _Meter:
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


class _Attempt(Exception):
    """One request failed in a way worth retrying (network, 5xx, early end of body)."""

    def __init__(self, why: str, progressed: bool) -> None:
        super().__init__(why)
        self.why = why
        self.progressed = progressed


class _Sink:
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
            self._sync = self._syncer.submit(_datasync, self.file.fileno())


@dataclass
class _Job:
    """What one download is doing, so cancellation can spare the final rename."""

    placing: bool = False


class DownloadEngine:
    """Downloads snapshots to verified files; several may run at once on one engine."""

    def __init__(
        self,
        client: SquareCloudClient,
        *,
        retries: int = 4,
        backoff: float = 0.5,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        chunk_size: int = DEFAULT_CHUNK,
        fsync: bool = True,
        space_margin: int = 16 << 20,
    ) -> None:
        self.client = client
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep
        self._clock = clock
        self.chunk_size = chunk_size
        self.fsync = fsync
        self.space_margin = space_margin
        self._active: set[Path] = set()

    async def download(
        self,
        snapshot: Snapshot,
        destination: Path,
        *,
        on_progress: Callable[[Progress], None] | None = None,
        refresh: Callable[[], Awaitable[Snapshot]] | None = None,
        cancel: asyncio.Event | None = None,
        overwrite: bool = False,
    ) -> DownloadResult:
        """Download ``snapshot`` to ``destination``, resuming and verifying; or raise.

        Raises :class:`DownloadError`. A network failure or refused link keeps the
        ``.part`` so a later call resumes it; every other failure removes it.
        ``refresh`` is called once if the signed URL is refused, to get the same
        snapshot with a fresh URL. Network failures are retried ``retries`` times in a
        row (the count restarts whenever bytes arrive). Setting ``cancel`` stops and
        removes the ``.part``; cancelling the task keeps it for a later resume.
        """
        destination = Path(destination)
        key = destination.absolute()
        if key in self._active:
            raise DownloadError("exists", f"{destination.name} is already being downloaded.")
        if destination.exists() and not overwrite:
            raise DownloadError(
                "exists", f"{destination.name} already exists; nothing was overwritten."
            )
        if cancel is not None and cancel.is_set():
            raise DownloadError("cancelled", "The download was cancelled before it started.")
        part = part_path(destination)
        job = _Job()
        self._active.add(key)
        try:
            work = self._download(job, snapshot, destination, part, on_progress, refresh, overwrite)
            if cancel is None:
                return await work
            return await self._cancellable(job, work, cancel, part)
        finally:
            self._active.discard(key)

    async def _cancellable(
        self, job: _Job, work: Awaitable[DownloadResult], cancel: asyncio.Event, part: Path
    ) -> DownloadResult:
        """Run ``work`` until done or until ``cancel`` is set, even mid-read or mid-backoff."""
        task = asyncio.ensure_future(work)
        waiter = asyncio.ensure_future(cancel.wait())
        try:
            await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
            if not task.done() and job.placing:
                # Verified and being renamed: finishing is quicker and leaves no doubt.
                return await task
        finally:
            if not task.done():
                task.cancel()
                # Its own error, if it failed while being cancelled, no longer matters.
                with contextlib.suppress(BaseException):
                    await task
            waiter.cancel()
        # A failure caused by the cancellation itself counts as the cancellation.
        if task.cancelled() or (cancel.is_set() and task.exception() is not None):
            _remove(part)
            log.info("download cancelled: %s", part.name)
            raise DownloadError("cancelled")
        return task.result()

    async def _download(
        self,
        job: _Job,
        snapshot: Snapshot,
        final: Path,
        part: Path,
        on_progress: Callable[[Progress], None] | None,
        refresh: Callable[[], Awaitable[Snapshot]] | None,
        overwrite: bool,
    ) -> DownloadResult:
        started = self._clock()
        total = snapshot.size
        file, have = await asyncio.to_thread(self._open_part, final, part, total)
        meter = _Meter(total, self._clock, on_progress)
        try:
            with file:
                file.truncate(have)
                file.seek(have)
                digest = await asyncio.to_thread(_hash_prefix, part, have)
                sync_every = SYNC_EVERY if self.fsync else None
                sink = _Sink(file, have, digest, self.chunk_size, sync_every)
                log.info(
                    "download %s (%d bytes) to %s, from byte %d",
                    snapshot.redacted_url,
                    total,
                    final.name,
                    have,
                )
                try:
                    resumes = await self._transfer(snapshot, sink, meter, refresh)
                    await sink.flush()
                    await sink.settle_syncs()
                finally:
                    # Whatever happened, the workers are done with the file before it
                    # closes; waiting for a disk flush must not freeze the event loop.
                    await asyncio.shield(asyncio.to_thread(sink.close))
                meter.update(sink.received, resumes, final=True)
                await asyncio.to_thread(_sync, file, self.fsync)
        except OSError as error:
            raise self._disk_error(error, part) from None
        except DownloadError as error:
            # Bytes are worth keeping to resume only when the transfer itself failed.
            _discard(part, keep_bytes=error.reason in ("network", "denied"))
            raise
        # Reads the whole file (every member's CRC), so off the event loop.
        await asyncio.to_thread(self._verify, part, total)
        job.placing = True
        try:
            await asyncio.to_thread(_place, part, final, overwrite)
            await asyncio.to_thread(_sync_directory, final.parent)
        except OSError as error:
            raise self._disk_error(error, part) from None
        seconds = self._clock() - started
        log.info("downloaded %s: %d bytes in %.1f s", final.name, total, seconds)
        return DownloadResult(final, total, sink.digest.hexdigest(), resumes, seconds)

    def _open_part(self, final: Path, part: Path, total: int) -> tuple[BinaryIO, int]:
        """The ``.part`` to write and how much of it is already there; checks free space."""
        have = part.stat().st_size if part.is_file() else 0
        if have > total:
            # Longer than the snapshot: not a prefix of it, so of no use.
            have = 0
        needed = total - have
        available = free_space(final.parent)
        if available < needed + self.space_margin:
            raise DownloadError(
                "no_space",
                f"Not enough free space in {final.parent.name or final.parent}: "
                f"{_human_size(needed)} needed, {_human_size(available)} free.",
            )
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            file = part.open("r+b" if have else "wb")
        except OSError as error:
            raise self._disk_error(error, part) from None
        return file, have

    def _disk_error(self, error: OSError, part: Path) -> DownloadError:
        _remove(part)
        what = error.strerror or type(error).__name__
        if error.errno in _NO_SPACE_ERRNOS:
            return DownloadError("no_space", f"The disk filled up ({what}); nothing was kept.")
        return DownloadError("disk", f"Could not write {part.name}: {what}.")

    @staticmethod
    def _verify(part: Path, total: int) -> None:
        """Raise unless ``part`` has the listed size and is a sound zip; removes it if not."""
        size = part.stat().st_size
        if size != total:
            _remove(part)
            raise DownloadError(
                "size_mismatch",
                f"The download has {size} bytes but the listing says {total}; it was discarded.",
            )
        problem = zip_problem(part)
        if problem is not None:
            _remove(part)
            raise DownloadError(
                "corrupt",
                f"The downloaded file is not a valid zip archive ({problem}); it was discarded.",
            )

    async def _transfer(
        self,
        snapshot: Snapshot,
        sink: _Sink,
        meter: _Meter,
        refresh: Callable[[], Awaitable[Snapshot]] | None,
    ) -> int:
        """Fetch the missing bytes into ``sink``, resuming and retrying; returns resumes."""
        current = snapshot
        refreshed = False
        failures = 0
        resumes = 0
        meter.update(sink.received, resumes)
        while sink.received < snapshot.size:
            if sink.received > 0:
                resumes += 1
            try:
                await self._fetch_once(current, sink, meter, resumes)
            except _Attempt as attempt:
                failures = 0 if attempt.progressed else failures + 1
                if failures > self.retries:
                    raise DownloadError(
                        "network",
                        f"The download kept failing ({attempt.why}); "
                        f"the partial file is kept so it can resume.",
                    ) from None
                delay = self.backoff * 2 ** max(0, failures - 1)
                log.warning(
                    "download %s interrupted at byte %d (%s); retrying in %.1f s",
                    current.redacted_url,
                    sink.received,
                    attempt.why,
                    delay,
                )
                await self._sleep(delay)
            except ApiError as error:
                if not (error.is_download_denied and refresh is not None and not refreshed):
                    raise self._api_failure(error) from None
                refreshed = True
                current = await self._refreshed(snapshot, refresh)
                log.info("download link refused; retrying with %s", current.redacted_url)
                if sink.received > 0:
                    resumes -= 1  # the same resume, with a fresh link
        return resumes

    async def _refreshed(
        self, snapshot: Snapshot, refresh: Callable[[], Awaitable[Snapshot]]
    ) -> Snapshot:
        try:
            fresh = await refresh()
        except ApiError as error:
            raise self._api_failure(error) from None
        if fresh.version_id != snapshot.version_id or fresh.size != snapshot.size:
            raise DownloadError(
                "not_found", "The refreshed listing no longer offers this snapshot."
            )
        return fresh

    @staticmethod
    def _api_failure(error: ApiError) -> DownloadError:
        if error.is_download_denied:
            return DownloadError("denied")
        if error.is_not_found:
            return DownloadError("not_found")
        if error.is_network_error:
            return DownloadError(
                "network",
                f"The snapshot host could not be reached ({error.message or error.code}); "
                f"the partial file is kept so it can resume.",
            )
        if error.status == 416:
            return DownloadError(
                "size_mismatch",
                "The snapshot host has fewer bytes than the listing says; nothing was kept.",
            )
        return DownloadError("denied", f"The snapshot host refused the download: {error.human()}")

    async def _fetch_once(
        self, snapshot: Snapshot, sink: _Sink, meter: _Meter, resumes: int
    ) -> None:
        """One request from ``sink.received`` to the end, or a raised reason to stop."""
        total = snapshot.size
        start = sink.received
        try:
            async with self.client.open_download(snapshot.url, start=start) as response:
                if start > 0 and response.status_code != 206:
                    # The host ignored the Range: the body is the whole file again.
                    log.info("range not honoured; starting %s over", snapshot.redacted_url)
                    await sink.restart()
                    meter.restart()
                self._check_length(response, sink.received, total)
                # Pieces as they arrive (not re-chunked by httpx, whose buffer would be
                # lost on a drop); big ones are split so progress stays fine-grained.
                async for piece in response.aiter_bytes():
                    if sink.received + len(piece) > total:
                        raise DownloadError(
                            "size_mismatch",
                            f"The snapshot host sent more than the {total} bytes the listing "
                            f"gives; it was discarded.",
                        )
                    view = memoryview(piece)
                    for offset in range(0, len(view), self.chunk_size):
                        await sink.write(view[offset : offset + self.chunk_size])
                        meter.update(sink.received, resumes)
        except ApiError as error:
            if error.is_network_error or error.is_server_error:
                raise _Attempt(error.message or error.code, sink.received > start) from None
            raise
        except (httpx.TransportError, httpx.StreamError, httpx.DecodingError) as error:
            raise _Attempt(_why(error), sink.received > start) from None
        if sink.received < total:
            raise _Attempt("the body ended early", sink.received > start)

    @staticmethod
    def _check_length(response: httpx.Response, start: int, total: int) -> None:
        """Refuse early a body whose announced size contradicts the listing."""
        if response.status_code == 206:
            match = _CONTENT_RANGE.match(response.headers.get("content-range", ""))
            if match is None or int(match.group(1)) != start:
                raise _Attempt("the host answered a different range", False)
            announced = match.group(3)
            if announced != "*" and int(announced) != total:
                raise DownloadError(
                    "size_mismatch",
                    f"The snapshot host has {announced} bytes but the listing says {total}; "
                    f"nothing was kept.",
                )
            return
        length = response.headers.get("content-length")
        encoded = response.headers.get("content-encoding", "identity").lower() != "identity"
        if length is not None and length.isdigit() and not encoded and int(length) != total:
            raise DownloadError(
                "size_mismatch",
                f"The snapshot host has {length} bytes but the listing says {total}; "
                f"nothing was kept.",
            )


def _why(error: Exception) -> str:
    if isinstance(error, httpx.RemoteProtocolError | httpx.ReadError):
        return "the connection was dropped"
    if isinstance(error, httpx.TimeoutException):
        return "the connection timed out"
    return type(error).__name__
