"""Signing in: a key checked with the API, stored in the keyring or kept for the session."""

from __future__ import annotations

from typing import Any

from sqtui.sim.config import DEFAULT_API_KEY
from sqtui.ui.screens.login import LoginScreen
from sqtui.ui.screens.main import MainScreen
from tests.conftest import MemoryKeyring
from tests.ui.conftest import Harness, wait_for

SIZE = (100, 30)
GOOD = DEFAULT_API_KEY


async def login_screen(pilot: Any, h: Harness) -> LoginScreen:
    """Wait for the login screen, with its widgets mounted, and return it."""
    await wait_for(
        pilot,
        lambda: isinstance(h.app.screen, LoginScreen) and bool(h.app.screen.query("#key")),
    )
    screen = h.app.screen
    assert isinstance(screen, LoginScreen)
    return screen


def text_of(screen: LoginScreen, selector: str) -> str:
    return str(screen.query_one(selector).render())


async def test_wrong_key_is_refused_then_a_good_one_is_stored(
    make_harness: Any, memory_keyring: MemoryKeyring
) -> None:
    h = make_harness(key=None)
    async with h.app.run_test(size=SIZE) as pilot:
        login = await login_screen(pilot, h)
        await wait_for(pilot, lambda: login.keyring_ok)
        await pilot.press(*"wrong-key-1234", "enter")
        await wait_for(pilot, lambda: "refused" in text_of(login, "#error"))
        error = text_of(login, "#error")
        assert "ACCESS_DENIED" in error
        assert "…1234" in error and "wrong-key" not in error
        login.query_one("#key").value = GOOD  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(h.app.screen, MainScreen))
    assert memory_keyring.store == {("sqtui", "default"): GOOD}


async def test_without_a_keyring_the_key_is_used_for_this_session_only(
    make_harness: Any, no_keyring: None
) -> None:
    h = make_harness(key=None)
    async with h.app.run_test(size=SIZE) as pilot:
        login = await login_screen(pilot, h)
        await wait_for(pilot, lambda: "keyring" in text_of(login, "#keyring-note").lower())
        note = text_of(login, "#keyring-note")
        assert "SSH" in note
        assert "Use for this session only" in str(login.query_one("#sign-in").label)  # type: ignore[attr-defined]
        assert login.query_one("#remember").disabled
        login.query_one("#key").value = GOOD  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(h.app.screen, MainScreen))
    # Nothing anywhere on disk holds the key.
    for path in h.home.rglob("*"):
        if path.is_file():
            assert GOOD not in path.read_text(errors="replace")


async def test_a_revoked_key_sends_the_user_back_to_login(make_harness: Any) -> None:
    h = make_harness(key="revoked-key-9999")
    async with h.app.run_test(size=SIZE) as pilot:
        login = await login_screen(pilot, h)
        reason = text_of(login, "#reason")
        assert "ACCESS_DENIED" in reason and "…9999" in reason
        assert "revoked-key" not in reason


async def test_a_key_revoked_while_running_leads_back_to_login(make_harness: Any) -> None:
    from sqtui.sim import Fault

    h = make_harness()
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(h.app.screen, MainScreen))
        await wait_for(pilot, lambda: h.app.screen.table.row_count > 0)  # type: ignore[attr-defined]
        h.sim.add_fault(Fault(path=r"^/v2/", status=401, code="ACCESS_DENIED"))
        await pilot.press("j")
        login = await login_screen(pilot, h)
        assert "ACCESS_DENIED" in text_of(login, "#reason")
