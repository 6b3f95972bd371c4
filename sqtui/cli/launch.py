"""Starting the full-screen app, for a real account or the demo's simulated one.

The only module of the command-line side that imports the app (and so Textual).
"""

from __future__ import annotations

import tempfile
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from sqtui.api.client import prepare_tls
from sqtui.cli.collector import loading
from sqtui.cli.exit_codes import ExitCode
from sqtui.domain.settings import RunSettings
from sqtui.storage.credentials import KeySource, resolve_key
from sqtui.storage.locations import Locations
from sqtui.storage.logging_setup import setup_logging

# The demo: a snapshot goes pending after ~9 s and is listed after ~15 s.
DEMO_SPEED = 10.0
DEMO_GENERATION_SECONDS = 150.0


def run_app(settings: RunSettings) -> ExitCode:
    """The app for the account of ``settings.profile`` (login screen if no key)."""
    # The CA bundle loads on its own thread while Textual is imported.
    prepare_tls()
    settings.locations.ensure()
    setup_logging(settings.locations.log_file)
    return _launch(replace(settings, key=resolve_key(settings.profile)))


def _launch(settings: RunSettings) -> ExitCode:
    with loading():
        from sqtui.ui.app import SqtuiApp

    SqtuiApp(settings).run()
    return ExitCode.OK


def run_demo(settings: RunSettings) -> ExitCode:
    """The whole app against the embedded simulator, with throwaway state."""
    prepare_tls()
    from sqtui.sim import SimConfig, SimServer

    with ExitStack() as stack:
        home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sqtui-demo-")))
        config = SimConfig(
            seed=7,
            speed=DEMO_SPEED,
            apps=5,
            databases=3,
            snapshots_per_resource=30,
            generation_seconds=DEMO_GENERATION_SECONDS,
            snapshot_mb=24,
        )
        server = stack.enter_context(SimServer(config))
        locations = replace(Locations.under(home), downloads_dir=settings.locations.downloads_dir)
        locations.ensure()
        setup_logging(locations.log_file)
        demo = replace(
            settings,
            locations=locations,
            api_url=server.base_url,
            key=KeySource(api_key=config.api_key, origin="session"),
            demo=True,
            time_scale=DEMO_SPEED,
        )
        return _launch(demo)
    return ExitCode.OK  # pragma: no cover
