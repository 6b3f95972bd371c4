"""The pending file shared by several sqtui at once (apps and scripts): nothing is lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sqtui.api.models import ResourceKind, Snapshot
from sqtui.domain.pending import MAX_FILE_BYTES, PendingSnapshot, PendingTracker

NOW = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
SCOPE = "default@http://127.0.0.1/v2"


def pending(rid: str, at: datetime = NOW, reason: str = "processing") -> PendingSnapshot:
    return PendingSnapshot(
        resource_id=rid,
        resource_kind=ResourceKind.APP,
        resource_name=f"app-{rid[:4]}",
        requested_at=at,
        reason=reason,  # type: ignore[arg-type]
        known_versions=frozenset({"old"}),
    )


def listed(version: str, modified: datetime) -> Snapshot:
    return Snapshot(
        name="x",
        version_id=version,
        size=1,
        modified=modified,
        origin="manual",
        url="u",
        signed_query="k",
    )


def tracker(path: Path, scope: str = SCOPE) -> PendingTracker:
    loaded = PendingTracker(path, scope)
    loaded.load()
    return loaded


def on_disk(path: Path) -> list[str]:
    return sorted(e["resource_id"] for e in json.loads(path.read_text("utf-8"))["pending"])


def test_two_instances_creating_on_different_resources_keep_both(tmp_path: Path) -> None:
    path = tmp_path / "pending.json"
    first, second = tracker(path), tracker(path)
    first.add(pending("a" * 32))
    second.add(pending("b" * 32))
    assert on_disk(path) == ["a" * 32, "b" * 32]
    assert [p.resource_id for p in tracker(path).items] == ["a" * 32, "b" * 32]
    # Each instance now also shows the other's.
    assert {p.resource_id for p in second.items} == {"a" * 32, "b" * 32}


def test_two_creates_at_the_same_moment_leave_two_entries(tmp_path: Path) -> None:
    path = tmp_path / "pending.json"
    first, second = tracker(path), tracker(path)
    first.add(pending("a" * 32, NOW))
    second.add(pending("a" * 32, NOW + timedelta(milliseconds=3)))
    assert len(tracker(path).items) == 2


def test_a_discard_by_one_keeps_the_others_entries_and_is_not_undone(tmp_path: Path) -> None:
    path = tmp_path / "pending.json"
    first, second = tracker(path), tracker(path)
    mine, theirs = pending("a" * 32), pending("b" * 32)
    first.add(mine)
    second.add(theirs)
    first.discard(mine)
    assert on_disk(path) == ["b" * 32]
    # The second still holds the first's entry in memory: its next save must not
    # bring it back, and it stops showing it.
    second.save()
    assert on_disk(path) == ["b" * 32]
    assert [p.resource_id for p in second.items] == ["b" * 32]


def test_a_snapshot_listed_by_one_instance_is_recorded_by_that_one_only(tmp_path: Path) -> None:
    path = tmp_path / "pending.json"
    first = tracker(path)
    first.add(pending("a" * 32))
    second = tracker(path)
    listing = [listed("new", NOW + timedelta(seconds=40))]
    assert [p.resource_id for p, _ in second.resolve("a" * 32, listing)] == ["a" * 32]
    assert first.resolve("a" * 32, listing) == []
    assert first.items == [] and on_disk(path) == []


def test_an_update_by_the_owner_reaches_the_other_instance(tmp_path: Path) -> None:
    path = tmp_path / "pending.json"
    owner = tracker(path)
    requesting = pending("a" * 32, reason="requesting")
    owner.add(requesting)
    other = tracker(path)
    # Seen while the owner still waits for the answer: not "lost".
    other.save()
    owner.add(pending("a" * 32, reason="processing"))
    other.save()
    assert [p.reason for p in other.items] == ["processing"]
    assert [p.reason for p in owner.items] == ["processing"]


def test_other_profiles_entries_survive_every_change(tmp_path: Path) -> None:
    path = tmp_path / "pending.json"
    ops = tracker(path, "ops@api")
    ops.add(pending("c" * 32))
    mine = tracker(path)
    mine.add(pending("a" * 32))
    mine.discard(mine.items[0])
    assert on_disk(path) == ["c" * 32]
    assert [p.resource_id for p in tracker(path, "ops@api").items] == ["c" * 32]


def test_many_threads_adding_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "pending.json"
    trackers = [tracker(path) for _ in range(8)]
    start = threading.Barrier(len(trackers))

    def add(index: int) -> None:
        start.wait(5)
        trackers[index].add(pending(f"{index:032d}"))

    threads = [threading.Thread(target=add, args=(i,)) for i in range(len(trackers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert on_disk(path) == [f"{i:032d}" for i in range(8)]


_CHILD = """
import sys, time
from datetime import UTC, datetime
from sqtui.api.models import ResourceKind
from sqtui.domain.pending import MAX_FILE_BYTES, PendingSnapshot, PendingTracker
path, rid, go = sys.argv[1], sys.argv[2], float(sys.argv[3])
tracker = PendingTracker(__import__("pathlib").Path(path), "default@http://127.0.0.1/v2")
tracker.load()
while time.time() < go:
    pass
for n in range(20):
    tracker.add(PendingSnapshot(rid, ResourceKind.APP, "x", datetime(2026, 11, 22, 14, 0, n,
        tzinfo=UTC), "processing"))
print("saved" if tracker.saved else "not saved")
"""


def test_processes_adding_at_the_same_moment_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "pending.json"
    # Every child spins until the same instant, then adds twenty entries.
    go = time.time() + 1.5
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(path), f"{n}" * 32, str(go)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for n in range(3)
    ]
    outputs = [child.communicate(timeout=60)[0].strip() for child in children]
    assert outputs == ["saved"] * 3
    assert len(tracker(path).items) == 60


def test_a_huge_pending_file_is_refused_with_a_sentence_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "pending.json"
    with path.open("wb") as file:
        file.truncate(MAX_FILE_BYTES + 1)
    loaded = tracker(path)
    assert loaded.problem is not None
    assert "pending.json is 1.0 MiB, more than the 1.0 MiB sqtui reads" in loaded.problem
    loaded.add(pending("a" * 32))
    # Watched in this process; the file is not overwritten, and saving says so.
    assert [p.resource_id for p in loaded.items] == ["a" * 32]
    assert loaded.saved is False
    assert path.stat().st_size == MAX_FILE_BYTES + 1


def test_a_damaged_pending_file_is_replaced_by_the_next_save(tmp_path: Path) -> None:
    path = tmp_path / "pending.json"
    path.write_text("{not json")
    loaded = tracker(path)
    assert loaded.problem is None and loaded.items == []
    loaded.add(pending("a" * 32))
    assert loaded.saved and on_disk(path) == ["a" * 32]


def test_a_state_folder_that_is_a_file_keeps_pending_in_memory(tmp_path: Path) -> None:
    (tmp_path / "state").write_text("")
    loaded = tracker(tmp_path / "state" / "pending.json")
    loaded.add(pending("a" * 32))
    assert loaded.saved is False
    assert [p.resource_id for p in loaded.items] == ["a" * 32]


@pytest.mark.usefixtures("zone")
def test_times_at_the_edge_of_the_calendar_are_dropped_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "pending.json"
    good = pending("a" * 32)
    PendingTracker(path, SCOPE).add(good)
    data = json.loads(path.read_text("utf-8"))
    for when in ("0001-01-01T00:00:00+05:00", "0001-01-01T00:00:00", "9999-12-31T23:59:59-05:00"):
        data["pending"].append({**data["pending"][0], "requested_at": when})
    path.write_text(json.dumps(data))
    loaded = tracker(path)
    assert [p.requested_at for p in loaded.items] == [good.requested_at]
    assert loaded.resolve("a" * 32, [listed("new", NOW + timedelta(minutes=1))])
