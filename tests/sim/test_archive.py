"""Snapshot archives checked with Python's ``zipfile`` on the bytes a client downloads."""

from __future__ import annotations

import io
import itertools
import re
import time
import tracemalloc
import zipfile
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sqtui.sim import FakeClock, SimConfig, create_app
from sqtui.sim.archive import HOSTILE_NAMES, Archive, Member, Source, Version, build_archive
from sqtui.sim.archive.content import BLOCK_SIZE, Content, Literal, Stream
from sqtui.sim.archive.layout import LIMIT32

from .conftest import ids, make_client

DAY = 86_400


async def listing(client: httpx.AsyncClient, kind: str, index: int = 0) -> list[dict[str, Any]]:
    apps, databases = await ids(client)
    rid = (apps if kind == "apps" else databases)[index]
    items: list[dict[str, Any]] = (await client.get(f"/{kind}/{rid}/snapshots")).json()["response"]
    return items


async def download(client: httpx.AsyncClient, item: dict[str, Any]) -> zipfile.ZipFile:
    body = (await client.get(item["url"])).content
    assert len(body) == item["size"]
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.testzip() is None
    return archive


def crcs(archive: zipfile.ZipFile) -> dict[str, int]:
    return {info.filename: info.CRC for info in archive.infolist()}


@pytest.mark.parametrize(
    "language,dependencies",
    [
        ("python", "requirements.txt"),
        ("javascript", "package.json"),
        ("typescript", "package.json"),
        ("go", "go.mod"),
        ("rust", "Cargo.toml"),
        ("java", "pom.xml"),
        ("elixir", "mix.exs"),
    ],
)
async def test_an_app_snapshot_is_its_source_tree(
    clock: FakeClock, language: str, dependencies: str
) -> None:
    config = SimConfig(
        apps=1, databases=0, app_names=(("shop", language),), clock=clock, sleep=clock.sleep
    )
    async with make_client(create_app(config)) as client:
        archive = await download(client, (await listing(client, "apps"))[0])
    names = archive.namelist()
    manifest = {"squarecloud.app", "squarecloud.config"} & set(names)
    assert len(manifest) == 1 and dependencies in names and "config/settings.yaml" in names
    assert b"MEMORY=" in archive.read(manifest.pop())
    sources = [n for n in names if n.startswith("src/")]
    assert len(sources) >= 5 and len(set(names)) == len(names)
    assert any(re.fullmatch(r"data/[a-z]+-\d+\.json", n) for n in names)
    assert any(re.fullmatch(r"uploads/.+\.png", n) for n in names)
    assert "logs/app.log" in names and names[-1] == "data/shop.sqlite3"
    for name in sources[:5]:
        text = archive.read(name).decode()
        assert text.count("\n") >= 2 and text.endswith("\n")
    png = next(n for n in names if n.endswith(".png"))
    assert archive.read(png).startswith(b"\x89PNG\r\n\x1a\n")
    methods = {info.filename: info.compress_type for info in archive.infolist()}
    assert methods[dependencies] == zipfile.ZIP_DEFLATED
    assert methods[sources[0]] == zipfile.ZIP_STORED
    deflated = [i for i in archive.infolist() if i.compress_type == zipfile.ZIP_DEFLATED]
    assert all(i.compress_size < i.file_size for i in deflated) and len(deflated) >= 4
    assert archive.read("data/shop.sqlite3").startswith(b"SQLite format 3\x00")


async def test_the_file_count_comes_from_the_seed_and_the_size(clock: FakeClock) -> None:
    config = SimConfig(apps=10, databases=0, snapshot_mb=24, clock=clock, sleep=clock.sleep)
    async with make_client(create_app(config)) as client:
        counts = []
        for index in range(10):
            archive = await download(client, (await listing(client, "apps", index))[0])
            counts.append(len(archive.namelist()))
    assert min(counts) >= 20 and max(counts) >= 150 and len(set(counts)) >= 8


async def test_snapshot_mb_sets_the_total_size(clock: FakeClock) -> None:
    for megabytes in (0.05, 1, 5):
        config = SimConfig(snapshot_mb=megabytes, clock=clock, sleep=clock.sleep)
        app = create_app(config)
        async with make_client(app) as client:
            for kind in ("apps", "databases"):
                for item in await listing(client, kind):
                    assert 0.9 < item["size"] / (megabytes * 2**20) < 1.12, (kind, megabytes)


async def test_consecutive_versions_share_most_files(client: httpx.AsyncClient) -> None:
    items = list(reversed(await listing(client, "apps")))
    archives = [await download(client, item) for item in items]
    changed_on: dict[str, list[int]] = {}
    added = removed = 0
    for day, (before, after) in enumerate(itertools.pairwise(archives), start=1):
        old, new = crcs(before), crcs(after)
        same = [name for name in new if old.get(name) == new[name]]
        assert len(same) >= 0.8 * len(new), day
        modified = [name for name in new if name in old and old[name] != new[name]]
        assert 2 <= len(modified) <= max(6, len(new) // 5), day
        for name in modified:
            changed_on.setdefault(name, []).append(day)
        added += len(set(new) - set(old))
        removed += len(set(old) - set(new))
    assert added >= 29 and removed >= 29  # at least a log rotates in and out each day
    configuration = [n for n in changed_on if n.startswith(("squarecloud.", "config/"))]
    assert configuration, "no configuration file changed in a month"
    for name in configuration:
        assert len(changed_on[name]) == 1, (name, changed_on[name])


async def test_a_manual_snapshot_differs_from_the_automatic_one_before_it(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    clock.advance(3 * 3600)
    apps, _ = await ids(client)
    assert (await client.post(f"/apps/{apps[0]}/snapshots")).status_code == 200
    manual, automatic = (await listing(client, "apps"))[:2]
    assert (manual["origin"], automatic["origin"]) == ("manual", "automatic")
    new, old = crcs(await download(client, manual)), crcs(await download(client, automatic))
    assert set(new) == set(old)
    assert new["logs/app.log"] != old["logs/app.log"]
    assert sum(new[name] == old[name] for name in new) >= len(new) - 3


@pytest.mark.parametrize(
    "engine,expected",
    [
        ("postgres", [b"-- PostgreSQL database dump"]),
        ("mysql", [b"-- MySQL dump", b"INSERT INTO `events`"]),
        ("redis", [b"REDIS0011"]),
    ],
)
async def test_a_database_snapshot_is_its_engines_dump(
    clock: FakeClock, engine: str, expected: list[bytes]
) -> None:
    config = SimConfig(apps=0, databases=1, database_names=(("db", engine),), clock=clock)
    async with make_client(create_app(config)) as client:
        items = await listing(client, "databases")
        archive = await download(client, items[0])
    name = "dump.rdb" if engine == "redis" else "dump.sql"
    assert archive.namelist() == [name]
    data = archive.read(name)
    for text in expected:
        assert text in data[:2000]
    if engine != "redis":
        assert data.endswith(b"\n") and data.decode("ascii")
        rows = data.split(b"\n")
        assert sum(len(row) == 127 for row in rows) > len(rows) * 0.9
    sizes = [item["size"] for item in reversed(items)]
    assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes)


async def test_a_mongo_snapshot_is_a_mongodump(clock: FakeClock) -> None:
    config = SimConfig(apps=0, databases=1, database_names=(("users-db", "mongo"),), clock=clock)
    async with make_client(create_app(config)) as client:
        items = await listing(client, "databases")
        newer, older = await download(client, items[0]), await download(client, items[1])
    names = newer.namelist()
    collections = [n for n in names if re.fullmatch(r"dump/users_db/\w+\.bson", n)]
    assert len(collections) >= 4 and "dump/admin/system.version.bson" in names
    assert all(n.removesuffix(".bson") + ".metadata.json" in names for n in collections)
    new, old = crcs(newer), crcs(older)
    assert any(new[n] == old[n] for n in collections) and any(new[n] != old[n] for n in collections)


async def test_ranges_of_an_archive_are_the_same_bytes_as_the_whole(
    client: httpx.AsyncClient,
) -> None:
    item = (await listing(client, "apps"))[3]
    whole = (await client.get(item["url"])).content
    size = len(whole)
    for start, end in [(0, 30), (29, 4000), (size - 65536, size), (size // 2, size // 2 + 1)]:
        part = await client.get(item["url"], headers={"Range": f"bytes={start}-{end - 1}"})
        assert part.status_code == 206 and part.content == whole[start:end]
    tail = await client.get(item["url"], headers={"Range": "bytes=-65536"})
    assert tail.content == whole[-65536:]


async def test_the_same_snapshot_has_the_same_bytes_on_every_run(clock: FakeClock) -> None:
    async def first_archive(seed: int) -> bytes:
        app = create_app(SimConfig(seed=seed, clock=FakeClock(clock()), signing_secret=b"k"))
        async with make_client(app) as client:
            return (await client.get((await listing(client, "apps"))[0]["url"])).content

    assert await first_archive(4) == await first_archive(4) != await first_archive(5)


async def test_hostile_names_are_stored_literally(clock: FakeClock) -> None:
    config = SimConfig(hostile_names=True, clock=clock, sleep=clock.sleep)
    async with make_client(create_app(config)) as client:
        app_names = (await download(client, (await listing(client, "apps"))[0])).namelist()
        db_names = (await download(client, (await listing(client, "databases"))[0])).namelist()
    for name in ["../x", "/etc/passwd", "a/../../b", "C:\\evil", "[bold]x[/]", "\x1b[31mred"]:
        assert name in HOSTILE_NAMES and name in app_names and name in db_names


async def test_a_20000_file_listing_costs_two_small_requests() -> None:
    clock = FakeClock()
    config = SimConfig(apps=1, databases=0, files_per_app=20_000, clock=clock)
    app = create_app(config)
    async with make_client(app) as client:
        item = (await listing(client, "apps"))[0]
        started = time.perf_counter()
        tail = await client.get(item["url"], headers={"Range": "bytes=-65536"})
        first = time.perf_counter() - started
        end = tail.content[tail.content.rindex(b"PK\x05\x06") :]
        count, directory_size, directory_offset = (
            int.from_bytes(end[10:12], "little"),
            int.from_bytes(end[12:16], "little"),
            int.from_bytes(end[16:20], "little"),
        )
        last = directory_offset + directory_size - 1
        directory = await client.get(
            item["url"], headers={"Range": f"bytes={directory_offset}-{last}"}
        )
        whole = (await client.get(item["url"])).content
    assert first < 1.0, f"the central directory took {first:.2f} s"
    assert 20_000 <= count < 20_100 and len(directory.content) == directory_size
    assert directory.content == whole[directory_offset : last + 1]
    archive = zipfile.ZipFile(io.BytesIO(whole))
    assert len(archive.namelist()) == count and archive.testzip() is None
    reads = [e for e in app.state.sim.events if e.get("range")]
    assert [e["bytes_sent"] for e in reads] == [65536, directory_size]
    assert sum(e["bytes_sent"] for e in reads) < 3 * 2**20


async def test_more_than_65535_members_make_a_zip64_archive() -> None:
    clock = FakeClock()
    config = SimConfig(apps=1, databases=0, files_per_app=70_000, snapshot_mb=1, clock=clock)
    async with make_client(create_app(config)) as client:
        item = (await listing(client, "apps"))[0]
        body = (await client.get(item["url"])).content
    assert body[-22:-18] == b"PK\x05\x06" and body[-42:-38] == b"PK\x06\x07"
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert len(archive.infolist()) > 65_535
    assert archive.read("logs/app.log").startswith(b"=== ")


class _Zeros(Content):
    """A huge member whose CRC is given (its bytes are never all read)."""

    def __init__(self, size: int) -> None:
        self._size = size

    @property
    def size(self) -> int:
        return self._size

    def data(self) -> bytes:
        raise AssertionError("a member past 4 GiB must never be read whole")

    def crc(self) -> int:
        return 0x12345678

    def read(self, start: int, end: int) -> Iterator[bytes]:
        while start < end:
            step = min(end - start, BLOCK_SIZE)
            yield bytes(step)
            start += step


class _RangeFile(io.RawIOBase):
    """A seekable file over an ``Archive`` that reads only the ranges asked."""

    def __init__(self, archive: Archive) -> None:
        self.archive, self.position = archive, 0

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self.position, self.archive.size)[whence]
        self.position = base + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def read(self, size: int = -1) -> bytes:
        end = self.archive.size if size < 0 else min(self.archive.size, self.position + size)
        self.archive.prepare(self.position, end)
        data = b"".join(self.archive.chunks(self.position, end))
        self.position = end
        return data


def test_members_past_4_gib_get_zip64_records() -> None:
    big = 5 * 2**30
    archive = Archive(
        [
            Member("first.txt", Literal(b"before\n")),
            Member("huge.bin", _Zeros(big)),
            Member("after.txt", Literal(b"after the 4 GiB mark\n"), deflate=True),
        ],
        key=b"zip64",
        modified=1.8e9,
    )
    opened = zipfile.ZipFile(_RangeFile(archive))  # type: ignore[arg-type]
    infos = {info.filename: info for info in opened.infolist()}
    assert infos["huge.bin"].file_size == big
    assert infos["after.txt"].header_offset > LIMIT32
    assert opened.read("after.txt") == b"after the 4 GiB mark\n"
    assert opened.read("first.txt") == b"before\n"
    with opened.open("huge.bin") as member:
        assert member.read(10) == bytes(10)


def test_a_range_deep_in_a_huge_archive_costs_only_that_range() -> None:
    source = Source(1, "a" * 32, "database", "db", "redis", 256, 1.8e9, snapshot_mb=3000)
    huge = build_archive(source, Version("v", 1.8e9 + 10, "automatic"))
    started = time.perf_counter()
    middle = huge.size // 2
    huge.prepare(middle, middle + 200_000)
    part = b"".join(huge.chunks(middle, middle + 200_000))
    assert len(part) == 200_000 and time.perf_counter() - started < 0.5


def test_streaming_a_big_archive_keeps_memory_flat() -> None:
    stream = Stream(b"mid", 48 * 2**20, head=b"head")
    archive = Archive([Member("big.bin", stream)], key=b"m", modified=1.8e9)
    tracemalloc.start()
    try:
        archive.prepare(0, archive.size)
        total = sum(len(chunk) for chunk in archive.chunks(0, archive.size))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == archive.size and peak < 4 * BLOCK_SIZE
