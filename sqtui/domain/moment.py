"""Time travel: a moment as people type it, and the newest snapshot taken by then.

The one place these rules live: the ``t`` dialog and ``--before`` on the script
commands both call :func:`parse_moment` and :func:`newest_at_or_before`.

Local times are in the machine's time zone. Hours, minutes and seconds ago are
exact spans; days and weeks ago are calendar days at the same clock time, so across
a change of daylight saving time ``1 day ago`` is ``yesterday``, not 24 hours.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqtui.api.models import Resource, Snapshot
from sqtui.display import age_text, local_time
from sqtui.domain.resolve import ResolveError, Unresolved, resource_label

#: The forms :func:`parse_moment` accepts, as the dialog's placeholder and errors say.
FORMS = (
    "14:00, 3pm, 2h ago, 1h30m ago, 3 days ago, yesterday 03:00, today 09:15, "
    "2026-11-23, 2026-11-23T03:00 (an offset or Z may follow), or now"
)

_UNITS: dict[str, str] = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), "seconds"),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), "minutes"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "hours"),
    **dict.fromkeys(("d", "day", "days"), "days"),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), "weeks"),
}
# Longer than any form: not parsed at all.
_LONGEST = 64
_SPAN = re.compile(r"(\d{1,9}) ?([a-z]+)")
_AGO = re.compile(r"((?:\d{1,9} ?[a-z]+ ?,? ?(?:and )?)+)ago")
_CLOCK = re.compile(r"(\d{1,2})(?::(\d{2}))?(?::(\d{2}))? ?([ap]\.?m\.?)?")
_ON_DAY = re.compile(r"(today|yesterday|\d{4}-\d{2}-\d{2})(?: (?:at )?(.+))?")


def _not_understood() -> ValueError:
    # What was typed is not repeated: it may be a key pasted in the wrong place.
    return ValueError(f"That is not a time sqtui understands; give {FORMS}.")


def parse_moment(text: str, now: datetime) -> datetime:
    """The moment ``text`` names, as an aware datetime no later than ``now``.

    Raises ValueError with one sentence (the forms accepted, or that the moment is
    still to come).
    """
    words = " ".join(text.lower().split())
    if len(words) > _LONGEST:
        raise _not_understood()
    try:
        moment = _moment(words, now)
    except (OverflowError, OSError, ValueError):
        # Years 1 and 9999 and spans of millions of weeks: past what datetime can hold.
        raise ValueError(
            "That moment is beyond the calendar sqtui can work with; give one after year 1."
        ) from None
    if moment is None:
        raise _not_understood()
    if moment > now:
        raise ValueError(
            f"That moment ({local_time(moment)}) is still to come; "
            "give one at or before now, as snapshots are only taken in the past."
        )
    return moment


def _moment(words: str, now: datetime) -> datetime | None:
    local_now = now.astimezone()
    if words == "now":
        return now
    if match := _AGO.fullmatch(words):
        return _ago(match.group(1), now)
    if (alone := _date(words)) is not None:
        if alone > local_now.date():
            return _local(alone, time.min)  # still to come: refused
        # A day alone: the end of that day (so far, for today).
        return min(_local(alone, time.max), now)
    if match := _ON_DAY.fullmatch(words):
        day_word, clock_words = match.groups()
        day = _day(day_word, local_now)
        if day is None:
            return None
        if clock_words is None:
            # ``yesterday``: this time yesterday; ``today``: now.
            return now if day_word == "today" else _local(day, local_now.time())
        clock = _clock(clock_words)
        if clock is not None:
            return _local(day, clock)
    if words[:4].isdigit():
        return _iso(words)
    clock = _clock(words)
    if clock is None:
        return None
    # A bare time is its most recent past occurrence: today, else yesterday.
    today = _local(local_now.date(), clock)
    if today <= now:
        return today
    return _local(local_now.date() - timedelta(days=1), clock)


def _ago(spans: str, now: datetime) -> datetime | None:
    amounts = dict.fromkeys(("weeks", "days", "hours", "minutes", "seconds"), 0)
    for number, unit in _SPAN.findall(spans):
        if unit not in _UNITS:
            return None
        amounts[_UNITS[unit]] += int(number)
    days = amounts["days"] + 7 * amounts["weeks"]
    exact = timedelta(
        hours=amounts["hours"], minutes=amounts["minutes"], seconds=amounts["seconds"]
    )
    if not days:
        return now - exact
    # Calendar days at the same clock time, then the exact part.
    local_now = now.astimezone()
    return _local(local_now.date() - timedelta(days=days), local_now.time()) - exact


def _day(word: str, local_now: datetime) -> date | None:
    if word == "today":
        return local_now.date()
    if word == "yesterday":
        return local_now.date() - timedelta(days=1)
    return _date(word)


def _date(word: str) -> date | None:
    try:
        return date.fromisoformat(word)
    except ValueError:
        return None


def _clock(words: str) -> time | None:
    """``14:00``, ``3:05``, ``14:00:30``, ``3pm``, ``3:05 am``; None for anything else."""
    match = _CLOCK.fullmatch(words)
    if match is None:
        return None
    hour_text, minute_text, second_text, half = match.groups()
    if minute_text is None and half is None:
        return None  # a number alone is not a time
    hour, minute, second = int(hour_text), int(minute_text or 0), int(second_text or 0)
    if half is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def _local(day: date, clock: time) -> datetime:
    """``day`` at ``clock`` on the machine's wall clock, as an aware datetime.

    Daylight saving: a time that happens twice is its first occurrence; a time the
    clocks skip is the instant just before they jumped, so every snapshot shown
    before that time is at or before it and none shown after.
    """
    wall = datetime.combine(day, clock.replace(microsecond=0, tzinfo=None))
    guess = int((wall - _EPOCH).total_seconds())  # the wall time read as UTC
    offsets = {_offset(guess - _DAY_SECONDS), _offset(guess + _DAY_SECONDS)}
    found = [guess - o for o in offsets if _wall(guess - o) == wall]
    if found:
        return _aware(min(found)) + timedelta(microseconds=clock.microsecond)
    # In the gap: the first second of the new offset, found by halving the span.
    before, after = guess - max(offsets), guess - min(offsets)
    first = _offset(before)
    while after - before > 1:
        middle = (before + after) // 2
        if _offset(middle) == first:
            before = middle
        else:
            after = middle
    return _aware(after) - timedelta(microseconds=1)


_EPOCH = datetime(1970, 1, 1)
_DAY_SECONDS = 86_400


def _aware(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC).astimezone()


def _offset(seconds: int) -> int:
    """The local zone's offset from UTC at ``seconds`` after the epoch, in seconds."""
    offset = _aware(seconds).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def _wall(seconds: int) -> datetime:
    return _aware(seconds).replace(tzinfo=None)


def _iso(words: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(words.upper())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else _local(moment.date(), moment.time())


def at_or_before(snapshots: Iterable[Snapshot], moment: datetime) -> list[Snapshot]:
    """The snapshots taken at or before ``moment``, in the order given."""
    return [s for s in snapshots if s.modified <= moment]


def newest_at_or_before(snapshots: Iterable[Snapshot], moment: datetime) -> Snapshot | None:
    """The newest snapshot taken at or before ``moment`` (the first listed among equals)."""
    return max(at_or_before(snapshots, moment), key=lambda s: s.modified, default=None)


def find_before(listing: Sequence[Snapshot], moment: datetime, resource: Resource) -> Snapshot:
    """:func:`newest_at_or_before`, or a :class:`ResolveError` (not found) naming the oldest."""
    found = newest_at_or_before(listing, moment)
    if found is None:
        raise ResolveError(
            Unresolved.NOT_FOUND, nothing_before_text(resource_label(resource), listing, moment)
        )
    return found


def picked_text(snapshot: Snapshot, moment: datetime) -> str:
    """``the snapshot of 2026-11-22 03:12, 48 min before 2026-11-22 04:00``."""
    taken = local_time(snapshot.modified)
    if snapshot.modified == moment:
        return f"the snapshot of {taken}, taken at that very moment"
    gap = age_text(snapshot.modified, moment)
    return f"the snapshot of {taken}, {gap} before {local_time(moment)}"


def nothing_before_text(what: str, snapshots: Iterable[Snapshot], moment: datetime) -> str:
    """Why no snapshot was picked: none at all, or the oldest is after ``moment``."""
    listed = list(snapshots)
    if not listed:
        return f"{what} has no snapshots."
    oldest = min(s.modified for s in listed)
    return (
        f"{what} has no snapshot taken at or before {local_time(moment)}: "
        f"the oldest was taken {local_time(oldest)}."
    )
