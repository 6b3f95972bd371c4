"""What an archive member holds: small texts built whole, big bodies streamed by block.

A content knows its size before producing a byte. Small contents (``Literal``,
``CorpusText``, ``Binary``, ``Png``) are built whole when read; ``Stream`` produces any range of a
large body (a data file, a dump) from SHAKE-256 blocks, as raw bytes or as text rows,
between a literal head and tail. Contents are frozen values, so they key the caches of
CRCs and deflated bytes: the same file in two versions is computed once.
"""

from __future__ import annotations

import abc
import functools
import hashlib
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from .corpus import blob, corpus

BLOCK_SIZE = 64 * 1024
ROW_SIZE = 128
"""Text rows of a ``Stream`` are this long, so a block holds a whole number of them."""


class Content(abc.ABC):
    """The bytes of one archive member (uncompressed); each kind says how many and which."""

    @property
    @abc.abstractmethod
    def size(self) -> int:
        """How many bytes."""

    @abc.abstractmethod
    def data(self) -> bytes:
        """All the bytes at once (small contents only)."""

    def crc(self) -> int:
        """CRC-32 of the bytes."""
        return small_crc(self)

    def read(self, start: int, end: int) -> Iterator[bytes]:
        """Bytes ``[start, end)``, in chunks."""
        yield small_data(self)[start:end]


@functools.lru_cache(maxsize=512)
def small_data(content: Content) -> bytes:
    """A small content's bytes, kept a while: headers and data are often read in turn."""
    return content.data()


@functools.lru_cache(maxsize=65_536)
def small_crc(content: Content) -> int:
    """CRC-32 of a small content."""
    return zlib.crc32(small_data(content))


@functools.lru_cache(maxsize=1024)
def deflated(content: Content) -> bytes:
    """The raw deflate stream of a content, as a zip member holds it."""
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return packer.compress(small_data(content)) + packer.flush()


@functools.lru_cache(maxsize=65_536)
def deflated_size(content: Content) -> int:
    """Bytes of the deflated content (kept longer than the bytes themselves)."""
    return len(deflated(content))


@dataclass(frozen=True)
class Literal(Content):
    """Bytes given whole."""

    value: bytes

    @property
    def size(self) -> int:
        """How many bytes."""
        return len(self.value)

    def data(self) -> bytes:
        """The bytes."""
        return self.value


@dataclass(frozen=True)
class CorpusText(Content):
    """``head``, then ``count`` lines of a corpus from line ``first``, then ``tail``."""

    flavour: str
    first: int
    count: int
    head: bytes = b""
    tail: bytes = b""

    @property
    def size(self) -> int:
        """How many bytes."""
        return len(self.head) + corpus(self.flavour).span(self.first, self.count) + len(self.tail)

    def data(self) -> bytes:
        """The text."""
        return b"".join((self.head, corpus(self.flavour).cut(self.first, self.count), self.tail))


@dataclass(frozen=True)
class Binary(Content):
    """``head``, then ``length`` random bytes from ``offset`` in the shared blob, then ``tail``."""

    offset: int
    length: int
    head: bytes = b""
    tail: bytes = b""

    @property
    def size(self) -> int:
        """How many bytes."""
        return len(self.head) + self.length + len(self.tail)

    def data(self) -> bytes:
        """The bytes."""
        body = memoryview(blob())[self.offset : self.offset + self.length]
        return b"".join((self.head, body, self.tail))


@dataclass(frozen=True)
class Stream(Content):
    """A large body: ``head``, ``body`` bytes made block by block from ``key``, ``tail``.

    Without ``row_prefix`` the body is raw SHAKE-256 output. With it, the body is text
    rows of ``ROW_SIZE`` bytes: prefix, hex digits, ``row_suffix``, newline (a dump's
    rows); ``body`` must then be a multiple of ``ROW_SIZE``.
    """

    key: bytes
    body: int
    head: bytes = b""
    tail: bytes = b""
    row_prefix: str | None = None
    row_suffix: str = ""

    def __post_init__(self) -> None:
        if self.row_prefix is None:
            return
        if self.body % ROW_SIZE:
            raise ValueError("a text body must be a whole number of rows")
        if (ROW_SIZE - 1 - len(self.row_prefix) - len(self.row_suffix)) % 2:
            raise ValueError("a row's prefix and suffix must leave room for whole bytes")

    @property
    def size(self) -> int:
        """How many bytes."""
        return len(self.head) + self.body + len(self.tail)

    def data(self) -> bytes:
        """All the bytes (tests only: a stream may be gigabytes)."""
        return b"".join(self.read(0, self.size))

    def crc(self) -> int:
        """CRC-32 of the whole stream: one pass, then cached."""
        return stream_crc(self)

    def _block(self, index: int) -> bytes:
        seed = self.key + index.to_bytes(8, "big")
        if self.row_prefix is None:
            return hashlib.shake_256(seed).digest(BLOCK_SIZE)
        digits = (ROW_SIZE - 1 - len(self.row_prefix) - len(self.row_suffix)) // 2
        rows = BLOCK_SIZE // ROW_SIZE
        hexed = hashlib.shake_256(seed).digest(rows * digits).hex("|", digits)
        joint = f"{self.row_suffix}\n{self.row_prefix}"
        return f"{self.row_prefix}{hexed.replace('|', joint)}{self.row_suffix}\n".encode()

    def read(self, start: int, end: int) -> Iterator[bytes]:
        """Bytes ``[start, end)``, at most a block at a time."""
        head, body_end = len(self.head), len(self.head) + self.body
        if start < head:
            yield self.head[start:end]
        position, stop = max(start, head) - head, min(end, body_end) - head
        while position < stop:
            index, offset = divmod(position, BLOCK_SIZE)
            take = min(BLOCK_SIZE - offset, stop - position)
            yield self._block(index)[offset : offset + take]
            position += take
        if end > body_end:
            yield self.tail[max(start, body_end) - body_end : end - body_end]


@functools.lru_cache(maxsize=64)
def stream_crc(stream: Stream) -> int:
    """CRC-32 of a whole stream."""
    crc = 0
    for chunk in stream.read(0, stream.size):
        crc = zlib.crc32(chunk, crc)
    return crc


@dataclass(frozen=True)
class Png(Content):
    """A PNG image: real signature and chunks around ``length`` random bytes of image data."""

    offset: int
    length: int
    width: int
    height: int

    @property
    def size(self) -> int:
        """How many bytes."""
        return 8 + 25 + 12 + self.length + 12

    def data(self) -> bytes:
        """The image's bytes."""
        return b"".join(
            (
                b"\x89PNG\r\n\x1a\n",
                _chunk(b"IHDR", struct.pack(">IIBBBBB", self.width, self.height, 8, 6, 0, 0, 0)),
                _chunk(b"IDAT", bytes(memoryview(blob())[self.offset : self.offset + self.length])),
                _chunk(b"IEND", b""),
            )
        )


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
