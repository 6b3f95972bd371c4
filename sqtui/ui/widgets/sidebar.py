"""The sidebar: applications and databases, with running state and a fuzzy filter."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.fuzzy import Matcher
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from sqtui.api.models import Resource, ResourceKind, ResourceStatus
from sqtui.display import printable, shown_name
from sqtui.ui.messages import ResourceHighlighted, ResourceOpened

log = logging.getLogger("sqtui.ui")

# Longer names are cut here first (the screen cuts them again to the width).
NAME_LIMIT = 120


class ResourceList(OptionList):
    """Resources grouped under APPLICATIONS and DATABASES; headers are not selectable.

    The cursor stops at both ends: wrapping around would put an overshoot on a
    resource far from the one meant, and ``n`` would snapshot that one.
    """

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False, tooltip="move down"),
        Binding("k,up", "cursor_up", "Up", show=False, tooltip="move up"),
        Binding("g,home", "first", "First", show=False, tooltip="first resource"),
        Binding("G,end", "last", "Last", show=False, tooltip="last resource"),
        Binding("enter", "select", "Open", show=False, tooltip="open: its snapshots"),
    ]

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


class Sidebar(Vertical):
    """Filter input above the resource list; owns which resource is highlighted."""

    class NothingShown(Message):
        """The filter hides every resource: nothing is selected any more."""

    BINDINGS = [
        Binding("escape", "clear_filter", "Clear filter", show=False, tooltip="clear the filter")
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.resources: tuple[Resource, ...] = ()
        self.statuses: Mapping[str, ResourceStatus] = {}
        self.busy: Mapping[str, str] = {}
        self._shown: list[Resource] = []
        self._selected_id: str | None = None
        self._announced_id: str | None = None

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
        return next((r for r in self.resources if r.id == option_id), None)

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
        self._rebuild()

    def set_busy(self, busy: Mapping[str, str]) -> None:
        """Mark resources with an activity word (``restoring``) next to their name."""
        self.busy = dict(busy)
        self._rebuild()

    def select(self, resource_id: str) -> None:
        """Highlight ``resource_id`` (clearing a filter that hides it)."""
        if resource_id not in {r.id for r in self._shown}:
            self.filter_input.value = ""
        self._selected_id = resource_id
        self._rebuild()

    def _rebuild(self) -> None:
        query = self.filter_input.value.strip() if self.is_mounted else ""
        unique: dict[str, Resource] = {}
        for resource in self.resources:
            if resource.id in unique:
                log.warning("resource %r is listed twice; showing it once", resource.id)
                continue
            unique[resource.id] = resource
        everything = list(unique.values())
        shown = everything
        if query:
            matcher = Matcher(query)
            scored = [(matcher.match(printable(r.name)), r) for r in shown]
            shown = [r for score, r in sorted(scored, key=lambda p: -p[0]) if score > 0]
        self._shown = shown
        options: list[Option] = []
        for kind, title in (
            (ResourceKind.APP, "APPLICATIONS"),
            (ResourceKind.DATABASE, "DATABASES"),
        ):
            group = [r for r in shown if r.kind is kind]
            total = sum(r.kind is kind for r in everything)
            count = f"{len(group)}/{total}" if query else str(total)
            header = Text.assemble((title, "bold"), " ", (count, "dim"))
            options.append(Option(header, id=f"header-{kind.value}", disabled=True))
            if not group:
                options.append(Option(Text("  (none)", style="dim"), disabled=True))
            options.extend(Option(self._label(r), id=r.id) for r in group)
        option_list = self.option_list
        option_list.set_options(options)
        index = next(
            (i for i, o in enumerate(options) if o.id == self._selected_id and not o.disabled),
            None,
        )
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
        if activity:
            # Replaces the running dot; the word follows the name when it fits.
            name = self._short_name(resource)
            label = Text.assemble(Text("⟲ ", style="bold yellow"), Text(name))
            if len(name) + len(activity) + 5 <= self.size.width:
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
        label = Text.assemble(dot, Text(self._short_name(resource)))
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
        resource = next((r for r in self.resources if r.id == event.option.id), None)
        if resource is not None and resource.id != self._announced_id:
            self._selected_id = self._announced_id = resource.id
            self.post_message(ResourceHighlighted(resource))

    @on(OptionList.OptionSelected, "#resources")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        resource = next((r for r in self.resources if r.id == event.option.id), None)
        if resource is not None:
            self.post_message(ResourceOpened(resource))

    def clear_filter(self) -> bool:
        """Empty the filter (showing everything again); False if it was empty already."""
        if not self.filter_input.value:
            return False
        self.filter_input.value = ""
        self._rebuild()
        return True

    @property
    def nothing_shown(self) -> bool:
        """True when the filter hides every resource (so nothing is selected)."""
        return bool(self.resources) and not self._shown

    def action_clear_filter(self) -> None:
        """Empty the filter and go back to the list."""
        self.clear_filter()
        self.option_list.focus()

    def focus_filter(self) -> None:
        """Put the cursor in the filter box."""
        self.filter_input.can_focus = True
        self.filter_input.focus()
