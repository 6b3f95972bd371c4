"""What the commands that look inside snapshots share: opening, errors, entry rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqtui.cli.exit_codes import ExitCode
from sqtui.cli.output import say
from sqtui.cli.run import Run, Stop
from sqtui.domain.contents import ContentsError, Entry
from sqtui.domain.flows.contents import (
    OpenedContents,
    contents_cache,
    open_contents,
    reachable_account,
)
from sqtui.domain.resolve import find_resource

_CODES: dict[str, ExitCode] = {
    "missing": ExitCode.NOT_FOUND,
    "not_found": ExitCode.NOT_FOUND,
    "offline": ExitCode.NETWORK,
    "network": ExitCode.NETWORK,
    "unavailable": ExitCode.SERVER,
}


def contents_stop(error: ContentsError) -> Stop:
    """The exit code and sentence for a failed read inside a snapshot."""
    return Stop(_CODES.get(error.reason, ExitCode.FAILED), error.human())


async def open_for(run: Run, wanted: str) -> OpenedContents:
    """Every listed version of the resource ``wanted`` (cached when the API is down)."""
    account, live = await reachable_account(run.session)
    opened = await open_contents(
        run.session,
        find_resource(account, wanted),
        contents_cache(run.settings.locations.cache_dir),
        account=account if live else None,
    )
    if opened.stale:
        say(
            "sqtui: warning: the API cannot be reached; showing what was cached "
            "(only directories read before are available)."
        )
    return opened


def zip_time(when: datetime | None) -> str:
    """A member's time as stored (zip times carry no zone), or ``-``."""
    return when.strftime("%Y-%m-%d %H:%M") if when is not None else "-"


def zip_time_json(when: datetime | None) -> str | None:
    """A member's time for JSON: ISO 8601 without a zone, as the archive has none."""
    return when.isoformat() if when is not None else None


def entry_json(entry: Entry) -> dict[str, Any]:
    """One member for ``--json``: its path exactly as stored, sizes, CRC-32 and time."""
    return {
        "path": entry.path,
        "size": entry.size,
        "compressed_size": entry.compressed_size,
        "crc32": entry.crc32,
        "modified": zip_time_json(entry.modified),
    }
