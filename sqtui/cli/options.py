"""Flags shared by the app and the commands, and the settings they resolve to."""

from __future__ import annotations

import argparse
from pathlib import Path

from sqtui.api.client import DEFAULT_BASE_URL
from sqtui.domain.settings import RunSettings, resolve_settings


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


def settings_from(args: argparse.Namespace) -> RunSettings:
    """The settings of this run: the shared flags beat the environment and the config.

    Raises :class:`~sqtui.storage.config.ConfigError` for a config file that is not valid.
    """
    return resolve_settings(
        profile=str(args.profile),
        api_url=args.api_url,
        read_only=args.read_only,
        download_dir=args.download_dir,
    )
