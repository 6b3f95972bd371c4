"""Member names as paths: which members a path names, and a safe local path for each.

Names in an archive are data from elsewhere: ``safe_member_path`` turns one into a
relative path or refuses it (``..``, absolute paths, drive letters, control
characters), so nothing is ever written outside the chosen folder.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from sqtui.domain.contents.entry import Directory, Entry
from sqtui.domain.contents.errors import ContentsError
from sqtui.domain.contents.zip_format import check_readable

_MAX_PART = 255  # bytes in one file name on common filesystems
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class UnsafePath(ValueError):
    """A member name that cannot be written safely; the text says why."""


def safe_member_path(name: str) -> PurePosixPath:
    """The relative path to write member ``name`` at; raises :class:`UnsafePath`.

    Backslashes count as folder separators (some Windows tools write them); empty and
    ``.`` parts are dropped; ``..``, absolute paths, drive letters and control
    characters are refused rather than guessed at.
    """
    if _CONTROL.search(name):
        raise UnsafePath("the name holds control characters")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise UnsafePath("the name is not valid text") from None
    unified = name.replace("\\", "/")
    if unified.startswith("/"):
        raise UnsafePath("the name is an absolute path")
    if _DRIVE.match(unified):
        raise UnsafePath("the name starts with a drive letter")
    parts = [part for part in unified.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise UnsafePath("the name climbs out of the folder with '..'")
    if not parts:
        raise UnsafePath("the name is empty")
    if any(len(part.encode("utf-8")) > _MAX_PART for part in parts):
        raise UnsafePath("a part of the name is longer than 255 bytes")
    return PurePosixPath(*parts)


def select(directory: Directory, paths: Sequence[str]) -> list[Entry]:
    """Entries named by ``paths``: a file's path, a folder's (all below it), ``""`` for all.

    Of two members with one path only the later counts, as unzip does. Raises
    ``missing`` for a path that names nothing.
    """
    entries = list(directory.by_path.values())
    chosen: set[str] = set()
    for wanted in paths:
        if wanted in ("", "/"):
            chosen.update(e.path for e in entries)
            continue
        prefix = wanted if wanted.endswith("/") else wanted + "/"
        matched = [e.path for e in entries if e.path == wanted or e.path.startswith(prefix)]
        if not matched:
            raise ContentsError("missing", f"{wanted} is not in this snapshot.")
        chosen.update(matched)
    return [e for e in entries if e.path in chosen]


@dataclass(frozen=True)
class Skipped:
    """A member not written, and why (one sentence)."""

    path: str
    reason: str


Planned = list[tuple[Entry, PurePosixPath]]


def plan(entries: list[Entry]) -> tuple[Planned, set[PurePosixPath], list[Skipped]]:
    """Files to write with their relative paths, folders to make, members left out."""
    files: Planned = []
    folders: set[PurePosixPath] = set()
    skipped: list[Skipped] = []
    taken: set[PurePosixPath] = set()
    for entry in entries:
        try:
            relative = safe_member_path(entry.path)
        except UnsafePath as why:
            skipped.append(Skipped(entry.path, f"Not extracted: {why}."))
            continue
        if entry.is_dir:
            folders.add(relative)
            continue
        problem = _unwritable(entry)
        if problem is None and relative in taken:
            problem = "Not extracted: another member has the same path."
        if problem is not None:
            skipped.append(Skipped(entry.path, problem))
            continue
        taken.add(relative)
        files.append((entry, relative))
    for _, relative in files:
        folders.update(relative.parents)
    folders.discard(PurePosixPath("."))
    # A file where a folder must be (``a`` and ``a/b``): the file gives way.
    clashes = {relative for _, relative in files if relative in folders}
    for entry, relative in files:
        if relative in clashes:
            skipped.append(Skipped(entry.path, "Not extracted: a folder of the same name is."))
    return [item for item in files if item[1] not in clashes], folders, skipped


def _unwritable(entry: Entry) -> str | None:
    if entry.is_symlink:
        return "Not extracted: a symbolic link (sqtui never creates links)."
    try:
        check_readable(entry)
    except ContentsError as error:
        return error.human()
    return None
