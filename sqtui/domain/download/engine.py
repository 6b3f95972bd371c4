"""The download engine: a snapshot to a verified file, resumable, never half-written.

Bytes go to ``<final>.part``; an interrupted transfer resumes with an HTTP Range
request; the result is checked against the listed size, hashed (SHA-256) and checked
as a zip archive (every member's CRC-32) while it streams, synced to disk, and only
then linked under its final name, without ever replacing a file that is already there.
The ``.part`` is locked from opening to renaming, so a second download of the same
file, in this process or another, is refused as ``busy`` instead of writing into the
first one's bytes.

Each request runs on a thread of its own (``host``), which reads, follows the zip and
writes; another thread computes the SHA-256 (``sink``). The event loop only starts,
waits and reports progress, so an app stays responsive, and a cancel aborts the
request where it waits."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import BinaryIO, ParamSpec

from sqtui.api.client import SquareCloudClient
from sqtui.api.errors import ApiError
from sqtui.api.http_answers import CONTENT_RANGE
from sqtui.api.models import Snapshot
from sqtui.display import size_text
from sqtui.domain.download.files import (
    NO_SPACE_ERRNOS,
    SPACE_MARGIN,
    DownloadError,
    PartLock,
    check_destination,
    discard,
    lock_part,
    open_part,
    part_path,
    place,
    remove,
    space_check,
    sync,
    sync_directory,
)
from sqtui.domain.download.host import HostRequest, HostUnreachable
from sqtui.domain.download.sink import DownloadResult, Meter, Progress, Sink, SinkClosed

log = logging.getLogger("sqtui.download")

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

SYNC_EVERY = 32 << 20  # bytes written between background flushes to disk
# Bytes read (then checked, hashed and written) at once, at most: Python's work per
# piece then costs nothing that shows (benchmarks/README.md); four such buffers in all.
DEFAULT_CHUNK = 1 << 20
# A read is sized to return about this often, so that on a slow link progress still
# moves ten times a second rather than once per buffer.
READ_EVERY = 0.05
SMALLEST_READ = 8 << 10

_P = ParamSpec("_P")


class _Attempt(Exception):
    """One request failed in a way worth retrying (network, 5xx, early end of body)."""

    def __init__(self, why: str, progressed: bool) -> None:
        super().__init__(why)
        self.why = why
        self.progressed = progressed


@dataclass
class _Job:
    """What one download is doing, so cancellation can spare the final rename."""

    placing: bool = False
    # Remove the .part if the task is cancelled (it is removed while still locked).
    discard_on_cancel: bool = False


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
        space_margin: int = SPACE_MARGIN,
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
        keep_part_on_cancel: bool = True,
    ) -> DownloadResult:
        """Download ``snapshot`` to ``destination``, resuming and verifying; or raise.

        Raises :class:`DownloadError`. A network failure or refused link keeps the
        ``.part`` so a later call resumes it; every other failure removes it.
        ``refresh`` is called once if the signed URL is refused, to get the same
        snapshot with a fresh URL. Network failures are retried ``retries`` times in a
        row (the count restarts whenever bytes arrive). Setting ``cancel`` stops and
        removes the ``.part``; cancelling the task keeps it for a later resume unless
        ``keep_part_on_cancel`` is False. A download of a file that is already being
        downloaded is refused (``busy``) and leaves that one alone.
        """
        destination = Path(destination)
        key = destination.absolute()
        if key in self._active:
            raise DownloadError(
                "busy", f"{destination.name} is already being downloaded; nothing was changed."
            )
        check_destination(destination, overwrite)
        if cancel is not None and cancel.is_set():
            raise DownloadError("cancelled", "The download was cancelled before it started.")
        part = part_path(destination)
        job = _Job(discard_on_cancel=not keep_part_on_cancel)
        self._active.add(key)
        try:
            file, lock = await self._open(destination, part)
            try:
                work = self._download(
                    job, snapshot, destination, part, file, on_progress, refresh, overwrite
                )
                if cancel is None:
                    return await work
                return await self._cancellable(job, work, cancel, part)
            finally:
                lock.release()
        finally:
            self._active.discard(key)

    async def _open(self, final: Path, part: Path) -> tuple[BinaryIO, PartLock]:
        """Open and lock the ``.part`` (off the event loop); raises ``busy`` if it is held."""
        opening = asyncio.ensure_future(asyncio.to_thread(self._open_part, final, part))
        try:
            return await asyncio.shield(opening)
        except asyncio.CancelledError:
            # The thread finishes anyway: what it opened and locked must be let go.
            opening.add_done_callback(_close_opened)
            raise

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
            remove(part)  # still locked: the caller releases it after this
            log.info("download cancelled: %s", part.name)
            raise DownloadError("cancelled")
        return task.result()

    async def _download(
        self,
        job: _Job,
        snapshot: Snapshot,
        final: Path,
        part: Path,
        file: BinaryIO,
        on_progress: Callable[[Progress], None] | None,
        refresh: Callable[[], Awaitable[Snapshot]] | None,
        overwrite: bool,
    ) -> DownloadResult:
        try:
            return await self._write(
                job, snapshot, final, part, file, on_progress, refresh, overwrite
            )
        except asyncio.CancelledError:
            file.close()
            if job.discard_on_cancel:
                remove(part)  # while still locked: it is this download's
            raise

    async def _write(
        self,
        job: _Job,
        snapshot: Snapshot,
        final: Path,
        part: Path,
        file: BinaryIO,
        on_progress: Callable[[Progress], None] | None,
        refresh: Callable[[], Awaitable[Snapshot]] | None,
        overwrite: bool,
    ) -> DownloadResult:
        started = self._clock()
        total = snapshot.size
        try:
            have = await asyncio.to_thread(self._room_for, final, total)
        except DownloadError:
            file.close()
            discard(part, keep_bytes=True)  # an empty .part is only ours
            raise
        meter = Meter(total, self._clock, on_progress)
        try:
            with file:
                file.truncate(have)
                file.seek(have)
                sync_every = SYNC_EVERY if self.fsync else None
                sink = Sink(file, self.chunk_size, sync_every)
                try:
                    # What an earlier attempt left is hashed and checked, not fetched again.
                    await asyncio.to_thread(sink.resume_from, part, have)
                    log.info(
                        "download %s (%d bytes) to %s, from byte %d",
                        snapshot.redacted_url,
                        total,
                        final.name,
                        have,
                    )
                    resumes = await self._transfer(snapshot, sink, meter, refresh)
                    await asyncio.to_thread(sink.finish)
                finally:
                    # Whatever happened, the writer is done with the file before it
                    # closes; waiting for a disk flush must not freeze the event loop.
                    await asyncio.shield(asyncio.to_thread(sink.close))
                meter.update(sink.received, resumes, final=True)
                await asyncio.to_thread(sync, file, self.fsync)
        except OSError as error:
            raise self._disk_error(error, part, total) from None
        except DownloadError as error:
            # Bytes are worth keeping to resume only when the transfer itself failed.
            if error.reason in ("network", "denied"):
                raise error.with_part(discard(part, keep_bytes=True)) from None
            discard(part, keep_bytes=False)
            raise
        # The members' CRCs were checked as the bytes passed; what is left is the central
        # directory at the file's end, read back and compared (and any member that could
        # not be followed on the way, read back alone).
        await asyncio.to_thread(self._verify, part, total, sink)
        job.placing = True
        try:
            await asyncio.to_thread(place, part, final, overwrite)
            await asyncio.to_thread(sync_directory, final.parent)
        except OSError as error:
            raise self._disk_error(error, part, total) from None
        seconds = self._clock() - started
        log.info("downloaded %s: %d bytes in %.1f s", final.name, total, seconds)
        return DownloadResult(final, total, sink.digest.hexdigest(), resumes, seconds)

    @staticmethod
    def _open_part(final: Path, part: Path) -> tuple[BinaryIO, PartLock]:
        """The ``.part`` to write, locked; never through a link, only a regular file."""
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            file = open_part(part)
        except OSError as error:
            what = error.strerror or type(error).__name__
            # Nothing was opened: whatever is there is left as it is.
            raise DownloadError("disk", f"Could not write {part.name}: {what}.") from None
        try:
            return file, lock_part(file, part, final)
        except BaseException:
            file.close()
            raise

    def _room_for(self, final: Path, total: int) -> int:
        """How much of the ``.part`` is already there; ``no_space`` if the rest does not fit."""
        check = space_check(total, final, self.space_margin)
        problem = check.problem()
        if problem is not None:
            raise DownloadError("no_space", problem)
        return check.partial

    def _disk_error(self, error: OSError, part: Path, total: int) -> DownloadError:
        remove(part)
        what = error.strerror or type(error).__name__
        if error.errno in NO_SPACE_ERRNOS:
            return DownloadError(
                "no_space",
                f"The disk filled up ({what}); nothing was kept. This snapshot needs "
                f"{size_text(total)} free, plus {size_text(self.space_margin)} kept free.",
            )
        return DownloadError("disk", f"Could not write {part.name}: {what}.")

    @staticmethod
    def _verify(part: Path, total: int, sink: Sink) -> None:
        """Raise unless ``part`` has the listed size and is a sound zip; removes it if not."""
        size = part.stat().st_size
        if size != total:
            remove(part)
            raise DownloadError(
                "size_mismatch",
                f"The download has {size} bytes but the listing says {total}; it was discarded.",
            )
        problem = sink.check.problem(part)
        if problem is not None:
            remove(part)
            raise DownloadError(
                "corrupt",
                f"The downloaded file is not a valid zip archive ({problem}); it was discarded.",
            )

    async def _transfer(
        self,
        snapshot: Snapshot,
        sink: Sink,
        meter: Meter,
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
                        "network", f"The download kept failing ({attempt.why})."
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
                f"The snapshot host could not be reached ({error.message or error.code}).",
            )
        if error.status == 416:
            return DownloadError(
                "size_mismatch",
                "The snapshot host has fewer bytes than the listing says; nothing was kept.",
            )
        return DownloadError("denied", f"The snapshot host refused the download: {error.human()}")

    async def _fetch_once(self, snapshot: Snapshot, sink: Sink, meter: Meter, resumes: int) -> None:
        """One request from ``sink.received`` to the end, or a raised reason to stop."""
        start = sink.received
        request = HostRequest(snapshot.url, start, timeout=self.client.timeout)
        try:
            await _on_thread(self._fetch_blocking, request, snapshot, sink, meter, resumes)
        except asyncio.CancelledError:
            # The thread sees it at once: its read returns, and the sink takes no more.
            request.abort()
            meter.silence()
            raise
        except ApiError as error:
            if error.is_network_error or error.is_server_error:
                raise _Attempt(error.message or error.code, sink.received > start) from None
            raise
        except HostUnreachable as error:
            raise _Attempt(error.why, sink.received > start) from None

    def _fetch_blocking(
        self, request: HostRequest, snapshot: Snapshot, sink: Sink, meter: Meter, resumes: int
    ) -> None:
        """The request itself, on its own thread: read into the sink until the listed size."""
        total = snapshot.size
        try:
            request.open()
            if request.status not in (200, 206):
                raise request.refusal()
            log.info(
                "download %s from byte %d: HTTP %d", request.where, sink.received, request.status
            )
            if sink.received > 0 and request.status != 206:
                # The host ignored the Range: the body is the whole file again.
                log.info("range not honoured; starting %s over", snapshot.redacted_url)
                sink.restart()
                meter.restart()
            self._check_length(request.status, request.headers, sink.received, total)
            pace = _ReadSize(self.chunk_size)
            while sink.received < total:
                space = sink.space()
                started = time.monotonic()
                count = request.readinto(space[: min(pace.size, total - sink.received)])
                pace.took(count, time.monotonic() - started)
                if not count:
                    raise HostUnreachable("the body ended early")
                sink.commit(count)
                meter.update(sink.received, resumes)
            if request.readinto(memoryview(bytearray(1))):
                raise DownloadError(
                    "size_mismatch",
                    f"The snapshot host sent more than the {total} bytes the listing gives; "
                    "it was discarded.",
                )
        except SinkClosed:
            return  # the download was stopped while this thread read
        finally:
            request.close()

    @staticmethod
    def _check_length(status: int, headers: Message, start: int, total: int) -> None:
        """Refuse early a body whose announced size contradicts the listing."""
        if status == 206:
            match = CONTENT_RANGE.match(headers.get("content-range", ""))
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
        length = headers.get("content-length")
        encoded = headers.get("content-encoding", "identity").lower() != "identity"
        if length is not None and length.isdigit() and not encoded and int(length) != total:
            raise DownloadError(
                "size_mismatch",
                f"The snapshot host has {length} bytes but the listing says {total}; "
                f"nothing was kept.",
            )


def _close_opened(opening: asyncio.Future[tuple[BinaryIO, PartLock]]) -> None:
    if opening.cancelled() or opening.exception() is not None:
        return
    file, lock = opening.result()
    file.close()
    lock.release()


class _ReadSize:
    """How much to ask of the next read: whole buffers while they fill fast, less on a slow
    link (a read waits until it has all it asked for). Starts small and doubles."""

    def __init__(self, largest: int) -> None:
        self.largest = largest
        self.size = min(largest, SMALLEST_READ)

    def took(self, count: int, seconds: float) -> None:
        """A read of ``count`` bytes took ``seconds``."""
        if seconds > 2 * READ_EVERY:
            rate = count / seconds
            self.size = max(SMALLEST_READ, min(self.largest, int(rate * READ_EVERY)))
        else:
            self.size = min(self.largest, self.size * 2)


async def _on_thread(function: Callable[_P, None], *args: _P.args, **kwargs: _P.kwargs) -> None:
    """Run ``function`` on a thread of its own and wait for it; cancelling stops the wait.

    Not the default executor: a request whose thread is still finishing after a cancel
    must not hold one of its few workers.
    """
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def run() -> None:
        failure: BaseException | None = None
        try:
            function(*args, **kwargs)
        except BaseException as error:
            failure = error
        # The loop may be closed by now (the app quit): nobody waits any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_settle, done, failure)

    threading.Thread(target=run, name="sqtui-download", daemon=True).start()
    await done


def _settle(done: asyncio.Future[None], failure: BaseException | None) -> None:
    if done.done():
        return  # the wait was cancelled
    if failure is None:
        done.set_result(None)
    else:
        done.set_exception(failure)
