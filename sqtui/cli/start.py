"""The ``sqtui`` command (and ``python -m sqtui``): the first lines that run."""

from __future__ import annotations

from sqtui.cli.collector import loading


def main() -> int:
    """Load the command line without the cycle collector's passes, then run it."""
    with loading():
        from sqtui.cli.main import main as run

    return run()
