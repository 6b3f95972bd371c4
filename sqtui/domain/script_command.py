"""The script command that repeats a create, a download or a restore, kept in the history.

``sqtui snapshots restore 3f9a… --version Vzm5aJLA… --yes``: what to paste into a
runbook, or to run again after a refusal. It holds only what the command needs: never
a key, a signed URL or anything else the server signed.

The resource is named by its id, never by its name: names are neither unique nor
fixed (a rename, or a second resource given the same name, would point the same words
at another resource or make them ambiguous), they are text from the server, and the
script face does not keep the account at hand to check them. The version is written
whole, as a prefix may stop being unique. Every word is quoted for a POSIX shell, and
a word that would read as an option is kept from being one, so no text can become
shell syntax or a flag.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec

from sqtui.api.client import DEFAULT_BASE_URL
from sqtui.domain.history import Action

PROGRAM = ("sqtui", "snapshots")
DEFAULT_PROFILE = "default"

P = ParamSpec("P")


def _option(flag: str, value: str) -> list[str]:
    """``--flag value``; ``--flag=value`` when the value would otherwise read as a flag."""
    return [f"{flag}={value}"] if value.startswith("-") else [flag, value]


def script_argv(
    action: Action,
    resource_id: str,
    *,
    version: str | None,
    profile: str,
    api_url: str | None,
    directory: Path | None = None,
    overwrite: bool = False,
    safety: bool = False,
) -> list[str] | None:
    """The words of the command that repeats ``action``, as a shell hands them over.

    None for a safety snapshot (its restore is the command: ``--safety-snapshot``) and
    for a download or restore that names no version, and when a value cannot be given
    on a command line at all.
    """
    if "--" in (version, profile, api_url):
        # argparse reads a value of exactly "--" as the end of the options: no command
        # line can give it.
        return None
    options: list[str] = []
    if action is Action.DOWNLOAD and version:
        options += _option("--version", version)
        if directory is not None:
            options += _option("--output", str(directory))
        if overwrite:
            options.append("--overwrite")
    elif action is Action.RESTORE and version:
        options += [*_option("--version", version), "--yes"]
        if safety:
            options.append("--safety-snapshot")
    elif action is not Action.CREATE:
        return None
    if profile != DEFAULT_PROFILE:
        options += _option("--profile", profile)
    if api_url is not None and api_url.rstrip("/") != DEFAULT_BASE_URL.rstrip("/"):
        options += _option("--api-url", api_url)
    head = [*PROGRAM, action.value]
    if resource_id.startswith("-"):
        # After "--" nothing is an option, whatever it looks like.
        return [*head, *options, "--", resource_id]
    return [*head, resource_id, *options]


def _as_one_line(words: Callable[P, list[str] | None]) -> Callable[P, str | None]:
    """``words``, taking the same arguments, joined into one line for a POSIX shell
    (every word quoted as needed)."""

    def line(*args: P.args, **kwargs: P.kwargs) -> str | None:
        argv = words(*args, **kwargs)
        return None if argv is None else shlex.join(argv)

    return line


script_command = _as_one_line(script_argv)
""":func:`script_argv` as one line for a POSIX shell."""
