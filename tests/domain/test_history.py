from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from sqtui.domain.history import History, HistoryEntry

KEY = "sk_live_0123456789abcdefWXYZ"
T0 = datetime(2026, 11, 22, 14, 3, tzinfo=UTC)


def entry(minutes: int = 0, **changes: object) -> HistoryEntry:
    values: dict[str, object] = {
        "time": T0 + timedelta(minutes=minutes),
        "action": "download",
        "outcome": "ok",
        "profile": "default",
        "resource_id": "a" * 32,
        "resource_name": "orders-pg",
        "resource_kind": "database",
        "snapshot": "3f9a1c2b77e0",
        "snapshot_time": T0 - timedelta(hours=11),
        "detail": "",
        "path": "/backups/orders-pg_2026-11-22T0303Z_3f9a1c2b.zip",
        "sha256": "ab" * 32,
    }
    values.update(changes)
    return HistoryEntry(**values)  # type: ignore[arg-type]


def test_round_trip_newest_first(tmp_path: Path) -> None:
    history = History(tmp_path / "state" / "history.jsonl")
    first = entry(0, action="create", outcome="pending", path=None, sha256=None)
    second = entry(5)
    third = entry(9, action="restore", detail="safety snapshot taken first")
    for item in (first, second, third):
        history.append(item)

    assert history.read() == [third, second, first]
    assert history.read(limit=2) == [third, second]
    assert history.skipped == 0


def test_one_json_object_per_line(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    history = History(path)
    history.append(entry(0, resource_name="line\nbreak"))
    history.append(entry(1))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    assert json.loads(lines[0])["resource_name"] == "line\nbreak"
    assert json.loads(lines[0])["time"] == "2026-11-22T14:03:00+00:00"


def test_times_come_back_in_utc(tmp_path: Path) -> None:
    history = History(tmp_path / "h.jsonl")
    local = datetime(2026, 11, 22, 11, 3, tzinfo=timezone(timedelta(hours=-3)))
    history.append(entry(time=local))
    (read,) = history.read()
    assert read.time == T0 and read.time.tzinfo == UTC


def test_missing_file_is_an_empty_history(tmp_path: Path) -> None:
    history = History(tmp_path / "nothing-yet.jsonl")
    assert history.read() == []


def test_corrupt_lines_are_skipped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    history = History(path)
    history.append(entry(0))
    with path.open("ab") as file:
        file.write(b"{not json\n")
        file.write(b'{"action": "download"}\n')
        file.write(b"\xff\xfe\n")
        file.write(b'{"time": "yesterday", "action": "x"}\n')
    history.append(entry(1))

    assert [e.time for e in history.read()] == [T0 + timedelta(minutes=1), T0]
    assert history.skipped == 4


def test_a_line_cut_by_a_crash_does_not_swallow_the_next_entry(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    history = History(path)
    history.append(entry(0))
    with path.open("ab") as file:
        file.write(b'{"time": "2026-11-22T14:')  # the writer died here
    history.append(entry(2))

    assert [e.time for e in history.read()] == [T0 + timedelta(minutes=2), T0]
    assert history.skipped == 1


def test_no_signature_or_api_key_is_stored(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    history = History(path, secrets=[KEY])
    url = "https://snapshots.squarecloud.app/x.zip?AWSAccessKeyId=A&Expires=1&Signature=s3cr3tSIG"
    history.append(
        entry(
            outcome="failed",
            detail=f"refused {url} with key {KEY} (Authorization: {KEY})",
            profile=f"work-{KEY}",
        )
    )
    raw = path.read_text(encoding="utf-8")
    assert "s3cr3tSIG" not in raw
    assert KEY not in raw
    assert KEY[:-4] not in raw
    (read,) = History(path).read()
    assert "Signature=REDACTED" in read.detail
    assert read.detail.count("…WXYZ") == 2


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_file_and_folder_are_private(tmp_path: Path) -> None:
    path = tmp_path / "state" / "sqtui" / "history.jsonl"
    History(path).append(entry())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        entry(time=datetime(2026, 11, 22, 14, 3))


def test_unknown_action_is_refused() -> None:
    with pytest.raises(ValueError):
        entry(action="delete")
