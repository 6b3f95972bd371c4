"""Deterministic zip archives produced on demand, any byte range at a time.

An archive is two stored (uncompressed) entries, ``manifest.json`` and ``data.bin``.
The data bytes come from SHAKE-256 over ``(key, block index)``, so any range can be
produced without generating what precedes it, and no archive is ever held in memory.
The layout, hence the size, is known without producing a byte; only the headers need
the data's CRC-32, computed once per archive and kept in a small LRU cache.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

BLOCK_SIZE = 64 * 1024
MANIFEST_NAME = b"manifest.json"
DATA_NAME = b"data.bin"

_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_CENTRAL_HEADER = struct.Struct("<IHHHHHHIIIHHHHHII")
_END_RECORD = struct.Struct("<IHHHHIIH")
_VERSION = 20
_MADE_BY = (3 << 8) | _VERSION
_FILE_MODE = 0o100644 << 16


def data_block(key: bytes, index: int) -> bytes:
    """The ``index``-th block of the data entry of the archive identified by ``key``."""
    return hashlib.shake_256(key + index.to_bytes(8, "big")).digest(BLOCK_SIZE)


def data_bytes(key: bytes, size: int, start: int, end: int) -> Iterator[bytes]:
    """Bytes ``[start, end)`` of a data entry of ``size`` bytes, block by block."""
    end = min(end, size)
    position = start
    while position < end:
        index, offset = divmod(position, BLOCK_SIZE)
        block = data_block(key, index)
        take = min(BLOCK_SIZE - offset, end - position)
        yield block[offset : offset + take]
        position += take


@functools.lru_cache(maxsize=64)
def data_crc(key: bytes, size: int) -> int:
    """CRC-32 of a whole data entry (one pass, then cached)."""
    crc = 0
    for chunk in data_bytes(key, size, 0, size):
        crc = zlib.crc32(chunk, crc)
    return crc


def _dos_datetime(timestamp: float) -> tuple[int, int]:
    moment = dt.datetime.fromtimestamp(max(timestamp, 315_532_800.0), dt.UTC)
    dos_time = (moment.hour << 11) | (moment.minute << 5) | (moment.second // 2)
    dos_date = ((moment.year - 1980) << 9) | (moment.month << 5) | moment.day
    return dos_time, dos_date


@dataclass(frozen=True)
class Archive:
    """One snapshot's zip: its identity, content and layout."""

    key: bytes
    manifest: bytes
    data_size: int
    modified: float

    @property
    def _data_header_offset(self) -> int:
        return _LOCAL_HEADER.size + len(MANIFEST_NAME) + len(self.manifest)

    @property
    def _data_offset(self) -> int:
        return self._data_header_offset + _LOCAL_HEADER.size + len(DATA_NAME)

    @property
    def _directory_offset(self) -> int:
        return self._data_offset + self.data_size

    @property
    def _directory_size(self) -> int:
        return 2 * _CENTRAL_HEADER.size + len(MANIFEST_NAME) + len(DATA_NAME)

    @property
    def size(self) -> int:
        """Total bytes of the zip file."""
        return self._directory_offset + self._directory_size + _END_RECORD.size

    def _local_header(self, name: bytes, crc: int, size: int) -> bytes:
        dos_time, dos_date = _dos_datetime(self.modified)
        fixed = _LOCAL_HEADER.pack(
            0x04034B50, _VERSION, 0, 0, dos_time, dos_date, crc, size, size, len(name), 0
        )
        return fixed + name

    def _central_header(self, name: bytes, crc: int, size: int, offset: int) -> bytes:
        dos_time, dos_date = _dos_datetime(self.modified)
        fixed = _CENTRAL_HEADER.pack(
            0x02014B50,
            _MADE_BY,
            _VERSION,
            0,
            0,
            dos_time,
            dos_date,
            crc,
            size,
            size,
            len(name),
            0,
            0,
            0,
            0,
            _FILE_MODE,
            offset,
        )
        return fixed + name

    def _tail(self, crc: int) -> bytes:
        manifest_crc = zlib.crc32(self.manifest)
        directory = self._central_header(
            MANIFEST_NAME, manifest_crc, len(self.manifest), 0
        ) + self._central_header(DATA_NAME, crc, self.data_size, self._data_header_offset)
        end = _END_RECORD.pack(0x06054B50, 0, 0, 2, 2, len(directory), self._directory_offset, 0)
        return directory + end

    def _head(self, crc: int) -> bytes:
        manifest_crc = zlib.crc32(self.manifest)
        return (
            self._local_header(MANIFEST_NAME, manifest_crc, len(self.manifest))
            + self.manifest
            + self._local_header(DATA_NAME, crc, self.data_size)
        )

    def crc(self) -> int:
        """CRC-32 of the data entry (may take a moment the first time for a big archive)."""
        return data_crc(self.key, self.data_size)

    def chunks(self, start: int, end: int, crc: int) -> Iterator[bytes]:
        """Bytes ``[start, end)`` of the zip file, in chunks of at most a block."""
        data_offset = self._data_offset
        tail_offset = self._directory_offset
        if start < data_offset:
            yield self._head(crc)[start : min(end, data_offset)]
        if end > data_offset and start < tail_offset:
            yield from data_bytes(
                self.key,
                self.data_size,
                max(start, data_offset) - data_offset,
                min(end, tail_offset) - data_offset,
            )
        if end > tail_offset:
            yield self._tail(crc)[max(start, tail_offset) - tail_offset : end - tail_offset]
