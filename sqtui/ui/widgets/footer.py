"""The main screen's footer: the keys in force, drawn as one line by one widget.

Textual's footer is a container of one widget per key, rebuilt (made, mounted and
styled again) at every change of focus. Moving between the sidebar's filter and
the list changes the keys shown, and that rebuild cost more than the move itself
(70-90 ms of a 100 ms `escape`). This footer only redraws its line, and only when
the keys shown change. It looks the same (Textual's compact footer, its colours from
the theme) and a click on a key presses it.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget

# One shown key: what is pressed, as shown, what it does, and whether it can act now.
Shown = tuple[str, str, str, bool]

PALETTE_ACTIONS = frozenset({"command_palette", "app.command_palette"})


class KeysFooter(Widget, can_focus=False):
    """The keys in force on one line, with the command palette's key on the right."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"keys-footer--key", "keys-footer--description", "keys-footer--edge"}
    DEFAULT_CSS = """
    KeysFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        .keys-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .keys-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .keys-footer--edge {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: list[Shown] = []
        self._palette: Shown | None = None
        # Where each key's words are on the line: (start, end, key to press).
        self._spans: list[tuple[int, int, str]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    @staticmethod
    def _rank(
        node: DOMNode, binding: Binding, places: dict[int, int], declared: dict[int, list[str]]
    ) -> tuple[int, int]:
        """(which namespace, first seen first; where the node declares the binding)."""
        place = places.setdefault(id(node), len(places))
        names = declared.get(id(node))
        if names is None:
            names = declared[id(node)] = [b.id or b.action for _, b in node._bindings]
        name = binding.id or binding.action
        return place, names.index(name) if name in names else len(names)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        active = screen.active_bindings
        ranked: list[tuple[tuple[int, int], Shown]] = []
        seen: set[str] = set()
        places: dict[int, int] = {}
        declared: dict[int, list[str]] = {}
        for node, binding, enabled, _tooltip in active.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            key = binding.key.split(",")[0]
            shown_as = (key, self.app.get_key_display(binding), binding.description, enabled)
            ranked.append((self._rank(node, binding, places, declared), shown_as))
        # In the order the bindings are declared, whatever keys a keymap gave them (a
        # remapped key is re-added last to Textual's map).
        shown = [item for _, item in sorted(ranked, key=lambda pair: pair[0])]
        palette: Shown | None = None
        # Found by its action: the config's [keys] table may have moved it off ctrl+p.
        found = next((a for a in active.values() if a.binding.action in PALETTE_ACTIONS), None)
        if self.app.ENABLE_COMMAND_PALETTE and found is not None:
            _, binding, enabled, _tooltip = found
            palette = (binding.key, self.app.get_key_display(binding), binding.description, enabled)
        if (shown, palette) != (self._shown, self._palette):
            self._shown, self._palette = shown, palette
            self.refresh()

    def render(self) -> Text:
        """The keys left to right; the palette's key against the right edge."""
        key_style = self.get_component_rich_style("keys-footer--key")
        text_style = self.get_component_rich_style("keys-footer--description")
        line = Text(no_wrap=True, overflow="crop")
        self._spans = []
        for key, display, description, enabled in self._shown:
            start = line.cell_len
            line.append(display, key_style)
            if description:
                line.append(" " + description, text_style)
            if not enabled:
                line.stylize("dim", start)
            self._spans.append((start, line.cell_len, key))
            line.append(" ")
        if self._palette is not None:
            key, display, description, _enabled = self._palette
            edge = self.get_component_rich_style("keys-footer--edge")
            tail = Text.assemble(("▏", edge), (display, key_style), (f" {description}", text_style))
            # One cell is kept free at the right edge, as Textual's footer does.
            room = self.size.width - line.cell_len - tail.cell_len - 1
            if room >= 0:
                line.append(" " * room)
                start = line.cell_len
                line.append_text(tail)
                self._spans.append((start + 1, line.cell_len, key))
                line.append(" ")
        line.stylize_before(self.rich_style)
        return line

    def on_click(self, event: events.Click) -> None:
        """A click on a key presses it, as in Textual's footer."""
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
