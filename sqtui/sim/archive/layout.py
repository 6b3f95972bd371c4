"""A zip file laid out from its members, served by byte range without being built whole.

The layout (every offset, hence the size) needs each member's size and, for a deflated
member, its compressed size; CRCs are computed only when a range needs them: a local
header, or the central directory at the end. Zip64 records appear when they must: more
than 65,534 entries, or an entry or an offset at 4 GiB or beyond.
"""

from __future__ import annotations

import bisect
import datetime as dt
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .content import Content, deflated, deflated_size

LOCAL = struct.Struct("<IHHHHHIIIHH")
CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
END = struct.Struct("<IHHHHIIH")
ZIP64_END = struct.Struct("<IQHHIIQQQQ")
ZIP64_LOCATOR = struct.Struct("<IIQI")
LIMIT32 = 0xFFFFFFFF
LIMIT16 = 0xFFFF
STORED, DEFLATED = 0, 8
_UTF8 = 0x800
_FILE_MODE = 0o100644 << 16


@dataclass(frozen=True)
class Member:
    """One file of an archive: its name (taken literally), bytes, compression, mtime."""

    name: str
    content: Content
    deflate: bool = False
    modified: float = 315_532_800.0

    @property
    def encoded_name(self) -> bytes:
        """The name as the zip stores it (UTF-8)."""
        return self.name.encode("utf-8", "surrogateescape")

    @property
    def stored_size(self) -> int:
        """Bytes of its data in the archive (compressed when deflated)."""
        return deflated_size(self.content) if self.deflate else self.content.size


def _zip64_sizes(size: int, csize: int) -> bool:
    return size >= LIMIT32 or csize >= LIMIT32


def local_length(name_length: int, size: int, csize: int) -> int:
    """Bytes of a member's local header and data."""
    return LOCAL.size + name_length + (20 if _zip64_sizes(size, csize) else 0) + csize


def central_length(name_length: int, size: int, csize: int, offset: int) -> int:
    """Bytes of a member's central directory entry."""
    wide = 8 * ((size >= LIMIT32) + (csize >= LIMIT32) + (offset >= LIMIT32))
    return CENTRAL.size + name_length + (4 + wide if wide else 0)


def _needs_zip64_end(count: int, directory_offset: int, directory_size: int) -> bool:
    return count >= LIMIT16 or directory_offset >= LIMIT32 or directory_size >= LIMIT32


def end_length(count: int, directory_offset: int, directory_size: int) -> int:
    """Bytes after the central directory: the end record, and Zip64's when needed."""
    wide = _needs_zip64_end(count, directory_offset, directory_size)
    return END.size + (ZIP64_END.size + ZIP64_LOCATOR.size if wide else 0)


def _dos_time(timestamp: float) -> tuple[int, int]:
    moment = dt.datetime.fromtimestamp(max(timestamp, 315_532_800.0), dt.UTC)
    time = (moment.hour << 11) | (moment.minute << 5) | (moment.second // 2)
    date = ((moment.year - 1980) << 9) | (moment.month << 5) | moment.day
    return time, date


class _Entry:
    """A member placed in the archive."""

    __slots__ = ("csize", "flags", "member", "name", "offset", "size", "stop")

    def __init__(self, member: Member, offset: int) -> None:
        self.member = member
        self.name = member.encoded_name
        self.flags = 0 if member.name.isascii() else _UTF8
        self.size = member.content.size
        self.csize = member.stored_size
        self.offset = offset
        self.stop = offset + local_length(len(self.name), self.size, self.csize)

    @property
    def data_offset(self) -> int:
        return self.stop - self.csize

    def _fields(self, crc: int) -> tuple[int, int, int, int, int, int, int]:
        wide = _zip64_sizes(self.size, self.csize)
        time, date = _dos_time(self.member.modified)
        version = 45 if wide else 20
        method = DEFLATED if self.member.deflate else STORED
        return version, self.flags, method, time, date, crc, wide

    def local_header(self, crc: int) -> bytes:
        version, flags, method, time, date, crc, wide = self._fields(crc)
        size, csize = (LIMIT32, LIMIT32) if wide else (self.size, self.csize)
        extra = struct.pack("<HHQQ", 1, 16, self.size, self.csize) if wide else b""
        fixed = LOCAL.pack(
            0x04034B50,
            version,
            flags,
            method,
            time,
            date,
            crc,
            csize,
            size,
            len(self.name),
            len(extra),
        )
        return fixed + self.name + extra

    def central_header(self, crc: int) -> bytes:
        version, flags, method, time, date, crc, _ = self._fields(crc)
        wide = [v for v in (self.size, self.csize, self.offset) if v >= LIMIT32]
        extra = struct.pack(f"<HH{len(wide)}Q", 1, 8 * len(wide), *wide) if wide else b""
        version = 45 if extra else version
        fixed = CENTRAL.pack(
            0x02014B50,
            (3 << 8) | version,
            version,
            flags,
            method,
            time,
            date,
            crc,
            min(self.csize, LIMIT32),
            min(self.size, LIMIT32),
            len(self.name),
            len(extra),
            0,
            0,
            0,
            _FILE_MODE,
            min(self.offset, LIMIT32),
        )
        return fixed + self.name + extra


class Archive:
    """A zip file of ``members`` in order; ``key`` names it (the ETag), ``modified`` dates it."""

    def __init__(self, members: Sequence[Member], *, key: bytes, modified: float) -> None:
        self.key = key
        self.modified = modified
        self._entries: list[_Entry] = []
        offset = 0
        for member in members:
            entry = _Entry(member, offset)
            self._entries.append(entry)
            offset = entry.stop
        self._stops = [entry.stop for entry in self._entries]
        self.directory_offset = offset
        self.directory_size = sum(
            central_length(len(e.name), e.size, e.csize, e.offset) for e in self._entries
        )
        count = len(self._entries)
        self.size = (
            offset
            + self.directory_size
            + end_length(count, self.directory_offset, self.directory_size)
        )
        self._crcs: list[int | None] = [None] * count
        self._tail: bytes | None = None

    @property
    def members(self) -> list[Member]:
        """The members, in archive order."""
        return [entry.member for entry in self._entries]

    def _crc(self, index: int) -> int:
        crc = self._crcs[index]
        if crc is None:
            crc = self._crcs[index] = self._entries[index].member.content.crc()
        return crc

    def _overlapping(self, start: int, end: int) -> range:
        first = bisect.bisect_right(self._stops, start)
        last = bisect.bisect_left(self._stops, end) + 1
        return range(first, min(last, len(self._entries)))

    def prepare(self, start: int, end: int) -> None:
        """Compute what serving ``[start, end)`` needs (CRCs, the central directory).

        May take a while (a big member's CRC is one pass over it): call it off the event
        loop; ``chunks`` is then quick to start.
        """
        for index in self._overlapping(start, end):
            if start < self._entries[index].data_offset:
                self._crc(index)
        if end > self.directory_offset:
            self._directory()

    def _directory(self) -> bytes:
        if self._tail is None:
            parts = [e.central_header(self._crc(i)) for i, e in enumerate(self._entries)]
            count, offset, size = len(self._entries), self.directory_offset, self.directory_size
            if _needs_zip64_end(count, offset, size):
                parts.append(
                    ZIP64_END.pack(0x06064B50, 44, 45, 45, 0, 0, count, count, size, offset)
                )
                parts.append(ZIP64_LOCATOR.pack(0x07064B50, 0, offset + size, 1))
            parts.append(
                END.pack(
                    0x06054B50,
                    0,
                    0,
                    min(count, LIMIT16),
                    min(count, LIMIT16),
                    min(size, LIMIT32),
                    min(offset, LIMIT32),
                    0,
                )
            )
            self._tail = b"".join(parts)
        return self._tail

    def chunks(self, start: int, end: int) -> Iterator[bytes]:
        """Bytes ``[start, end)`` of the zip file, in chunks."""
        end = min(end, self.size)
        for index in self._overlapping(start, end):
            entry = self._entries[index]
            data_offset = entry.data_offset
            if start < data_offset:
                header = entry.local_header(self._crc(index))
                yield header[max(start, entry.offset) - entry.offset : end - entry.offset]
            low, high = max(start, data_offset) - data_offset, min(end, entry.stop) - data_offset
            if low < high:
                if entry.member.deflate:
                    yield deflated(entry.member.content)[low:high]
                else:
                    yield from entry.member.content.read(low, high)
        if end > self.directory_offset:
            tail = self._directory()
            yield tail[
                max(start, self.directory_offset) - self.directory_offset : end
                - self.directory_offset
            ]
