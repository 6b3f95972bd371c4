"""sqtui: a terminal app for the snapshots of Square Cloud applications and databases."""

import sys

__version__ = "0.1.0"

# httpx imports its command-line client (click, rich's progress bars, pygments: about
# 50 ms) whenever click is installed, and uvicorn (the simulator's server) installs it.
# sqtui never runs that client: marking the module as absent makes httpx define its
# placeholder instead. Only done before httpx is first imported, never over a real one.
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
