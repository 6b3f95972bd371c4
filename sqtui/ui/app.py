"""The Textual app: builds the session, shows login or the main screen, global keys."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
from textual.app import App
from textual.binding import Binding

from sqtui.api.client import SquareCloudClient
from sqtui.api.errors import ApiError
from sqtui.domain.cooldown import RESOURCE_SECONDS, USER_SECONDS, Cooldowns
from sqtui.domain.history import History
from sqtui.domain.pending import PendingTracker
from sqtui.domain.session import Session
from sqtui.settings import RunSettings
from sqtui.storage.credentials import KeySource
from sqtui.ui.commands import ResourceCommands
from sqtui.ui.screens.confirm import ConfirmScreen
from sqtui.ui.screens.help import HelpScreen
from sqtui.ui.screens.login import LoginScreen
from sqtui.ui.screens.main import MainScreen

log = logging.getLogger("sqtui.ui")


def styles_dir() -> Path:
    """Where the .tcss files are: inside the installed package, else the source tree."""
    here = Path(__file__).resolve().parent.parent
    shipped = here / "styles"
    return shipped if shipped.is_dir() else here.parent / "styles"


class SqtuiApp(App[None]):
    """sqtui: snapshots of Square Cloud applications and databases."""

    TITLE = "sqtui"
    CSS_PATH = [styles_dir() / "app.tcss"]
    COMMANDS = App.COMMANDS | {ResourceCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (90, "-wide")]
    BINDINGS = [
        Binding("q", "request_quit", "Quit"),
        Binding("question_mark", "help", "Help"),
    ]

    def __init__(
        self,
        settings: RunSettings,
        *,
        transport_factory: Callable[[], httpx.AsyncBaseTransport | None] = lambda: None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.transport_factory = transport_factory
        self.now = now
        self.monotonic = monotonic
        self.session: Session | None = None

    def on_mount(self) -> None:
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

    def ask_for_key(self, reason: str = "") -> None:
        """Show the login screen; a key it accepts opens the main screen."""
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
        settings = self.settings
        scale = settings.time_scale
        client = SquareCloudClient(
            key.key, base_url=settings.api_url, transport=self.transport_factory()
        )
        pending = PendingTracker(settings.locations.pending_file, settings.scope)
        pending.load()
        self.session = Session(
            client,
            profile=settings.profile,
            read_only=settings.read_only,
            pending=pending,
            cooldowns=Cooldowns(USER_SECONDS / scale, RESOURCE_SECONDS / scale),
            now=self.now,
            monotonic=self.monotonic,
        )
        self.push_screen(
            MainScreen(
                self.session,
                history=History(settings.locations.history_file, secrets=[key.key]),
                download_dir=settings.download_dir or settings.locations.downloads_dir,
                cache_path=settings.locations.cache_file(settings.profile),
                demo=settings.demo,
                poll_scale=1 / scale,
                pending_timeout_seconds=settings.pending_timeout_minutes * 60,
            )
        )

    def key_refused(self, error: ApiError) -> None:
        """The API refused the key in use: back to the login screen, saying why."""
        session, self.session = self.session, None
        if session is None:
            # Several calls failed with the same key: the login screen is already up.
            return
        self.call_later(session.client.aclose)
        self.switch_to_login(
            f"The API refused the key {session.client.masked_key} "
            f"[{error.code}]. It may be revoked or expired: paste a new one."
        )

    def switch_to_login(self, reason: str) -> None:
        """Replace the main screen by the login screen."""
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.ask_for_key(reason)

    async def on_unmount(self) -> None:
        if self.session is not None:
            await self.session.client.aclose()

    def action_help(self) -> None:
        """``?``: every key and what it does."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_request_quit(self) -> None:
        """``q``: quit, asking first when work in flight would be cut off."""
        main = next((s for s in self.screen_stack if isinstance(s, MainScreen)), None)
        busy = main.busy() if main is not None else []
        if not busy:
            self.exit()
            return
        question = "Still running: " + "; ".join(busy) + ". Quit anyway?"
        self.push_screen(
            ConfirmScreen(question, yes="Quit", no="Stay"),
            lambda sure: self.exit() if sure else None,
        )
