"""The door the app and the script commands both use to look inside snapshots.

``SnapshotContents`` is one snapshot: its directory (from the disk cache once read),
a file whole or streamed, extraction and verification. ``ResourceContents`` holds
every listed version of one resource: find across them, diff two, and renew their
links from one listing when the host refuses them.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import replace
from pathlib import Path

from sqtui.api.client import SquareCloudClient
from sqtui.api.models import Snapshot
from sqtui.domain.contents.cache import DirectoryCache
from sqtui.domain.contents.diff import (
    DEFAULT_TEXT_LIMIT,
    DirectoryDiff,
    TextDiff,
    diff,
    text_diff,
    too_large,
)
from sqtui.domain.contents.entry import Directory, Entry
from sqtui.domain.contents.errors import ContentsError
from sqtui.domain.contents.extract import ExtractResult, extract
from sqtui.domain.contents.find import FindResult, find_in
from sqtui.domain.contents.progress import OnProgress
from sqtui.domain.contents.remote_zip import PIECE, WINDOW, Refresh, RemoteZip, Sleep
from sqtui.domain.contents.tree import Folder, build_tree, filter_tree
from sqtui.domain.contents.verify import DEFAULT_SAMPLE, VerifyResult, verify

DEFAULT_READ_LIMIT = 64 << 20  # the most ``read_member`` holds in memory; stream beyond

ListSnapshots = Callable[[], Awaitable[Sequence[Snapshot]]]


class SnapshotContents:
    """One snapshot's files, read from the host by ranges and its directory cached on disk.

    ``refresh`` returns a fresh signed URL of the same snapshot (from a new listing);
    ``stale`` marks a snapshot from a cached view (the API is down): its directory
    comes from the disk cache only, flagged stale.
    """

    def __init__(
        self,
        client: SquareCloudClient,
        snapshot: Snapshot,
        *,
        cache: DirectoryCache | None = None,
        refresh: Refresh | None = None,
        resource_id: str | None = None,
        stale: bool = False,
        sleep: Sleep = asyncio.sleep,
        window: int = WINDOW,
    ) -> None:
        self.snapshot = snapshot
        self.resource_id = resource_id or snapshot.resource_id
        self.cache = cache
        self.stale = stale
        self.reader = RemoteZip(
            client,
            snapshot.url,
            refresh=refresh,
            version_id=snapshot.version_id,
            sleep=sleep,
            window=window,
        )
        self._directory: Directory | None = None
        self._loading = asyncio.Lock()

    def __repr__(self) -> str:
        return f"SnapshotContents({self.resource_id!r}, {self.snapshot.version_id!r})"

    async def directory(self, *, use_cache: bool = True) -> Directory:
        """Every entry: kept in memory once read, else from the disk cache, else the host."""
        async with self._loading:
            if self._directory is not None and use_cache:
                return self._directory
            found = None
            if use_cache and self.cache is not None:
                found = await asyncio.to_thread(
                    self.cache.load, self.resource_id, self.snapshot.version_id
                )
            if found is not None:
                found = replace(found, stale=self.stale or not self.snapshot.url)
                if self.reader.size is None:
                    self.reader.size = found.archive_size
            else:
                layout, entries = await self.reader.directory()
                found = Directory(
                    resource_id=self.resource_id,
                    version_id=self.snapshot.version_id,
                    archive_size=layout.archive_size,
                    entries=tuple(entries),
                    comment=layout.comment,
                )
                if self.cache is not None:
                    await asyncio.to_thread(self.cache.save, found)
            self._directory = found
            return found

    async def tree(self, pattern: str = "") -> Folder:
        """The folders and files (only those matching ``pattern``, if one is given)."""
        entries = (await self.directory()).entries
        return filter_tree(entries, pattern) if pattern else build_tree(entries)

    async def entry(self, path: str) -> Entry:
        """The entry at exactly ``path``; raises ``missing`` if there is none."""
        found = (await self.directory()).get(path)
        if found is None:
            raise ContentsError("missing", f"{path} is not in this snapshot.")
        return found

    async def read_member(
        self, path: str | Entry, *, max_size: int | None = DEFAULT_READ_LIMIT
    ) -> bytes:
        """A file's whole content, CRC-32 checked; ``too_large`` beyond ``max_size``."""
        entry = path if isinstance(path, Entry) else await self.entry(path)
        return await self.reader.read(entry, max_size=max_size)

    async def stream_member(
        self, path: str | Entry, *, piece_size: int = PIECE
    ) -> AsyncIterator[bytes]:
        """A file's content piece by piece, memory flat; raises ``damaged`` at the end if bad."""
        entry = path if isinstance(path, Entry) else await self.entry(path)
        async for piece in self.reader.stream(entry, piece_size=piece_size):
            yield piece

    async def extract(
        self,
        paths: Sequence[str],
        destination: Path,
        *,
        overwrite: bool = False,
        on_progress: OnProgress | None = None,
    ) -> ExtractResult:
        """Write files or whole folders (``""`` for everything) under ``destination``."""
        directory = await self.directory()
        return await extract(
            self.reader,
            directory,
            paths,
            destination,
            overwrite=overwrite,
            on_progress=on_progress,
        )

    async def verify(
        self,
        *,
        sample: int | None = DEFAULT_SAMPLE,
        read_all: bool = False,
        rng: random.Random | None = None,
        on_progress: OnProgress | None = None,
    ) -> VerifyResult:
        """Read ``sample`` random files (or all) by range and check their CRC-32."""
        directory = await self.directory()
        return await verify(
            self.reader,
            directory,
            sample=sample,
            read_all=read_all,
            rng=rng,
            on_progress=on_progress,
        )


async def diff_versions(old: SnapshotContents, new: SnapshotContents) -> DirectoryDiff:
    """Files added, removed and modified from ``old`` to ``new`` (no file is read)."""
    before, after = await asyncio.gather(old.directory(), new.directory())
    return diff(before, after)


async def diff_member(
    old: SnapshotContents,
    new: SnapshotContents,
    path: str,
    *,
    new_path: str | None = None,
    limit: int = DEFAULT_TEXT_LIMIT,
    context: int = 3,
) -> TextDiff:
    """One file in two versions, line by line; read only if it changed and is small enough."""
    before = (await old.directory()).get(path)
    after = (await new.directory()).get(new_path or path)
    if before is None and after is None:
        raise ContentsError("missing", f"{path} is in neither version.")
    size_before = before.size if before is not None else None
    size_after = after.size if after is not None else None
    if too_large(size_before, size_after, limit):
        return TextDiff("too_large", reason=f"Too large to show (over {limit} bytes).")
    same = before is not None and after is not None and before.crc32 == after.crc32
    if same and size_before == size_after:
        return TextDiff("identical", reason="The two versions are identical.")
    contents = await asyncio.gather(
        old.read_member(before) if before is not None else _nothing(),
        new.read_member(after) if after is not None else _nothing(),
    )
    return await asyncio.to_thread(
        text_diff,
        contents[0],
        contents[1],
        old_label=f"{path}@{old.snapshot.short_version}",
        new_label=f"{new_path or path}@{new.snapshot.short_version}",
        limit=limit,
        context=context,
    )


async def _nothing() -> None:
    return None


class ResourceContents:
    """Every listed version of one resource, for find and diff across them.

    ``list_snapshots`` lists the resource again (fresh signed URLs): one listing
    renews the links of every version at once, as they all expire together.
    """

    def __init__(
        self,
        client: SquareCloudClient,
        snapshots: Sequence[Snapshot],
        *,
        cache: DirectoryCache | None = None,
        list_snapshots: ListSnapshots | None = None,
        resource_id: str | None = None,
        stale: bool = False,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.snapshots = sorted(snapshots, key=lambda s: s.modified, reverse=True)
        self._list = list_snapshots
        self._renewed: dict[str, str] = {}
        self._listing = asyncio.Lock()
        self.versions = {
            snapshot.version_id: SnapshotContents(
                client,
                snapshot,
                cache=cache,
                refresh=self._refresh_for(snapshot.version_id) if list_snapshots else None,
                resource_id=resource_id,
                stale=stale,
                sleep=sleep,
            )
            for snapshot in self.snapshots
        }

    def version(self, version_id: str) -> SnapshotContents:
        """The contents of one listed version; raises ``not_found`` if it is not listed."""
        found = self.versions.get(version_id)
        if found is None:
            raise ContentsError("not_found", f"Version {version_id} is not listed.")
        return found

    async def find(self, pattern: str, *, concurrency: int = 4) -> FindResult:
        """Files matching ``pattern`` across every version; versions failing are listed."""
        gate = asyncio.Semaphore(max(1, concurrency))
        failed: list[tuple[str, ContentsError]] = []

        async def load(contents: SnapshotContents) -> tuple[Snapshot, Directory] | None:
            async with gate:
                try:
                    return contents.snapshot, await contents.directory()
                except ContentsError as error:
                    failed.append((contents.snapshot.version_id, error))
                    return None

        loaded = await asyncio.gather(*(load(c) for c in self.versions.values()))
        pairs = [pair for pair in loaded if pair is not None]
        findings = await asyncio.to_thread(find_in, pattern, pairs)
        return FindResult(tuple(findings), len(pairs), tuple(failed))

    async def diff(self, old_version: str, new_version: str) -> DirectoryDiff:
        """Files added, removed and modified from one version to another."""
        return await diff_versions(self.version(old_version), self.version(new_version))

    def _refresh_for(self, version_id: str) -> Refresh:
        async def refresh() -> str:
            async with self._listing:
                url = self._renewed.pop(version_id, None)
                if url is None and self._list is not None:
                    listed = await self._list()
                    self._renewed = {s.version_id: s.url for s in listed if s.url}
                    url = self._renewed.pop(version_id, None)
            if url is None:
                raise ContentsError("not_found", "The listing no longer offers this version.")
            return url

        return refresh
