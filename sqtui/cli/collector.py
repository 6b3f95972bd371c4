"""Python's cycle collector held off while sqtui's modules load.

Loading sqtui, httpx and Textual makes some 75,000 objects and frees almost none of
them, so every pass the collector makes over them meanwhile is wasted: about 15 ms
of a 450 ms start. Once they are loaded they are frozen (left out of every later
pass: modules, classes and functions live as long as the process) and the collector
runs again, before any command or screen does its work.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def loading() -> Iterator[None]:
    """The collector off for the imports inside; as it was (and what they made frozen)
    after. Nested, only the outermost switches it back on."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.freeze()
            gc.enable()
