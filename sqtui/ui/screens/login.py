"""The login screen: a masked key, checked with ``/users/me`` before it is used."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Footer, Input, Static

from sqtui.api.errors import ApiError
from sqtui.display import mask
from sqtui.domain.login import check_key
from sqtui.storage.credentials import (
    CredentialError,
    KeySource,
    NoKeyringAvailable,
    keyring_available,
    set_key,
)


class LoginScreen(Screen[KeySource | None]):
    """Ask for the API key; dismiss with it once the API accepted it."""

    BINDINGS = [Binding("escape", "cancel", "Quit", id="cancel")]

    def __init__(
        self,
        *,
        profile: str,
        api_url: str,
        transport_factory: Callable[[], httpx.AsyncBaseTransport | None] = lambda: None,
        reason: str = "",
    ) -> None:
        super().__init__()
        self.profile = profile
        self.api_url = api_url
        self.transport_factory = transport_factory
        self.reason = reason
        self.keyring_ok = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="login"):
            yield Static(Text("Sign in to Square Cloud", style="bold"), classes="title")
            yield Static(
                Text(
                    "Paste your API key (Square Cloud dashboard → Account → Security). "
                    f"Profile: {self.profile}. It is checked with the API before use "
                    "and never written to a plain file.",
                ),
                classes="explain",
            )
            if self.reason:
                yield Static(Text(self.reason), id="reason", classes="error")
            yield Input(password=True, placeholder="API key", id="key", compact=True)
            yield Checkbox(
                "Remember it in the OS keyring", value=False, id="remember", compact=True
            )
            yield Static("", id="keyring-note", classes="note")
            yield Static("", id="error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Sign in", variant="primary", id="sign-in")
                yield Button("Quit", id="quit")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#key", Input).focus()
        self.query_one("#remember", Checkbox).disabled = True
        self.query_one("#keyring-note", Static).update("Looking for a keyring…")
        self.probe_keyring()

    @work(thread=True, exclusive=True, group="keyring")
    def probe_keyring(self) -> None:
        """Ask the OS keyring whether it can store secrets (it may block on D-Bus)."""
        available = keyring_available()
        self.app.call_from_thread(self._keyring_probed, available)

    def _keyring_probed(self, available: bool) -> None:
        self.keyring_ok = available
        remember = self.query_one("#remember", Checkbox)
        note = self.query_one("#keyring-note", Static)
        remember.disabled = not available
        remember.value = available
        if available:
            note.update("")
            return
        note.update(Text(str(NoKeyringAvailable())))
        # Nothing can be remembered: the choice would only confuse.
        remember.display = False
        self.query_one("#sign-in", Button).label = "Use for this session only"

    @on(Input.Submitted, "#key")
    @on(Button.Pressed, "#sign-in")
    def _submit(self) -> None:
        key = self.query_one("#key", Input).value.strip()
        if not key:
            self._error("Paste an API key first.")
            return
        self._error("Checking the key…")
        self.check_key(key, self.query_one("#remember", Checkbox).value and self.keyring_ok)

    @on(Button.Pressed, "#quit")
    def action_cancel(self) -> None:
        """Leave without signing in."""
        self.dismiss(None)

    @work(exclusive=True, group="login")
    async def check_key(self, key: str, remember: bool) -> None:
        """Check ``key`` with ``/users/me``; store it if asked; dismiss with it."""
        try:
            await check_key(key, self.api_url, transport=self.transport_factory())
        except ApiError as error:
            if error.is_access_denied:
                self._error(f"Key {mask(key)} was refused by the API [{error.code}]. Check it.")
            else:
                self._error(error.human())
            return
        stored = False
        if remember:
            try:
                await self._store(key)
                stored = True
            except (NoKeyringAvailable, CredentialError) as error:
                self.notify(
                    f"Not stored: {error}. Using the key for this session only.",
                    severity="warning",
                    markup=False,
                )
        self.dismiss(KeySource(api_key=key, origin="keyring" if stored else "session"))

    async def _store(self, key: str) -> None:
        await asyncio.to_thread(set_key, self.profile, key)

    def _error(self, text: str) -> None:
        self.query_one("#error", Static).update(Text(text))
