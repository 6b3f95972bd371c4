"""The Textual app: opens the workspace, shows login or the main screen, global keys."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.theme import Theme

from sqtui.domain.settings import RunSettings
from sqtui.domain.workspace import Workspace, open_workspace
from sqtui.storage.config import HIGH_CONTRAST_THEME
from sqtui.storage.credentials import KeySource
from sqtui.ui.keys import KeyRow, bindings_of, key_rows
from sqtui.ui.messages import KeyRefused
from sqtui.ui.screens.main import MainScreen

if TYPE_CHECKING:
    import httpx

    from sqtui.ui.screens.confirm import ConfirmScreen

# Screens not on the way to the first frame (login, help, inside a snapshot, the quit
# question) are imported when first opened.

log = logging.getLogger("sqtui.ui")

HIGH_CONTRAST = Theme(
    name=HIGH_CONTRAST_THEME,
    # Black on white for bright rooms and projectors: every colour that carries text
    # has a contrast of at least 8:1 on white (6.5:1 on the grey of the status bar).
    primary="#0033CC",
    secondary="#000000",
    accent="#7A007A",
    warning="#7A3D00",
    error="#A3001D",
    success="#005C1A",
    foreground="#000000",
    background="#FFFFFF",
    surface="#FFFFFF",
    panel="#E6E6E6",
    dark=False,
    variables={
        # Textual's defaults fade text to grey; here text stays (near) black.
        "text": "#000000",
        "text-muted": "#1A1A1A",
        "text-disabled": "#4D4D4D",
        "text-primary": "#0033CC",
        "text-accent": "#7A007A",
        "text-warning": "#7A3D00",
        "text-error": "#A3001D",
        "text-success": "#005C1A",
        "foreground-muted": "#1A1A1A",
        "block-cursor-foreground": "#FFFFFF",
        "block-cursor-background": "#0033CC",
        "block-cursor-blurred-foreground": "#000000",
        "block-cursor-blurred-background": "#C2D1FF",
        "border": "#000000",
        "border-blurred": "#4D4D4D",
        # The lines between the panes (sidebar, table, downloads).
        "panel-lighten-2": "#4D4D4D",
        "footer-key-foreground": "#7A007A",
        "button-color-foreground": "#FFFFFF",
        "input-cursor-foreground": "#FFFFFF",
        "input-cursor-background": "#000000",
        "input-selection-background": "#C2D1FF",
        "input-selection-foreground": "#000000",
    },
)
"""sqtui's own theme (``theme = "sqtui-high-contrast"``); also in the palette's theme list."""


def styles_dir() -> Path:
    """Where the .tcss files are: inside the installed package, else the source tree."""
    here = Path(__file__).resolve().parent.parent
    shipped = here / "styles"
    return shipped if shipped.is_dir() else here.parent / "styles"


class SqtuiApp(App[None]):
    """sqtui: snapshots of Square Cloud applications and databases."""

    TITLE = "sqtui"
    CSS_PATH = [styles_dir() / "app.tcss"]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (90, "-wide")]
    BINDINGS = [
        Binding(
            "q",
            "quit",
            "Quit",
            tooltip="quit (asks first while a create, download or restore runs)",
            id="quit",
        ),
        # Textual's own ctrl+q (and the palette's Quit) reach the same guarded action;
        # declared here too so help lists it. The footer keeps showing q.
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="quit"),
        Binding(
            "question_mark", "help", "Help", tooltip="this help: every key in force", id="help"
        ),
        # Declared here, with an id, so a keymap can move it: Textual adds its own
        # (without an id) only when the app declares none. The footer shows it on the right.
        Binding(
            App.COMMAND_PALETTE_BINDING,
            "command_palette",
            "palette",
            show=False,
            priority=True,
            tooltip="command palette: jump to any app or database, run any action",
            id="palette",
        ),
    ]

    def __init__(
        self,
        settings: RunSettings,
        *,
        transport_factory: Callable[[], httpx.AsyncBaseTransport | None] = lambda: None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__()
        self.register_theme(HIGH_CONTRAST)
        self.settings = settings
        self.transport_factory = transport_factory
        self.now = now
        self.monotonic = monotonic
        # Waits on the clock of ``monotonic`` (a batch's pacing); a test's fake clock.
        self.sleep = sleep
        self.workspace: Workspace | None = None
        self._quit_question: ConfirmScreen | None = None

    def on_mount(self) -> None:
        for warning in self.settings.config_warnings:
            # A typo in the config is said, never taken silently; the app still starts.
            self.notify(warning, title="Config file", severity="warning", markup=False, timeout=15)
        if self.settings.keys:
            # Checked against the bindings of every screen, imported for it: after the
            # first frame, so a [keys] table does not slow the start.
            self.call_after_refresh(self._use_keys)
        theme = self.settings.theme
        if theme and theme in self.available_themes:
            self.theme = theme
        elif theme:
            known = ", ".join(sorted(self.available_themes))
            self.notify(
                f"Unknown theme {theme!r} in the config file; using the default. Known: {known}.",
                severity="warning",
                markup=False,
                timeout=10,
            )
        if self.settings.key is not None:
            self.start_session(self.settings.key)
        else:
            self.ask_for_key()

    def _use_keys(self) -> None:
        """The config's ``[keys]`` table in force, but for the entries refused, each said."""
        from sqtui.ui.keymap import check_keymap

        checked = check_keymap(self.settings.keys, type(self))
        self.set_keymap(checked.usable)
        for problem in checked.problems:
            self.notify(problem, title="Config file", severity="warning", markup=False, timeout=15)

    def ask_for_key(self, reason: str = "") -> None:
        """Show the login screen; a key it accepts opens the main screen."""
        from sqtui.ui.screens.login import LoginScreen

        self.push_screen(
            LoginScreen(
                profile=self.settings.profile,
                api_url=self.settings.api_url,
                transport_factory=self.transport_factory,
                reason=reason,
            ),
            self._logged_in,
        )

    def _logged_in(self, key: KeySource | None) -> None:
        if key is None:
            self.exit()
            return
        self.start_session(key)

    def start_session(self, key: KeySource) -> None:
        """Open the main screen for the account behind ``key``."""
        self.workspace = open_workspace(
            self.settings,
            key,
            transport=self.transport_factory(),
            now=self.now,
            monotonic=self.monotonic,
            sleep=self.sleep,
            warn=lambda text: self.notify(text, severity="warning", markup=False),
        )
        # On its way while the main screen is built and drawn.
        self.workspace.session.prefetch_account()
        self.push_screen(MainScreen(self.workspace))

    @on(KeyRefused)
    def _key_refused(self, event: KeyRefused) -> None:
        """The API refused the key in use: back to the login screen, saying why."""
        workspace, self.workspace = self.workspace, None
        if workspace is None:
            # Several calls failed with the same key: the login screen is already up.
            return
        self.call_later(workspace.aclose)
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.ask_for_key(
            f"The API refused the key {workspace.session.client.masked_key} "
            f"[{event.error.code}]. It may be revoked or expired: paste a new one."
        )

    async def on_unmount(self) -> None:
        if self.workspace is not None:
            await self.workspace.aclose()

    def key_rows(self) -> list[KeyRow]:
        """Every key in force, where it works, and what it does (help is built from it)."""
        from sqtui.ui.inside.compare import DiffScreen, DiffTextScreen, VersionPicker
        from sqtui.ui.inside.contents_screen import ContentsScreen, ContentsTree
        from sqtui.ui.inside.find_screen import FindScreen
        from sqtui.ui.inside.viewer import TextViewer
        from sqtui.ui.screens.history import HistoryScreen, HistoryTable
        from sqtui.ui.widgets.downloads_panel import DownloadsPanel
        from sqtui.ui.widgets.sidebar import ResourceList, Sidebar
        from sqtui.ui.widgets.snapshot_table import SnapshotTable

        focus = [
            Binding("tab", "app.focus_next", tooltip="move the focus to the next pane"),
            Binding("shift+tab", "app.focus_previous", tooltip="move the focus back"),
        ]
        return key_rows(
            self,
            [
                ("Anywhere", [*bindings_of(SqtuiApp), *focus]),
                ("Main screen", bindings_of(MainScreen)),
                ("Sidebar", bindings_of(Sidebar) + bindings_of(ResourceList)),
                ("Snapshots", bindings_of(SnapshotTable)),
                ("Downloads", bindings_of(DownloadsPanel)),
                ("Inside a snapshot", bindings_of(ContentsScreen) + bindings_of(ContentsTree)),
                ("A file", bindings_of(TextViewer)),
                (
                    "Diff",
                    bindings_of(DiffScreen)
                    + bindings_of(VersionPicker)
                    + bindings_of(DiffTextScreen),
                ),
                ("Find", bindings_of(FindScreen)),
                ("History", bindings_of(HistoryScreen) + bindings_of(HistoryTable)),
            ],
        )

    def action_help(self) -> None:
        """``?``: every key and what it does."""
        from sqtui.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.key_rows()))

    def _main_screen(self) -> MainScreen | None:
        screens: list[Screen[object]] = list(self.screen_stack)
        return next((s for s in screens if isinstance(s, MainScreen)), None)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Textual's palette commands, with Quit saying that it asks first."""
        for command in super().get_system_commands(screen):
            if command.title == "Quit":
                command = command._replace(
                    help="Quit sqtui (asks first while a create, download or restore runs)"
                )
            yield command

    async def action_quit(self) -> None:
        """Every way out (``q``, ``ctrl+q``, the palette): ask first if work would be cut off."""
        if self._quit_question is not None and self._quit_question in self.screen_stack:
            return  # already asking
        main = self._main_screen()
        busy = main.busy() if main is not None else []
        if not busy:
            self.exit()
            return
        from sqtui.ui.screens.confirm import ConfirmScreen

        question = "Still running: " + "; ".join(busy) + ". Quit anyway?"
        self._quit_question = ConfirmScreen(question, yes="Quit", no="Stay")
        self.push_screen(self._quit_question, lambda sure: self.exit() if sure else None)
