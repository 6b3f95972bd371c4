"""Zip directories kept on disk: one (resource, version) never changes, so a second look is free.

A file holds a magic line, a JSON header (ids, archive size, comment, entry count and
the SHA-256 of the body) and a zlib-compressed body: the paths as one JSON list, then
the nine number columns as little-endian 64-bit arrays, which load at C speed. Names
are hashes of the ids; no URL or signature is ever written. A damaged file is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import sys
import time
import zlib
from array import array
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import cast

from sqtui.domain.contents.entry import Directory, entries_from_columns, entry_columns
from sqtui.storage.atomic import write_atomic

log = logging.getLogger("sqtui.contents")

MAGIC = b"sqtui zip directory 1\n"
SUFFIX = ".zipdir"
_NUMBER_COLUMNS = 9
# Snapshots are kept 30 days: a directory unused for longer belongs to an expired one.
DEFAULT_MAX_AGE = 35 * 86400.0


def _numbers(values: list[object]) -> bytes:
    column = array("Q", cast("list[int]", values))
    if sys.byteorder == "big":
        column.byteswap()
    return column.tobytes()


def _column(data: bytes) -> list[int]:
    column = array("Q")
    column.frombytes(data)
    if sys.byteorder == "big":
        column.byteswap()
    return column.tolist()


class DirectoryCache:
    """Parsed zip directories under ``folder`` (e.g. the cache directory's ``contents``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def path_for(self, resource_id: str, version_id: str) -> Path:
        """The file for one version: a hash of the ids, so any id makes a safe name."""
        digest = hashlib.sha256(f"{resource_id}\n{version_id}".encode()).hexdigest()
        return self.folder / f"{digest[:40]}{SUFFIX}"

    def load(self, resource_id: str, version_id: str) -> Directory | None:
        """The saved directory of that version, or None if absent or damaged."""
        path = self.path_for(resource_id, version_id)
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        try:
            directory = self._decode(raw, resource_id, version_id)
        except (ValueError, TypeError, KeyError, zlib.error, OverflowError) as error:
            log.warning("ignoring a damaged contents cache file %s: %s", path.name, error)
            return None
        with contextlib.suppress(OSError):
            path.touch()  # recently used: kept by prune
        return directory

    def save(self, directory: Directory) -> None:
        """Write the directory atomically; a failure is logged, never raised."""
        paths, *numbers = entry_columns(directory.entries)
        body = json.dumps(paths, separators=(",", ":")).encode("ascii")
        packed = zlib.compress(body + b"".join(_numbers(c) for c in numbers), 6)
        header = {
            "resource_id": directory.resource_id,
            "version_id": directory.version_id,
            "archive_size": directory.archive_size,
            "comment": directory.comment,
            "count": len(directory.entries),
            "paths_bytes": len(body),
            "sha256": hashlib.sha256(packed).hexdigest(),
        }
        line = json.dumps(header, separators=(",", ":")).encode("ascii") + b"\n"
        path = self.path_for(directory.resource_id, directory.version_id)
        try:
            write_atomic(path, MAGIC + line + packed)
        except OSError as error:
            log.warning("could not save the contents cache %s: %s", path.name, error)

    def prune(self, *, max_age: float = DEFAULT_MAX_AGE, now: float | None = None) -> int:
        """Remove directories not used for ``max_age`` seconds; returns how many went."""
        limit = (time.time() if now is None else now) - max_age
        removed = 0
        for path in self._files():
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < limit:
                    path.unlink()
                    removed += 1
        return removed

    def _files(self) -> Iterable[Path]:
        try:
            return list(self.folder.glob(f"*{SUFFIX}"))
        except OSError:
            return []

    @staticmethod
    def _decode(raw: bytes, resource_id: str, version_id: str) -> Directory:
        if not raw.startswith(MAGIC):
            raise ValueError("not a contents cache file")
        line_end = raw.index(b"\n", len(MAGIC))
        header = json.loads(raw[len(MAGIC) : line_end])
        packed = raw[line_end + 1 :]
        if header["resource_id"] != resource_id or header["version_id"] != version_id:
            raise ValueError("written for another snapshot")
        if hashlib.sha256(packed).hexdigest() != header["sha256"]:
            raise ValueError("checksum mismatch")
        body = zlib.decompress(packed)
        count, split = int(header["count"]), int(header["paths_bytes"])
        paths = json.loads(body[:split])
        width = 8 * count
        if (
            not isinstance(paths, list)
            or len(paths) != count
            or len(body) != split + _NUMBER_COLUMNS * width
            or not all(type(p) is str for p in paths)
        ):
            raise ValueError("inconsistent lengths")
        columns: list[Sequence[object]] = [paths]
        for index in range(_NUMBER_COLUMNS):
            start = split + index * width
            columns.append(_column(body[start : start + width]))
        comment = header.get("comment", "")
        return Directory(
            resource_id=resource_id,
            version_id=version_id,
            archive_size=int(header["archive_size"]),
            entries=tuple(entries_from_columns(columns)),
            comment=comment if isinstance(comment, str) else "",
            from_cache=True,
        )
