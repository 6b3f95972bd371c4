"""``sqtui``: the entry point; dispatches to the app or to a command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sqtui import __version__
from sqtui.cli.exit_codes import ExitCode
from sqtui.cli.options import common_options, settings_from
from sqtui.storage.config import ConfigError


def _app_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sqtui",
        parents=[common_options()],
        description=(
            "Snapshots of Square Cloud applications and databases, from the terminal. "
            "Other commands: sqtui snapshots | sim | login | logout | config (each has --help)."
        ),
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="run against a built-in simulated account (no key, nothing leaves this machine)",
    )
    parser.add_argument("--version", action="version", version=f"sqtui {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run sqtui with ``argv`` (default: the process arguments); return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "sim":
        from sqtui.sim.cli import main as sim_main

        return sim_main(args[1:])
    if args and args[0] in ("login", "logout"):
        from sqtui.cli.account import login_command

        return login_command(args[0], args[1:])
    if args and args[0] == "config":
        from sqtui.cli.account import config_command

        return config_command(args[1:])
    if args and args[0] == "snapshots":
        from sqtui.cli.snapshots import main as snapshots_main

        return snapshots_main(args[1:])
    return _run_app(args)


def _run_app(argv: list[str]) -> int:
    parsed = _app_parser().parse_args(argv)
    try:
        settings = settings_from(parsed)
    except ConfigError as error:
        print(f"sqtui: {error}", file=sys.stderr)
        return ExitCode.USAGE
    from sqtui.cli.launch import run_app, run_demo

    return run_demo(settings) if parsed.demo else run_app(settings)
