"""Time travel's rules: the moments people type, and the newest snapshot taken by then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sqtui.api.models import Snapshot
from sqtui.domain.moment import (
    FORMS,
    newest_at_or_before,
    nothing_before_text,
    parse_moment,
    picked_text,
)
from tests.conftest import WEST_AND_EAST, in_zone


def at(zone: str, *fields: int) -> datetime:
    """A wall-clock time of ``zone``, as an aware datetime."""
    return datetime(*fields).replace(tzinfo=ZoneInfo(zone))  # type: ignore[arg-type]


def snap(version: str, modified: datetime) -> Snapshot:
    return Snapshot(
        name="app1",
        version_id=version,
        size=1,
        modified=modified,
        origin="automatic",
        url="",
        signed_query="",
    )


@pytest.mark.parametrize(
    ("text", "wall"),
    [
        ("now", (2026, 11, 23, 0, 10)),
        ("23:30", (2026, 11, 22, 23, 30)),
        ("00:05", (2026, 11, 23, 0, 5)),
        ("00:10", (2026, 11, 23, 0, 10)),
        ("3:05", (2026, 11, 22, 3, 5)),
        ("14:00:30", (2026, 11, 22, 14, 0, 30)),
        ("3pm", (2026, 11, 22, 15, 0)),
        ("12 AM", (2026, 11, 23, 0, 0)),
        ("12:30 p.m.", (2026, 11, 22, 12, 30)),
        ("yesterday", (2026, 11, 22, 0, 10)),
        ("Yesterday 03:00", (2026, 11, 22, 3, 0)),
        ("  YESTERDAY   at 3am ", (2026, 11, 22, 3, 0)),
        ("today", (2026, 11, 23, 0, 10)),
        ("today 00:05", (2026, 11, 23, 0, 5)),
        ("2h ago", (2026, 11, 22, 22, 10)),
        ("90 min ago", (2026, 11, 22, 22, 40)),
        ("1h30m ago", (2026, 11, 22, 22, 40)),
        ("1 hour and 30 minutes AGO", (2026, 11, 22, 22, 40)),
        ("30s ago", (2026, 11, 23, 0, 9, 30)),
        ("3 days ago", (2026, 11, 20, 0, 10)),
        ("2 days, 3 hours ago", (2026, 11, 20, 21, 10)),
        ("1w ago", (2026, 11, 16, 0, 10)),
        ("2026-11-20", (2026, 11, 20, 23, 59, 59, 999999)),
        ("2026-11-23", (2026, 11, 23, 0, 10)),  # today: the end of it so far
        ("2026-11-20T03:00", (2026, 11, 20, 3, 0)),
        ("2026-11-20t03:00", (2026, 11, 20, 3, 0)),
        ("2026-11-20 03:00", (2026, 11, 20, 3, 0)),
        (" 2026-11-20   3:05 ", (2026, 11, 20, 3, 5)),
    ],
)
def test_every_form_in_a_zone_west_and_east_of_utc(
    zone: str, text: str, wall: tuple[int, ...]
) -> None:
    # Ten past midnight: a bare 23:30 is yesterday's, a bare 00:05 today's.
    now = at(zone, 2026, 11, 23, 0, 10)
    moment = parse_moment(text, now)
    assert moment.tzinfo is not None
    assert moment == at(zone, *wall)


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2026-11-20T03:00Z", datetime(2026, 11, 20, 3, 0, tzinfo=UTC)),
        ("2026-11-20t03:00z", datetime(2026, 11, 20, 3, 0, tzinfo=UTC)),
        ("2026-11-20T03:00+02:00", datetime(2026, 11, 20, 1, 0, tzinfo=UTC)),
        ("2026-11-20 03:00:00-05:00", datetime(2026, 11, 20, 8, 0, tzinfo=UTC)),
    ],
)
def test_an_iso_time_with_an_offset_is_that_instant_whatever_the_zone(
    zone: str, text: str, utc: datetime
) -> None:
    assert parse_moment(text, at(zone, 2026, 11, 23, 0, 10)) == utc


def test_hours_ago_are_exact_spans_and_days_ago_are_calendar_days_across_dst() -> None:
    with in_zone("America/New_York"):
        # Noon on the day the clocks went forward: yesterday noon was 23 h before.
        now = at("America/New_York", 2026, 3, 8, 12, 0)
        assert now - parse_moment("24h ago", now) == timedelta(hours=24)
        yesterday_noon = at("America/New_York", 2026, 3, 7, 12, 0)
        assert parse_moment("1 day ago", now) == yesterday_noon
        assert parse_moment("yesterday", now) == yesterday_noon
        assert parse_moment("yesterday 12:00", now) == yesterday_noon
        assert now.astimezone(UTC) - yesterday_noon.astimezone(UTC) == timedelta(hours=23)
        # The day the clocks went back: 25 h.
        now = at("America/New_York", 2026, 11, 1, 12, 0)
        assert now - parse_moment("1d ago", now) == timedelta(hours=25)


def test_a_skipped_time_is_the_instant_before_the_clocks_jumped() -> None:
    with in_zone("America/New_York"):
        now = at("America/New_York", 2026, 3, 8, 12, 0)
        moment = parse_moment("02:30", now)
        # 02:00 EST became 03:00 EDT at 07:00 UTC.
        jump = datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
        assert jump - timedelta(seconds=1) < moment < jump
        assert parse_moment("2026-03-08T02:30", now) == moment


def test_a_time_that_happens_twice_is_its_first_occurrence() -> None:
    with in_zone("America/New_York"):
        now = at("America/New_York", 2026, 11, 1, 12, 0)
        first = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, before 01:30 EST
        assert parse_moment("01:30", now) == first
        assert parse_moment("today 1:30 am", now) == first


@pytest.mark.parametrize(
    "text",
    ["today 14:00", "2026-11-24", "2026-11-23T00:11", "2099-01-01T00:00Z", "23:30 tomorrow"],
)
def test_a_moment_still_to_come_is_refused_with_a_sentence(zone: str, text: str) -> None:
    now = at(zone, 2026, 11, 23, 0, 10)
    with pytest.raises(ValueError) as refused:
        parse_moment(text, now)
    message = str(refused.value)
    if "tomorrow" in text:
        assert FORMS in message
    else:
        assert "still to come" in message and "at or before now" in message


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "garbage",
        "25:00",
        "14:60",
        "14",
        "13pm",
        "0am",
        "2h",
        "ago",
        "3 lightyears ago",
        "2026-02-30",
        "2026-13-01T00:00",
        "yesterday 25:00",
        "sq-3f9a7c1e5b2d8c4f6a0e",
        "1h" * 100 + " ago",
    ],
)
def test_garbage_is_refused_naming_the_forms_without_repeating_it(text: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_moment(text, datetime(2026, 11, 23, 0, 10, tzinfo=UTC))
    message = str(refused.value)
    assert FORMS in message and message.endswith(".")
    # What was typed may be a key pasted in the wrong place: never echoed.
    assert "sq-3f9a" not in message and "lightyears" not in message


def test_beyond_the_calendar_is_refused_not_crashed() -> None:
    now = datetime(2026, 11, 23, 0, 10, tzinfo=UTC)
    for text in ("99999999 weeks ago", "0001-01-01"):
        with in_zone("Asia/Tokyo"), pytest.raises(ValueError, match="calendar"):
            parse_moment(text, now)


NOWS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@given(now=NOWS, hours=st.integers(0, 100_000), zone=st.sampled_from(WEST_AND_EAST))
def test_x_hours_ago_is_always_exactly_x_hours_before_now(
    now: datetime, hours: int, zone: str
) -> None:
    with in_zone(zone):
        assert parse_moment(f"{hours}h ago", now) == now - timedelta(hours=hours)
        assert parse_moment(f"{hours * 60} minutes ago", now) == now - timedelta(hours=hours)


@given(
    now=NOWS,
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    zone=st.sampled_from(("America/New_York", "Asia/Tokyo", "Europe/London")),
)
def test_a_bare_time_is_its_latest_occurrence_at_or_before_now(
    now: datetime, hour: int, minute: int, zone: str
) -> None:
    with in_zone(zone):
        moment = parse_moment(f"{hour:02d}:{minute:02d}", now)
        assert moment <= now
        # Within the last day (25 h where the clocks went back).
        assert now - moment < timedelta(hours=25)
        local = moment.astimezone(ZoneInfo(zone))
        if (local.hour, local.minute) != (hour, minute):
            # Only a time the clocks skipped reads differently: just before the jump.
            after = (moment + timedelta(microseconds=1)).astimezone(ZoneInfo(zone))
            assert after.utcoffset() != local.utcoffset()


# -- picking ---------------------------------------------------------------------------


def test_the_newest_at_or_before_includes_the_moment_itself() -> None:
    base = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    listing = [snap("c", base + timedelta(days=2)), snap("b", base + timedelta(days=1))]
    listing.append(snap("a", base))
    assert newest_at_or_before(listing, base + timedelta(days=1)) == listing[1]
    assert newest_at_or_before(listing, base + timedelta(days=1, seconds=-1)) == listing[2]
    assert newest_at_or_before(listing, base + timedelta(days=9)) == listing[0]
    assert newest_at_or_before(reversed(listing), base + timedelta(hours=30)) == listing[1]


def test_among_equal_times_the_first_listed_is_picked() -> None:
    when = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    listing = [snap("x", when), snap("y", when), snap("old", when - timedelta(hours=1))]
    assert newest_at_or_before(listing, when) == listing[0]
    assert newest_at_or_before(listing[1:], when) == listing[1]


def test_none_at_or_before_names_the_oldest() -> None:
    with in_zone("Asia/Tokyo"):
        when = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
        listing = [snap("b", when + timedelta(days=1)), snap("a", when)]
        moment = when - timedelta(seconds=1)
        assert newest_at_or_before(listing, moment) is None
        assert newest_at_or_before([], moment) is None
        text = nothing_before_text("worker", listing, moment)
        assert text == (
            "worker has no snapshot taken at or before 2026-11-20 11:59: "
            "the oldest was taken 2026-11-20 12:00."
        )
        assert nothing_before_text("worker", [], moment) == "worker has no snapshots."


def test_the_picked_snapshot_is_told_with_how_long_before_the_moment() -> None:
    with in_zone("America/New_York"):
        taken = datetime(2026, 11, 20, 8, 12, tzinfo=UTC)
        one = snap("a", taken)
        assert picked_text(one, taken + timedelta(minutes=48)) == (
            "the snapshot of 2026-11-20 03:12, 48 min before 2026-11-20 04:00"
        )
        assert picked_text(one, taken) == (
            "the snapshot of 2026-11-20 03:12, taken at that very moment"
        )
