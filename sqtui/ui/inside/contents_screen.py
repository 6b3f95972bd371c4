"""A snapshot's files as a tree (``enter`` on a snapshot): sizes, times, filter, fold.

``enter`` on a file shows it, ``e`` extracts the file or folder under the cursor,
``D`` compares this version with another, ``f`` finds a path across every version,
``d`` and ``r`` download or restore the snapshot being looked at.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input, Static, Tree
from textual.widgets.tree import TreeNode

from sqtui.api.models import Snapshot
from sqtui.display import local_time, printable, size_text
from sqtui.domain.contents import (
    ContentsError,
    Directory,
    Entry,
    Folder,
    SnapshotContents,
    build_tree,
    filter_tree,
)
from sqtui.domain.filenames import sanitize_component
from sqtui.domain.flows.contents import OpenedContents
from sqtui.ui.inside.actions import SnapshotActions
from sqtui.ui.inside.compare import pick_and_diff
from sqtui.ui.inside.extract_dialog import ExtractDialog
from sqtui.ui.inside.find_screen import FindScreen
from sqtui.ui.inside.viewer import FileViewer

#: A filter matching at most this many files opens every folder on its way.
EXPAND_ALL_UNDER = 400

Node = Folder | Entry


def entry_label(item: Node) -> Text:
    """A tree row: the name as stored (escaped), then its size and time or file count."""
    if isinstance(item, Folder):
        label = Text(printable(item.name) + "/", style="bold")
        files = "1 file" if item.file_count == 1 else f"{item.file_count:,} files"
        label.append(f"  {files} · {size_text(item.total_size)}", style="dim")
        return label
    label = Text(printable(item.name))
    when = item.modified
    stamp = when.strftime("%Y-%m-%d %H:%M") if when is not None else "no time"
    label.append(f"  {size_text(item.size)} · {stamp}", style="dim")
    return label


class ContentsTree(Tree[Node]):
    """The folders and files of one snapshot; folders fill in when first opened."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, tooltip="down", id="down"),
        Binding("k", "cursor_up", "Up", show=False, tooltip="up", id="up"),
        Binding("g,home", "scroll_home", "Top", show=False, tooltip="first row", id="top"),
        Binding("G,end", "scroll_end", "Bottom", show=False, tooltip="last row", id="bottom"),
    ]

    def action_scroll_home(self) -> None:
        """``g``: the first row."""
        self.cursor_line = 0

    def action_scroll_end(self) -> None:
        """``G``: the last row."""
        self.cursor_line = self.last_line

    def fill(self, root: Folder, *, expand_all: bool = False) -> None:
        """Show ``root``'s children (every folder opened when ``expand_all``)."""
        self.clear()
        self.root.data = root
        self._fill_folder(self.root, root, expand_all=expand_all)
        self.root.expand()
        self.cursor_line = 0

    def _fill_folder(self, node: TreeNode[Node], folder: Folder, *, expand_all: bool) -> None:
        for child in folder.children():
            if isinstance(child, Folder):
                added = node.add(entry_label(child), data=child)
                if expand_all:
                    self._fill_folder(added, child, expand_all=True)
                    added.expand()
            else:
                node.add_leaf(entry_label(child), data=child)

    @on(Tree.NodeExpanded)
    def _expanded(self, event: Tree.NodeExpanded[Node]) -> None:
        node = event.node
        if isinstance(node.data, Folder) and not node.children:
            self._fill_folder(node, node.data, expand_all=False)


class ContentsScreen(Screen[None]):
    """One snapshot's files, read from its zip directory (cached on disk per version)."""

    DEFAULT_CSS = """
    ContentsScreen #contents-title { height: 1; padding: 0 1; background: $panel; }
    ContentsScreen #contents-note { height: auto; padding: 0 1; color: $text-muted; }
    ContentsScreen #contents-note.-error { color: $error; }
    ContentsScreen #contents-filter { display: none; height: 1; border: none; padding: 0 1; }
    ContentsScreen #contents-filter.-shown { display: block; }
    ContentsScreen ContentsTree { height: 1fr; background: $surface; }
    """

    BINDINGS = [
        # escape is everywhere the way back: the footer keeps its room for the rest.
        Binding(
            "escape", "back", "Back", show=False, tooltip="clear the filter, then back", id="back"
        ),
        Binding(
            "slash",
            "filter",
            "Filter",
            tooltip="show only matching files (text or glob)",
            id="filter",
        ),
        Binding(
            "e",
            "extract",
            "Extract",
            tooltip="extract the file or folder under the cursor",
            id="extract",
        ),
        Binding("D", "diff", "Diff", tooltip="compare this version with another", id="diff"),
        Binding("f", "find", "Find", tooltip="find a path in every version", id="find"),
        Binding("d", "download", "Download", tooltip="download this snapshot", id="download"),
        Binding(
            "r",
            "restore",
            "Restore",
            tooltip="restore this snapshot (guarded dialog)",
            id="restore",
        ),
    ]

    def __init__(
        self,
        opened: OpenedContents,
        contents: SnapshotContents,
        actions: SnapshotActions,
        extract_to: Path,
    ) -> None:
        super().__init__()
        self.opened = opened
        self.contents = contents
        self.actions = actions
        self.extract_to = extract_to
        self.directory: Directory | None = None

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="contents-title")
        yield Input(
            placeholder="filter: part of a path, or a glob (*.py, config/**)", id="contents-filter"
        )
        yield Static(Text("Reading the snapshot's directory…"), id="contents-note")
        yield ContentsTree(Text(printable(self.opened.resource.name)), id="contents-tree")
        yield Footer(compact=True)

    def _title(self) -> Text:
        snap = self.contents.snapshot
        title = Text(printable(self.opened.resource.name), style="bold")
        title.append(f"  snapshot of {local_time(snap.modified)} · {snap.origin} ", style="dim")
        title.append(f"· version {printable(snap.short_version)}", style="dim")
        if self.directory is not None and self.directory.stale:
            title.append("  stale: the API cannot be reached", style="bold reverse")
        return title

    @property
    def files_tree(self) -> ContentsTree:
        """The folders and files."""
        return self.query_one(ContentsTree)

    def on_mount(self) -> None:
        self.files_tree.focus()
        self.load()

    @work(exclusive=True, group="contents")
    async def load(self) -> None:
        """Read the directory (from the disk cache when it was read before)."""
        note = self.query_one("#contents-note", Static)
        try:
            directory = await self.contents.directory()
        except ContentsError as error:
            note.update(Text(error.human()))
            note.add_class("-error")
            return
        self.directory = directory
        self.query_one("#contents-title", Static).update(self._title())
        self.files_tree.fill(build_tree(directory.entries))
        self._summary()

    def _summary(self, matched: int | None = None) -> None:
        directory = self.directory
        if directory is None:
            return
        files = directory.file_count
        text = f"{files:,} files · {size_text(directory.total_size)}"
        text += f" · archive {size_text(directory.archive_size)}"
        if matched is not None:
            text = f"{matched:,} of {files:,} files match · " + text.split(" · ", 1)[1]
        self.query_one("#contents-note", Static).update(Text(text))

    # -- keys --------------------------------------------------------------------

    def action_back(self) -> None:
        """``escape``: clear the filter first, then go back to the snapshots."""
        field = self.query_one("#contents-filter", Input)
        if field.has_class("-shown"):
            field.value = ""
            field.remove_class("-shown")
            self.files_tree.focus()
            return
        self.dismiss()

    def action_filter(self) -> None:
        """``/``: show only the files matching what is typed."""
        field = self.query_one("#contents-filter", Input)
        field.add_class("-shown")
        field.focus()

    @on(Input.Changed, "#contents-filter")
    def _filtered(self, event: Input.Changed) -> None:
        if self.directory is None:
            return
        pattern = event.value.strip()
        if not pattern:
            self.files_tree.fill(build_tree(self.directory.entries))
            self._summary()
            return
        root = filter_tree(self.directory.entries, pattern)
        self.files_tree.fill(root, expand_all=root.file_count <= EXPAND_ALL_UNDER)
        self._summary(root.file_count)

    @on(Input.Submitted, "#contents-filter")
    def _filter_done(self) -> None:
        self.files_tree.focus()

    @on(Tree.NodeSelected, "#contents-tree")
    def _selected(self, event: Tree.NodeSelected[Node]) -> None:
        if isinstance(event.node.data, Entry):
            self.app.push_screen(FileViewer(self.contents, event.node.data))

    def _under_cursor(self) -> Node | None:
        node = self.files_tree.cursor_node
        return node.data if node is not None else None

    def action_extract(self) -> None:
        """``e``: write the file or folder under the cursor into a folder."""
        item = self._under_cursor() or self.files_tree.root.data
        if item is None:
            return
        if isinstance(item, Folder):
            what, files, size = item.path, item.file_count, item.total_size
        else:
            what, files, size = item.path, 1, item.size
        snap = self.contents.snapshot
        name = sanitize_component(f"{self.opened.resource.name}-{snap.short_version}")
        label = f"{printable(self.opened.resource.name)}, {local_time(snap.modified)}"

        def chosen(folder: Path | None) -> None:
            if folder is not None:
                self.extract(what, folder)

        self.app.push_screen(
            ExtractDialog(what, files, size, self.extract_to / name, label), chosen
        )

    @work(group="extract")
    async def extract(self, what: str, folder: Path) -> None:
        """Write ``what`` under ``folder``; say what was written, or why not."""
        self.notify(f"Extracting into {folder}…", markup=False, timeout=2)
        try:
            done = await self.contents.extract([what], folder)
        except ContentsError as error:
            self.notify(error.human(), title="Not extracted", severity="error", markup=False)
            return
        text = f"{len(done.files):,} files ({size_text(done.bytes_written)}) in {folder}"
        if done.skipped:
            text += f"; {len(done.skipped)} left out (unsafe names or links)"
        self.notify(text, title="Extracted, CRC-checked", markup=False)

    def action_diff(self) -> None:
        """``D``: compare this version with another (the one before it by default)."""
        pick_and_diff(self, self.opened, self.contents, self.actions)

    def action_find(self) -> None:
        """``f``: find a path across every version of this resource."""
        item = self._under_cursor()
        start = item.path if isinstance(item, Entry) else ""
        self.app.push_screen(FindScreen(self.opened, self.actions, self._open_version, start))

    def _open_version(self, snapshot: Snapshot) -> None:
        contents = self.opened.contents.version(snapshot.version_id)
        self.app.push_screen(ContentsScreen(self.opened, contents, self.actions, self.extract_to))

    def action_download(self) -> None:
        """``d``: download this snapshot (the usual dialog)."""
        self.actions.download_snapshot(self.opened.resource, self.contents.snapshot)

    def action_restore(self) -> None:
        """``r``: restore this snapshot (the usual guarded dialog)."""
        self.actions.restore_snapshot(self.opened.resource, self.contents.snapshot)
