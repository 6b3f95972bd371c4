"""Snapshot archives: real zip files, made on demand from the seed, served by byte range.

An application's snapshot is its source tree (``tree``), a database's its engine's dump
(``dumps``). Everything is derived from ``(seed, resource, version)``: the same snapshot
has the same bytes on every run, and consecutive versions share most files.

Nothing is held whole: ``Archive`` (``layout``) knows every member's offset from sizes
alone and produces any byte range when asked. Large members are streamed from SHAKE-256
blocks (``content``); small ones are cut from shared text corpora (``corpus``).

Compression: the small configuration texts (manifest, dependency list, README, settings,
Mongo metadata) are DEFLATED, with real zlib; everything else is STORED. Deflating is
the one thing that costs time before a size is known, so it is kept to a handful of
members per archive, each deflated once and kept in a bounded LRU cache keyed by its
content (the same file in another version costs nothing). Sources are kept stored too:
that keeps a 20,000-file archive's central directory quick to produce (a CRC per member
and no compression), and ``listing`` sizes cheap for thousands of snapshots.
"""

from __future__ import annotations

import functools

from .dumps import dump_members, dump_size
from .layout import Archive, Member
from .source import Source, Version
from .specs import HOSTILE_NAMES
from .tree import AppTree

__all__ = [
    "HOSTILE_NAMES",
    "Archive",
    "Member",
    "Source",
    "Version",
    "archive_size",
    "build_archive",
    "members",
]


@functools.lru_cache(maxsize=1024)
def _tree(source: Source) -> AppTree:
    # A tree is small (its unchanging files are summed, not kept), but thousands add up.
    return AppTree(source)


def members(source: Source, version: Version) -> list[Member]:
    """A snapshot's members, in archive order."""
    if source.kind == "app":
        return _tree(source).members(version)
    return dump_members(source, version)


def archive_size(source: Source, version: Version) -> int:
    """Bytes of a snapshot's zip file, computed without building it."""
    if source.kind == "app":
        size = _tree(source).size(version)
        if size is not None:
            return size
        return build_archive(source, version).size
    return dump_size(source, version)


@functools.lru_cache(maxsize=4)
def build_archive(source: Source, version: Version) -> Archive:
    """A snapshot's zip file, laid out (the last few are kept: a download asks again)."""
    return Archive(
        members(source, version),
        key=source.digest("etag", version.version_id),
        modified=version.at,
    )
