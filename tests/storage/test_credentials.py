from __future__ import annotations

import keyring
import keyring.errors
import pytest

from sqtui.display import mask
from sqtui.storage import credentials
from sqtui.storage.credentials import (
    CredentialError,
    KeySource,
    NoKeyringAvailable,
    delete_key,
    get_key,
    keyring_available,
    resolve_key,
    set_key,
)

from .conftest import MemoryKeyring

KEY = "sq-0123456789abcdefWXYZ"


def test_set_get_delete_with_profiles_kept_apart(memory_keyring: MemoryKeyring) -> None:
    assert keyring_available()
    assert get_key("default") is None
    set_key("default", f"  {KEY}\n")
    set_key("work", "other-key-1234")
    assert get_key() == KEY
    assert get_key("work") == "other-key-1234"
    assert memory_keyring.store[("sqtui", "default")] == KEY
    assert delete_key("default") is True
    assert delete_key("default") is False
    assert get_key("default") is None
    assert get_key("work") == "other-key-1234"


def test_empty_key_is_refused(memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(CredentialError, match="empty"):
        set_key("default", "   ")
    assert memory_keyring.store == {}


def test_no_backend_raises_a_human_explanation(no_keyring: None) -> None:
    assert not keyring_available()
    with pytest.raises(NoKeyringAvailable) as caught:
        get_key("default")
    message = str(caught.value)
    assert "SSH" in message and "SQUARECLOUD_API_KEY" in message and "session" in message
    with pytest.raises(NoKeyringAvailable):
        set_key("default", KEY)
    with pytest.raises(NoKeyringAvailable):
        delete_key("default")
    assert resolve_key("default", env={}) is None


def test_a_low_priority_backend_counts_as_none(restore_keyring: None) -> None:
    class Useless(MemoryKeyring):
        priority = 0.5  # type: ignore[assignment]

    keyring.set_keyring(Useless())
    assert not keyring_available()
    with pytest.raises(NoKeyringAvailable):
        get_key()


def test_backend_failures_never_show_the_key(restore_keyring: None) -> None:
    class Broken(MemoryKeyring):
        def set_password(self, service: str, username: str, password: str) -> None:
            raise keyring.errors.PasswordSetError(f"refused {password}")

        def get_password(self, service: str, username: str) -> str | None:
            raise keyring.errors.KeyringLocked("collection is locked")

    keyring.set_keyring(Broken())
    with pytest.raises(CredentialError) as caught:
        set_key("default", KEY)
    assert KEY not in str(caught.value)
    assert "…WXYZ" in str(caught.value)
    with pytest.raises(CredentialError, match="locked"):
        get_key("default")
    # A locked keyring sends the user to the login screen instead of crashing.
    assert resolve_key("default", env={}) is None


def test_env_var_wins_over_keyring(memory_keyring: MemoryKeyring) -> None:
    set_key("default", KEY)
    source = resolve_key("default", env={"SQUARECLOUD_API_KEY": " env-key-9876 "})
    assert source == KeySource(api_key="env-key-9876", origin="env")
    blank = resolve_key("default", env={"SQUARECLOUD_API_KEY": "  "})
    assert blank == KeySource(api_key=KEY, origin="keyring")
    assert resolve_key("work", env={}) is None


def test_env_var_works_without_a_keyring(no_keyring: None) -> None:
    source = resolve_key("default", env={"SQUARECLOUD_API_KEY": KEY})
    assert source is not None and source.origin == "env"


def test_mask_and_repr_never_show_the_key() -> None:
    assert mask(KEY) == "…WXYZ"
    assert mask("abcd") == "…"
    assert mask("") == "…"
    source = KeySource(api_key=KEY, origin="session")
    for text in (repr(source), str(source), f"{source}", repr([source])):
        assert KEY not in text
        assert "…WXYZ" in text
    assert source.masked == "…WXYZ"


def test_service_name_is_sqtui() -> None:
    assert credentials.SERVICE == "sqtui"
