"""What the way to a first frame imports: nothing a first frame does not use.

Checked in a fresh interpreter, as a user's launch would be: keyring (the key comes
from the environment here), file locks, the download engine, the screens opened
later, the checker of the config's keys (which imports every screen), httpx's own
command-line client and the TOML parser (a first start has no config file) are all
imported when first needed.
"""

from __future__ import annotations

import json
import subprocess
import sys

import sqtui.domain.flows as flows

LATER = [
    "keyring",
    "filelock",
    "click",
    "httpx._main",
    "sqtui.domain.download.engine",
    "sqtui.domain.contents",
    "sqtui.ui.inside.contents_screen",
    "sqtui.ui.inside.compare",
    "sqtui.ui.screens.history",
    "sqtui.ui.screens.help",
    "sqtui.ui.screens.login",
    "sqtui.ui.screens.download_dialog",
    "sqtui.sim",
    "sqtui.domain.moment",
    "sqtui.ui.screens.moment_dialog",
    "sqtui.domain.flows.create",
    "sqtui.domain.flows.restore",
    "sqtui.ui.screens.restore_dialog",
    "sqtui.ui.keymap",
    "tomllib",
]

PROBE = f"""
import json, sys
import sqtui.cli.main, sqtui.cli.launch, sqtui.ui.app
print(json.dumps([m for m in {LATER!r} if sys.modules.get(m) is not None]))
"""


def test_the_app_starts_without_importing_what_it_uses_later() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(out.stdout) == []


def test_every_flow_name_is_there_when_asked_for() -> None:
    for name in flows.__all__:
        assert callable(getattr(flows, name)) or isinstance(getattr(flows, name), type)
    assert sorted(flows.__all__) == sorted(flows._MODULE_OF)
