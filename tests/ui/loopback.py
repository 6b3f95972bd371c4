"""The app against a simulator on a real loopback port, for the tests that download.

The download engine reads the snapshot host over its own HTTP connection (the standard
library's, on a worker thread), never through the in-process transport the other UI
tests give the app; a download therefore needs the simulator served on a socket.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from sqtui.sim import SimServer
from sqtui.ui.app import SqtuiApp
from tests.ui.conftest import Harness


@contextmanager
def on_loopback(harness: Harness) -> Iterator[Harness]:
    """``harness`` with its simulator (same config) served on loopback, and an app using it."""
    with SimServer(harness.config) as server:
        app = SqtuiApp(replace(harness.app.settings, api_url=server.base_url))
        yield Harness(app=app, sim=server.sim, config=harness.config, home=harness.home)
