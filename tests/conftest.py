"""Shared test settings: a fixed local time zone so timestamps render the same everywhere."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

import keyring
import keyring.backend
import keyring.errors
import pytest
from keyring.backends import fail

os.environ["TZ"] = "UTC"
time.tzset()

#: A zone west and one east of UTC: between them, both ends of the calendar overflow.
WEST_AND_EAST = ("America/New_York", "Asia/Tokyo")


@contextmanager
def in_zone(zone: str) -> Iterator[None]:
    """Run in the local time zone ``zone``, restored afterwards."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.fixture(params=WEST_AND_EAST)
def zone(request: pytest.FixtureRequest) -> Iterator[str]:
    """The test runs once west and once east of UTC."""
    with in_zone(str(request.param)):
        yield str(request.param)


# Tests never touch the real home: anything that asks for the default locations
# gets a throwaway folder.
os.environ.setdefault("SQTUI_HOME", os.path.join(os.path.dirname(__file__), ".sqtui-home"))


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that keeps passwords in a dict, for tests only."""

    priority = 1
    # Not viable for discovery: keyring registers every subclass, and an in-memory
    # backend must never be picked as the process's real keyring.
    viable = False

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.store[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError("not found") from None


@pytest.fixture
def restore_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring(restore_keyring: None) -> MemoryKeyring:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


@pytest.fixture
def no_keyring(restore_keyring: None) -> None:
    keyring.set_keyring(fail.Keyring())
