"""``f``: a path or pattern across every version: which have it, and where it changed."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from sqtui.api.models import Snapshot
from sqtui.display import local_time, printable, size_text
from sqtui.domain.contents import ContentsError, FindResult
from sqtui.domain.flows.contents import OpenedContents
from sqtui.ui.inside.actions import SnapshotActions

#: Rows shown at most; a pattern matching more says so and asks for a narrower one.
ROW_LIMIT = 2000

CHANGE_TEXT = {
    "first": ("oldest", "dim"),
    "added": ("added", "green"),
    "changed": ("changed", "bold yellow"),
    "unchanged": ("same", "dim"),
}


class FindScreen(Screen[None]):
    """Type a path or a glob; each match lists the versions holding it, newest first."""

    DEFAULT_CSS = """
    FindScreen #find-title { height: 1; padding: 0 1; background: $panel; }
    FindScreen #find-pattern { height: 1; border: none; padding: 0 1; }
    FindScreen #find-note { height: auto; padding: 0 1; }
    FindScreen #find-note.-error { color: $error; }
    FindScreen DataTable { height: 1fr; background: $surface; }
    """

    BINDINGS = [
        Binding("escape", "back", "Back", tooltip="back", id="back"),
        Binding("slash", "edit", "Pattern", tooltip="change the pattern", id="search"),
        Binding(
            "d", "download", "Download", tooltip="download the version on this row", id="download"
        ),
        Binding("r", "restore", "Restore", tooltip="restore the version on this row", id="restore"),
        Binding("j", "down", show=False, tooltip="down", id="down"),
        Binding("k", "up", show=False, tooltip="up", id="up"),
    ]

    def __init__(
        self,
        opened: OpenedContents,
        actions: SnapshotActions,
        open_version: Callable[[Snapshot], None],
        pattern: str = "",
    ) -> None:
        super().__init__()
        self.opened = opened
        self.actions = actions
        self.open_version = open_version
        self.pattern = pattern
        self.rows: list[tuple[str, Snapshot]] = []

    def compose(self) -> ComposeResult:
        title = Text(f"Find in every version of {printable(self.opened.resource.name)}", "bold")
        title.append(f"  ({len(self.opened.snapshots)} versions)", style="dim")
        yield Static(title, id="find-title")
        yield Input(
            self.pattern,
            placeholder="a path, part of one, or a glob (*.toml, config/**); enter searches",
            id="find-pattern",
        )
        yield Static(Text("Type a path and press enter."), id="find-note")
        yield DataTable(id="find-table", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        for label in ("Path", "Version", "Snapshot", "Size", "Vs. older"):
            table.add_column(label)
        if self.pattern:
            self.search(self.pattern)
            table.focus()
        else:
            self.query_one("#find-pattern", Input).focus()

    @on(Input.Submitted, "#find-pattern")
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.search(event.value.strip())
            self.query_one(DataTable).focus()

    @work(exclusive=True, group="find")
    async def search(self, pattern: str) -> None:
        """Read every version's directory (cached ones cost nothing) and match."""
        note = self.query_one("#find-note", Static)
        note.remove_class("-error")
        note.update(Text(f"Searching {len(self.opened.snapshots)} versions…"))
        try:
            found = await self.opened.contents.find(pattern)
        except ContentsError as error:
            note.update(Text(error.human()))
            note.add_class("-error")
            return
        self.show(found, pattern)

    def show(self, found: FindResult, pattern: str) -> None:
        """One row per version holding each match; the path only on its first row."""
        table: DataTable[Text] = self.query_one(DataTable)
        table.clear()
        self.rows = []
        by_version = {s.version_id: s for s in self.opened.snapshots}
        for finding in found.findings:
            for index, seen in enumerate(finding.occurrences):
                if len(self.rows) >= ROW_LIMIT:
                    break
                word, style = CHANGE_TEXT[seen.change]
                table.add_row(
                    Text(printable(finding.path) if index == 0 else "", style="bold"),
                    Text(seen.version_id[:8]),
                    Text(local_time(seen.modified)),
                    Text(size_text(seen.size), justify="right"),
                    Text(word, style=style),
                )
                self.rows.append((finding.path, by_version[seen.version_id]))
        matched = len(found.findings)
        text = f"{matched:,} path(s) matching {printable(pattern)} in {found.searched} versions"
        if len(self.rows) >= ROW_LIMIT:
            text += f"; the first {ROW_LIMIT:,} rows are shown: narrow the pattern"
        if found.failed:
            text += f"; {len(found.failed)} version(s) could not be read"
        if not matched:
            text = f"No file matches {printable(pattern)} in {found.searched} versions."
        self.query_one("#find-note", Static).update(Text(text))

    def _current(self) -> Snapshot | None:
        return self.rows[self.query_one(DataTable).cursor_row][1] if self.rows else None

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        """``enter``: the files of the version on that row."""
        self.open_version(self.rows[event.cursor_row][1])

    def action_back(self) -> None:
        """Back to where ``f`` was pressed."""
        self.dismiss()

    def action_edit(self) -> None:
        """``/``: change the pattern."""
        self.query_one("#find-pattern", Input).focus()

    def action_down(self) -> None:
        """``j``."""
        self.query_one(DataTable).action_cursor_down()

    def action_up(self) -> None:
        """``k``."""
        self.query_one(DataTable).action_cursor_up()

    def action_download(self) -> None:
        """``d``: download the version of the row under the cursor."""
        snapshot = self._current()
        if snapshot is not None:
            self.actions.download_snapshot(self.opened.resource, snapshot)

    def action_restore(self) -> None:
        """``r``: restore the version of the row under the cursor (guarded dialog)."""
        snapshot = self._current()
        if snapshot is not None:
            self.actions.restore_snapshot(self.opened.resource, snapshot)
