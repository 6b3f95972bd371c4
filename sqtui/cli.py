"""Command line entry point: argument parsing and the non-TUI commands."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Run sqtui with ``argv`` (default: the process arguments) and return an exit code."""
    args = sys.argv[1:] if argv is None else argv
    print("sqtui: nothing here yet", args)
    return 0
