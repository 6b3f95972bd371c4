"""A tiny snapshot host for the contents tests: archives built by ``zipfile``, served by range.

``RangeHost`` is a raw ASGI app honouring ``Range: bytes=-N``, ``bytes=a-b`` and
``bytes=a-`` (206 + Content-Range), refusing links whose signature it does not know
(403 with an S3-style XML body), and counting requests and the body bytes the client
actually read (``httpx.ASGITransport`` buffers a body; the counting happens as the
client pulls it). The archives are made by ``zipfile``, the independent oracle.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import parse_qs

import httpx
import pytest

from sqtui.api.client import SquareCloudClient
from sqtui.api.models import Snapshot
from sqtui.domain.contents.entry import Directory
from sqtui.domain.contents.zip_format import parse_directory, read_layout

KEY = "sk-contents-test-7f3a9c1e5b2d4f60"
HOST = "https://snapshots.example"
RESOURCE = "0123456789abcdef0123456789abcdef"
# Distinctive, so finding one in a message cannot be a coincidence.
GOOD = "sig-good-5e1f0c9a7b"
FRESH = "sig-fresh-83d2b6a4c1"
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")

Scope = dict[str, Any]


class Blob(Protocol):
    """Bytes served by the host: a real buffer or a mostly-zero sparse file."""

    @property
    def size(self) -> int: ...

    def read_at(self, start: int, end: int) -> bytes: ...


@dataclass
class Memory:
    """An archive held in memory."""

    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def read_at(self, start: int, end: int) -> bytes:
        return self.data[start:end]


class SparseFile(io.RawIOBase):
    """A seekable file for ``zipfile`` to write into that stores runs of zeros for free.

    Lets a test build a multi-gigabyte archive with zipfile itself (the oracle) without
    holding it: only the non-zero writes are kept.
    """

    def __init__(self) -> None:
        super().__init__()
        self.extents: dict[int, bytes] = {}
        self.position = 0
        self.length = 0

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.position, 2: self.length}[whence]
        self.position = base + offset
        return self.position

    def write(self, data: Any) -> int:
        data = bytes(data)
        if data.count(0) != len(data):
            old = self.extents.get(self.position)
            # zipfile rewrites a local header in place once it knows the CRC and sizes.
            assert old is None or len(old) == len(data)
            self.extents[self.position] = data
        self.position += len(data)
        self.length = max(self.length, self.position)
        return len(data)

    def readinto(self, buffer: Any) -> int:
        data = self.read_at(self.position, min(self.length, self.position + len(buffer)))
        buffer[: len(data)] = data
        self.position += len(data)
        return len(data)

    @property
    def size(self) -> int:
        return self.length

    def read_at(self, start: int, end: int) -> bytes:
        out = bytearray(end - start)
        for where, data in self.extents.items():
            lo, hi = max(start, where), min(end, where + len(data))
            if lo < hi:
                out[lo - start : hi - start] = data[lo - where : hi - where]
        return bytes(out)


@dataclass
class Served:
    """What one request asked and got."""

    path: str
    range: str | None
    status: int
    authorization: str | None
    signature: str | None


@dataclass
class RangeHost:
    """The test snapshot host: archives by path, valid signatures, and what was asked."""

    blobs: dict[str, Blob] = field(default_factory=dict)
    signatures: set[str] = field(default_factory=lambda: {GOOD})
    honour_range: bool = True
    fail_next: list[int] = field(default_factory=list)
    served: list[Served] = field(default_factory=list)

    def add(self, name: str, blob: Blob | bytes) -> str:
        """Serve ``blob`` as ``/<name>.zip``; returns its signed URL (a good signature)."""
        self.blobs[f"/{name}.zip"] = Memory(blob) if isinstance(blob, bytes) else blob
        return self.url(name)

    def url(self, name: str, signature: str = GOOD) -> str:
        return f"{HOST}/{name}.zip?AWSAccessKeyId=AK&Expires=1999999999&Signature={signature}"

    @property
    def requests(self) -> int:
        return len(self.served)

    def reset(self) -> None:
        self.served.clear()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        query = parse_qs(scope["query_string"].decode())
        signature = query.get("Signature", [None])[0]
        wanted = headers.get("range")
        status, out_headers, body = self._answer(scope, signature, wanted)
        self.served.append(
            Served(scope["path"], wanted, status, headers.get("authorization"), signature)
        )
        await send({"type": "http.response.start", "status": status, "headers": out_headers})
        await send({"type": "http.response.body", "body": body})

    def _answer(
        self, scope: Scope, signature: str | None, wanted: str | None
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        if self.fail_next:
            return self.fail_next.pop(0), [], b"<Error><Code>Oops</Code></Error>"
        if signature not in self.signatures:
            xml = b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
            return 403, [(b"content-type", b"application/xml")], xml
        blob = self.blobs.get(scope["path"])
        if blob is None:
            return 404, [], b"<Error><Code>NoSuchKey</Code></Error>"
        size = blob.size
        match = _RANGE.fullmatch((wanted or "").strip())
        if not self.honour_range or match is None:
            return 200, [(b"content-length", str(size).encode())], blob.read_at(0, size)
        first, last = match.groups()
        if first == "":
            start, end = max(0, size - int(last)), size
        else:
            start = int(first)
            end = size if last == "" else min(size, int(last) + 1)
        if start >= size or size == 0:
            return 416, [(b"content-range", f"bytes */{size}".encode())], b""
        headers = [
            (b"content-range", f"bytes {start}-{end - 1}/{size}".encode()),
            (b"content-length", str(end - start).encode()),
        ]
        return 206, headers, blob.read_at(start, end)


class _Counted(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, transport: CountingTransport) -> None:
        self.inner = inner
        self.transport = transport

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.inner:
            self.transport.body_bytes += len(chunk)
            yield chunk

    async def aclose(self) -> None:
        await self.inner.aclose()


class CountingTransport(httpx.AsyncBaseTransport):
    """``httpx.ASGITransport`` that counts the body bytes the client really read."""

    def __init__(self, app: RangeHost) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.body_bytes = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_Counted(response.stream, self),
            request=request,
        )


@pytest.fixture
def host() -> RangeHost:
    return RangeHost()


@pytest.fixture
def transport(host: RangeHost) -> CountingTransport:
    return CountingTransport(host)


@pytest.fixture
async def client(transport: CountingTransport, host: RangeHost) -> AsyncIterator[SquareCloudClient]:
    async with SquareCloudClient(KEY, base_url=f"{HOST}/v2", transport=transport) as client:
        yield client
    # The key is a credential of the API only: the snapshot host never sees it.
    assert all(s.authorization is None for s in host.served)


def snapshot(url: str, version: str = "v1", size: int = 0, day: int = 1) -> Snapshot:
    """A listed snapshot of the test resource (positional: the model is being renamed)."""
    modified = datetime(2026, 3, day, 12, 0, tzinfo=UTC)
    return Snapshot(RESOURCE, version, size, modified, "manual", url, "")


def build_zip(
    files: dict[str, bytes] | list[tuple[str | zipfile.ZipInfo, bytes]],
    *,
    compression: int = zipfile.ZIP_DEFLATED,
    comment: bytes = b"",
) -> bytes:
    """An archive made by zipfile (the oracle) from names or ZipInfos and contents."""
    items = list(files.items()) if isinstance(files, dict) else files
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in items:
            archive.writestr(name, data)
        archive.comment = comment
    return buffer.getvalue()


def listing(data: bytes | io.IOBase) -> list[tuple[str, int, int, int]]:
    """What zipfile lists: (name, size, compressed size, CRC-32) per member, in order."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    with zipfile.ZipFile(source) as archive:  # type: ignore[arg-type]
        return [(i.filename, i.file_size, i.compress_size, i.CRC) for i in archive.infolist()]


def sample_files(count: int, *, seed: int = 1) -> dict[str, bytes]:
    """``count`` small files of varied sizes and contents in a few folders."""
    import random

    rng = random.Random(seed)
    files: dict[str, bytes] = {}
    for i in range(count):
        folder = f"src/pkg{i % 7}/" if i % 3 else "data/"
        size = rng.choice([0, 1, 17, 300, 4096, 20_000])
        text = (f"line {i} " * (size // 7 + 1)).encode()[:size]
        files[f"{folder}file_{i}.txt"] = text if i % 2 else rng.randbytes(size)
    return files


def iter_chunks(data: bytes, size: int) -> Iterator[bytes]:
    for at in range(0, len(data), size):
        yield data[at : at + size]


def local_directory(data: bytes, version: str = "v1") -> Directory:
    """The directory of an archive in memory, parsed without a host (for pure tests)."""
    layout = read_layout(data, 0, len(data))
    entries = parse_directory(data[layout.directory_start : layout.directory_end], layout.base)
    return Directory(RESOURCE, version, len(data), tuple(entries), layout.comment)
