"""A snapshot's files written to a folder safely, read by ranges from the host.

Names in an archive are data from elsewhere: ``safe_member_path`` turns one into a
relative path or refuses it (``..``, absolute paths, drive letters, control
characters). Folders are entered through descriptors opened with ``O_NOFOLLOW``, so a
symbolic link in the destination, planted or raced in, is never followed; a file is
written under a temporary name created with ``O_EXCL``, its CRC-32 checked, and only
then linked to its name (renamed over it only when overwriting was asked). Symbolic
link members are never created.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sqtui.display import printable
from sqtui.domain.contents.entry import Directory, Entry
from sqtui.domain.contents.errors import ContentsError
from sqtui.domain.contents.member_paths import Planned, Skipped, plan, select
from sqtui.domain.contents.progress import OnProgress, WorkProgress
from sqtui.domain.contents.remote_zip import RemoteZip

SMALL = 1 << 20  # members up to this (stored) size are fetched with their neighbours
_FLAGS_DIR = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_FLAGS_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_Release = Callable[[int], None]
_NO_HARD_LINKS = frozenset(
    {errno.EPERM, errno.EXDEV, errno.EMLINK, getattr(errno, "ENOTSUP", 95), errno.EOPNOTSUPP}
)


@dataclass(frozen=True)
class Extracted:
    """A file written: the member's path, where it went, and its size."""

    path: str
    target: Path
    size: int


@dataclass(frozen=True)
class ExtractResult:
    """What an extraction wrote into ``folder``, and what it left out on purpose."""

    folder: Path
    files: tuple[Extracted, ...]
    folders: int
    skipped: tuple[Skipped, ...]

    @property
    def bytes_written(self) -> int:
        """Bytes of all files written."""
        return sum(item.size for item in self.files)


class _Tally:
    """Files written so far, and progress reports about them."""

    def __init__(self, files: int, total: int, on_progress: OnProgress | None) -> None:
        self.done: list[Extracted] = []
        self.files = files
        self.total = total
        self.written = 0
        self.on_progress = on_progress

    def report(self) -> None:
        if self.on_progress is not None:
            self.on_progress(WorkProgress(len(self.done), self.files, self.written, self.total))


async def extract(
    reader: RemoteZip,
    directory: Directory,
    paths: Sequence[str],
    destination: Path,
    *,
    overwrite: bool = False,
    on_progress: OnProgress | None = None,
) -> ExtractResult:
    """Write the members named by ``paths`` (see :func:`select`) under ``destination``.

    Refuses (``exists``) before writing anything if a file to write is already there,
    unless ``overwrite``. A damaged member raises ``damaged``: its file is not left
    behind, the files written before it stay (each one checked).
    """
    if not _SAFE_PLATFORM:
        raise ContentsError(
            "unsupported", "Extracting needs descriptor-relative file calls this system lacks."
        )
    files, folders, skipped = plan(select(directory, paths))
    destination = Path(destination)
    await asyncio.to_thread(_check_free, destination, files, overwrite)
    tally = _Tally(len(files), sum(entry.size for entry, _ in files), on_progress)
    tally.report()
    root = await asyncio.to_thread(_Root, destination)
    try:
        await asyncio.to_thread(root.make_folders, folders)
        await _write_files(reader, root, destination, files, overwrite, tally)
    except ContentsError as error:
        if tally.done and error.reason == "damaged":
            raise ContentsError(
                "damaged",
                f"{error.message} The {len(tally.done)} files written before it are whole.",
            ) from None
        raise
    finally:
        root.close()
    return ExtractResult(destination, tuple(tally.done), len(folders), tuple(skipped))


async def _write_files(
    reader: RemoteZip,
    root: _Root,
    destination: Path,
    files: Planned,
    overwrite: bool,
    tally: _Tally,
) -> None:
    """Small files fetched with their neighbours, then large ones streamed one by one."""
    targets = dict(files)
    small = [entry for entry, _ in files if entry.compressed_size <= SMALL]
    async for entry, content in reader.read_each(small):
        if isinstance(content, ContentsError):
            raise content
        relative = targets[entry]
        root.write_whole(relative, entry, content, overwrite)
        tally.done.append(Extracted(entry.path, destination.joinpath(relative), entry.size))
        tally.written += entry.size
        tally.report()
        if len(tally.done) % 64 == 0:
            await asyncio.sleep(0)  # let the event loop breathe between batches
    for entry, relative in files:
        if entry.compressed_size <= SMALL:
            continue
        target = await asyncio.to_thread(root.begin, relative, entry)
        try:
            async for piece in reader.stream(entry):
                await asyncio.to_thread(target.write, piece)
                tally.written += len(piece)
                tally.report()
            await asyncio.to_thread(target.commit, overwrite)
        except BaseException:
            target.abort()
            raise
        tally.done.append(Extracted(entry.path, destination.joinpath(relative), entry.size))
        tally.report()


_SAFE_PLATFORM = (
    os.open in os.supports_dir_fd
    and os.mkdir in os.supports_dir_fd
    and os.link in os.supports_dir_fd
    and os.rename in os.supports_dir_fd
    and _NOFOLLOW != 0
)


def _check_free(destination: Path, files: Planned, overwrite: bool) -> None:
    """Refuse before writing anything when files to write exist (and may not be replaced)."""
    if overwrite:
        return
    there = [rel for _, rel in files if os.path.lexists(destination.joinpath(rel))]
    if there:
        first = printable(there[0].as_posix())
        more = f" and {len(there) - 1} more" if len(there) > 1 else ""
        verb = "exist" if len(there) > 1 else "exists"
        raise ContentsError(
            "exists",
            f"{first}{more} already {verb} in {printable(str(destination))}; "
            f"nothing was extracted. Choose another folder or allow overwriting.",
        )


class _Root:
    """The destination folder, entered only through descriptors that never follow links."""

    def __init__(self, destination: Path) -> None:
        destination.mkdir(parents=True, exist_ok=True)
        # The folder itself may be a link the user chose (a Downloads folder elsewhere).
        self.fd = os.open(destination, _FLAGS_DIR)

    def close(self) -> None:
        os.close(self.fd)

    def close_dir(self, fd: int) -> None:
        if fd != self.fd:
            os.close(fd)

    def make_folders(self, folders: set[PurePosixPath]) -> None:
        """Make every folder (parents first)."""
        for folder in sorted(folders, key=lambda p: len(p.parts)):
            self.close_dir(self.open_dir(folder.parts))

    def open_dir(self, parts: Sequence[str]) -> int:
        """A descriptor of the folder at ``parts`` below the root, made if missing."""
        current = self.fd
        walked: list[str] = []
        try:
            for part in parts:
                walked.append(part)
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o777, dir_fd=current)
                try:
                    child = os.open(part, _FLAGS_DIR | _NOFOLLOW, dir_fd=current)
                except OSError as error:
                    raise _in_the_way("/".join(walked), error, _is_link(part, current)) from None
                self.close_dir(current)
                current = child
        except BaseException:
            self.close_dir(current)
            raise
        return current

    def begin(self, relative: PurePosixPath, entry: Entry) -> _Target:
        """A new temporary file in the right folder, to be committed under its name."""
        folder = self.open_dir(relative.parts[:-1])
        try:
            return _Target(folder, relative.name, entry, self.close_dir)
        except BaseException:
            self.close_dir(folder)
            raise

    def write_whole(
        self, relative: PurePosixPath, entry: Entry, content: bytes, overwrite: bool
    ) -> None:
        """Write a checked content in one go."""
        target = self.begin(relative, entry)
        try:
            target.write(content)
            target.commit(overwrite)
        except BaseException:
            target.abort()
            raise


def _is_link(name: str, folder: int) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _in_the_way(path: str, error: OSError, is_link: bool) -> ContentsError:
    # O_NOFOLLOW with O_DIRECTORY reports a link as ELOOP or ENOTDIR, by system.
    if is_link or error.errno == errno.ELOOP:
        return ContentsError(
            "unsafe", f"{path} in the destination is a symbolic link; sqtui does not follow it."
        )
    if error.errno == errno.ENOTDIR:
        return ContentsError("exists", f"{path} in the destination is a file, not a folder.")
    return _disk_error(path, error)


def _disk_error(path: str, error: OSError) -> ContentsError:
    what = error.strerror or type(error).__name__
    if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return ContentsError("disk", f"The disk filled up while writing {path} ({what}).")
    return ContentsError("disk", f"Could not write {path}: {what}.")


class _Target:
    """One file being written under a temporary name in its folder."""

    def __init__(self, folder: int, name: str, entry: Entry, release: _Release) -> None:
        self.folder = folder
        self.name = name
        self.entry = entry
        self._release = release
        self.temporary = f".sqtui-{secrets.token_hex(8)}.part"
        mode = 0o777 if entry.mode & 0o111 else 0o666  # the umask still applies
        try:
            self.fd: int | None = os.open(self.temporary, _FLAGS_NEW, mode, dir_fd=folder)
        except OSError as error:
            raise _disk_error(entry.path, error) from None

    def write(self, data: bytes) -> None:
        """Append ``data``."""
        assert self.fd is not None
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self.fd, view) :]
        except OSError as error:
            raise _disk_error(self.entry.path, error) from None

    def commit(self, overwrite: bool) -> None:
        """Close and give the file its name; never replaces one unless ``overwrite``."""
        assert self.fd is not None
        try:
            modified = self.entry.modified
            if modified is not None:
                with contextlib.suppress(OSError, OverflowError, ValueError):
                    os.utime(self.fd, (modified.timestamp(), modified.timestamp()))
            os.close(self.fd)
            self.fd = None
            self._place(overwrite)
        except OSError as error:
            self.abort()
            raise _disk_error(self.entry.path, error) from None
        except BaseException:
            self.abort()
            raise
        self._close_folder()

    def _close_folder(self) -> None:
        if self.folder >= 0:
            self._release(self.folder)
            self.folder = -1

    def _place(self, overwrite: bool) -> None:
        folder = self.folder
        if overwrite:
            # Replaces a file or a link itself, never what a link points to.
            os.rename(self.temporary, self.name, src_dir_fd=folder, dst_dir_fd=folder)
            return
        try:
            # A hard link fails if the name exists: no moment where a file is replaced.
            os.link(self.temporary, self.name, src_dir_fd=folder, dst_dir_fd=folder)
        except FileExistsError:
            raise ContentsError(
                "exists", f"{self.entry.path} appeared in the destination; it was kept."
            ) from None
        except OSError as error:
            if error.errno not in _NO_HARD_LINKS:
                raise
            # No hard links on this filesystem: look, then rename (a small window).
            try:
                os.stat(self.name, dir_fd=folder, follow_symlinks=False)
            except FileNotFoundError:
                os.rename(self.temporary, self.name, src_dir_fd=folder, dst_dir_fd=folder)
                return
            raise ContentsError(
                "exists", f"{self.entry.path} appeared in the destination; it was kept."
            ) from None
        os.unlink(self.temporary, dir_fd=folder)

    def abort(self) -> None:
        """Remove the temporary file (if still there); nothing is left under the final name."""
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None
        if self.folder >= 0:
            with contextlib.suppress(OSError):
                os.unlink(self.temporary, dir_fd=self.folder)
            self._close_folder()
