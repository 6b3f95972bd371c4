"""Reading text inside a snapshot: one file, or a unified diff, scrollable, with ``/`` search."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input, Static, TextArea
from textual.widgets.text_area import Selection

from sqtui.display import printable, size_text
from sqtui.domain.contents import ContentsError, Entry, SnapshotContents, is_binary

#: The largest file shown as text; larger ones are for ``e`` (extract).
VIEW_LIMIT = 4 << 20


def shown_text(data: bytes) -> str:
    """Bytes as text that cannot drive the terminal: tabs expanded, controls escaped."""
    text = data.decode("utf-8", errors="replace")
    return "\n".join(printable(line.expandtabs(4)) for line in text.split("\n"))


class TextViewer(Screen[None]):
    """A read-only, scrollable text with a title line; ``/`` finds, ``n`` finds again."""

    DEFAULT_CSS = """
    TextViewer #viewer-title { height: 1; padding: 0 1; background: $panel; }
    TextViewer #viewer-note { padding: 1 2; }
    TextViewer TextArea { height: 1fr; border: none; }
    TextViewer #viewer-search { dock: bottom; display: none; height: 1; border: none; }
    TextViewer #viewer-search.-shown { display: block; }
    """

    BINDINGS = [
        Binding("escape,q", "back", "Back", tooltip="back to the files", id="back"),
        Binding("slash", "search", "Search", tooltip="find text in the file", id="search"),
        Binding(
            "n",
            "search_next",
            "Next match",
            tooltip="the next line with the text",
            id="search_next",
        ),
        Binding("g,home", "top", "Top", show=False, tooltip="first line", id="top"),
        Binding("G,end", "bottom", "Bottom", show=False, tooltip="last line", id="bottom"),
    ]

    def __init__(self, title: Text, text: str = "", note: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.text = text
        self.note = note
        self.query_text = ""

    def compose(self) -> ComposeResult:
        yield Static(self.title_text, id="viewer-title")
        yield Static(Text(self.note), id="viewer-note")
        area = TextArea(self.text, read_only=True, show_line_numbers=True, id="viewer-text")
        area.display = bool(self.text) or not self.note
        yield area
        yield Input(placeholder="search (enter: next)", id="viewer-search")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#viewer-note", Static).display = bool(self.note)
        self.query_one(TextArea).focus()

    def show(self, text: str = "", note: str = "") -> None:
        """Replace what is shown: a text, or a note saying why there is none."""
        self.text, self.note = text, note
        area = self.query_one(TextArea)
        area.load_text(text)
        area.display = bool(text) or not note
        shown = self.query_one("#viewer-note", Static)
        shown.update(Text(note))
        shown.display = bool(note)

    def action_back(self) -> None:
        """Close the viewer (or the search field first)."""
        search = self.query_one("#viewer-search", Input)
        if search.has_class("-shown"):
            search.remove_class("-shown")
            self.query_one(TextArea).focus()
            return
        self.dismiss()

    def action_search(self) -> None:
        """``/``: type text to find (case-insensitive)."""
        search = self.query_one("#viewer-search", Input)
        search.add_class("-shown")
        search.focus()

    @on(Input.Submitted, "#viewer-search")
    def _searched(self, event: Input.Submitted) -> None:
        self.query_text = event.value
        event.input.remove_class("-shown")
        self.action_search_next()

    def action_search_next(self) -> None:
        """``n``: the next line holding the search text, wrapping at the end."""
        if not self.query_text:
            self.action_search()
            return
        area = self.query_one(TextArea)
        lines = area.text.split("\n")
        wanted = self.query_text.casefold()
        row = area.cursor_location[0]
        count = len(lines)
        for step in range(1, count + 1):
            at = (row + step) % count
            column = lines[at].casefold().find(wanted)
            if column >= 0:
                area.selection = Selection((at, column), (at, column + len(wanted)))
                area.scroll_cursor_visible(center=True)
                area.focus()
                return
        self.notify(f"Not found: {printable(self.query_text)}", severity="warning", markup=False)

    def action_top(self) -> None:
        """``g``: the first line."""
        self.query_one(TextArea).move_cursor((0, 0), center=True)

    def action_bottom(self) -> None:
        """``G``: the last line."""
        area = self.query_one(TextArea)
        area.move_cursor((area.document.line_count - 1, 0), center=True)


class FileViewer(TextViewer):
    """One file of a snapshot: read by range, CRC-checked, shown as text if it is text."""

    def __init__(self, contents: SnapshotContents, entry: Entry) -> None:
        title = Text(printable(entry.path), style="bold")
        title.append(
            f"  {size_text(entry.size)} · version {contents.snapshot.short_version}", style="dim"
        )
        super().__init__(title, note="Reading…")
        self.contents = contents
        self.entry = entry

    def on_mount(self) -> None:
        super().on_mount()
        self.load()

    @work(exclusive=True, group="view")
    async def load(self) -> None:
        """Read the file and show it, or say why it is not shown."""
        size = size_text(self.entry.size)
        if self.entry.size > VIEW_LIMIT:
            self.show(note=f"Too large to view here ({size}); press escape, then e to extract it.")
            return
        try:
            data = await self.contents.read_member(self.entry, max_size=VIEW_LIMIT)
        except ContentsError as error:
            self.show(note=error.human())
            return
        if is_binary(data):
            self.show(note=f"A binary file ({size}); press escape, then e to extract it.")
            return
        self.show(text=shown_text(data), note="" if data else "An empty file.")
