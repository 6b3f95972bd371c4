"""``sqtui login``, ``sqtui logout`` and ``sqtui config``: the key and the files."""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Mapping

from sqtui.api.errors import ApiError
from sqtui.cli.exit_codes import ExitCode, exit_code_for
from sqtui.cli.options import QuietParser, key_options, settings_from
from sqtui.display import mask, printable
from sqtui.domain.login import account_label, check_key
from sqtui.storage.config import ConfigError, load_config, sample_config
from sqtui.storage.credentials import (
    ENV_KEY,
    CredentialError,
    NoKeyringAvailable,
    delete_key,
    keyring_available,
    set_key,
)
from sqtui.storage.locations import Locations


def config_command(argv: list[str]) -> int:
    parser = QuietParser(
        prog="sqtui config",
        description="Show where sqtui keeps its files and the keys in force, or print a sample "
        "config file.",
    )
    parser.add_argument(
        "--sample", action="store_true", help="print a commented config file to start from"
    )
    args = parser.parse_args(argv)
    if args.sample:
        print(sample_config(), end="")
        return ExitCode.OK
    where = Locations.default()
    warnings: tuple[str, ...] = ()
    keys: str | None = None
    try:
        config = load_config(where.config_file)
        warnings = config.warnings
        keys = "all defaults"
        if config.keys:
            usable, problems = _checked_keys(config.keys)
            warnings += problems
            keys = usable or keys
        state = "valid" if where.config_file.exists() else "not created yet: all defaults"
        if warnings:
            state = f"loaded, with {len(warnings)} warning(s) below"
    except ConfigError as error:
        state = f"INVALID: {error}"
    rows = [
        ("config file", f"{where.config_file}  ({state})"),
        *([("keys", keys)] if keys is not None else []),
        ("pending snapshots", str(where.pending_file)),
        ("history", str(where.history_file)),
        ("cache", str(where.cache_dir)),
        ("log", str(where.log_file)),
        ("downloads", str(where.downloads_dir)),
    ]
    for label, value in rows:
        print(f"{label + ':':<19}{value}")
    for warning in warnings:
        print(f"warning: {warning}")
    return ExitCode.OK


def _checked_keys(keys: Mapping[str, str]) -> tuple[str, tuple[str, ...]]:
    """The ``[keys]`` entries in force (``refresh = "f5", …``) and why the others are not.

    Checked by the app's own checker against the bindings the app declares, so this
    report and the app can never disagree about a key.
    """
    from sqtui.ui.app import SqtuiApp
    from sqtui.ui.keymap import check_keymap, spelled

    checked = check_keymap(keys, SqtuiApp)
    usable = ", ".join(f'{name} = "{spelled(k)}"' for name, k in checked.usable.items())
    return usable, tuple(checked.problems)


def _no_keyring(command: str) -> str:
    """What to do instead of ``sqtui login``/``logout`` on a machine with no keyring."""
    if command == "logout":
        return (
            "There is no OS keyring on this machine, so no key is stored here to forget. "
            f"If a shell has the key in {ENV_KEY}, run `unset {ENV_KEY}` there."
        )
    return (
        "There is no OS keyring on this machine (usual over SSH on a server without a "
        "desktop session), so `sqtui login` has nowhere to keep the key; nothing was read. "
        f"Give it to this shell instead: `read -rs {ENV_KEY} && export {ENV_KEY}` "
        "(typed without echo, kept out of the shell history). The app's login screen can "
        "also use a key for its session only."
    )


def login_command(command: str, argv: list[str]) -> int:
    parser = QuietParser(
        prog=f"sqtui {command}",
        parents=[key_options(api_url=command == "login")],
        description=(
            "Check an API key, then store it in the OS keyring (read without echo, or "
            "from standard input; never from the command line). Without a keyring, "
            f"export {ENV_KEY} instead."
            if command == "login"
            else "Forget the API key stored in the OS keyring for a profile."
        ),
    )
    args = parser.parse_args(argv)
    if not keyring_available():
        if command == "logout":
            print(_no_keyring(command))
            return ExitCode.OK
        print(f"sqtui: {_no_keyring(command)}", file=sys.stderr)
        return ExitCode.FAILED
    if command == "logout":
        try:
            removed = delete_key(args.profile)
        except (NoKeyringAvailable, CredentialError) as error:
            print(f"sqtui: {error}", file=sys.stderr)
            return ExitCode.FAILED
        print(
            f"Forgot the key of profile {args.profile!r}."
            if removed
            else f"No key was stored for profile {args.profile!r}."
        )
        return ExitCode.OK
    try:
        settings = settings_from(args)
    except ConfigError as error:
        print(f"sqtui: {error}", file=sys.stderr)
        return ExitCode.USAGE
    if sys.stdin.isatty():
        key = getpass.getpass(f"API key for profile {args.profile!r} (not shown): ").strip()
    else:
        key = sys.stdin.readline().strip()
    if not key:
        print("sqtui: no key given.", file=sys.stderr)
        return ExitCode.USAGE
    try:
        account = account_label(asyncio.run(check_key(key, settings.api_url)))
    except ApiError as error:
        print(f"sqtui: key {mask(key)} not stored: {printable(error.human())}", file=sys.stderr)
        return exit_code_for(error)
    try:
        set_key(args.profile, key)
    except NoKeyringAvailable:
        print(f"sqtui: the key works, but {_no_keyring(command)}", file=sys.stderr)
        return ExitCode.FAILED
    except CredentialError as error:
        print(f"sqtui: the key works, but it could not be stored: {error}", file=sys.stderr)
        return ExitCode.FAILED
    print(f"Signed in as {printable(account)} (key {mask(key)}, profile {args.profile!r}).")
    return ExitCode.OK
