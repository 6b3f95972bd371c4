"""A word when long work ends: always a notification; when the config asks, also the
terminal bell and a desktop notification asked of the terminal (OSC 9 or OSC 777), so
an engineer in another window learns of it at once.

What goes into an escape sequence is cleaned first: a name from the server must never
end the sequence and start another.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel
    from textual.widget import Widget

    from sqtui.domain.settings import RunSettings

BEL = "\a"
ESC = "\x1b"
ST = ESC + "\\"
TITLE_LIMIT = 60
"""Characters of a title kept in a desktop notification."""
MESSAGE_LIMIT = 200
"""Characters of a message kept in a desktop notification."""

# C0 and C1 controls and DEL (ESC, BEL, the 8-bit ST and CSI, newlines); and ";",
# which separates OSC 777's fields and starts a sub-command after OSC 9.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f;]+")
# Line and paragraph separators, which break the line, and bidi controls, which reorder it.
_INVISIBLE = re.compile(r"[\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f]+")


def alert(
    node: Widget,
    settings: RunSettings,
    title: str,
    message: str,
    *,
    severity: SeverityLevel = "information",
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
) -> None:
    """Notify ``title`` and ``message``; ring and ask for a desktop notification if the
    config says so. ``env`` (default ``os.environ``) tells whether tmux is in between."""
    node.notify(message, title=title, severity=severity, timeout=timeout, markup=False)
    signal = terminal_signal(
        title,
        message,
        bell=settings.bell,
        desktop=settings.desktop_notify,
        tmux=bool((os.environ if env is None else env).get("TMUX")),
    )
    # Textual has no public way to write to the terminal; its own bell and clipboard
    # (OSC 52) go through the driver the same way, between two frames.
    driver = node.app._driver
    if signal and driver is not None:
        driver.write(signal)


def terminal_signal(title: str, message: str, *, bell: bool, desktop: str, tmux: bool) -> str:
    """What to write to the terminal: a BEL, a desktop notification, both, or nothing."""
    signal = BEL if bell else ""
    if desktop == "osc9":
        signal += passthrough(osc9(title, message), tmux=tmux)
    elif desktop == "osc777":
        signal += passthrough(osc777(title, message), tmux=tmux)
    return signal


def osc9(title: str, message: str) -> str:
    """``ESC ] 9 ; title: message BEL`` (one field: the title leads the message)."""
    return f"{ESC}]9;{clean(title, TITLE_LIMIT)}: {clean(message, MESSAGE_LIMIT)}{BEL}"


def osc777(title: str, message: str) -> str:
    """``ESC ] 777 ; notify ; title ; message BEL``."""
    return f"{ESC}]777;notify;{clean(title, TITLE_LIMIT)};{clean(message, MESSAGE_LIMIT)}{BEL}"


def passthrough(sequence: str, *, tmux: bool) -> str:
    """``sequence`` wrapped for tmux to hand to the terminal outside it (its ESCs doubled),
    or as it is when tmux is not in between."""
    if not tmux:
        return sequence
    return f"{ESC}Ptmux;{sequence.replace(ESC, ESC + ESC)}{ST}"


def clean(text: str, limit: int) -> str:
    """``text`` safe inside an escape sequence: no control character and no ``;`` (each run
    becomes one space), no bidi control, at most ``limit`` characters."""
    text = _INVISIBLE.sub("", _UNSAFE.sub(" ", text))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
