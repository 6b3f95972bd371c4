"""``sqtui``: the entry point; dispatches to the app or to a command."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from sqtui import __version__
from sqtui.cli.exit_codes import ExitCode
from sqtui.cli.options import QuietParser, common_options, settings_from
from sqtui.storage.config import ConfigError

# The exit status when the reader of the output went away: 128 + SIGPIPE, as shells
# report for coreutils (``yes | head -1``).


def _app_parser() -> argparse.ArgumentParser:
    parser = QuietParser(
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
    """Run sqtui with ``argv`` (default: the process arguments); return the exit code.

    Output piped to a reader that stops early (``sqtui snapshots list | head -1``) ends
    the run quietly with :attr:`ExitCode.BROKEN_PIPE`, as the shell reports ``ls | head -1``.
    """
    try:
        code = _dispatch(list(sys.argv[1:] if argv is None else argv))
        # What is still buffered goes now, while a closed pipe can still be caught.
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        return ExitCode.BROKEN_PIPE
    return code


def _silence_stdout() -> None:
    """Point standard output at the null device, so the flush at exit cannot fail again.

    The recipe of the Python documentation (signal module, "Note on SIGPIPE").
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        # No real file descriptor (an embedded or captured stream): drop the buffer.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (lives until exit)


def _dispatch(args: list[str]) -> int:
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
