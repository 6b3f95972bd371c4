"""Checking a zip archive while it is downloaded: each member's CRC-32 as its bytes pass.

A zip file is written front to back: each member's local header (name, method, sizes)
comes just before its data, and the central directory comes last. ``ZipCheck`` follows
the local headers as the bytes are fed and computes the CRC-32 of every stored or
deflated member's data on the way, so nothing is read again to check them. zlib-ng
does that arithmetic (four times zlib's speed for CRC-32, and a faster inflate): after
SHA-256 it is the largest cost per byte of a download.

At the end, the central directory is the reference, as it is for ``zipfile``, which
reads it from the file's tail (a small read, whatever the archive's size). Every member
it lists must have been seen at its offset with the same name, method and sizes, and
the CRC-32 computed must be the one it gives. A member that could not be followed on
the way (other compressions, encryption, a stored member whose size only a data
descriptor gives, or bytes that do not line up with the directory) is read back and
checked alone, exactly as ``zipfile.testzip`` checks every member; anything that
``testzip`` finds wrong is found wrong here too.
"""

from __future__ import annotations

import enum
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from zlib_ng.zlib_ng import _Decompress

_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_LOCAL_SIGNATURE = b"PK\x03\x04"
# What may follow the last member: the central directory, the end records, the archive
# extra data record, a digital signature.
_AFTER_MEMBERS = frozenset(
    {b"PK\x01\x02", b"PK\x05\x06", b"PK\x06\x06", b"PK\x06\x08", b"PK\x05\x05"}
)
_NEXT_RECORDS = _AFTER_MEMBERS | {_LOCAL_SIGNATURE}
# A data descriptor is 12 or 20 bytes (32- or 64-bit sizes), after an optional signature.
_DESCRIPTOR_ENDS = (12, 16, 20, 24)
_DESCRIPTOR_SPAN = 28
_MAX32 = 0xFFFFFFFF
_ZIP64_EXTRA = 0x0001
# Encrypted, compressed patched data, strong encryption: zipfile refuses or needs a
# password for these, so they are left to it.
_UNFOLLOWED_FLAGS = 0x1 | 0x20 | 0x40
_DESCRIPTOR_FLAG = 0x8
_UTF8_FLAG = 0x800
_STORED, _DEFLATED = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED
# Output of inflating taken at a time: a small member cannot blow up memory.
_INFLATE_PIECE = 1 << 20
_READ_BACK = 1 << 20


class _Mode(enum.Enum):
    HEADER = enum.auto()  # gathering a local header
    DATA = enum.auto()  # inside a member's data
    DESCRIPTOR = enum.auto()  # past a member's data, looking for the next record
    DONE = enum.auto()  # past the last member: the rest is the central directory
    LOST = enum.auto()  # the bytes cannot be followed: the directory decides alone


@dataclass(frozen=True)
class _Seen:
    """A member followed on the way: its local header and what its data gave."""

    name: bytes
    flags: int
    method: int
    compressed: int
    size: int
    crc: int
    inflated: bool  # False if the deflate data could not be decoded

    def describes(self, info: zipfile.ZipInfo) -> bool:
        """Whether this is the member ``info`` lists, byte for byte where ``zipfile`` reads."""
        encoding = "utf-8" if self.flags & _UTF8_FLAG else "cp437"
        return (
            self.name.decode(encoding, "replace") == info.orig_filename
            and self.method == info.compress_type
            and self.compressed == info.compress_size
            and self.size == info.file_size
            and not info.flag_bits & _UNFOLLOWED_FLAGS
        )


class ZipCheck:
    """Follows a zip archive fed in order, any piece size; then says what is wrong with it.

    ``feed`` is called with every byte of the file, from the first; ``problem`` once
    the file is complete on disk. One instance per file, used by one thread at a time.
    """

    def __init__(self) -> None:
        # Imported here: only a download needs it, and start-up time matters.
        from zlib_ng import zlib_ng

        self._zlib = zlib_ng
        # The exception class (its stub declares an instance).
        self._inflate_error = cast("type[Exception]", zlib_ng.error)
        self._mode = _Mode.HEADER
        self._offset = 0  # where the next byte fed sits in the archive
        self._pending = bytearray()  # a record's bytes gathered across pieces
        self._pending_at = 0  # where they start in the archive
        self._need = 4
        self._seen: dict[int, _Seen] = {}
        # The member being read.
        self._at = 0
        self._header: tuple[bytes, int, int] = (b"", 0, 0)  # name, flags, method
        self._left: int | None = 0  # data bytes still to come; None: until deflate ends
        self._checked = False  # False: the data is skipped, to be read back at the end
        self._consumed = 0
        self._size = 0
        self._crc = 0
        self._inflater: _Decompress | None = None
        self._inflated = True

    @property
    def followed(self) -> int:
        """How many members were checked on the way (the rest are read back at the end)."""
        return len(self._seen)

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """Take the archive's next bytes."""
        view = memoryview(data).cast("B")
        while view:
            mode = self._mode
            if mode is _Mode.DATA:
                taken = self._data(view)
            elif mode is _Mode.HEADER or mode is _Mode.DESCRIPTOR:
                taken = self._gather(view)
            else:
                taken = len(view)
            self._offset += taken
            view = view[taken:]

    def problem(self, path: Path) -> str | None:
        """Why the complete archive at ``path`` is not sound, in a few words; None if it is."""
        try:
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    seen = self._seen.get(info.header_offset)
                    if seen is not None and seen.describes(info):
                        sound = seen.inflated and seen.crc == info.CRC
                    else:
                        sound = _read_back(archive, info)
                    if not sound:
                        return f"member {info.filename!r} is damaged"
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError) as error:
            return str(error) or type(error).__name__
        except NotImplementedError as error:
            return f"cannot be checked: {error}"
        return None

    # -- records -----------------------------------------------------------------------

    def _gather(self, view: memoryview) -> int:
        """Add bytes to the record being gathered, and act on it once complete enough."""
        take = min(len(view), max(0, self._need - len(self._pending)))
        if not self._pending:
            self._pending_at = self._offset
        self._pending += view[:take]
        if self._mode is _Mode.DESCRIPTOR:
            self._after_descriptor()
        while self._mode is _Mode.HEADER and len(self._pending) >= self._need:
            self._header_step()
        return take

    def _header_step(self) -> None:
        pending = self._pending
        if self._need == 4:
            signature = bytes(pending[:4])
            if signature == _LOCAL_SIGNATURE:
                self._need = _LOCAL.size
            else:
                self._mode = _Mode.DONE if signature in _AFTER_MEMBERS else _Mode.LOST
            return
        fields = _LOCAL.unpack_from(pending)
        _, _, flags, method, _, _, _, compressed, size, name_length, extra_length = fields
        whole = _LOCAL.size + name_length + extra_length
        if self._need < whole:
            self._need = whole
            return
        name = bytes(pending[_LOCAL.size : _LOCAL.size + name_length])
        extra = bytes(pending[_LOCAL.size + name_length : whole])
        size, compressed = _zip64_sizes(extra, size, compressed)
        self._pending = bytearray()
        self._need = 4
        self._start(self._pending_at, name, flags, method, compressed)

    def _start(self, at: int, name: bytes, flags: int, method: int, compressed: int) -> None:
        """A local header was read: follow, skip, or give up on the member's data."""
        readable = not flags & _UNFOLLOWED_FLAGS and method in (_STORED, _DEFLATED)
        if flags & _DESCRIPTOR_FLAG:
            if not (readable and method == _DEFLATED):
                # Its end is only known from the directory: follow no further.
                self._mode = _Mode.LOST
                return
            self._left = None  # the deflate data says where it ends
        else:
            self._left = compressed
        self._at = at
        self._header = (name, flags, method)
        self._checked = readable
        self._consumed = self._size = self._crc = 0
        self._inflated = True
        self._inflater = (
            self._zlib.decompressobj(-self._zlib.MAX_WBITS) if method == _DEFLATED else None
        )
        self._mode = _Mode.DATA
        if self._left == 0:
            self._end_of_data()

    def _after_descriptor(self) -> None:
        """Find where the next record starts, past a data descriptor of unknown length."""
        for end in _DESCRIPTOR_ENDS:
            if bytes(self._pending[end : end + 4]) in _NEXT_RECORDS:
                self._pending = self._pending[end:]
                self._pending_at += end
                self._mode = _Mode.HEADER
                self._need = 4
                return
        if len(self._pending) >= _DESCRIPTOR_SPAN:
            self._mode = _Mode.LOST

    # -- member data -------------------------------------------------------------------

    def _data(self, view: memoryview) -> int:
        """Take the member's data from ``view``; returns how many bytes were its data."""
        piece = view if self._left is None else view[: self._left]
        taken = len(piece)
        if self._checked:
            if self._inflater is None:
                self._crc = self._zlib.crc32(piece, self._crc)
                self._size += taken
            else:
                taken -= self._inflate(piece)
        self._consumed += taken
        if self._left is not None:
            self._left -= taken
            if self._left == 0:
                self._end_of_data()
        elif self._inflater is not None and self._inflater.eof:
            self._end_of_data()
        return taken

    def _inflate(self, piece: memoryview) -> int:
        """Inflate ``piece`` into the CRC; returns the bytes past the end of the deflate data."""
        inflater = self._inflater
        assert inflater is not None
        if not self._inflated or inflater.eof:
            return 0 if self._left is not None else len(piece)
        data: bytes | memoryview = piece
        try:
            while data:
                out = inflater.decompress(data, _INFLATE_PIECE)
                self._crc = self._zlib.crc32(out, self._crc)
                self._size += len(out)
                if inflater.eof:
                    # Within a member of known size the rest is skipped, as zipfile does.
                    return len(inflater.unused_data) if self._left is None else 0
                data = inflater.unconsumed_tail
        except self._inflate_error:
            self._inflated = False
            if self._left is None:
                self._mode = _Mode.LOST  # its end cannot be found any more
            return 0
        return 0

    def _end_of_data(self) -> None:
        name, flags, method = self._header
        if self._inflater is not None and self._inflated and self._left is not None:
            # Deflate data cut short is taken as zipfile takes it: what it gives so far.
            try:
                out = self._inflater.flush()
            except self._inflate_error:
                self._inflated = False
            else:
                self._crc = self._zlib.crc32(out, self._crc)
                self._size += len(out)
        if self._checked and self._mode is not _Mode.LOST:
            self._seen[self._at] = _Seen(
                name, flags, method, self._consumed, self._size, self._crc, self._inflated
            )
        self._inflater = None
        if self._mode is _Mode.LOST:
            return
        self._mode = _Mode.DESCRIPTOR if flags & _DESCRIPTOR_FLAG else _Mode.HEADER
        self._need = _DESCRIPTOR_SPAN if flags & _DESCRIPTOR_FLAG else 4


def _zip64_sizes(extra: bytes, size: int, compressed: int) -> tuple[int, int]:
    """The sizes a local header gives, from its ZIP64 extra field where they overflow."""
    if size != _MAX32 and compressed != _MAX32:
        return size, compressed
    at = 0
    while at + 4 <= len(extra):
        kind, length = struct.unpack_from("<HH", extra, at)
        body = extra[at + 4 : at + 4 + length]
        if kind == _ZIP64_EXTRA:
            values = list(struct.unpack_from(f"<{len(body) // 8}Q", body))
            if size == _MAX32 and values:
                size = values.pop(0)
            if compressed == _MAX32 and values:
                compressed = values.pop(0)
            break
        at += 4 + length
    return size, compressed


def _read_back(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Check one member from the file, as ``zipfile.testzip`` does (CRC-32 included)."""
    try:
        with archive.open(info) as member:
            while member.read(_READ_BACK):
                pass
    except _decoding_errors():
        return False
    return True


def _decoding_errors() -> tuple[type[Exception], ...]:
    """What a member's decompressor raises on damaged data (lzma, a module Python may lack)."""
    try:
        from lzma import LZMAError
    except ImportError:
        return (zipfile.BadZipFile, zlib.error, EOFError)
    return (zipfile.BadZipFile, zlib.error, EOFError, LZMAError)
