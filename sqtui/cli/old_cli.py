"""Command line entry point: argument parsing and the commands that need no TUI.

This module imports no Textual: the TUI is imported only when it is launched, so
script commands (``login``, ``sim``, ``snapshots``) start fast and work anywhere.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from sqtui import __version__
from sqtui.api.client import DEFAULT_BASE_URL, SquareCloudClient
from sqtui.api.errors import ApiError, ErrorKind
from sqtui.display import printable
from sqtui.settings import RunSettings
from sqtui.storage.config import Config, ConfigError, load_config, sample_config
from sqtui.storage.credentials import (
    CredentialError,
    KeySource,
    NoKeyringAvailable,
    delete_key,
    mask,
    resolve_key,
    set_key,
)
from sqtui.storage.locations import Locations
from sqtui.storage.logging_setup import add_secret, setup_logging

# Exit codes, documented in the README.
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_NOT_FOUND = 4
EXIT_QUOTA = 5
EXIT_SERVER = 6
EXIT_NETWORK = 7

# The demo: a snapshot goes pending after ~9 s and is listed after ~15 s.
DEMO_SPEED = 10.0
DEMO_GENERATION_SECONDS = 150.0


def exit_code_for(error: ApiError) -> int:
    """The documented exit code for an API error."""
    if error.kind is ErrorKind.ACCESS_DENIED:
        return EXIT_AUTH
    if error.kind is ErrorKind.NOT_FOUND:
        return EXIT_NOT_FOUND
    if error.kind in (ErrorKind.COOLDOWN, ErrorKind.DAILY_QUOTA, ErrorKind.RATE_LIMITED):
        return EXIT_QUOTA
    if error.kind is ErrorKind.NETWORK_ERROR:
        return EXIT_NETWORK
    if error.kind in (ErrorKind.SERVER_ERROR, ErrorKind.INVALID_RESPONSE):
        return EXIT_SERVER
    return EXIT_FAILED


def common_options() -> argparse.ArgumentParser:
    """Flags shared by the app and the script commands."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--api-url",
        default=None,
        help=f"API base URL (env SQUARECLOUD_API_URL; default {DEFAULT_BASE_URL})",
    )
    parent.add_argument("--profile", default="default", help="key profile (default: default)")
    parent.add_argument(
        "--read-only",
        action="store_true",
        default=None,
        help="browse and download only: create and restore are refused",
    )
    parent.add_argument("--download-dir", type=Path, default=None, help="where downloads are saved")
    return parent


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


def settings_from(
    args: argparse.Namespace,
    *,
    env: os._Environ[str] | dict[str, str] | None = None,
    locations: Locations | None = None,
) -> tuple[RunSettings, Config]:
    """Resolve flags > environment > config file into the settings of this run."""
    environ = os.environ if env is None else env
    where = locations or Locations.default()
    config = load_config(where.config_file)
    profile = config.profile(args.profile)
    api_url = (
        args.api_url or environ.get("SQUARECLOUD_API_URL") or profile.api_url or DEFAULT_BASE_URL
    )
    read_only = bool(args.read_only) or config.read_only_for(args.profile)
    download_dir = args.download_dir or config.download_dir_for(args.profile)
    settings = RunSettings(
        locations=where,
        api_url=api_url.rstrip("/"),
        profile=args.profile,
        read_only=read_only,
        download_dir=download_dir.expanduser() if download_dir else None,
        pending_timeout_minutes=config.pending_timeout_minutes,
        theme=config.theme,
    )
    return settings, config


def main(argv: Sequence[str] | None = None) -> int:
    """Run sqtui with ``argv`` (default: the process arguments); return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "sim":
        from sqtui.sim.cli import main as sim_main

        return sim_main(args[1:])
    if args and args[0] in ("login", "logout"):
        return _login_command(args[0], args[1:])
    if args and args[0] == "config":
        return _config_command(args[1:])
    if args and args[0] == "snapshots":
        # Imported here: scripting imports this module for the shared options.
        from sqtui.scripting import main as snapshots_main

        return snapshots_main(args[1:])
    return _run_app(args)


def _run_app(argv: list[str]) -> int:
    parsed = _app_parser().parse_args(argv)
    try:
        settings, _config = settings_from(parsed)
    except ConfigError as error:
        print(f"sqtui: {error}", file=sys.stderr)
        return EXIT_USAGE
    if parsed.demo:
        return _run_demo(settings)
    settings.locations.ensure()
    setup_logging(settings.locations.log_file)
    key = resolve_key(settings.profile)
    if key is not None:
        add_secret(key.key)
    return _launch(replace(settings, key=key))


def _launch(settings: RunSettings) -> int:
    from sqtui.ui.app import SqtuiApp

    SqtuiApp(settings).run()
    return EXIT_OK


def _run_demo(settings: RunSettings) -> int:
    """The whole app against the embedded simulator, with throwaway state."""
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
            key=KeySource(key=config.api_key, origin="session"),
            demo=True,
            time_scale=DEMO_SPEED,
        )
        return _launch(demo)
    return EXIT_OK  # pragma: no cover


def _config_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="sqtui config",
        description="Show where sqtui keeps its files, or print a sample config file.",
    )
    parser.add_argument(
        "--sample", action="store_true", help="print a commented config file to start from"
    )
    args = parser.parse_args(argv)
    if args.sample:
        print(sample_config(), end="")
        return EXIT_OK
    where = Locations.default()
    try:
        load_config(where.config_file)
        state = "valid" if where.config_file.exists() else "not created yet: all defaults"
    except ConfigError as error:
        state = f"INVALID: {error}"
    rows = [
        ("config file", f"{where.config_file}  ({state})"),
        ("pending snapshots", str(where.pending_file)),
        ("history", str(where.history_file)),
        ("cache", str(where.cache_dir)),
        ("log", str(where.log_file)),
        ("downloads", str(where.downloads_dir)),
    ]
    for label, value in rows:
        print(f"{label + ':':<19}{value}")
    return EXIT_OK


def _login_command(command: str, argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog=f"sqtui {command}",
        parents=[common_options()],
        description=(
            "Store an API key in the OS keyring (read without echo, or from standard input)."
            if command == "login"
            else "Forget the API key stored for a profile."
        ),
    )
    args = parser.parse_args(argv)
    if command == "logout":
        try:
            removed = delete_key(args.profile)
        except (NoKeyringAvailable, CredentialError) as error:
            print(f"sqtui: {error}", file=sys.stderr)
            return EXIT_FAILED
        print(
            f"Forgot the key of profile {args.profile!r}."
            if removed
            else f"No key was stored for profile {args.profile!r}."
        )
        return EXIT_OK
    try:
        settings, _config = settings_from(args)
    except ConfigError as error:
        print(f"sqtui: {error}", file=sys.stderr)
        return EXIT_USAGE
    if sys.stdin.isatty():
        key = getpass.getpass(f"API key for profile {args.profile!r} (not shown): ").strip()
    else:
        key = sys.stdin.readline().strip()
    if not key:
        print("sqtui: no key given.", file=sys.stderr)
        return EXIT_USAGE
    try:
        account = asyncio.run(_check_key(key, settings.api_url))
    except ApiError as error:
        print(f"sqtui: key {mask(key)} not stored: {printable(error.human())}", file=sys.stderr)
        return exit_code_for(error)
    try:
        set_key(args.profile, key)
    except (NoKeyringAvailable, CredentialError) as error:
        print(f"sqtui: the key works, but it could not be stored: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Signed in as {printable(account)} (key {mask(key)}, profile {args.profile!r}).")
    return EXIT_OK


async def _check_key(key: str, api_url: str) -> str:
    async with SquareCloudClient(key, base_url=api_url) as client:
        account = await client.me()
    return account.user.email or account.user.name or account.user.id
