"""API keys in the OS keyring (service ``sqtui``, one entry per profile), never on disk.

Keyring calls can block (D-Bus, an unlock prompt), so callers run these in a thread.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from sqtui.display import mask

if TYPE_CHECKING:
    import keyring.backend

# keyring is imported where a key is read or stored: with the key in the environment
# the app never needs it, and its import (backend discovery) costs start-up time.

SERVICE = "sqtui"
ENV_KEY = "SQUARECLOUD_API_KEY"

log = logging.getLogger(__name__)


class NoKeyringAvailable(Exception):
    """There is no keyring backend on this machine, so a key cannot be stored."""

    def __str__(self) -> str:
        return (
            "No keyring backend is available, so the API key cannot be stored. This is "
            "typical over SSH on a server with no desktop session (no Secret Service or "
            "D-Bus). You can use the key for this session only, or provide it through "
            f"the {ENV_KEY} environment variable."
        )


class CredentialError(Exception):
    """The keyring exists but failed; the message is for the user and never holds the key."""


@dataclass(frozen=True, repr=False)
class KeySource:
    """An API key and where it came from; its repr shows the key masked."""

    api_key: str
    origin: Literal["env", "keyring", "session"]

    @property
    def masked(self) -> str:
        """The key masked for display."""
        return mask(self.api_key)

    def __repr__(self) -> str:
        return f"KeySource(api_key={self.masked!r}, origin={self.origin!r})"

    __str__ = __repr__


def _backend() -> keyring.backend.KeyringBackend:
    """The active backend, or NoKeyringAvailable when it can store nothing."""
    import keyring
    import keyring.errors
    from keyring.backends import fail

    try:
        backend = keyring.get_keyring()
        # fail.Keyring raises on every call; a chainer with nothing to chain has
        # priority below 1 and silently stores nothing.
        usable = not isinstance(backend, fail.Keyring) and float(backend.priority) >= 1
    except keyring.errors.NoKeyringError:
        raise NoKeyringAvailable from None
    except Exception as exc:
        # Backend discovery probes D-Bus and friends, which fail in many ways over SSH.
        log.warning("keyring backend unusable: %s", type(exc).__name__)
        raise NoKeyringAvailable from None
    if not usable:
        raise NoKeyringAvailable
    return backend


def _failure(action: str, profile: str, exc: Exception, secret: str | None = None) -> str:
    detail = str(exc).strip() or type(exc).__name__
    if secret:
        # A backend could echo what it was given; the key must never reach a message.
        detail = detail.replace(secret, mask(secret))
    return f"Could not {action} the key of profile '{profile}' in the system keyring: {detail}"


def keyring_available() -> bool:
    """Whether a keyring backend that can store keys is available."""
    try:
        _backend()
    except NoKeyringAvailable:
        return False
    return True


def get_key(profile: str = "default") -> str | None:
    """The stored key of ``profile``, or None; NoKeyringAvailable or CredentialError on failure."""
    import keyring.errors

    backend = _backend()
    try:
        return backend.get_password(SERVICE, profile)
    except keyring.errors.NoKeyringError:
        raise NoKeyringAvailable from None
    # Third-party backends raise more than KeyringError (D-Bus, locked collections).
    except Exception as exc:
        raise CredentialError(_failure("read", profile, exc)) from None


def set_key(profile: str, key: str) -> None:
    """Store ``key`` for ``profile``; NoKeyringAvailable or CredentialError on failure."""
    key = key.strip()
    if not key:
        raise CredentialError("The API key is empty; nothing was stored.")
    import keyring.errors

    backend = _backend()
    try:
        backend.set_password(SERVICE, profile, key)
    except keyring.errors.NoKeyringError:
        raise NoKeyringAvailable from None
    except Exception as exc:
        raise CredentialError(_failure("store", profile, exc, key)) from None


def delete_key(profile: str) -> bool:
    """Forget the key of ``profile``: True if one was deleted, False if there was none."""
    import keyring.errors

    backend = _backend()
    try:
        backend.delete_password(SERVICE, profile)
    except keyring.errors.PasswordDeleteError:
        return False
    except keyring.errors.NoKeyringError:
        raise NoKeyringAvailable from None
    except Exception as exc:
        raise CredentialError(_failure("delete", profile, exc)) from None
    return True


def resolve_key(profile: str, env: Mapping[str, str] = os.environ) -> KeySource | None:
    """The key to use: ``SQUARECLOUD_API_KEY`` first, then the keyring; None means ask for one.

    A missing or failing keyring gives None, not an exception: the login screen
    explains it (see ``keyring_available``) and offers a session-only key.
    """
    from_env = env.get(ENV_KEY, "").strip()
    if from_env:
        return KeySource(api_key=from_env, origin="env")
    try:
        stored = get_key(profile)
    except NoKeyringAvailable:
        return None
    except CredentialError as exc:
        log.warning("%s", exc)
        return None
    if stored is None or not stored.strip():
        return None
    return KeySource(api_key=stored.strip(), origin="keyring")
