"""A snapshot's entries as folders, with file counts and sizes of everything below each.

Folders come from the paths themselves (an archive need not list them); each part of a
path is kept literally, ``..`` and empty parts included: the tree shows what the archive
holds, and only extraction decides what may reach the disk.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqtui.domain.contents.entry import Entry
from sqtui.domain.contents.pattern import path_matcher


@dataclass(eq=False, slots=True)
class Folder:
    """A folder: its subfolders and files by name, and totals of every file below it.

    ``path`` is the prefix its members share (``""`` for the root, else ending with
    ``/``), which is also what ``extract`` takes to mean the whole folder.
    """

    name: str
    path: str
    folders: dict[str, Folder] = field(default_factory=dict)
    files: dict[str, Entry] = field(default_factory=dict)
    entry: Entry | None = None
    file_count: int = 0
    total_size: int = 0
    compressed_size: int = 0

    def children(self) -> list[Folder | Entry]:
        """Subfolders then files, each sorted by name (case-insensitively)."""
        folders = sorted(self.folders.values(), key=lambda f: (f.name.casefold(), f.name))
        files = sorted(self.files.values(), key=lambda e: (e.name.casefold(), e.name))
        return [*folders, *files]

    def walk(self) -> Iterator[Entry]:
        """Every file below this folder, at any depth."""
        yield from self.files.values()
        for folder in self.folders.values():
            yield from folder.walk()

    def find_folder(self, path: str) -> Folder | None:
        """The folder at ``path`` below this one (``a/b`` or ``a/b/``), if it exists."""
        folder: Folder | None = self
        for part in _parts(path.removesuffix("/")) if path else []:
            folder = folder.folders.get(part) if folder is not None else None
        return folder


def _parts(path: str) -> list[str]:
    return path.split("/")


def build_tree(entries: Iterable[Entry]) -> Folder:
    """The root folder holding ``entries``; of two files with one path the later wins."""
    root = Folder(name="", path="")
    for entry in entries:
        parts = _parts(entry.path)
        if entry.is_dir:
            _folder_at(root, parts[:-1]).entry = entry
            continue
        chain = [root]
        folder = root
        for part in parts[:-1]:
            folder = _child(folder, part)
            chain.append(folder)
        previous = folder.files.get(parts[-1])
        folder.files[parts[-1]] = entry
        for node in chain:
            if previous is None:
                node.file_count += 1
            else:
                node.total_size -= previous.size
                node.compressed_size -= previous.compressed_size
            node.total_size += entry.size
            node.compressed_size += entry.compressed_size
    return root


def filter_tree(entries: Iterable[Entry], pattern: str) -> Folder:
    """The tree of only the files matching ``pattern`` (see ``pattern``), with their folders."""
    matches = path_matcher(pattern)
    return build_tree(e for e in entries if not e.is_dir and matches(e.path))


def _child(folder: Folder, name: str) -> Folder:
    child = folder.folders.get(name)
    if child is None:
        child = Folder(name=name, path=f"{folder.path}{name}/")
        folder.folders[name] = child
    return child


def _folder_at(root: Folder, parts: list[str]) -> Folder:
    folder = root
    for part in parts:
        folder = _child(folder, part)
    return folder
