"""``SnapshotContents`` and ``ResourceContents``: what the app and the commands call."""

from __future__ import annotations

import difflib
import io
import random
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from sqtui.api.client import SquareCloudClient
from sqtui.api.errors import ApiError
from sqtui.api.models import Snapshot
from sqtui.domain.contents import (
    ContentsError,
    DirectoryCache,
    ResourceContents,
    SnapshotContents,
    diff_member,
    diff_versions,
)

from .conftest import (
    FRESH,
    RESOURCE,
    RangeHost,
    build_zip,
    listing,
    sample_files,
    snapshot,
)


@pytest.fixture
def cache(tmp_path: Path) -> DirectoryCache:
    return DirectoryCache(tmp_path / "cache" / "contents")


async def test_a_second_open_costs_no_request(
    client: SquareCloudClient, host: RangeHost, cache: DirectoryCache
) -> None:
    data = build_zip({f"tree/{i // 50}/f{i}.txt": b"x" for i in range(20_000)})
    url = host.add("a", data)
    first = await SnapshotContents(client, snapshot(url), cache=cache).directory()
    assert not first.from_cache
    assert host.requests <= 2
    host.reset()
    again = SnapshotContents(client, snapshot(url), cache=cache)
    second = await again.directory()
    assert second.from_cache and not second.stale
    assert second.entries == first.entries
    assert host.requests == 0
    # Reading a file from a cached directory still costs a single request.
    assert await again.read_member("tree/3/f150.txt") == b"x"
    assert host.requests == 1


async def test_a_corrupt_cache_file_is_read_again_from_the_host(
    client: SquareCloudClient, host: RangeHost, cache: DirectoryCache
) -> None:
    data = build_zip(sample_files(40))
    url = host.add("a", data)
    await SnapshotContents(client, snapshot(url), cache=cache).directory()
    path = cache.path_for(RESOURCE, "v1")
    path.write_bytes(path.read_bytes()[:-20])
    host.reset()
    directory = await SnapshotContents(client, snapshot(url), cache=cache).directory()
    assert not directory.from_cache
    assert host.requests == 1
    assert [(e.path, e.size, e.compressed_size, e.crc32) for e in directory.entries] == listing(
        data
    )
    assert cache.load(RESOURCE, "v1") is not None  # written again, whole


async def test_a_cached_view_without_links_is_stale(
    client: SquareCloudClient, host: RangeHost, cache: DirectoryCache
) -> None:
    url = host.add("a", build_zip(sample_files(10)))
    await SnapshotContents(client, snapshot(url), cache=cache).directory()
    offline = SnapshotContents(client, snapshot(""), cache=cache)
    directory = await offline.directory()
    assert directory.from_cache and directory.stale
    with pytest.raises(ContentsError) as caught:
        await offline.read_member(directory.entries[0])
    assert caught.value.reason == "offline"
    with pytest.raises(ContentsError) as caught:
        await SnapshotContents(client, snapshot("", version="v9"), cache=cache).directory()
    assert caught.value.reason == "offline"


async def test_members_whole_streamed_and_missing(
    client: SquareCloudClient, host: RangeHost
) -> None:
    files = sample_files(30)
    data = build_zip(files)
    contents = SnapshotContents(client, snapshot(host.add("a", data)))
    path = max(files, key=lambda p: len(files[p]))
    assert await contents.read_member(path) == files[path]
    assert b"".join([p async for p in contents.stream_member(path, piece_size=100)]) == files[path]
    with pytest.raises(ContentsError) as caught:
        await contents.read_member("nope.txt")
    assert caught.value.reason == "missing"
    with pytest.raises(ContentsError) as caught:
        await contents.read_member(path, max_size=len(files[path]) - 1)
    assert caught.value.reason == "too_large"


async def test_tree_with_and_without_a_filter(client: SquareCloudClient, host: RangeHost) -> None:
    files = sample_files(30)
    contents = SnapshotContents(client, snapshot(host.add("a", build_zip(files))))
    tree = await contents.tree()
    assert tree.file_count == 30
    assert tree.total_size == sum(len(v) for v in files.values())
    only = await contents.tree("file_1*.txt")
    assert sorted(e.path for e in only.walk()) == sorted(
        p for p in files if p.rsplit("/", 1)[-1].startswith("file_1")
    )


def _oracle_diff(old: bytes, new: bytes) -> list[tuple[str, str]]:
    def table(data: bytes) -> dict[str, tuple[int, int]]:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {i.filename: (i.file_size, i.CRC) for i in archive.infolist()}

    a, b = table(old), table(new)
    out = [(p, "added") for p in b.keys() - a.keys()]
    out += [(p, "removed") for p in a.keys() - b.keys()]
    out += [(p, "modified") for p in a.keys() & b.keys() if a[p] != b[p]]
    return sorted(out)


def _versions(host: RangeHost) -> tuple[list[Snapshot], list[bytes]]:
    base = sample_files(60, seed=3)
    second = dict(base)
    second["data/file_0.txt"] = b"changed"
    del second["src/pkg1/file_1.txt"]
    second["new/thing.txt"] = b"added"
    third = dict(second)
    third["src/pkg1/file_1.txt"] = base["src/pkg1/file_1.txt"]  # back again
    third["new/thing.txt"] = b"added, then changed"
    archives = [build_zip(v) for v in (base, second, third)]
    snapshots = [
        snapshot(host.add(f"v{i}", data), version=f"v{i}", day=i + 1)
        for i, data in enumerate(archives)
    ]
    return snapshots, archives


async def test_diff_of_two_versions_matches_zipfile(
    client: SquareCloudClient, host: RangeHost
) -> None:
    snapshots, archives = _versions(host)
    old, new = (SnapshotContents(client, s) for s in (snapshots[0], snapshots[2]))
    result = await diff_versions(old, new)
    assert [(c.path, c.kind) for c in result.changes] == _oracle_diff(archives[0], archives[2])
    changed = next(c for c in result.changes if c.path == "data/file_0.txt")
    assert changed.size_after == len(b"changed")
    added = next(c for c in result.changes if c.kind == "added")
    assert added.size_before is None and added.crc_before is None


async def test_diff_member_shows_lines_and_reads_only_when_needed(
    client: SquareCloudClient, host: RangeHost
) -> None:
    old_text = "".join(f"line {i}\n" for i in range(50)).encode()
    new_text = old_text.replace(b"line 20\n", b"line twenty\n")
    files_a = {"a.txt": old_text, "same.txt": b"same", "big.txt": b"x" * 5000, "bin": b"\0\1"}
    files_b = {"a.txt": new_text, "same.txt": b"same", "big.txt": b"y" * 5000, "bin": b"\0\2"}
    old = SnapshotContents(client, snapshot(host.add("a", build_zip(files_a)), version="a"))
    new = SnapshotContents(client, snapshot(host.add("b", build_zip(files_b)), version="b"))
    await old.directory()
    await new.directory()
    host.reset()
    shown = await diff_member(old, new, "a.txt")
    expected = difflib.unified_diff(
        old_text.decode().splitlines(),
        new_text.decode().splitlines(),
        fromfile="a.txt@a",
        tofile="a.txt@b",
        lineterm="",
    )
    assert shown.kind == "text" and list(shown.lines) == list(expected)
    assert host.requests == 2
    host.reset()
    assert (await diff_member(old, new, "same.txt")).kind == "identical"
    assert (await diff_member(old, new, "big.txt", limit=1000)).kind == "too_large"
    assert host.requests == 0
    assert (await diff_member(old, new, "bin")).kind == "binary"


async def test_find_across_versions_matches_the_listings(
    client: SquareCloudClient, host: RangeHost, cache: DirectoryCache
) -> None:
    snapshots, archives = _versions(host)
    resource = ResourceContents(client, snapshots, cache=cache)
    result = await resource.find("file_1.txt")
    assert result.searched == 3 and not result.failed
    (finding,) = [f for f in result.findings if f.path == "src/pkg1/file_1.txt"]
    assert finding.versions == ("v2", "v0")
    assert finding.missing_from == ("v1",)
    assert [o.change for o in finding.occurrences] == ["added", "first"]
    (thing,) = (await resource.find("new/*")).findings
    assert [(o.version_id, o.change) for o in thing.occurrences] == [
        ("v2", "changed"),
        ("v1", "added"),
    ]
    with zipfile.ZipFile(io.BytesIO(archives[2])) as archive:
        info = archive.getinfo("new/thing.txt")
    assert (thing.latest.size, thing.latest.crc32) == (info.file_size, info.CRC)
    host.reset()
    await resource.find("anything")  # every directory now comes from the cache
    assert host.requests == 0


async def test_expired_links_are_renewed_by_one_listing(
    client: SquareCloudClient, host: RangeHost
) -> None:
    snapshots, _ = _versions(host)
    host.signatures = {FRESH}
    listings = 0

    async def list_snapshots() -> Sequence[Snapshot]:
        nonlocal listings
        listings += 1
        return [
            snapshot(host.url(s.version_id, FRESH), version=s.version_id, day=i + 1)
            for i, s in enumerate(snapshots)
        ]

    resource = ResourceContents(client, snapshots, list_snapshots=list_snapshots)
    result = await resource.find("*.txt", concurrency=1)
    assert result.searched == 3 and not result.failed
    assert listings == 1


async def test_a_version_that_cannot_be_read_is_reported_by_find(
    client: SquareCloudClient, host: RangeHost
) -> None:
    snapshots, _ = _versions(host)
    gone = snapshot(host.url("gone"), version="gone", day=9)

    async def list_snapshots() -> Sequence[Snapshot]:
        raise ApiError(code="NETWORK_ERROR", message="connection refused")

    host.signatures = {"only-for-others"}
    resource = ResourceContents(client, [*snapshots, gone], list_snapshots=list_snapshots)
    result = await resource.find("x")
    assert result.searched == 0
    assert sorted(v for v, _ in result.failed) == ["gone", "v0", "v1", "v2"]
    assert {e.reason for _, e in result.failed} == {"offline"}


async def test_verify_a_sample_and_everything(client: SquareCloudClient, host: RangeHost) -> None:
    files = sample_files(80)
    data = bytearray(build_zip(files, compression=zipfile.ZIP_STORED))
    victim = max(files, key=lambda p: len(files[p]))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo(victim)
    at = info.header_offset + 30 + len(victim.encode())
    data[at] ^= 0x01
    contents = SnapshotContents(client, snapshot(host.add("a", bytes(data))))
    sampled = await contents.verify(sample=10, rng=random.Random(7))
    assert sampled.checked == 10 and sampled.files == 80
    everything = await contents.verify(read_all=True)
    assert everything.checked == 80
    assert [(p.path, p.reason) for p in everything.problems] == [(victim, "damaged")]
    assert not everything.ok
