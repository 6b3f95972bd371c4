"""The exit codes of every command, documented in the README and in ``--help``."""

from __future__ import annotations

import enum

from sqtui.api.errors import ApiError, ErrorKind
from sqtui.domain.refusal import RefusalReason, Refused
from sqtui.domain.resolve import ResolveError, Unresolved


class ExitCode(enum.IntEnum):
    """What a command's exit status means."""

    OK = 0
    FAILED = 1
    USAGE = 2
    AUTH = 3
    NOT_FOUND = 4
    QUOTA = 5
    SERVER = 6
    NETWORK = 7
    INTERRUPTED = 130  # as shells report Ctrl-C: 128 + SIGINT
    BROKEN_PIPE = 141  # the reader went away (`| head -1`): 128 + SIGPIPE, said quietly


def exit_code_for(error: ApiError) -> ExitCode:
    """The documented exit code for an API error."""
    if error.kind is ErrorKind.ACCESS_DENIED:
        return ExitCode.AUTH
    if error.kind is ErrorKind.NOT_FOUND:
        return ExitCode.NOT_FOUND
    if error.kind in (ErrorKind.COOLDOWN, ErrorKind.DAILY_QUOTA, ErrorKind.RATE_LIMITED):
        return ExitCode.QUOTA
    if error.kind is ErrorKind.NETWORK_ERROR:
        return ExitCode.NETWORK
    if error.kind in (ErrorKind.SERVER_ERROR, ErrorKind.INVALID_RESPONSE):
        return ExitCode.SERVER
    return ExitCode.FAILED


def exit_code_for_refusal(refused: Refused) -> ExitCode:
    """Read-only mode or a key not allowed to is a failure (1); a cooldown or the quota, 5."""
    if refused.reason in (RefusalReason.READ_ONLY, RefusalReason.NOT_ALLOWED):
        return ExitCode.FAILED
    return ExitCode.QUOTA


def exit_code_for_unresolved(error: ResolveError) -> ExitCode:
    """A name that matches nothing is code 4; one that matches several is usage (2)."""
    return ExitCode.NOT_FOUND if error.why is Unresolved.NOT_FOUND else ExitCode.USAGE


EXIT_CODES_HELP = f"""\
exit codes:
  {ExitCode.OK}    done (a create answered "still generating" without --wait is done too)
  {ExitCode.FAILED}    failed: download or restore failed, RESTORE_IN_PROGRESS, read-only mode,
       a key not allowed to, restore not confirmed or the resource not running
       again, --wait timed out, a damaged file in verify or cat
  {ExitCode.USAGE}    usage: bad arguments, a name or version prefix that matches several,
       restore without --yes when standard input is not a terminal, a bad config file
  {ExitCode.AUTH}    no API key, or the key was refused
  {ExitCode.NOT_FOUND}    no such application, database or snapshot
  {ExitCode.QUOTA}    cooldown (KEEP_CALM), daily quota used up, or RATE_LIMITED
  {ExitCode.SERVER}    the API failed (5xx after retries) or answered something unreadable
  {ExitCode.NETWORK}    the API or the snapshot host could not be reached (a restore whose
       answer was lost may still be running)
  {ExitCode.INTERRUPTED}  interrupted (Ctrl-C)
  {ExitCode.BROKEN_PIPE}  the output's reader stopped early (`... | head -1`), as coreutils report
"""
