"""Flags shared by the app and the commands, and the settings they resolve to."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NoReturn

from sqtui.api.client import DEFAULT_BASE_URL
from sqtui.domain.settings import RunSettings, resolve_settings


class QuietParser(argparse.ArgumentParser):
    """A parser whose usage errors never repeat a word it did not expect.

    A key pasted as an argument by mistake (``sqtui login THE-KEY``) would otherwise be
    printed back in "unrecognized arguments: THE-KEY", into terminal scroll-back and logs.
    """

    def error(self, message: str) -> NoReturn:
        """Print the usage and ``message`` (without the words it quotes) and exit 2."""
        if message.startswith("argument") and "invalid choice" in message:
            # "argument COMMAND: invalid choice: 'x' (choose from ...)": keep the choices.
            choices = message[message.find("(choose from") :]
            message = f"unknown command (not repeated here in case it is an API key) {choices}"
        elif message.startswith(_QUOTING):
            message = (
                "unexpected argument(s), not repeated here in case one is an API key. "
                "An API key is never taken from the command line: `sqtui login` reads it "
                "without echo, or from standard input."
            )
        super().error(message)


# argparse messages that repeat what was typed.
_QUOTING = ("unrecognized arguments", "ambiguous option", "invalid choice")


def _add_profile(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", default="default", help="key profile (default: default)")


def _add_api_url(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--api-url",
        default=None,
        help=f"API base URL (env SQUARECLOUD_API_URL; default {DEFAULT_BASE_URL})",
    )


def common_options() -> QuietParser:
    """Flags shared by the app and the script commands."""
    parent = QuietParser(add_help=False)
    _add_api_url(parent)
    _add_profile(parent)
    parent.add_argument(
        "--read-only",
        action="store_true",
        default=None,
        help="browse and download only: create and restore are refused",
    )
    parent.add_argument("--download-dir", type=Path, default=None, help="where downloads are saved")
    return parent


def key_options(*, api_url: bool) -> argparse.ArgumentParser:
    """Flags of ``login`` (profile, and the API the key is checked against) and ``logout``."""
    parent = argparse.ArgumentParser(add_help=False)
    if api_url:
        _add_api_url(parent)
    _add_profile(parent)
    return parent


def settings_from(args: argparse.Namespace) -> RunSettings:
    """The settings of this run: the shared flags beat the environment and the config.

    Raises :class:`~sqtui.storage.config.ConfigError` for a config file that is not valid.
    """
    return resolve_settings(
        profile=str(args.profile),
        api_url=getattr(args, "api_url", None),
        read_only=getattr(args, "read_only", None),
        download_dir=getattr(args, "download_dir", None),
    )
