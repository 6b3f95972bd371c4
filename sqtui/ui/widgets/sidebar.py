"""The sidebar: applications and databases, with running state and a fuzzy filter.

An account may hold thousands of resources, and the list is redrawn on every refresh
and every key typed in the filter. So each resource's line is rendered once and kept
while it looks the same (name, running state, activity), the list's options are reused
rather than rebuilt, and a longer filter only looks among what the shorter one matched.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.css.styles import RulesMap
from textual.fuzzy import FuzzySearch
from textual.message import Message
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from sqtui.api.models import Resource, ResourceKind, ResourceStatus
from sqtui.display import printable, shown_name
from sqtui.ui.messages import ResourceHighlighted, ResourceOpened

log = logging.getLogger("sqtui.ui")

# Longer names are cut here first (the screen cuts them again to the width).
NAME_LIMIT = 120
# Textual's fuzzy score tries every way the query's letters fall in a name: past this
# many (a name of hundreds of repeated letters), the first way is scored instead.
SCORED_WAYS_LIMIT = 500


class ResourceList(OptionList):
    """Resources grouped under APPLICATIONS and DATABASES; headers are not selectable.

    The cursor stops at both ends: wrapping around would put an overshoot on a
    resource far from the one meant, and ``n`` would snapshot that one.
    """

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False, tooltip="move down", id="down"),
        Binding("k,up", "cursor_up", "Up", show=False, tooltip="move up", id="up"),
        Binding("g,home", "first", "First", show=False, tooltip="first resource", id="top"),
        Binding("G,end", "last", "Last", show=False, tooltip="last resource", id="bottom"),
        Binding("enter", "select", "Open", show=False, tooltip="open: its snapshots", id="open"),
        Binding(
            "space",
            "mark",
            "Mark",
            show=False,
            tooltip="mark or unmark it for a batch (n snapshots, d downloads each marked)",
            id="mark",
        ),
        Binding(
            "shift+down",
            "mark_step(1)",
            "Mark down",
            show=False,
            tooltip="mark it and the next one (extends the marks)",
            id="mark_down",
        ),
        Binding(
            "shift+up",
            "mark_step(-1)",
            "Mark up",
            show=False,
            tooltip="mark it and the one before (extends the marks)",
            id="mark_up",
        ),
    ]

    @property
    def _sidebar(self) -> Sidebar:
        return self.query_ancestor(Sidebar)

    def action_mark(self) -> None:
        """Mark or unmark the resource under the cursor."""
        self._sidebar.toggle_mark()

    def action_mark_step(self, direction: int) -> None:
        """Mark the resource under the cursor, move, and mark the next one too."""
        self._sidebar.extend_marks(direction)

    def action_cursor_down(self) -> None:
        """Move to the next resource; stay on the last one."""
        self._step(1)

    def action_cursor_up(self) -> None:
        """Move to the previous resource; stay on the first one."""
        self._step(-1)

    def _step(self, direction: int) -> None:
        if self.highlighted is None:
            self.action_first() if direction > 0 else self.action_last()
            return
        step = 1 if direction > 0 else -1
        index = self.highlighted + step
        while 0 <= index < self.option_count:
            if not self.get_option_at_index(index).disabled:
                self.highlighted = index
                return
            index += step


class _Line(Visual):
    """One line of the list, one row high at any width.

    Names are escaped and cut, never wrapped: said here, the list need not measure
    each of thousands of lines whenever its options change.
    """

    def __init__(self, label: Text) -> None:
        self._content = Content.from_rich_text(label)
        # The last few renders: the list forgets its own whenever its options change.
        self._strips: dict[tuple[int, int | None, Style], list[Strip]] = {}

    def __str__(self) -> str:
        return str(self._content)

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        """The label's strips, as Textual renders any text."""
        if options.selection is not None or options.post_style is not None:
            return self._content.render_strips(width, height, style, options)
        key = (width, height, style)
        strips = self._strips.get(key)
        if strips is None:
            if len(self._strips) >= 4:
                self._strips.clear()
            strips = self._strips[key] = self._content.render_strips(width, height, style, options)
        return strips

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        """The label's own width."""
        return self._content.get_optimal_width(rules, container_width)

    def get_height(self, rules: RulesMap, width: int) -> int:
        """One row."""
        return 1


@dataclass(frozen=True)
class _Row:
    """One resource's line, kept while it looks the same (``look``)."""

    look: tuple[Resource, bool | None, str, bool, bool]
    option: Option
    name: str  # as the filter matches it: printable, lower case


def _in_order(query: str, name: str) -> list[int] | None:
    """Where the query's letters first fall in ``name``, in order; None if they do not."""
    offsets = []
    at = 0
    for letter in query:
        found = name.find(letter, at)
        if found < 0:
            return None
        offsets.append(found)
        at = found + 1
    return offsets


class _NameFilter:
    """Textual's fuzzy match of names (the command palette's), affordable for thousands.

    A name matches when the query's letters appear in it in order, whatever the case;
    matches are ranked by Textual's score. A query that extends the previous one only
    looks among the names that one matched.
    """

    def __init__(self) -> None:
        self._search = FuzzySearch()
        self._last: tuple[str, list[tuple[Resource, str]]] | None = None

    def forget(self) -> None:
        """The resources changed: the next query looks at all of them."""
        self._last = None

    def matches(self, query: str, names: list[tuple[Resource, str]]) -> list[Resource]:
        """The resources whose (lower-case) name matches ``query``, best first."""
        lowered = query.lower()
        if self._last is not None and lowered.startswith(self._last[0]):
            names = self._last[1]
        kept = []
        scored = []
        for resource, name in names:
            offsets = _in_order(lowered, name)
            if offsets is None:
                continue
            kept.append((resource, name))
            scored.append((self._score(lowered, name, offsets), resource))
        self._last = (lowered, kept)
        # Stable: equal scores keep the account's order.
        scored.sort(key=lambda pair: -pair[0])
        return [resource for _, resource in scored]

    def _score(self, query: str, name: str, offsets: list[int]) -> float:
        ways = 1
        for letter in query:
            ways *= name.count(letter)
            if ways > SCORED_WAYS_LIMIT and query not in name:
                return self._search.score(name, offsets)
        return self._search.match(query, name)[0]


class Sidebar(Vertical):
    """Filter input above the resource list; owns which resource is highlighted."""

    class NothingShown(Message):
        """The filter hides every resource: nothing is selected any more."""

    class MarksChanged(Message):
        """Resources were marked or unmarked (:attr:`Sidebar.marked` says which)."""

    BINDINGS = [
        Binding(
            "escape",
            "clear_filter",
            "Clear filter",
            show=False,
            tooltip="clear the filter",
            id="clear_filter",
        )
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.resources: tuple[Resource, ...] = ()
        self.statuses: Mapping[str, ResourceStatus] = {}
        self.busy: Mapping[str, str] = {}
        self._by_id: dict[str, Resource] = {}
        self._totals: dict[ResourceKind, int] = {}
        self._rows: dict[str, _Row] = {}
        # False when the running states or activities changed since the rows were drawn.
        self._rows_current = False
        # Each group's header as last drawn, and its "(none)" line.
        self._headers: dict[ResourceKind, tuple[str, Option]] = {}
        none = Text("  (none)", style="dim")
        self._nothing = {kind: Option(_Line(none), disabled=True) for kind in ResourceKind}
        self._filter = _NameFilter()
        self._shown: list[Resource] = []
        self._selected_id: str | None = None
        self._announced_id: str | None = None
        # Marked for a batch, in the order marked (a batch is sent in that order).
        self._marked: dict[str, None] = {}

    def compose(self) -> ComposeResult:
        yield Input(placeholder="/ filter", id="filter")
        yield ResourceList(id="resources")

    @property
    def option_list(self) -> ResourceList:
        """The list widget (focus target)."""
        return self.query_one(ResourceList)

    @property
    def filter_input(self) -> Input:
        """The filter box."""
        return self.query_one("#filter", Input)

    @property
    def highlighted_resource(self) -> Resource | None:
        """The resource under the list's cursor right now.

        Read from the list itself, not from the highlight message that follows it, so
        a key pressed right after ``j`` acts on what the user sees.
        """
        option_list = self.option_list
        index = option_list.highlighted
        if index is None or index >= option_list.option_count:
            return None
        option_id = option_list.get_option_at_index(index).id
        return self._by_id.get(option_id) if option_id is not None else None

    def show(
        self,
        resources: Sequence[Resource],
        statuses: Mapping[str, ResourceStatus],
        busy: Mapping[str, str] | None = None,
    ) -> None:
        """Replace the resources (keeping the highlight on the same one when it stays)."""
        self.resources = tuple(resources)
        self.statuses = statuses
        self.busy = busy or {}
        unique: dict[str, Resource] = {}
        for resource in self.resources:
            if resource.id in unique:
                log.warning("resource %r is listed twice; showing it once", resource.id)
                continue
            unique[resource.id] = resource
        self._by_id = unique
        self._totals = {kind: 0 for kind in ResourceKind}
        for resource in unique.values():
            self._totals[resource.kind] += 1
        self._rows = {rid: row for rid, row in self._rows.items() if rid in unique}
        gone = [rid for rid in self._marked if rid not in unique]
        for rid in gone:
            del self._marked[rid]
        if gone and self.is_mounted:
            self.post_message(self.MarksChanged())
        self._rows_current = False
        self._filter.forget()
        self._rebuild()

    def set_busy(self, busy: Mapping[str, str]) -> None:
        """Mark resources with an activity word (``restoring``) next to their name."""
        self.busy = dict(busy)
        self._rows_current = False
        self._rebuild()

    def select(self, resource_id: str) -> None:
        """Highlight ``resource_id`` (clearing a filter that hides it)."""
        if not any(r.id == resource_id for r in self._shown):
            self.filter_input.value = ""
        self._selected_id = resource_id
        self._rebuild()

    def _row(self, resource: Resource) -> _Row:
        """The resource's line, drawn again only when what it shows changed."""
        status = self.statuses.get(resource.id)
        activity = self.busy.get(resource.id, "")
        fits = bool(activity) and (
            len(self._short_name(resource)) + len(activity) + 7 <= self.size.width
        )
        marked = resource.id in self._marked
        look = (resource, None if status is None else status.running, activity, fits, marked)
        row = self._rows.get(resource.id)
        if row is None or row.look != look:
            option = Option(_Line(self._label(resource)), id=resource.id)
            row = _Row(look, option, printable(resource.name).lower())
            self._rows[resource.id] = row
        return row

    def _header(self, kind: ResourceKind, title: str, count: str) -> Option:
        drawn = self._headers.get(kind)
        if drawn is not None and drawn[0] == count:
            return drawn[1]
        # No id: ids are the resources' own, whatever the server calls them.
        header = Text.assemble((title, "bold"), " ", (count, "dim"))
        option = Option(_Line(header), disabled=True)
        self._headers[kind] = (count, option)
        return option

    def _rebuild(self) -> None:
        query = self.filter_input.value.strip() if self.is_mounted else ""
        if not self._rows_current:
            for resource in self._by_id.values():
                self._row(resource)
            self._rows_current = True
        rows = self._rows
        everything = list(self._by_id.values())
        if query:
            names = [(r, rows[r.id].name) for r in everything]
            shown = self._filter.matches(query, names)
        else:
            shown = everything
        self._shown = shown
        options: list[Option] = []
        for kind, title in (
            (ResourceKind.APP, "APPLICATIONS"),
            (ResourceKind.DATABASE, "DATABASES"),
        ):
            group = [rows[r.id].option for r in shown if r.kind is kind]
            total = self._totals.get(kind, 0)
            count = f"{len(group)}/{total}" if query else str(total)
            options.append(self._header(kind, title, count))
            if not group:
                options.append(self._nothing[kind])
            options.extend(group)
        option_list = self.option_list
        current = option_list.options
        if len(current) != len(options) or any(
            old is not new for old, new in zip(current, options, strict=True)
        ):
            option_list.set_options(options)
        index = None
        if self._selected_id in self._by_id and any(r.id == self._selected_id for r in shown):
            index = option_list.get_option_index(self._selected_id)
        if index is None:
            index = next((i for i, o in enumerate(options) if not o.disabled), None)
        option_list.highlighted = index
        if index is None and self.is_mounted:
            # Announce again whatever a wider filter brings back.
            self._announced_id = None
            self.post_message(self.NothingShown())

    def _short_name(self, resource: Resource) -> str:
        """The name escaped, and shortened well past any sidebar's width.

        The list's style cuts what does not fit with an ellipsis on one line; this
        only keeps a name of thousands of characters from being laid out at all.
        """
        return shown_name(resource.name, NAME_LIMIT)

    def _label(self, resource: Resource) -> Text:
        status = self.statuses.get(resource.id)
        activity = self.busy.get(resource.id)
        # A marked resource's name is ticked and bold: seen without colour too.
        mark = Text("✓ ", style="bold cyan") if resource.id in self._marked else Text()
        name_style = "bold" if resource.id in self._marked else ""
        if activity:
            # Replaces the running dot; the word follows the name when it fits.
            name = self._short_name(resource)
            label = Text.assemble(
                Text("⟲ ", style="bold yellow"), mark, Text(name, style=name_style)
            )
            if len(name) + len(mark) + len(activity) + 5 <= self.size.width:
                label.append(f" {activity}", style="bold yellow")
            label.no_wrap = True
            label.overflow = "ellipsis"
            return label
        if status is None:
            dot = Text("· ", style="dim")
        elif status.running:
            dot = Text("● ", style="green")
        else:
            dot = Text("○ ", style="dim")
        label = Text.assemble(dot, mark, Text(self._short_name(resource), style=name_style))
        label.no_wrap = True
        label.overflow = "ellipsis"
        return label

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        self._rebuild()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        resource = self.highlighted_resource
        self.option_list.focus()
        if resource is not None:
            self.post_message(ResourceOpened(resource))

    @on(Input.Blurred, "#filter")
    def _filter_left(self) -> None:
        # The filter is reached with ``/``, not by tabbing into it by accident.
        self.filter_input.can_focus = False

    @on(OptionList.OptionHighlighted, "#resources")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_index != self.option_list.highlighted:
            # Moved on since (a show and a select in one go): only where it is counts.
            return
        resource = self._by_id.get(event.option.id) if event.option.id is not None else None
        if resource is not None and resource.id != self._announced_id:
            self._selected_id = self._announced_id = resource.id
            self.post_message(ResourceHighlighted(resource))

    @on(OptionList.OptionSelected, "#resources")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        resource = self._by_id.get(event.option.id) if event.option.id is not None else None
        if resource is not None:
            self.post_message(ResourceOpened(resource))

    def clear_filter(self) -> bool:
        """Empty the filter (showing everything again); False if it was empty already."""
        if not self.filter_input.value:
            return False
        # Rebuilt here, at once: the box's own Changed would rebuild it a second time.
        with self.filter_input.prevent(Input.Changed):
            self.filter_input.value = ""
        self._rebuild()
        return True

    @property
    def nothing_shown(self) -> bool:
        """True when the filter hides every resource (so nothing is selected)."""
        return bool(self.resources) and not self._shown

    def action_clear_filter(self) -> None:
        """In the filter box: empty it and go back to the list. In the list: unmark what
        is marked, else empty the filter."""
        if self.filter_input.has_focus or not self.clear_marks():
            self.clear_filter()
        self.option_list.focus()

    # -- marks for a batch ---------------------------------------------------------------

    @property
    def marked(self) -> tuple[Resource, ...]:
        """The marked resources, in the order they were marked."""
        return tuple(self._by_id[rid] for rid in self._marked if rid in self._by_id)

    def toggle_mark(self) -> None:
        """Mark the resource under the cursor, or unmark it."""
        resource = self.highlighted_resource
        if resource is None:
            return
        if resource.id in self._marked:
            del self._marked[resource.id]
        else:
            self._marked[resource.id] = None
        self._marks_changed()

    def extend_marks(self, direction: int) -> None:
        """Mark the resource under the cursor, step ``direction``, and mark that one."""
        resource = self.highlighted_resource
        if resource is None:
            return
        self._marked.setdefault(resource.id, None)
        option_list = self.option_list
        option_list.action_cursor_down() if direction > 0 else option_list.action_cursor_up()
        moved = self.highlighted_resource
        if moved is not None:
            self._marked.setdefault(moved.id, None)
        self._marks_changed()

    def mark_all_shown(self) -> None:
        """Mark every resource the filter shows, in the list's order; if every one of them
        is marked already, unmark them instead."""
        shown = [r for kind in ResourceKind for r in self._shown if r.kind is kind]
        if shown and all(r.id in self._marked for r in shown):
            for resource in shown:
                del self._marked[resource.id]
        else:
            for resource in shown:
                self._marked.setdefault(resource.id, None)
        self._marks_changed()

    def clear_marks(self) -> bool:
        """Unmark everything; False if nothing was marked."""
        if not self._marked:
            return False
        self._marked.clear()
        self._marks_changed()
        return True

    def _marks_changed(self) -> None:
        # Where the cursor is now, even before its highlight message arrives: the
        # rebuild puts it back on the selected resource.
        current = self.highlighted_resource
        if current is not None:
            self._selected_id = current.id
        self._rows_current = False
        self._rebuild()
        self.post_message(self.MarksChanged())

    def focus_filter(self) -> None:
        """Put the cursor in the filter box."""
        self.filter_input.can_focus = True
        self.filter_input.focus()
