"""Files of a download: the ``.part``, free space, syncing, the final rename."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from sqtui.api.signed_url import redact_text
from sqtui.display import size_text

if sys.platform != "win32":
    import fcntl

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
    "busy",
]

_SENTENCES: dict[Reason, str] = {
    "exists": "A file with that name already exists; nothing was overwritten.",
    "no_space": "There is not enough free disk space for this snapshot.",
    "size_mismatch": "The download does not have the size the listing gives; it was discarded.",
    "corrupt": "The downloaded file is not a valid zip archive; it was discarded.",
    "cancelled": "The download was cancelled and its partial file removed.",
    "network": "The snapshot host could not be reached.",
    "denied": "The snapshot host refused the download link (expired or invalid).",
    "not_found": "The snapshot host no longer has this snapshot.",
    "disk": "The file could not be written to disk.",
    "busy": "This file is already being downloaded; nothing was changed.",
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

    def with_part(self, kept: int) -> DownloadError:
        """The same error, saying whether a partial file of ``kept`` bytes is left to resume."""
        fate = (
            f"The partial file ({size_text(kept)}) is kept; downloading again resumes it."
            if kept
            else "No partial file was kept."
        )
        return DownloadError(self.reason, f"{self.message} {fate}")

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
    otherwise have its target overwritten; a FIFO or a device would hang or be
    written to. Either is refused with :class:`DownloadError` and left as it is.
    """
    flags = (
        os.O_RDWR
        | os.O_CREAT
        | getattr(os, "O_NOFOLLOW", 0)
        | getattr(os, "O_NONBLOCK", 0)
        | getattr(os, "O_BINARY", 0)
    )
    try:
        fd = os.open(part, flags, 0o600)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise DownloadError("disk", _not_ours(part, "a link")) from None
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise DownloadError("disk", _not_ours(part, "not a regular file"))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "r+b")
    except BaseException:
        os.close(fd)
        raise


def _not_ours(path: Path, what: str) -> str:
    return (
        f"{path.name} is {what}, not a file sqtui wrote: it was not followed or "
        "written to, and is left as it is. Remove it, or save elsewhere."
    )


def check_destination(final: Path, overwrite: bool) -> None:
    """Refuse a ``final`` that is there already (unless ``overwrite``), or is not a file.

    Only a regular file is ever replaced: never a link (whose target would be the
    one changed), a folder or a device.
    """
    try:
        info = final.lstat()
    except FileNotFoundError:
        return
    except OSError as error:
        raise DownloadError("disk", f"{final.name} cannot be checked: {error.strerror}.") from None
    if not stat.S_ISREG(info.st_mode):
        raise DownloadError("exists", _not_ours(final, "already there and not a regular file"))
    if not overwrite:
        raise DownloadError("exists", f"{final.name} already exists; nothing was overwritten.")


class PartLock:
    """The ``.part`` held against every other download of it, here or in another process.

    A descriptor of its own, so the lock outlives the file being written and covers
    the check and the final rename too. Released by :meth:`release`, or when the
    process ends, however it ends.
    """

    def __init__(self, fd: int | None) -> None:
        self._fd = fd

    def release(self) -> None:
        """Let the next download of this file start."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None


def lock_part(file: BinaryIO, part: Path, final: Path) -> PartLock:
    """Hold ``part`` (open as ``file``); :class:`DownloadError` ``busy`` if another has it."""
    if sys.platform == "win32":
        return PartLock(None)
    fd = os.dup(file.fileno())
    busy = DownloadError(
        "busy",
        f"{final.name} is already being downloaded (here or by another sqtui); "
        "nothing was changed. Wait for that download to end.",
    )
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held = os.fstat(fd)
        try:
            there = os.lstat(part)
        except FileNotFoundError:
            there = None
        # The other download finished (and renamed it) between our open and our lock.
        if there is None or (there.st_dev, there.st_ino) != (held.st_dev, held.st_ino):
            raise busy
    except BlockingIOError:
        os.close(fd)
        raise busy from None
    except BaseException:
        os.close(fd)
        raise
    return PartLock(fd)


def remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def discard(part: Path, *, keep_bytes: bool) -> int:
    """Remove ``part``, unless ``keep_bytes`` and it holds some; returns the bytes kept."""
    try:
        size = part.lstat().st_size
    except OSError:
        return 0
    if keep_bytes and size > 0:
        return size
    remove(part)
    return 0


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
