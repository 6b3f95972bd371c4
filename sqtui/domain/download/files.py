"""Files of a download: the ``.part``, free space, syncing, the zip check, the final rename."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from sqtui.api.signed_url import redact_text
from sqtui.display import size_text

_HASH_BLOCK = 1 << 20
NO_SPACE_ERRNOS = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})
# Room left free on the disk beyond the snapshot itself, so a download never fills it.
SPACE_MARGIN = 16 << 20

Reason = Literal[
    "exists",
    "no_space",
    "size_mismatch",
    "corrupt",
    "cancelled",
    "network",
    "denied",
    "not_found",
    "disk",
]

_SENTENCES: dict[Reason, str] = {
    "exists": "A file with that name already exists; nothing was overwritten.",
    "no_space": "There is not enough free disk space for this snapshot.",
    "size_mismatch": "The download does not have the size the listing gives; it was discarded.",
    "corrupt": "The downloaded file is not a valid zip archive; it was discarded.",
    "cancelled": "The download was cancelled and its partial file removed.",
    "network": "The snapshot host could not be reached; the partial file is kept to resume.",
    "denied": "The snapshot host refused the download link (expired or invalid).",
    "not_found": "The snapshot host no longer has this snapshot.",
    "disk": "The file could not be written to disk.",
}


class DownloadError(Exception):
    """A download that did not produce a file: why (``reason``) and one sentence for people.

    The text never holds a URL signature.
    """

    def __init__(self, reason: Reason, message: str = "") -> None:
        self.reason: Reason = reason
        self.message = redact_text(message or _SENTENCES[reason])
        super().__init__(self.message)

    def human(self) -> str:
        """One clear sentence: what happened and what became of the file."""
        return self.message

    def __repr__(self) -> str:
        return f"DownloadError(reason={self.reason!r}, message={self.message!r})"


def free_space(directory: Path) -> int:
    """Free bytes on the filesystem that holds ``directory`` (or would, once created)."""
    probe = directory.absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def absolute(path: Path) -> Path:
    """``path`` with ``~`` expanded, absolute: what the history records and messages show."""
    return path.expanduser().absolute()


def part_path(final: Path) -> Path:
    """Where a download to ``final`` is written until it is verified."""
    return final.with_name(final.name + ".part")


def partial_size(part: Path) -> int:
    """Bytes of an earlier attempt in ``part`` (0 unless it is a regular file of ours)."""
    try:
        info = part.lstat()
    except OSError:
        return 0
    return info.st_size if stat.S_ISREG(info.st_mode) else 0


@dataclass(frozen=True)
class SpaceCheck:
    """Whether a download fits: free bytes, bytes still to write, the margin kept free."""

    free: int
    partial: int
    needed: int
    margin: int

    def problem(self) -> str | None:
        """Why it does not fit, naming the margin; None when it does."""
        if self.free >= self.needed + self.margin:
            return None
        return (
            f"Not enough space: {size_text(self.free)} free, {size_text(self.needed)} needed "
            f"plus {size_text(self.margin)} kept free."
        )


def space_check(total: int, final: Path, margin: int = SPACE_MARGIN) -> SpaceCheck:
    """Room for a download of ``total`` bytes to ``final``, resuming its ``.part``."""
    have = partial_size(part_path(final))
    if have > total:
        # Longer than the snapshot: not a prefix of it, so of no use.
        have = 0
    return SpaceCheck(free_space(final.parent), have, total - have, margin)


def open_part(part: Path) -> BinaryIO:
    """Open ``part`` to write, never through a link, and only as a regular file.

    A ``.part`` planted as a symlink (by another user, in a shared folder) would
    otherwise have its target overwritten.
    """
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(part, flags, 0o600)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise OSError(errno.ELOOP, f"{part.name} is a link; it was not followed") from None
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, f"{part.name} is not a regular file")
        return os.fdopen(fd, "r+b")
    except BaseException:
        os.close(fd)
        raise


def remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def discard(part: Path, *, keep_bytes: bool) -> None:
    """Remove ``part``, unless ``keep_bytes`` and it holds some (to resume later)."""
    try:
        if keep_bytes and part.stat().st_size > 0:
            return
    except OSError:
        return
    remove(part)


def hash_prefix(path: Path, size: int) -> hashlib._Hash:
    """A SHA-256 fed with the first ``size`` bytes of ``path`` (a resumed ``.part``)."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        left = size
        while left > 0:
            block = file.read(min(_HASH_BLOCK, left))
            if not block:
                break
            digest.update(block)
            left -= len(block)
    return digest


def datasync(fd: int) -> None:
    # fdatasync skips metadata the final fsync writes anyway; macOS only has fsync.
    getattr(os, "fdatasync", os.fsync)(fd)


def sync(file: BinaryIO, fsync: bool) -> None:
    file.flush()
    if fsync:
        os.fsync(file.fileno())


def sync_directory(directory: Path) -> None:
    # Makes the new directory entry durable; not possible (nor needed) on Windows.
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def zip_problem(path: Path) -> str | None:
    """Why ``path`` is not a sound zip archive (every member's CRC checked), or None."""
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError) as error:
        return str(error) or type(error).__name__
    except NotImplementedError as error:
        return f"cannot be checked: {error}"
    return f"member {bad!r} is damaged" if bad is not None else None


def place(part: Path, final: Path, overwrite: bool) -> None:
    """Move the verified ``part`` to ``final``; never replaces a file unless ``overwrite``."""
    if overwrite:
        os.replace(part, final)
        return
    try:
        # A hard link fails if ``final`` exists: no window where another file is replaced.
        os.link(part, final)
    except FileExistsError:
        raise DownloadError(
            "exists",
            f"{final.name} appeared while downloading and was kept; "
            f"the verified download is {part.name}.",
        ) from None
    except OSError:
        # Filesystems without hard links (FAT, some network shares).
        if final.exists():
            raise DownloadError(
                "exists",
                f"{final.name} appeared while downloading and was kept; "
                f"the verified download is {part.name}.",
            ) from None
        os.replace(part, final)
    else:
        remove(part)
