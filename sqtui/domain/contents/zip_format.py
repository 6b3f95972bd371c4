"""The zip records sqtui reads, parsed from bytes with ``struct``: no IO here.

The end record (searched backwards, past a comment of up to 65,535 bytes), its ZIP64
locator and record, the central directory, a member's local header, and a decoder
that turns a member's stored bytes into its content while checking size and CRC-32.
"""

from __future__ import annotations

import bz2
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from sqtui.domain.contents.entry import BZIP2, DEFLATED, STORED, Entry, entries_from_columns
from sqtui.domain.contents.errors import ContentsError

_END = struct.Struct("<IHHHHIIH")
_LOCATOR = struct.Struct("<IIQI")
_END64 = struct.Struct("<IQHHIIQQQQ")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_EXTRA_HEADER = struct.Struct("<HH")
_U64 = struct.Struct("<Q")
_U32 = struct.Struct("<I")

END_SIGNATURE = b"PK\x05\x06"
_LOCATOR_SIGNATURE = 0x07064B50
_END64_SIGNATURE = 0x06064B50
_CENTRAL_SIGNATURE = 0x02014B50
_LOCAL_SIGNATURE = 0x04034B50

END_SIZE = _END.size
LOCAL_SIZE = _LOCAL.size
MAX_COMMENT = 0xFFFF
# The end record starts at most this far from the end of the archive (a full comment).
MAX_END_SPAN = END_SIZE + MAX_COMMENT
# A ZIP64 archive keeps its locator and record just before the end record.
ZIP64_SPAN = _LOCATOR.size + _END64.size

_MAX16 = 0xFFFF
_MAX32 = 0xFFFFFFFF
_ZIP64_EXTRA = 0x0001
_UNICODE_PATH_EXTRA = 0x7075
_UTF8_FLAG = 0x800
_UNIX = 3


class NeedBytes(Exception):
    """The parse needs the archive from byte ``start`` on; the caller has less."""

    def __init__(self, start: int) -> None:
        super().__init__(start)
        self.start = max(0, start)


@dataclass(frozen=True)
class Layout:
    """Where the central directory is, from the end record (and its ZIP64 twin)."""

    archive_size: int
    directory_start: int
    directory_size: int
    entry_count: int
    base: int
    comment: str
    zip64: bool

    @property
    def directory_end(self) -> int:
        """The first byte after the central directory."""
        return self.directory_start + self.directory_size


def _corrupt(detail: str) -> ContentsError:
    return ContentsError("corrupt", f"The snapshot is not a readable zip archive: {detail}.")


def _end_record_at(tail: bytes, tail_start: int) -> int:
    """Index in ``tail`` of the end record: the last one whose comment reaches the end.

    A comment may itself contain the signature, hence the search backwards from the
    end and the exact-length check. A candidate followed by stray bytes is accepted
    only once every place the record could start has been seen.
    """
    loose: int | None = None
    stop = len(tail) - END_SIZE + len(END_SIGNATURE)
    floor = max(0, len(tail) - MAX_END_SPAN)
    while stop > floor:
        index = tail.rfind(END_SIGNATURE, floor, stop)
        if index < 0:
            break
        comment_size = int.from_bytes(tail[index + 20 : index + 22], "little")
        end = index + END_SIZE + comment_size
        if end == len(tail):
            return index
        if end < len(tail) and loose is None:
            loose = index
        stop = index + len(END_SIGNATURE) - 1
    if tail_start > 0 and len(tail) < MAX_END_SPAN + ZIP64_SPAN:
        raise NeedBytes(tail_start + len(tail) - MAX_END_SPAN - ZIP64_SPAN)
    if loose is not None:
        return loose
    raise _corrupt("no end of central directory record")


def read_layout(tail: bytes, tail_start: int, archive_size: int) -> Layout:
    """The directory's place, from the archive's last bytes ``tail`` (at ``tail_start``).

    Raises :class:`NeedBytes` when the answer lies before ``tail_start``, and
    ``ContentsError("corrupt")`` when it is not a zip archive.
    """
    if tail_start + len(tail) != archive_size:
        raise ValueError("tail must reach the end of the archive")
    at = _end_record_at(tail, tail_start)
    (_, disk, directory_disk, _, count, size, offset, comment_size) = _END.unpack_from(tail, at)
    comment = tail[at + END_SIZE : at + END_SIZE + comment_size]
    record_start = tail_start + at
    zip64 = False
    locator_at = at - _LOCATOR.size
    if record_start >= _LOCATOR.size:
        if locator_at < 0:
            raise NeedBytes(record_start - ZIP64_SPAN)
        signature, _, stated, _ = _LOCATOR.unpack_from(tail, locator_at)
        if signature == _LOCATOR_SIGNATURE:
            record64_at = _find_end64(tail, tail_start, locator_at, stated)
            (_, _, _, _, disk, directory_disk, _, count, size, offset) = _END64.unpack_from(
                tail, record64_at
            )
            record_start = tail_start + record64_at
            zip64 = True
    if disk not in (0, _MAX16) or directory_disk not in (0, _MAX16):
        raise _corrupt("it spans several disks")
    base = record_start - size - offset
    if base < 0:
        raise _corrupt("the directory lies outside the archive")
    return Layout(
        archive_size=archive_size,
        directory_start=offset + base,
        directory_size=size,
        entry_count=count,
        base=base,
        comment=comment.decode("utf-8", "replace"),
        zip64=zip64,
    )


def _find_end64(tail: bytes, tail_start: int, locator_at: int, stated: int) -> int:
    """Index of the ZIP64 end record: just before the locator, or where it says."""
    before = locator_at - _END64.size
    if before < 0:
        raise NeedBytes(tail_start + before)
    if _U32.unpack_from(tail, before)[0] == _END64_SIGNATURE:
        return before
    where = stated - tail_start
    if where < 0:
        raise NeedBytes(stated)
    if where + _END64.size > len(tail) or _U32.unpack_from(tail, where)[0] != _END64_SIGNATURE:
        raise _corrupt("the ZIP64 end record is missing")
    return where


def parse_directory(data: bytes, base: int = 0) -> list[Entry]:
    """Every entry of a central directory (``data`` is exactly its bytes).

    Entries are read until the bytes end, not up to the end record's count: some tools
    write the count modulo 65,536.
    """
    unpack = _CENTRAL.unpack_from
    columns: list[list[object]] = [[] for _ in range(10)]
    paths, sizes, packed, crcs, stamps, methods, flags_, offsets, headers, modes = columns
    position, end = 0, len(data)
    while position < end:
        if end - position < _CENTRAL.size:
            raise _corrupt("the central directory is truncated")
        (
            signature,
            made_by,
            _,
            flags,
            method,
            time,
            date,
            crc,
            compressed,
            size,
            name_size,
            extra_size,
            comment_size,
            _,
            _,
            attributes,
            offset,
        ) = unpack(data, position)
        if signature != _CENTRAL_SIGNATURE:
            raise _corrupt("a central directory entry is damaged")
        name_at = position + _CENTRAL.size
        extra_at = name_at + name_size
        after = extra_at + extra_size + comment_size
        if after > end:
            raise _corrupt("the central directory is truncated")
        raw = data[name_at:extra_at]
        path: str | None = None
        if extra_size:
            size, compressed, offset, path = _read_extras(
                data[extra_at : extra_at + extra_size], size, compressed, offset, raw
            )
        if path is None:
            path = _decode_name(raw, flags)
        paths.append(path)
        sizes.append(size)
        packed.append(compressed)
        crcs.append(crc)
        stamps.append((date << 16) | time)
        methods.append(method)
        flags_.append(flags)
        offsets.append(offset + base)
        headers.append(LOCAL_SIZE + name_size + extra_size)
        modes.append(attributes >> 16 if made_by >> 8 == _UNIX else 0)
        position = after
    return entries_from_columns(columns)


def _decode_name(raw: bytes, flags: int) -> str:
    # As zipfile does: UTF-8 when the flag says so, else the original IBM PC code page
    # (which maps every byte, so the name stays faithful to what is stored).
    if flags & _UTF8_FLAG:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return raw.decode("cp437")


def _read_extras(
    extra: bytes, size: int, compressed: int, offset: int, raw: bytes
) -> tuple[int, int, int, str | None]:
    """ZIP64 sizes and offset, and an Info-ZIP Unicode path, from a central extra field."""
    path: str | None = None
    at = 0
    while at + _EXTRA_HEADER.size <= len(extra):
        tag, length = _EXTRA_HEADER.unpack_from(extra, at)
        body = extra[at + 4 : at + 4 + length]
        if len(body) < length:
            break
        if tag == _ZIP64_EXTRA:
            # Only the fields the fixed header marks as too large are present, in order.
            where = 0
            try:
                if size == _MAX32:
                    size = _U64.unpack_from(body, where)[0]
                    where += 8
                if compressed == _MAX32:
                    compressed = _U64.unpack_from(body, where)[0]
                    where += 8
                if offset == _MAX32:
                    offset = _U64.unpack_from(body, where)[0]
            except struct.error:
                raise _corrupt("a ZIP64 extra field is too short") from None
        elif (
            tag == _UNICODE_PATH_EXTRA
            and length >= 5
            and body[0] == 1
            # Only trusted while it describes this very name (its CRC-32 says so).
            and _U32.unpack_from(body, 1)[0] == zlib.crc32(raw)
        ):
            try:
                path = body[5:].decode("utf-8")
            except UnicodeDecodeError:
                path = None
        at += 4 + length
    return size, compressed, offset, path


def local_header_size(buffer: bytes, at: int, entry: Entry) -> int | None:
    """The length of ``entry``'s local header at ``buffer[at:]``; None if it is cut short.

    The local header's name and extra field may differ in length from the directory's,
    so the data starts where this says, not where the directory predicts.
    """
    if len(buffer) - at < LOCAL_SIZE:
        return None
    signature, *_, name_size, extra_size = _LOCAL.unpack_from(buffer, at)
    if signature != _LOCAL_SIGNATURE:
        raise ContentsError(
            "corrupt", f"The snapshot is damaged: no file header where {entry.path} should be."
        )
    return int(LOCAL_SIZE + name_size + extra_size)


def check_readable(entry: Entry) -> None:
    """Raise unless sqtui can decode ``entry`` (not encrypted, a known method, a file)."""
    if entry.is_encrypted:
        raise ContentsError("encrypted", f"{entry.path} is encrypted; sqtui cannot read it.")
    if entry.method not in (STORED, DEFLATED, BZIP2):
        raise ContentsError(
            "unsupported",
            f"{entry.path} is compressed with {entry.method_name}, which sqtui cannot read.",
        )


class MemberDecoder:
    """A member's stored bytes in, its content out in pieces, size and CRC-32 checked."""

    def __init__(self, entry: Entry, piece_size: int = 1 << 20) -> None:
        check_readable(entry)
        self.entry = entry
        self.piece_size = piece_size
        self.crc = 0
        self.produced = 0
        self._inflate = zlib.decompressobj(-15) if entry.method == DEFLATED else None
        self._bunzip = bz2.BZ2Decompressor() if entry.method == BZIP2 else None

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The content that ``data`` (the next stored bytes) decodes to."""
        if self._inflate is not None:
            inflate = self._inflate
            pending = data
            while not inflate.eof:
                # A bounded output per call: a small member cannot expand without limit.
                piece = inflate.decompress(pending, self.piece_size)
                pending = inflate.unconsumed_tail
                if piece:
                    yield self._take(piece)
                if not pending and len(piece) < self.piece_size:
                    break
        elif self._bunzip is not None:
            bunzip = self._bunzip
            pending = data
            while not bunzip.eof:
                piece = bunzip.decompress(pending, self.piece_size)
                pending = b""
                if piece:
                    yield self._take(piece)
                if bunzip.needs_input:
                    break
        else:
            for at in range(0, len(data), self.piece_size):
                yield self._take(data[at : at + self.piece_size])

    def finish(self) -> None:
        """Raise ``damaged`` unless the content was whole: its size and CRC-32 match."""
        ended = True
        if self._inflate is not None:
            ended = self._inflate.eof
        elif self._bunzip is not None:
            ended = self._bunzip.eof
        if not ended or self.produced != self.entry.size or self.crc != self.entry.crc32:
            raise self._damaged()

    def _take(self, piece: bytes) -> bytes:
        self.produced += len(piece)
        if self.produced > self.entry.size:
            raise self._damaged()
        self.crc = zlib.crc32(piece, self.crc)
        return piece

    def _damaged(self) -> ContentsError:
        return ContentsError(
            "damaged",
            f"{self.entry.path} is damaged in the snapshot: its content does not match "
            f"the size and CRC-32 the archive gives.",
        )
