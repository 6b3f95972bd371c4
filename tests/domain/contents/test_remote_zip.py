"""Reading a zip on the host by ranges, checked against what ``zipfile`` makes and reads."""

from __future__ import annotations

import asyncio
import io
import struct
import zipfile
import zlib
from datetime import datetime

import pytest

from sqtui.api.client import SquareCloudClient
from sqtui.domain.contents import remote_zip
from sqtui.domain.contents.errors import ContentsError
from sqtui.domain.contents.remote_zip import RemoteZip

from .conftest import (
    FRESH,
    GOOD,
    CountingTransport,
    RangeHost,
    SparseFile,
    build_zip,
    listing,
    sample_files,
)


def ours(entries: list[remote_zip.Entry]) -> list[tuple[str, int, int, int]]:
    return [(e.path, e.size, e.compressed_size, e.crc32) for e in entries]


@pytest.mark.parametrize("count", [0, 1, 5, 300])
@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
@pytest.mark.parametrize("comment", [b"", b"made for a test \xe2\x9c\x93"])
async def test_listing_and_members_match_zipfile(
    client: SquareCloudClient, host: RangeHost, count: int, compression: int, comment: bytes
) -> None:
    data = build_zip(sample_files(count), compression=compression, comment=comment)
    reader = RemoteZip(client, host.add("a", data))
    layout, entries = await reader.directory()
    assert ours(entries) == listing(data)
    assert layout.comment == comment.decode("utf-8", "replace")
    assert reader.requests == 1
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for entry, info in zip(entries, archive.infolist(), strict=True):
            assert entry.is_dir == info.is_dir()
            assert entry.modified == datetime(*info.date_time)
            assert await reader.read(entry) == archive.read(info)


async def test_a_comment_holding_the_end_signature(
    client: SquareCloudClient, host: RangeHost
) -> None:
    files = sample_files(30)
    # zipfile itself gives up on such a comment: the oracle is the same archive without it.
    data = build_zip(files, comment=b"PK\x05\x06" * 40 + b"PK\x05\x06\0\0\0\0")
    reader = RemoteZip(client, host.add("a", data))
    layout, entries = await reader.directory()
    assert ours(entries) == listing(build_zip(files))
    assert layout.comment.startswith("PK")
    assert {e.path: await reader.read(e) for e in entries} == files


async def test_bzip2_members_are_read(client: SquareCloudClient, host: RangeHost) -> None:
    files = sample_files(20)
    data = build_zip(files, compression=zipfile.ZIP_BZIP2)
    reader = RemoteZip(client, host.add("a", data))
    _, entries = await reader.directory()
    assert {e.path: await reader.read(e) for e in entries} == files


async def test_a_member_costs_one_request(client: SquareCloudClient, host: RangeHost) -> None:
    data = build_zip(sample_files(50))
    reader = RemoteZip(client, host.add("a", data))
    _, entries = await reader.directory()
    before = reader.requests
    await reader.read(entries[17])
    assert reader.requests == before + 1


async def test_a_full_comment_pushes_the_end_record_back(
    client: SquareCloudClient, host: RangeHost
) -> None:
    files = sample_files(40)
    data = build_zip(files, comment=b"c" * 0xFFFF)
    reader = RemoteZip(client, host.add("a", data))
    layout, entries = await reader.directory()
    assert ours(entries) == listing(data)
    assert len(layout.comment) == 0xFFFF
    # The end record is 65,557 bytes from the end: one more request finds it and the
    # small directory before it.
    assert reader.requests == 2


async def test_a_large_directory_costs_two_requests(
    client: SquareCloudClient, host: RangeHost
) -> None:
    data = build_zip({f"tree/{i // 50}/f{i}.txt": b"x" for i in range(20_000)})
    reader = RemoteZip(client, host.add("a", data))
    layout, entries = await reader.directory()
    assert len(entries) == 20_000
    assert ours(entries) == listing(data)
    assert reader.requests == 2
    # The second asks exactly what the first did not bring.
    assert host.served[1].range == f"bytes={layout.directory_start}-{len(data) - 65536 - 1}"


async def test_zip64_archive_with_more_than_65535_entries(
    client: SquareCloudClient, host: RangeHost
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for i in range(70_000):
            archive.writestr(f"d{i % 10}/{i}", str(i))
    data = buffer.getvalue()
    reader = RemoteZip(client, host.add("a", data))
    layout, entries = await reader.directory()
    assert layout.zip64
    assert ours(entries) == listing(data)
    assert reader.requests == 2
    assert await reader.read(entries[69_999]) == b"69999"


async def test_zip64_member_over_4_gib_and_one_after_it(
    client: SquareCloudClient, host: RangeHost
) -> None:
    sparse = SparseFile()
    with zipfile.ZipFile(sparse, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("before.txt", b"first")
        with archive.open("huge.bin", "w", force_zip64=True) as member:
            block = bytes(16 << 20)
            for _ in range((4 << 30) // len(block) + 1):
                member.write(block)
        archive.writestr("after.txt", b"the member past 4 GiB")
    reader = RemoteZip(client, host.add("big", sparse))
    layout, entries = await reader.directory()
    assert layout.zip64
    assert ours(entries) == listing(sparse)
    after = entries[-1]
    assert after.header_offset > 1 << 32
    assert await reader.read(after) == b"the member past 4 GiB"
    assert reader.bytes_received < 1 << 20


async def test_a_small_member_of_a_large_archive_reads_little(
    client: SquareCloudClient, host: RangeHost
) -> None:
    sparse = SparseFile()
    content = bytes(range(256)) * 40
    with zipfile.ZipFile(sparse, "w", compression=zipfile.ZIP_STORED) as archive:
        with archive.open("backup.bin", "w") as member:
            block = bytes(64 << 20)
            for _ in range(16):  # 1 GiB
                member.write(block)
        info = zipfile.ZipInfo("config/settings.bin", (2026, 3, 1, 10, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, content)
        archive.writestr("tail.bin", b"end")
    assert sparse.size > 1 << 30
    with zipfile.ZipFile(sparse) as oracle:
        expected = oracle.read("config/settings.bin")
    reader = RemoteZip(client, host.add("big", sparse))
    _, entries = await reader.directory()
    entry = next(e for e in entries if e.path == "config/settings.bin")
    assert await reader.read(entry) == expected == content
    assert reader.bytes_received < 1 << 20


async def test_a_large_member_streams_in_bounded_pieces(
    client: SquareCloudClient, host: RangeHost
) -> None:
    content = bytes(range(256)) * 20_000  # 5 MB
    data = build_zip({"big.bin": content, "small.txt": b"hi"}, compression=zipfile.ZIP_STORED)
    reader = RemoteZip(client, host.add("a", data), window=1 << 20)
    _, entries = await reader.directory()
    before = reader.requests
    pieces = [p async for p in reader.stream(entries[0], piece_size=256 << 10)]
    assert b"".join(pieces) == content
    assert max(len(p) for p in pieces) <= 256 << 10
    assert reader.requests - before == 5  # 5 MB through a 1 MiB window


async def test_a_damaged_member_fails_its_crc(client: SquareCloudClient, host: RangeHost) -> None:
    content = b"important data " * 100
    data = bytearray(build_zip({"a.txt": content}, compression=zipfile.ZIP_STORED))
    at = bytes(data).index(b"important")
    data[at] ^= 0x20
    reader = RemoteZip(client, host.add("a", bytes(data)))
    _, entries = await reader.directory()
    with pytest.raises(ContentsError) as caught:
        await reader.read(entries[0])
    assert caught.value.reason == "damaged"
    assert "a.txt" in caught.value.human()


async def test_an_encrypted_member_is_refused_before_any_request(
    client: SquareCloudClient, host: RangeHost
) -> None:
    data = bytearray(build_zip({"secret.txt": b"x" * 20}, compression=zipfile.ZIP_STORED))
    # zipfile writes no encrypted archives: set the flag in both headers by hand.
    data[6] |= 0x1
    data[bytes(data).index(b"PK\x01\x02") + 8] |= 0x1
    with zipfile.ZipFile(io.BytesIO(data)) as oracle:
        assert oracle.infolist()[0].flag_bits & 0x1
    data = bytes(data)
    reader = RemoteZip(client, host.add("a", data))
    _, entries = await reader.directory()
    assert entries[0].is_encrypted
    before = reader.requests
    with pytest.raises(ContentsError) as caught:
        await reader.read(entries[0])
    assert caught.value.reason == "encrypted"
    assert reader.requests == before


async def test_a_local_header_longer_than_the_directory_says(
    client: SquareCloudClient, host: RangeHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # force_zip64 puts a ZIP64 extra field in the local header only.
        with archive.open("x.txt", "w", force_zip64=True) as member:
            member.write(b"content " * 50)
        archive.writestr("y.txt", b"next")
    data = buffer.getvalue()
    monkeypatch.setattr(remote_zip, "HEADER_SLACK", 0)
    reader = RemoteZip(client, host.add("a", data))
    _, entries = await reader.directory()
    before = reader.requests
    assert await reader.read(entries[0]) == b"content " * 50
    assert reader.requests == before + 2


async def test_unicode_path_extra_field_names_the_member(
    client: SquareCloudClient, host: RangeHost
) -> None:
    raw = "caf\u00e9.txt".encode("cp437")
    info = zipfile.ZipInfo(raw.decode("cp437"))
    unicode_name = "café.txt".encode()
    body = b"\x01" + struct.pack("<I", zlib.crc32(raw)) + unicode_name
    info.extra = struct.pack("<HH", 0x7075, len(body)) + body
    data = build_zip([(info, b"coffee")])
    reader = RemoteZip(client, host.add("a", data))
    _, entries = await reader.directory()
    assert entries[0].path == "café.txt"
    assert await reader.read(entries[0]) == b"coffee"


async def test_an_archive_with_bytes_before_it(client: SquareCloudClient, host: RangeHost) -> None:
    files = sample_files(30)
    data = b"#!/bin/sh\nexit 0\n" * 100 + build_zip(files)
    reader = RemoteZip(client, host.add("a", data))
    _, entries = await reader.directory()
    assert ours(entries) == listing(data)
    assert {e.path: await reader.read(e) for e in entries} == files


async def test_read_each_fetches_neighbours_together(
    client: SquareCloudClient, host: RangeHost
) -> None:
    files = sample_files(200)
    data = build_zip(files)
    reader = RemoteZip(client, host.add("a", data))
    _, entries = await reader.directory()
    before = reader.requests
    got = {entry.path: content async for entry, content in reader.read_each(entries)}
    assert got == files
    assert reader.requests - before == 1


@pytest.mark.parametrize(
    ("blob", "detail"),
    [(b"", "empty"), (b"this is not a zip archive at all" * 10, "end of central directory")],
)
async def test_not_a_zip(
    client: SquareCloudClient, host: RangeHost, blob: bytes, detail: str
) -> None:
    reader = RemoteZip(client, host.add("a", blob))
    with pytest.raises(ContentsError) as caught:
        await reader.directory()
    assert caught.value.reason == "corrupt"
    assert detail in caught.value.human()


async def test_a_host_ignoring_range_is_refused_without_reading_the_body(
    client: SquareCloudClient, host: RangeHost, transport: CountingTransport
) -> None:
    host.honour_range = False
    reader = RemoteZip(client, host.add("a", build_zip(sample_files(300))))
    with pytest.raises(ContentsError) as caught:
        await reader.directory()
    assert caught.value.reason == "no_range"
    assert "does not support partial reads" in caught.value.human()
    assert "download the whole snapshot" in caught.value.human()
    assert host.requests == 1
    assert transport.body_bytes == 0


async def test_an_expired_link_is_renewed_once_transparently(
    client: SquareCloudClient, host: RangeHost
) -> None:
    data = build_zip(sample_files(20))
    host.add("a", data)
    host.signatures = {FRESH}
    calls: list[str] = []

    async def refresh() -> str:
        calls.append("refresh")
        return host.url("a", FRESH)

    reader = RemoteZip(client, host.url("a", GOOD), refresh=refresh)
    _, entries = await reader.directory()
    assert ours(entries) == listing(data)
    assert calls == ["refresh"]
    assert [s.status for s in host.served] == [403, 206]
    await reader.read(entries[3])
    assert calls == ["refresh"]


async def test_reads_refused_together_renew_the_link_once(
    client: SquareCloudClient, host: RangeHost
) -> None:
    data = build_zip(sample_files(20))
    calls: list[str] = []

    async def refresh() -> str:
        calls.append("refresh")
        await asyncio.sleep(0)
        return host.url("a", FRESH)

    reader = RemoteZip(client, host.add("a", data), refresh=refresh)
    _, entries = await reader.directory()
    host.signatures = {FRESH}  # every link handed out so far has expired
    contents = await asyncio.gather(*(reader.read(e) for e in entries[:5]))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert contents == [archive.read(e.path) for e in entries[:5]]
    assert calls == ["refresh"]


async def test_a_link_refused_after_renewal_is_denied(
    client: SquareCloudClient, host: RangeHost
) -> None:
    host.add("a", build_zip(sample_files(5)))
    host.signatures = set()

    async def refresh() -> str:
        return host.url("a", FRESH)

    reader = RemoteZip(client, host.url("a", GOOD), refresh=refresh)
    with pytest.raises(ContentsError) as caught:
        await reader.directory()
    assert caught.value.reason == "denied"
    assert GOOD not in repr(caught.value) and FRESH not in repr(caught.value)
    assert host.requests == 2


async def test_a_renewed_link_to_another_version_is_refused(
    client: SquareCloudClient, host: RangeHost
) -> None:
    host.add("a", build_zip(sample_files(5)))
    host.signatures = {FRESH}

    async def refresh() -> str:
        return host.url("a", FRESH) + "&versionId=other"

    reader = RemoteZip(client, host.url("a", GOOD), refresh=refresh, version_id="v1")
    with pytest.raises(ContentsError) as caught:
        await reader.directory()
    assert caught.value.reason == "not_found"


async def test_failures_of_the_host_are_retried_then_typed(
    client: SquareCloudClient, host: RangeHost
) -> None:
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    data = build_zip(sample_files(5))
    host.add("a", data)
    host.fail_next = [503, 502]
    reader = RemoteZip(client, host.url("a"), sleep=sleep, backoff=0.5)
    _, entries = await reader.directory()
    assert len(entries) == 5
    assert delays == [0.5, 1.0]
    host.fail_next = [503, 503, 503]
    with pytest.raises(ContentsError) as caught:
        await reader.read(entries[0])
    assert caught.value.reason == "unavailable"


async def test_a_missing_snapshot_is_not_found(client: SquareCloudClient, host: RangeHost) -> None:
    reader = RemoteZip(client, host.url("gone"))
    with pytest.raises(ContentsError) as caught:
        await reader.directory()
    assert caught.value.reason == "not_found"


async def test_no_link_and_no_refresh_is_offline(client: SquareCloudClient) -> None:
    reader = RemoteZip(client, "")
    with pytest.raises(ContentsError) as caught:
        await reader.directory()
    assert caught.value.reason == "offline"
