"""What changed between two versions of a snapshot: files added, removed and modified.

A file is modified when its size or CRC-32 differs: both come from the zip directories,
so comparing two versions reads no file. Two text files can then be compared line by
line (``text_diff``), unless either is binary or too large to show.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

from sqtui.domain.contents.entry import Directory

ChangeKind = Literal["added", "removed", "modified"]
TextDiffKind = Literal["text", "identical", "binary", "too_large"]

DEFAULT_TEXT_LIMIT = 1 << 20
_SNIFF = 8192


@dataclass(frozen=True, slots=True)
class Change:
    """One path that differs; a side where the path is missing has None for its values."""

    path: str
    kind: ChangeKind
    size_before: int | None
    size_after: int | None
    crc_before: int | None
    crc_after: int | None

    @property
    def is_dir(self) -> bool:
        """A folder entry (added or removed; folders have no content to modify)."""
        return self.path.endswith("/")

    @property
    def delta(self) -> int:
        """Bytes gained (negative: lost) by this change."""
        return (self.size_after or 0) - (self.size_before or 0)


@dataclass(frozen=True)
class DirectoryDiff:
    """Every change between two versions, sorted by path, with totals."""

    changes: tuple[Change, ...]
    unchanged: int
    size_before: int
    size_after: int

    def count(self, kind: ChangeKind) -> int:
        """How many changes of that kind."""
        return sum(1 for change in self.changes if change.kind == kind)

    @property
    def added(self) -> int:
        """Paths only in the newer version."""
        return self.count("added")

    @property
    def removed(self) -> int:
        """Paths only in the older version."""
        return self.count("removed")

    @property
    def modified(self) -> int:
        """Paths in both whose size or CRC-32 differ."""
        return self.count("modified")

    @property
    def size_delta(self) -> int:
        """How much larger (negative: smaller) the newer version's files are in total."""
        return self.size_after - self.size_before

    @property
    def bytes_added(self) -> int:
        """Bytes of the added files."""
        return sum(c.size_after or 0 for c in self.changes if c.kind == "added")

    @property
    def bytes_removed(self) -> int:
        """Bytes of the removed files."""
        return sum(c.size_before or 0 for c in self.changes if c.kind == "removed")


def diff(old: Directory, new: Directory) -> DirectoryDiff:
    """The changes from ``old`` to ``new`` (of one path listed twice, the later counts)."""
    before, after = old.by_path, new.by_path
    changes: list[Change] = []
    unchanged = 0
    for path in sorted(before.keys() | after.keys()):
        a, b = before.get(path), after.get(path)
        if a is None and b is not None:
            changes.append(Change(path, "added", None, b.size, None, b.crc32))
        elif b is None and a is not None:
            changes.append(Change(path, "removed", a.size, None, a.crc32, None))
        elif a is not None and b is not None:
            if a.size != b.size or a.crc32 != b.crc32:
                changes.append(Change(path, "modified", a.size, b.size, a.crc32, b.crc32))
            else:
                unchanged += 1
    return DirectoryDiff(
        changes=tuple(changes),
        unchanged=unchanged,
        size_before=sum(e.size for e in before.values()),
        size_after=sum(e.size for e in after.values()),
    )


@dataclass(frozen=True)
class TextDiff:
    """Two versions of a file line by line, or why they are not shown so (``reason``)."""

    kind: TextDiffKind
    lines: tuple[str, ...] = ()
    reason: str = ""

    @property
    def text(self) -> str:
        """The unified diff as one text."""
        return "\n".join(self.lines)


def is_binary(data: bytes) -> bool:
    """Whether ``data`` is not text: a NUL byte early on, or not valid UTF-8."""
    if b"\0" in data[:_SNIFF]:
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def too_large(size_before: int | None, size_after: int | None, limit: int) -> bool:
    """Whether either side is over ``limit`` bytes (then the contents are not even read)."""
    return (size_before or 0) > limit or (size_after or 0) > limit


def text_diff(
    old: bytes | None,
    new: bytes | None,
    *,
    old_label: str = "before",
    new_label: str = "after",
    limit: int = DEFAULT_TEXT_LIMIT,
    context: int = 3,
) -> TextDiff:
    """A unified diff of two contents (None: the file is missing on that side)."""
    if too_large(None if old is None else len(old), None if new is None else len(new), limit):
        return TextDiff("too_large", reason=f"Too large to show (over {limit} bytes).")
    if old == new:
        return TextDiff("identical", reason="The two versions are identical.")
    if any(side is not None and is_binary(side) for side in (old, new)):
        return TextDiff("binary", reason="Binary file: the versions differ.")
    lines = difflib.unified_diff(
        (old or b"").decode("utf-8").splitlines(),
        (new or b"").decode("utf-8").splitlines(),
        fromfile=old_label if old is not None else "/dev/null",
        tofile=new_label if new is not None else "/dev/null",
        n=context,
        lineterm="",
    )
    return TextDiff("text", tuple(lines))
