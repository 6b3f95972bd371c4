"""Finding what a person names: a resource by id or name, a snapshot by version prefix.

One lookup for the app (the palette, saved pending snapshots) and the script commands,
so an id, an exact name and an ambiguous name mean the same thing everywhere.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable, Sequence

from sqtui.api.models import Account, Resource, Snapshot
from sqtui.display import local_time, printable, shown_name, size_text


class Unresolved(enum.StrEnum):
    """Why a name did not lead to exactly one thing."""

    NOT_FOUND = "not_found"
    AMBIGUOUS = "ambiguous"


class ResolveError(Exception):
    """A name that matches nothing, or several things; ``sentence`` says which."""

    def __init__(self, why: Unresolved, sentence: str) -> None:
        super().__init__(sentence)
        self.why = why
        self.sentence = sentence


def near_miss(wanted: str, candidates: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """The candidate ``wanted`` most likely meant: the same but for case, else the
    closest by :func:`difflib.get_close_matches`; None when nothing is close."""
    by_fold: dict[str, str] = {}
    for candidate in candidates:
        by_fold.setdefault(candidate.casefold(), candidate)
    folded = wanted.casefold()
    if folded in by_fold:
        return by_fold[folded]
    close = difflib.get_close_matches(folded, list(by_fold), n=1, cutoff=cutoff)
    return by_fold[close[0]] if close else None


def _did_you_mean(suggestion: str | None) -> str:
    return f'; did you mean "{printable(suggestion)}"?' if suggestion else ""


def find_resource(account: Account, wanted: str) -> Resource:
    """The resource with id ``wanted``, else the only one named exactly ``wanted``."""
    found = account.by_id(wanted)
    if found is not None:
        return found
    named = [r for r in account.resources if r.name == wanted]
    if len(named) == 1:
        return named[0]
    if not named:
        suggestion = near_miss(wanted, (r.name for r in account.resources))
        raise ResolveError(
            Unresolved.NOT_FOUND,
            f'no application or database named "{printable(wanted)}"'
            f"{_did_you_mean(suggestion)} (`sqtui snapshots list` shows them all)",
        )
    ids = "\n".join(f"  {r.kind.label:<8} {r.id}" for r in named)
    raise ResolveError(
        Unresolved.AMBIGUOUS,
        f'{len(named)} resources are named "{printable(wanted)}"; give one of their ids:\n{ids}',
    )


def resource_label(resource: Resource) -> str:
    """``worker (app 3f9a…)``: a name people read, with the id that makes it unique."""
    return f"{shown_name(resource.name)} ({resource.kind.label} {resource.id})"


def find_version(listing: Sequence[Snapshot], wanted: str, resource: Resource) -> Snapshot:
    """The snapshot whose version id is ``wanted``, or the only one it starts."""
    for snapshot in listing:
        if snapshot.version_id == wanted:
            return snapshot
    matches = [s for s in listing if wanted and s.version_id.startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        # A typo in a prefix: compare with the prefixes of the same length.
        prefixes = (s.version_id[: len(wanted)] for s in listing)
        suggestion = near_miss(wanted, prefixes, cutoff=0.75) if wanted else None
        raise ResolveError(
            Unresolved.NOT_FOUND,
            f'{resource_label(resource)} has no snapshot with version "{printable(wanted)}"'
            f"{_did_you_mean(suggestion)} (`sqtui snapshots list {resource.id}` shows them)",
        )
    candidates = "\n".join(
        f"  {s.version_id}  {local_time(s.modified)}  {size_text(s.size)}" for s in matches
    )
    raise ResolveError(
        Unresolved.AMBIGUOUS,
        f'version prefix "{printable(wanted)}" matches {len(matches)} snapshots; '
        f"give more of it:\n{candidates}",
    )
