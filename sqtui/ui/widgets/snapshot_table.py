"""The snapshot table of the selected resource: newest first, sortable by column.

The columns fit the width by priority: the state of a snapshot is never cut. When
the table is too narrow, times drop the year, then the least useful columns go
(origin, then age, then expiry, then size), and only then the elapsed time beside a
state word.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowDoesNotExist

from sqtui.api.models import Snapshot
from sqtui.display import age_text, elapsed_text, local_time, remaining_text, size_text
from sqtui.domain.pending import PendingSnapshot
from sqtui.ui.activity import Activity

log = logging.getLogger("sqtui.ui")

SORTS = ("modified", "size", "origin", "state")
PENDING_PREFIX = "pending:"
ORIGIN_WORDS = {"automatic": "auto", "manual": "manual", "unknown": "—"}
ARROWS = {True: " ▼", False: " ▲"}


@dataclass(frozen=True)
class Column:
    """One column: its key, header and the sort a click on its header picks."""

    key: str
    label: str
    sort: str


COLUMNS = (
    Column("modified", "Modified", "modified"),
    Column("age", "Age", "modified"),
    Column("size", "Size", "size"),
    Column("origin", "Origin", "origin"),
    Column("state", "State", "state"),
    # When the platform removes the snapshot; last, so a state never moves for it.
    Column("expires", "Expires", "modified"),
)
ALL_KEYS = tuple(c.key for c in COLUMNS)


@dataclass(frozen=True)
class Fit:
    """How rows are written: the year or not, elapsed times or not, which columns."""

    compact: bool
    elapsed: bool
    keys: tuple[str, ...]


def _without(*dropped: str) -> tuple[str, ...]:
    return tuple(k for k in ALL_KEYS if k not in dropped)


# Tried in order until one fits; the last one is used even if it does not.
FITS = (
    Fit(compact=False, elapsed=True, keys=ALL_KEYS),
    Fit(compact=True, elapsed=True, keys=ALL_KEYS),
    Fit(compact=True, elapsed=True, keys=_without("origin")),
    Fit(compact=True, elapsed=False, keys=_without("origin")),
    Fit(compact=True, elapsed=False, keys=_without("origin", "age")),
    Fit(compact=True, elapsed=False, keys=_without("origin", "age", "expires")),
    Fit(compact=True, elapsed=False, keys=("modified", "state")),
)

Cells = dict[str, Text]


class SnapshotTable(DataTable[Text]):
    """Rows of snapshots plus pending ones on top; ``s`` cycles the sort column."""

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False, tooltip="move down", id="down"),
        Binding("k,up", "cursor_up", "Up", show=False, tooltip="move up", id="up"),
        Binding("g,home", "scroll_top", "Top", show=False, tooltip="first snapshot", id="top"),
        Binding(
            "G,end", "scroll_bottom", "Bottom", show=False, tooltip="last snapshot", id="bottom"
        ),
        Binding(
            "s",
            "cycle_sort",
            "Sort",
            tooltip="sort by the next column (or click a header)",
            id="sort",
        ),
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
        self.fit = FITS[0]
        self._widths: dict[str, int] = {}
        self._follow: str | None = None

    @property
    def compact(self) -> bool:
        """True when times are written without the year (a narrow table)."""
        return self.fit.compact

    def on_mount(self) -> None:
        self._redraw()

    def on_resize(self) -> None:
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

    def follow(self, version_id: str) -> None:
        """Put the cursor on ``version_id`` now, or as soon as a listing shows it."""
        self._follow = version_id
        self._move_to_followed()

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
        rows: list[tuple[str, Snapshot | PendingSnapshot]]
        rows = [(PENDING_PREFIX + p.ident, p) for p in self.pending]
        rows += [(s.version_id, s) for s in self._sorted()]
        self.fit, cells = self._choose_fit(rows)
        self._set_columns()
        self.clear()
        added: set[str] = set()
        for key, row in zip((k for k, _ in rows), cells, strict=True):
            if key in added:
                # The parser drops repeats; two listed versions under one id are not
                # worth a crash either.
                log.warning("snapshot %r is listed twice; showing it once", key)
                continue
            added.add(key)
            self.add_row(*(row[k] for k in self.fit.keys), key=key)
        if current is not None:
            with contextlib.suppress(RowDoesNotExist):
                self.move_cursor(row=self.get_row_index(current), animate=False)
        self._move_to_followed()

    def _move_to_followed(self) -> None:
        if self._follow is None or not self.is_mounted:
            return
        with contextlib.suppress(RowDoesNotExist):
            self.move_cursor(row=self.get_row_index(self._follow), animate=False)
            self._follow = None

    # -- fitting the width -------------------------------------------------------------

    def _available(self, rows: int) -> int:
        """Columns for cells: the width less the scroll bar when rows overflow."""
        width = self.size.width
        if rows + 1 > self.size.height:
            width -= self.styles.scrollbar_size_vertical
        return width

    def _label(self, column: Column) -> str:
        arrow = ARROWS[self.sort_reverse] if column.key == self.sort_by else ""
        return column.label + arrow

    def _choose_fit(
        self, rows: Sequence[tuple[str, Snapshot | PendingSnapshot]]
    ) -> tuple[Fit, list[Cells]]:
        """The first fit whose columns fit the width, and the rows' cells in it."""
        available = self._available(len(rows))
        padding = 2 * self.cell_padding
        fit, cells = FITS[0], []
        for fit in FITS:
            cells = [self._cells_of(row, fit) for _key, row in rows]
            widths = self._measure(fit, cells)
            if sum(widths.values()) + padding * len(widths) <= available:
                break
        self._widths = self._measure(fit, cells)
        return fit, cells

    def _measure(self, fit: Fit, cells: Iterable[Cells]) -> dict[str, int]:
        widths = {c.key: len(self._label(c)) for c in COLUMNS if c.key in fit.keys}
        for row in cells:
            for key in fit.keys:
                widths[key] = max(widths[key], row[key].cell_len)
        return widths

    def _set_columns(self) -> None:
        """Make the columns those of the fit, at the widths measured."""
        wanted = [c for c in COLUMNS if c.key in self.fit.keys]
        if [str(k.value) for k in self.columns] != [c.key for c in wanted]:
            self.clear(columns=True)
            for column in wanted:
                self.add_column(
                    Text(self._label(column)), key=column.key, width=self._widths[column.key]
                )
            return
        for column in wanted:
            shown = self.columns[ColumnKey(column.key)]
            shown.label = Text(self._label(column))
            shown.width = self._widths[column.key]
        self.refresh()

    # -- cells ---------------------------------------------------------------------------

    def _cells_of(self, row: Snapshot | PendingSnapshot, fit: Fit) -> Cells:
        if isinstance(row, Snapshot):
            return self._snapshot_cells(row, fit)
        return self._pending_cells(row, fit)

    def _cells(self, snap: Snapshot) -> tuple[Text, ...]:
        """A snapshot's cells as its row shows them now, in column order."""
        cells = self._snapshot_cells(snap, self.fit)
        return tuple(cells[k] for k in self.fit.keys)

    def _snapshot_cells(self, snap: Snapshot, fit: Fit) -> Cells:
        kept = remaining_text(snap.kept_until, self._now)
        if not fit.compact and kept[0].isdigit():
            kept = "in " + kept
        return {
            "modified": Text(local_time(snap.modified, compact=fit.compact)),
            "age": Text(age_text(snap.modified, self._now)),
            "size": Text(size_text(snap.size), justify="right"),
            "origin": Text(ORIGIN_WORDS[snap.origin]),
            "expires": Text(kept, style="bold red" if kept == "due now" else ""),
            "state": self._state(snap, fit),
        }

    def _state(self, snap: Snapshot, fit: Fit | None = None) -> Text:
        fit = fit or self.fit
        activity = self.activity.get(snap.version_id)
        if activity is None:
            return Text("ready", style="green")
        text = activity.word
        if activity.since is not None and fit.elapsed:
            text += " " + elapsed_text(self._now - activity.since)
        return Text(text, style="bold yellow")

    def _pending_cells(self, pending: PendingSnapshot, fit: Fit | None = None) -> Cells:
        fit = fit or self.fit
        return {
            "modified": Text(local_time(pending.requested_at, compact=fit.compact)),
            "age": Text(age_text(pending.requested_at, self._now)),
            "size": Text("—", justify="right"),
            "origin": Text("manual"),
            "expires": Text("—"),
            "state": self._pending_state(pending, fit),
        }

    def _pending_state(self, pending: PendingSnapshot, fit: Fit | None = None) -> Text:
        fit = fit or self.fit
        elapsed = pending.elapsed(self._now)
        if pending.overdue(self._now, self.pending_timeout):
            if not fit.elapsed:
                return Text("? not seen yet", style="bold red")
            return Text(f"? not seen yet {elapsed_text(elapsed)}", style="bold red")
        word = "requesting" if pending.reason == "requesting" else "pending"
        if not fit.elapsed:
            # The Age column (when shown) already counts up from the request.
            return Text(f"⟳ {word}", style="bold yellow")
        return Text(f"⟳ {word} {elapsed_text(elapsed)}", style="bold yellow")

    # -- time passing --------------------------------------------------------------------

    def tick(self, now: datetime) -> None:
        """Refresh the cells that change with time (ages, elapsed counters, expiry)."""
        self._now = now
        updates: list[tuple[str, Cells]] = []
        for p in self.pending:
            updates.append((PENDING_PREFIX + p.ident, self._pending_cells(p)))
        for snap in self.snapshots:
            updates.append((snap.version_id, self._snapshot_cells(snap, self.fit)))
        if any(cells["state"].cell_len > self._widths.get("state", 0) for _key, cells in updates):
            # A counter grew a digit: lay the table out again rather than cut a state.
            self._redraw()
            return
        for key, cells in updates:
            for column in ("age", "expires", "state"):
                if column in self.fit.keys:
                    with contextlib.suppress(CellDoesNotExist, RowDoesNotExist):
                        self.update_cell(key, column, cells[column])

    def _redraw(self) -> None:
        self.show(self.snapshots, self.pending, self._now)

    def set_activity(self, version_id: str, activity: Activity | None) -> None:
        """Show (or clear) what runs on one snapshot.

        The table is the one owner of activities: they outlive a switch to another
        resource and back. A state wider than its column lays the table out again.
        """
        if activity is None:
            self.activity.pop(version_id, None)
        else:
            self.activity[version_id] = activity
        snap = next((s for s in self.snapshots if s.version_id == version_id), None)
        if snap is None:
            return
        state = self._state(snap)
        if state.cell_len > self._widths.get("state", 0):
            self._redraw()
            return
        with contextlib.suppress(CellDoesNotExist, RowDoesNotExist):
            self.update_cell(version_id, "state", state)

    # -- sorting -------------------------------------------------------------------------

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
        column = next((c.sort for c in COLUMNS if c.key == key), None)
        if column is None:
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
