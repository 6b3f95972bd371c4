"""What a snapshot's zip directory says about each file, and the directory as a whole."""

from __future__ import annotations

import stat
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from functools import cached_property
from itertools import repeat

STORED = 0
DEFLATED = 8
BZIP2 = 12
LZMA = 14

_METHOD_NAMES = {
    STORED: "stored",
    DEFLATED: "deflate",
    9: "deflate64",
    BZIP2: "bzip2",
    LZMA: "lzma",
    93: "zstd",
    95: "xz",
    98: "ppmd",
    99: "aes",
}
_ENCRYPTED = 0x1


def dos_datetime(stamp: int) -> datetime | None:
    """A DOS ``(date << 16) | time`` as a naive local time; None if it is no real date."""
    date, time = stamp >> 16, stamp & 0xFFFF
    try:
        return datetime(
            1980 + (date >> 9),
            (date >> 5) & 0xF,
            date & 0x1F,
            time >> 11,
            (time >> 5) & 0x3F,
            (time & 0x1F) * 2,
        )
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Entry:
    """One member of a snapshot's archive, as its central directory describes it.

    ``path`` is the name exactly as stored (data, never a path to trust); ``dos_time``
    the raw DOS stamp behind ``modified``; ``header_size`` the local header's length
    as the directory predicts it; ``mode`` the Unix mode bits, 0 when not made on Unix.
    """

    path: str
    size: int
    compressed_size: int
    crc32: int
    dos_time: int
    method: int
    flags: int
    header_offset: int
    header_size: int
    mode: int

    @property
    def modified(self) -> datetime | None:
        """When the file was last changed (naive: zip times carry no zone), if valid."""
        return dos_datetime(self.dos_time)

    @property
    def is_dir(self) -> bool:
        """A folder entry (its name ends with ``/``, as zip tools mark folders)."""
        return self.path.endswith("/")

    @property
    def is_symlink(self) -> bool:
        """A symbolic link stored by a Unix zip tool (its target is the data)."""
        return stat.S_ISLNK(self.mode)

    @property
    def is_encrypted(self) -> bool:
        """Encrypted with a password: the data cannot be read."""
        return bool(self.flags & _ENCRYPTED)

    @property
    def method_name(self) -> str:
        """The compression method for people: ``stored``, ``deflate``..."""
        return _METHOD_NAMES.get(self.method, f"method {self.method}")

    @property
    def name(self) -> str:
        """The last part of the path (a folder's name without its ``/``)."""
        return self.path.rstrip("/").rsplit("/", 1)[-1]


_FIELD_NAMES = tuple(f.name for f in fields(Entry))
# Slot descriptors: setting them directly builds 20,000 entries in a third of the time
# the frozen __init__ takes (it goes through object.__setattr__ once per field).
_SETTERS = tuple(getattr(Entry, name).__set__ for name in _FIELD_NAMES)


def entries_from_columns(columns: Sequence[Sequence[object]]) -> list[Entry]:
    """Entries from one sequence per field, in field order (the parser's and cache's shape)."""
    if len(columns) != len(_FIELD_NAMES):
        raise ValueError("one column per entry field is needed")
    count = len(columns[0])
    if any(len(column) != count for column in columns):
        raise ValueError("columns of different lengths")
    entries: list[Entry] = list(map(object.__new__, repeat(Entry, count)))
    for setter, column in zip(_SETTERS, columns, strict=True):
        deque(map(setter, entries, column), maxlen=0)
    return entries


def entry_columns(entries: Sequence[Entry]) -> list[list[object]]:
    """The inverse of :func:`entries_from_columns`."""
    return [[getattr(e, name) for e in entries] for name in _FIELD_NAMES]


@dataclass(frozen=True)
class Directory:
    """The files of one snapshot version: every entry, in archive order.

    ``from_cache`` says it was read from disk rather than from the host; ``stale`` that
    the snapshot could not be confirmed just now (the API is down): the list is right
    for that version, which may have expired since.
    """

    resource_id: str
    version_id: str
    archive_size: int
    entries: tuple[Entry, ...] = field(repr=False)
    comment: str = ""
    from_cache: bool = False
    stale: bool = False

    @cached_property
    def by_path(self) -> dict[str, Entry]:
        """Entries by path; of two with one name the later wins, as unzip and zipfile do."""
        return {entry.path: entry for entry in self.entries}

    def get(self, path: str) -> Entry | None:
        """The entry with exactly this path, if any."""
        return self.by_path.get(path)

    @property
    def files(self) -> list[Entry]:
        """Entries that are not folders."""
        return [entry for entry in self.entries if not entry.is_dir]

    @property
    def file_count(self) -> int:
        """How many files (folders not counted)."""
        return sum(1 for entry in self.entries if not entry.is_dir)

    @property
    def total_size(self) -> int:
        """Bytes of all files once extracted."""
        return sum(entry.size for entry in self.entries)

    @property
    def compressed_size(self) -> int:
        """Bytes of all files as stored in the archive."""
        return sum(entry.compressed_size for entry in self.entries)
