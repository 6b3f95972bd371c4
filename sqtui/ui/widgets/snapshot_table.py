"""The snapshot table of the selected resource: newest first, sortable by column."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import datetime, timedelta

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowDoesNotExist

from sqtui.api.models import Snapshot
from sqtui.display import age_text, elapsed_text, local_time, size_text
from sqtui.domain.pending import PendingSnapshot
from sqtui.ui.activity import Activity

COLUMNS = ("Modified", "Age", "Size", "Origin", "State")
SORTS = ("modified", "size", "origin", "state")
PENDING_PREFIX = "pending:"
COMPACT_BELOW = 64
ORIGIN_WORDS = {"automatic": "auto", "manual": "manual", "unknown": "—"}


class SnapshotTable(DataTable[Text]):
    """Rows of snapshots plus pending ones on top; ``s`` cycles the sort column."""

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False, tooltip="move down"),
        Binding("k,up", "cursor_up", "Up", show=False, tooltip="move up"),
        Binding("s", "cycle_sort", "Sort", tooltip="sort by the next column (or click a header)"),
    ]

    def __init__(self, *, pending_timeout: timedelta, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.snapshots: list[Snapshot] = []
        self.pending: list[PendingSnapshot] = []
        self.activity: dict[str, Activity] = {}
        self.sort_by = "modified"
        self.sort_reverse = True
        self.pending_timeout = pending_timeout
        self._now = datetime.now().astimezone()
        self.compact = False

    def on_mount(self) -> None:
        for label in COLUMNS:
            self.add_column(label, key=label.lower())

    def on_resize(self) -> None:
        # Narrow terminals (80 columns) drop the year: retention is 30 days anyway.
        compact = self.size.width < COMPACT_BELOW
        if compact != self.compact:
            self.compact = compact
            self._redraw()

    @property
    def selected(self) -> Snapshot | None:
        """The snapshot under the cursor (None on a pending row or an empty table)."""
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except RowDoesNotExist:
            return None
        return next((s for s in self.snapshots if s.version_id == key), None)

    def show(
        self,
        snapshots: Sequence[Snapshot],
        pending: Sequence[PendingSnapshot],
        now: datetime,
    ) -> None:
        """Replace the rows, keeping the cursor on the same snapshot when it is still there."""
        current = None
        if self.row_count:
            try:
                current = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
            except RowDoesNotExist:
                current = None
        self.snapshots = list(snapshots)
        self.pending = list(pending)
        self._now = now
        self._label_sorted_column()
        self.clear()
        for p in self.pending:
            self.add_row(*self._pending_cells(p), key=PENDING_PREFIX + p.ident)
        for snap in self._sorted():
            self.add_row(*self._cells(snap), key=snap.version_id)
        if current is not None:
            with contextlib.suppress(RowDoesNotExist):
                self.move_cursor(row=self.get_row_index(current), animate=False)

    def _label_sorted_column(self) -> None:
        """Mark the sorted column's header with an arrow (▼ descending, ▲ ascending)."""
        arrow = " ▼" if self.sort_reverse else " ▲"
        for label in COLUMNS:
            column = self.columns.get(ColumnKey(label.lower()))
            if column is not None:
                sorted_here = label.lower() == self.sort_by
                column.label = Text(label + (arrow if sorted_here else ""))

    def tick(self, now: datetime) -> None:
        """Refresh the cells that change with time (ages, elapsed counters)."""
        self._now = now
        for p in self.pending:
            key = PENDING_PREFIX + p.ident
            self.update_cell(key, "age", Text(age_text(p.requested_at, now)))
            self.update_cell(key, "state", self._pending_state(p))
        for snap in self.snapshots:
            self.update_cell(snap.version_id, "age", Text(age_text(snap.modified, now)))
            if snap.version_id in self.activity:
                self.update_cell(snap.version_id, "state", self._state(snap))

    def _redraw(self) -> None:
        self.show(self.snapshots, self.pending, self._now)

    def set_activity(self, version_id: str, activity: Activity | None) -> None:
        """Show (or clear) what runs on one snapshot, redrawing only its state cell.

        The table is the one owner of activities: they outlive a switch to another
        resource and back.
        """
        if activity is None:
            self.activity.pop(version_id, None)
        else:
            self.activity[version_id] = activity
        snap = next((s for s in self.snapshots if s.version_id == version_id), None)
        if snap is not None:
            with contextlib.suppress(CellDoesNotExist, RowDoesNotExist):
                self.update_cell(version_id, "state", self._state(snap))

    def action_cycle_sort(self) -> None:
        """Sort by the next column (modified, size, origin, state)."""
        index = (SORTS.index(self.sort_by) + 1) % len(SORTS)
        self.sort_by = SORTS[index]
        self.sort_reverse = self.sort_by in ("modified", "size")
        self._redraw()
        self.notify(f"Sorted by {self.sort_by}", timeout=2)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        """Clicking a header sorts by it; clicking it again reverses the order."""
        key = str(event.column_key.value)
        column = "modified" if key == "age" else key
        if column not in SORTS:
            return
        if column == self.sort_by:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_by, self.sort_reverse = column, column in ("modified", "size")
        self._redraw()

    def _sorted(self) -> list[Snapshot]:
        def key(snap: Snapshot) -> tuple[object, ...]:
            if self.sort_by == "size":
                return (snap.size, snap.modified)
            if self.sort_by == "origin":
                return (snap.origin, snap.modified)
            if self.sort_by == "state":
                return (snap.version_id in self.activity, snap.modified)
            return (snap.modified,)

        return sorted(self.snapshots, key=key, reverse=self.sort_reverse)

    def _cells(self, snap: Snapshot) -> tuple[Text, ...]:
        return (
            Text(local_time(snap.modified, compact=self.compact)),
            Text(age_text(snap.modified, self._now)),
            Text(size_text(snap.size), justify="right"),
            Text(ORIGIN_WORDS[snap.origin]),
            self._state(snap),
        )

    def _state(self, snap: Snapshot) -> Text:
        activity = self.activity.get(snap.version_id)
        if activity is None:
            return Text("ready", style="green")
        text = activity.word
        if activity.since is not None and not self.compact:
            text += " " + elapsed_text(self._now - activity.since)
        return Text(text, style="bold yellow")

    def _pending_cells(self, pending: PendingSnapshot) -> tuple[Text, ...]:
        return (
            Text(local_time(pending.requested_at, compact=self.compact)),
            Text(age_text(pending.requested_at, self._now)),
            Text("—", justify="right"),
            Text("manual"),
            self._pending_state(pending),
        )

    def _pending_state(self, pending: PendingSnapshot) -> Text:
        elapsed = pending.elapsed(self._now)
        if pending.overdue(self._now, self.pending_timeout):
            if self.compact:
                return Text("? not seen yet", style="bold red")
            return Text(f"? not seen yet {elapsed_text(elapsed)}", style="bold red")
        word = "requesting" if pending.reason == "requesting" else "pending"
        if self.compact:
            # The Age column already counts up from the request.
            return Text(f"⟳ {word}", style="bold yellow")
        return Text(f"⟳ {word} {elapsed_text(elapsed)}", style="bold yellow")
