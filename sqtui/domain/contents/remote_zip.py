"""One zip archive on the snapshot host, read by byte ranges instead of downloaded.

The end of a zip holds its central directory: one suffix request (``bytes=-65536``)
usually brings the end record and the whole directory, one more the rest of a larger
one; a member costs one request for its local header and data (two at worst), and a
large one is streamed a window at a time. The records are parsed with ``struct``
(``zip_format``) rather than by ``zipfile`` over a file-like object of cached ranges:
zipfile seeks in small steps (end record, ZIP64 locator, directory, each local header)
that would each cost a request unless guessed ahead, and gives no say over how many
are made. ``remotezip`` is built on ``requests``, not on our async httpx client.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from urllib.parse import urlsplit

from sqtui.api.client import SquareCloudClient
from sqtui.api.errors import ApiError
from sqtui.api.models import RangeAnswer
from sqtui.api.signed_url import redact_text, version_of
from sqtui.domain.contents.entry import Entry
from sqtui.domain.contents.errors import ContentsError, from_api_error
from sqtui.domain.contents.zip_format import (
    Layout,
    MemberDecoder,
    NeedBytes,
    check_readable,
    local_header_size,
    parse_directory,
    read_layout,
)

log = logging.getLogger("sqtui.contents")

Refresh = Callable[[], Awaitable[str]]
Sleep = Callable[[float], Awaitable[None]]

FIRST_READ = 64 << 10
WINDOW = 8 << 20  # the most one request fetches of a large member
PIECE = 1 << 20  # the most content handed out at once
# Local extra fields may be longer than the directory's copy (timestamps, alignment
# padding): read this much more so one request still holds header and data.
HEADER_SLACK = 1 << 10
# Members this close together are fetched by one request (the gap is read and dropped).
GAP = 64 << 10
_MAX_EXTRA_READS = 3


class RemoteZip:
    """A snapshot's archive on the host: its directory and members, by ranged GETs.

    ``refresh`` returns a fresh signed URL for the same snapshot (from a new listing);
    it is called once when the host refuses the link, and the request is retried.
    ``requests`` and ``bytes_received`` count what was asked of the host.
    """

    def __init__(
        self,
        client: SquareCloudClient,
        url: str,
        *,
        refresh: Refresh | None = None,
        version_id: str | None = None,
        size: int | None = None,
        retries: int = 2,
        backoff: float = 0.5,
        sleep: Sleep = asyncio.sleep,
        window: int = WINDOW,
    ) -> None:
        self._client = client
        self._url = url
        self._refresh = refresh
        self._version_id = version_id
        self._generation = 0
        self._renewing = asyncio.Lock()
        self.size = size
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep
        self.window = window
        self.requests = 0
        self.bytes_received = 0

    def __repr__(self) -> str:
        return f"RemoteZip({redact_text(urlsplit(self._url).path)!r}, size={self.size!r})"

    async def directory(self) -> tuple[Layout, list[Entry]]:
        """The end record's facts and every entry: one request, two for a large directory."""
        try:
            answer = await self._fetch(suffix=FIRST_READ)
        except ContentsError as error:
            if error.reason == "corrupt":  # a suffix range fails only on an empty file
                raise ContentsError("corrupt", "The snapshot is empty: no zip archive.") from None
            raise
        if answer.total is None or answer.start is None:
            raise ContentsError("corrupt", "The snapshot host did not say how large it is.")
        tail, tail_start, total = answer.data, answer.start, answer.total
        layout: Layout | None = None
        for _ in range(_MAX_EXTRA_READS + 1):
            try:
                layout = read_layout(tail, tail_start, total)
                if layout.directory_end > total:
                    raise ContentsError("corrupt", "The zip directory lies past the archive's end.")
                if layout.directory_start < tail_start:
                    raise NeedBytes(layout.directory_start)
                break
            except NeedBytes as need:
                if need.start >= tail_start:
                    raise ContentsError("corrupt", "The zip end record is damaged.") from None
                # Still looking for the end record: take a window more, as the directory
                # most likely sits right before it; else exactly what is missing.
                start = need.start if layout is not None else max(0, need.start - FIRST_READ)
                tail = await self._range(start, tail_start - 1) + tail
                tail_start = start
        else:
            raise ContentsError("corrupt", "The zip end record is damaged.")
        at = layout.directory_start - tail_start
        entries = parse_directory(tail[at : at + layout.directory_size], layout.base)
        log.info(
            "zip directory of %s: %d entries, %d bytes, %d requests",
            redact_text(urlsplit(self._url).path),
            len(entries),
            layout.directory_size,
            self.requests,
        )
        return layout, entries

    async def read(self, entry: Entry, *, max_size: int | None = None) -> bytes:
        """The whole content of ``entry`` (CRC-32 checked); ``too_large`` past ``max_size``."""
        if max_size is not None and entry.size > max_size:
            raise ContentsError(
                "too_large", f"{entry.path} has {entry.size} bytes, more than {max_size} at once."
            )
        return b"".join([piece async for piece in self.stream(entry)])

    async def stream(self, entry: Entry, *, piece_size: int = PIECE) -> AsyncIterator[bytes]:
        """The content of ``entry`` piece by piece; raises ``damaged`` at the end if bad.

        A window of stored bytes at a time, so memory stays flat whatever the size.
        """
        decoder = MemberDecoder(entry, piece_size)
        if entry.is_dir:
            decoder.finish()
            return
        first = min(entry.compressed_size, self.window)
        buffer = await self._range(
            entry.header_offset,
            entry.header_offset + entry.header_size + HEADER_SLACK + first - 1,
        )
        header = local_header_size(buffer, 0, entry)
        if header is None or header + first > len(buffer):
            # The local header is longer than the directory said: one more request.
            need = (header or entry.header_size + HEADER_SLACK) + first
            buffer += await self._range(
                entry.header_offset + len(buffer), entry.header_offset + need - 1
            )
            header = local_header_size(buffer, 0, entry)
            if header is None or header + first > len(buffer):
                raise ContentsError("corrupt", f"{entry.path} lies past the archive's end.")
        data_start = entry.header_offset + header
        data_end = data_start + entry.compressed_size
        for piece in decoder.feed(buffer[header : header + first]):
            yield piece
        del buffer
        position = data_start + first
        while position < data_end:
            last = min(position + self.window, data_end) - 1
            chunk = await self._range(position, last)
            if len(chunk) != last - position + 1:
                raise ContentsError("corrupt", f"{entry.path} lies past the archive's end.")
            position = last + 1
            for piece in decoder.feed(chunk):
                yield piece
        decoder.finish()

    async def read_each(
        self, entries: Iterable[Entry], *, span: int | None = None
    ) -> AsyncIterator[tuple[Entry, bytes | ContentsError]]:
        """Small members' contents in archive order, neighbours fetched by one request.

        Each comes with its bytes, or with the error that member alone has (damaged,
        encrypted...); a failure of the host raises. Members larger than ``span``
        (the window) are better streamed one by one.
        """
        limit = span if span is not None else self.window
        for group in _neighbours(sorted(entries, key=lambda e: e.header_offset), limit):
            start = group[0].header_offset
            last = group[-1]
            end = last.header_offset + last.header_size + HEADER_SLACK + last.compressed_size
            buffer = await self._range(start, end - 1)
            for entry in group:
                yield entry, await self._from_buffer(entry, buffer, entry.header_offset - start)

    async def _from_buffer(self, entry: Entry, buffer: bytes, at: int) -> bytes | ContentsError:
        try:
            check_readable(entry)
            if entry.is_dir:
                return b""
            header = local_header_size(buffer, at, entry)
            start = at + header if header is not None else len(buffer)
            if start + entry.compressed_size > len(buffer):
                return await self.read(entry)  # its local header was longer than expected
            decoder = MemberDecoder(entry)
            content = b"".join(decoder.feed(buffer[start : start + entry.compressed_size]))
            decoder.finish()
            return content
        except ContentsError as error:
            if error.reason in ("damaged", "corrupt", "encrypted", "unsupported"):
                return error
            raise

    async def _range(self, start: int, end: int) -> bytes:
        """Bytes ``start``..``end`` inclusive; fewer only where the archive ends."""
        if self.size is not None:
            end = min(end, self.size - 1)
        if end < start:
            return b""
        answer = await self._fetch(start=start, end=end)
        if answer.start != start:
            raise ContentsError("failed", "The snapshot host answered another range than asked.")
        if len(answer.data) != end - start + 1 and (
            answer.total is None or start + len(answer.data) != answer.total
        ):
            raise ContentsError("failed", "The snapshot host answered a shorter range than asked.")
        return answer.data

    async def _fetch(
        self, *, start: int | None = None, end: int | None = None, suffix: int | None = None
    ) -> RangeAnswer:
        """One ranged GET: a refused link is renewed once, network errors retried."""
        renewed = False
        failures = 0
        while True:
            generation = self._generation
            if not self._url:
                await self._renew(generation)
                renewed = True
                continue
            self.requests += 1
            try:
                answer = await self._client.read_range(
                    self._url, start=start, end=end, suffix=suffix
                )
            except ApiError as error:
                if error.is_download_denied and not renewed and self._refresh is not None:
                    renewed = True
                    await self._renew(generation)
                    continue
                if (error.is_network_error or error.is_server_error) and failures < self.retries:
                    failures += 1
                    await self._sleep(self.backoff * 2 ** (failures - 1))
                    continue
                raise from_api_error(error) from None
            if answer.status != 206 or answer.start is None:
                raise ContentsError("no_range")
            self.bytes_received += len(answer.data)
            if answer.total is not None:
                if self.size is not None and self.size != answer.total:
                    raise ContentsError(
                        "corrupt", "The snapshot's size changed while it was being read."
                    )
                self.size = answer.total
            return answer

    async def _renew(self, generation: int) -> None:
        """A fresh signed URL from ``refresh``, unless another request got one meanwhile."""
        async with self._renewing:
            if self._generation != generation:
                return
            if self._refresh is None:
                raise ContentsError("offline" if not self._url else "denied")
            try:
                fresh = await self._refresh()
            except ApiError as error:
                if error.is_not_found:
                    raise ContentsError("not_found") from None
                if error.is_network_error or error.is_server_error:
                    raise ContentsError(
                        "offline",
                        f"The API cannot be reached to renew the snapshot's link ({error.human()})",
                    ) from None
                raise ContentsError(
                    "failed", f"The snapshot's link could not be renewed: {error.human()}"
                ) from None
            stated = version_of(fresh)
            if self._version_id and stated and stated != self._version_id:
                raise ContentsError("not_found", "The listing no longer offers this version.")
            self._url = fresh
            self._generation += 1
            log.info("snapshot link renewed for %s", redact_text(urlsplit(fresh).path))


def _neighbours(ordered: list[Entry], span: int) -> Iterable[list[Entry]]:
    """Runs of members close enough together to be fetched by one request of ``span``."""
    group: list[Entry] = []
    group_end = 0
    for entry in ordered:
        end = entry.header_offset + entry.header_size + entry.compressed_size
        if group and (entry.header_offset - group_end > GAP or end - group[0].header_offset > span):
            yield group
            group = []
        group.append(entry)
        group_end = max(group_end, end) if len(group) > 1 else end
    if group:
        yield group
