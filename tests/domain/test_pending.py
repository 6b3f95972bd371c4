from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sqtui.api.models import ResourceKind, Snapshot
from sqtui.domain.pending import MAX_POLL_SECONDS, PendingSnapshot, PendingTracker

NOW = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)


def pending(reason: str = "processing", at: datetime = NOW, rid: str = "a" * 32) -> PendingSnapshot:
    return PendingSnapshot(
        resource_id=rid,
        resource_kind=ResourceKind.APP,
        resource_name="api",
        requested_at=at,
        reason=reason,  # type: ignore[arg-type]
        known_versions=frozenset({"old"}),
    )


def snap(version: str, modified: datetime) -> Snapshot:
    return Snapshot(
        name="a" * 32,
        version_id=version,
        size=1,
        modified=modified,
        origin="manual",
        url="u",
        signed_query="k",
    )


def test_saved_and_loaded_again_and_other_scopes_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "pending.json"
    mine = PendingTracker(path, "default@api")
    mine.add(pending())
    theirs = PendingTracker(path, "ops@api")
    theirs.load()
    assert theirs.items == []
    theirs.add(pending(rid="b" * 32))
    again = PendingTracker(path, "default@api")
    again.load()
    assert [p.resource_id for p in again.items] == ["a" * 32]
    assert again.items[0].known_versions == frozenset({"old"})
    again.save()
    other = PendingTracker(path, "ops@api")
    other.load()
    assert [p.resource_id for p in other.items] == ["b" * 32]


def test_a_create_cut_off_while_requesting_comes_back_as_lost(tmp_path: Path) -> None:
    path = tmp_path / "pending.json"
    PendingTracker(path, "s").add(pending(reason="requesting"))
    loaded = PendingTracker(path, "s")
    loaded.load()
    assert [p.reason for p in loaded.items] == ["lost"]


@pytest.mark.parametrize("content", ["{not json", "[]", '{"pending": [1, {"scope": "s"}]}'])
def test_a_damaged_file_is_ignored(tmp_path: Path, content: str) -> None:
    path = tmp_path / "pending.json"
    path.write_text(content)
    tracker = PendingTracker(path, "s")
    tracker.load()
    assert tracker.items == []


def test_only_a_new_version_no_older_than_the_request_matches() -> None:
    p = pending()
    assert not p.matches(snap("old", NOW + timedelta(minutes=1)))
    assert not p.matches(snap("new", NOW - timedelta(hours=1)))
    assert p.matches(snap("new", NOW - timedelta(seconds=30)))  # clocks differ a little
    tracker = PendingTracker(None, "s")
    tracker.add(p)
    tracker.add(pending(at=NOW + timedelta(minutes=4)))
    found = tracker.resolve("a" * 32, [snap("n1", NOW + timedelta(minutes=2))])
    assert [(p.ident, s.version_id) for p, s in found] == [(p.ident, "n1")]
    assert [x.requested_at for x in tracker.items] == [NOW + timedelta(minutes=4)]


def test_polls_grow_then_stay_capped_and_scale() -> None:
    p = pending()
    delays = []
    tracker = PendingTracker(None, "s")
    tracker.add(p)
    for _ in range(12):
        delays.append(p.next_poll_delay())
        p = tracker.polled(p)
    assert delays == sorted(delays) and delays[0] < delays[3]
    assert delays[-1] == MAX_POLL_SECONDS
    assert pending().next_poll_delay(time_scale=10) == pytest.approx(
        pending().next_poll_delay() / 10
    )


def test_overdue_after_the_timeout() -> None:
    p = pending()
    assert not p.overdue(NOW + timedelta(minutes=14))
    assert p.overdue(NOW + timedelta(minutes=15))
    assert p.overdue(NOW + timedelta(minutes=2), timeout=timedelta(minutes=1))
