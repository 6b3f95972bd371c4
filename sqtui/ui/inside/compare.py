"""``D``: which version to compare with, the changed paths, and one file's unified diff."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, OptionList, RichLog, Static
from textual.widgets.option_list import Option

from sqtui.api.models import Snapshot
from sqtui.display import local_time, printable, size_text
from sqtui.domain.contents import Change, ContentsError, DirectoryDiff, SnapshotContents
from sqtui.domain.contents.snapshot_contents import diff_member, diff_versions
from sqtui.domain.flows.contents import OpenedContents
from sqtui.ui.inside.actions import SnapshotActions

MARKS = {"added": ("+", "green"), "removed": ("-", "red"), "modified": ("M", "yellow")}


def version_label(snapshot: Snapshot) -> Text:
    """``2026-11-22 03:00 · 148.0 MiB · automatic · Vzm5aJLA``."""
    return Text(
        f"{local_time(snapshot.modified)} · {size_text(snapshot.size)} · {snapshot.origin}"
        f" · {printable(snapshot.short_version)}"
    )


class VersionPicker(ModalScreen[str | None]):
    """Pick the version to compare with; the one before is highlighted."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="compare nothing", id="cancel"),
        Binding("j", "down", show=False, tooltip="down", id="down"),
        Binding("k", "up", show=False, tooltip="up", id="up"),
    ]

    def __init__(self, snapshots: list[Snapshot], current: str, default: str | None) -> None:
        super().__init__()
        self.snapshots = [s for s in snapshots if s.version_id != current]
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="version-picker"):
            yield Static(Text("Compare with which version?", style="bold"), classes="title")
            yield OptionList(
                *(Option(version_label(s), id=s.version_id) for s in self.snapshots),
                id="versions",
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        ids = [s.version_id for s in self.snapshots]
        if self.default in ids:
            options.highlighted = ids.index(self.default)
        options.focus()

    def action_down(self) -> None:
        """``j``: the next version."""
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        """``k``: the previous version."""
        self.query_one(OptionList).action_cursor_up()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Compare nothing."""
        self.dismiss(None)


def pick_and_diff(
    screen: Screen[None],
    opened: OpenedContents,
    contents: SnapshotContents,
    actions: SnapshotActions,
) -> None:
    """Ask for the other version (older one first), then show the diff, older to newer."""
    if len(opened.snapshots) < 2:
        screen.notify("This resource has only one snapshot: nothing to compare with.")
        return
    before = opened.before(contents.snapshot.version_id)

    def picked(version_id: str | None) -> None:
        if version_id is None:
            return
        other = opened.contents.version(version_id)
        old, new = sorted((other, contents), key=lambda c: c.snapshot.modified)
        screen.app.push_screen(DiffScreen(opened, old, new, actions))

    screen.app.push_screen(
        VersionPicker(
            opened.snapshots,
            contents.snapshot.version_id,
            before.snapshot.version_id if before else None,
        ),
        picked,
    )


def _size(value: int | None) -> Text:
    return Text(size_text(value) if value is not None else "—", justify="right")


class DiffScreen(Screen[None]):
    """Paths added, removed and modified from ``old`` to ``new``, with sizes and totals."""

    DEFAULT_CSS = """
    DiffScreen #diff-title { height: 1; padding: 0 1; background: $panel; }
    DiffScreen #diff-note { height: auto; padding: 0 1; }
    DiffScreen #diff-note.-error { color: $error; }
    DiffScreen DataTable { height: 1fr; background: $surface; }
    """

    BINDINGS = [
        Binding("escape,q", "back", "Back", tooltip="back", id="back"),
        Binding(
            "d", "download", "Download newer", tooltip="download the newer version", id="download"
        ),
        Binding("r", "restore", "Restore newer", tooltip="restore the newer version", id="restore"),
        Binding("j", "down", show=False, tooltip="down", id="down"),
        Binding("k", "up", show=False, tooltip="up", id="up"),
        Binding("g", "top", show=False, tooltip="first change", id="top"),
        Binding("G", "bottom", show=False, tooltip="last change", id="bottom"),
    ]

    def __init__(
        self,
        opened: OpenedContents,
        old: SnapshotContents,
        new: SnapshotContents,
        actions: SnapshotActions,
    ) -> None:
        super().__init__()
        self.opened = opened
        self.old = old
        self.new = new
        self.actions = actions
        self.changes: list[Change] = []

    def compose(self) -> ComposeResult:
        title = Text(printable(self.opened.resource.name), style="bold")
        title.append(
            f"  {local_time(self.old.snapshot.modified)} ({self.old.snapshot.short_version})"
            f" → {local_time(self.new.snapshot.modified)} ({self.new.snapshot.short_version})",
            style="dim",
        )
        yield Static(title, id="diff-title")
        yield Static(Text("Reading both directories…"), id="diff-note")
        yield DataTable(id="diff-table", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        table.add_column("", key="mark", width=1)
        table.add_column("Path", key="path")
        table.add_column("Before", key="before")
        table.add_column("After", key="after")
        table.focus()
        self.load()

    @work(exclusive=True, group="diff")
    async def load(self) -> None:
        """Compare the two directories (no file is read)."""
        note = self.query_one("#diff-note", Static)
        try:
            found = await diff_versions(self.old, self.new)
        except ContentsError as error:
            note.update(Text(error.human()))
            note.add_class("-error")
            return
        self.show(found)

    def show(self, found: DirectoryDiff) -> None:
        """Fill the table and the totals line."""
        self.changes = list(found.changes)
        table: DataTable[Text] = self.query_one(DataTable)
        table.clear()
        for change in self.changes:
            mark, colour = MARKS[change.kind]
            table.add_row(
                Text(mark, style=f"bold {colour}"),
                Text(printable(change.path), style=colour),
                _size(change.size_before),
                _size(change.size_after),
            )
        summary = Text()
        for kind in ("added", "removed", "modified"):
            mark, colour = MARKS[kind]
            summary.append(f"{found.count(kind):,} {kind}", style=colour)
            summary.append(" · ")
        summary.append(
            f"{found.unchanged:,} unchanged · {size_text(found.size_before)} → "
            f"{size_text(found.size_after)}"
        )
        if not self.changes:
            summary = Text("The two versions hold the same files, byte for byte.")
        stale = self.old.stale or self.new.stale
        if stale:
            summary.append("  (cached: the API cannot be reached)", style="bold")
        self.query_one("#diff-note", Static).update(summary)

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        change = self.changes[event.cursor_row]
        if change.is_dir:
            return
        screen = DiffTextScreen(self.old, self.new, change)
        self.app.push_screen(screen)

    def action_back(self) -> None:
        """Back to the contents."""
        self.dismiss()

    def action_down(self) -> None:
        """``j``."""
        self.query_one(DataTable).action_cursor_down()

    def action_up(self) -> None:
        """``k``."""
        self.query_one(DataTable).action_cursor_up()

    def action_top(self) -> None:
        """``g``."""
        self.query_one(DataTable).move_cursor(row=0)

    def action_bottom(self) -> None:
        """``G``."""
        table = self.query_one(DataTable)
        table.move_cursor(row=max(0, table.row_count - 1))

    def action_download(self) -> None:
        """``d``: download the newer of the two snapshots."""
        self.actions.download_snapshot(self.opened.resource, self.new.snapshot)

    def action_restore(self) -> None:
        """``r``: restore the newer of the two snapshots (the guarded dialog)."""
        self.actions.restore_snapshot(self.opened.resource, self.new.snapshot)


class DiffTextScreen(Screen[None]):
    """One file's unified diff, coloured; or why it is not shown line by line."""

    DEFAULT_CSS = """
    DiffTextScreen #difftext-title { height: 1; padding: 0 1; background: $panel; }
    DiffTextScreen RichLog { height: 1fr; background: $surface; }
    """

    BINDINGS = [Binding("escape,q", "back", "Back", tooltip="back to the changes", id="back")]

    def __init__(self, old: SnapshotContents, new: SnapshotContents, change: Change) -> None:
        super().__init__()
        self.old = old
        self.new = new
        self.change = change

    def compose(self) -> ComposeResult:
        title = Text(printable(self.change.path), style="bold")
        sizes = [
            size_text(v) if v is not None else "none"
            for v in (self.change.size_before, self.change.size_after)
        ]
        title.append(f"  {sizes[0]} → {sizes[1]}", style="dim")
        yield Static(title, id="difftext-title")
        yield RichLog(id="difftext", wrap=False, markup=False, highlight=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(RichLog).focus()
        self.load()

    @work(exclusive=True, group="difftext")
    async def load(self) -> None:
        """Read both versions of the file (only if it changed) and show the diff."""
        log = self.query_one(RichLog)
        try:
            lines = await diff_member(self.old, self.new, self.change.path)
        except ContentsError as error:
            log.write(Text(error.human(), style="bold red"))
            return
        if lines.kind != "text":
            log.write(Text(lines.reason))
            return
        for line in lines.lines:
            style = ""
            if line.startswith(("+++", "---")):
                style = "bold"
            elif line.startswith("+"):
                style = "green"
            elif line.startswith("-"):
                style = "red"
            elif line.startswith("@@"):
                style = "cyan"
            log.write(Text(printable(line.expandtabs(4)), style=style))

    def action_back(self) -> None:
        """Back to the list of changes."""
        self.dismiss()
