"""Ctrl-C as a request rather than a crash, for commands that must finish a step."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def on_ctrl_c(pressed: Callable[[], None]) -> Iterator[None]:
    """While inside, Ctrl-C calls ``pressed`` instead of cancelling the command.

    POSIX only: on Windows, or off the main thread, Ctrl-C cancels the task as usual
    and the caller handles that.
    """
    loop = asyncio.get_running_loop()
    previous = signal.getsignal(signal.SIGINT)
    try:
        loop.add_signal_handler(signal.SIGINT, pressed)
    except (NotImplementedError, RuntimeError, ValueError):
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGINT)
        signal.signal(signal.SIGINT, previous)
