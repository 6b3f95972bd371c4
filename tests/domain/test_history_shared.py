"""The history shared by several sqtui at once, huge or broken files, and the API it records."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from sqtui.api.models import Resource, ResourceKind
from sqtui.domain.history import MAX_READ_BYTES, Action, History, HistoryEntry, Outcome
from sqtui.domain.recorder import Recorder

T0 = datetime(2026, 11, 22, 14, 3, tzinfo=UTC)
API = "https://api.squarecloud.app/v2"


def entry(n: int = 0, **changes: object) -> HistoryEntry:
    values: dict[str, object] = {
        "time": T0 + timedelta(seconds=n),
        "action": "create",
        "outcome": "ok",
        "profile": "default",
        "resource_id": "a" * 32,
        "resource_name": f"app-{n}",
        "resource_kind": "app",
        "snapshot": None,
        "snapshot_time": None,
    }
    values.update(changes)
    return HistoryEntry(**values)  # type: ignore[arg-type]


RESOURCE = Resource(kind=ResourceKind.APP, id="a" * 32, name="worker", ram_mb=512, detail="python")


_CHILD = """
import sys, time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from sqtui.domain.history import History, HistoryEntry
path, tag, go = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
history = History(path)
while time.time() < go:
    pass
for n in range(300):
    history.append(HistoryEntry(datetime(2026, 11, 22, tzinfo=UTC) + timedelta(seconds=n),
        "create", "ok", "default", "r", tag + "x" * 300, "app", None, None, detail=str(n)))
"""


def test_processes_appending_at_once_write_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    go = time.time() + 1.5
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    children = [
        subprocess.Popen([sys.executable, "-c", _CHILD, str(path), tag, str(go)], env=env)
        for tag in ("one", "two", "three")
    ]
    assert [child.wait(timeout=60) for child in children] == [0, 0, 0]
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b""
    names = [json.loads(line)["resource_name"][:3] for line in lines[:-1]]
    assert sorted(names) == sorted(["one"] * 300 + ["two"] * 300 + ["thr"] * 300)


def test_a_huge_history_is_read_from_its_end_only(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    line = json.dumps(entry(0, detail="x" * 900).to_json()).encode() + b"\n"
    with path.open("wb") as file:
        file.write(line * (3 * MAX_READ_BYTES // len(line)))
        file.write(json.dumps(entry(60, resource_name="newest").to_json()).encode() + b"\n")
    history = History(path)
    entries = history.read()
    assert entries[0].resource_name == "newest"
    assert history.truncated
    assert len(entries) < MAX_READ_BYTES // 900
    assert history.skipped == 0


def test_each_entry_records_the_api_and_old_lines_still_load(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    history = History(path)
    old = entry(0).to_json()
    assert "api_url" not in old
    path.write_text(json.dumps(old) + "\n")
    Recorder(history, profile="default", now=lambda: T0, api_url=API).record(
        Action.CREATE, Outcome.PENDING, RESOURCE
    )
    newest, oldest = history.read()
    assert newest.api_url == API
    assert json.loads(path.read_text().splitlines()[-1])["api_url"] == API
    assert oldest.api_url is None and oldest.resource_name == "app-0"


def test_a_history_that_cannot_be_written_is_said_once(tmp_path: Path) -> None:
    (tmp_path / "state").write_text("")
    said: list[str] = []
    recorder = Recorder(
        History(tmp_path / "state" / "history.jsonl"),
        profile="default",
        now=lambda: T0,
        warn=said.append,
    )
    for _ in range(3):
        recorder.record(Action.CREATE, Outcome.OK, RESOURCE)
    assert len(said) == 1 and "could not be written" in said[0]


def test_a_history_that_is_a_folder_is_unreadable_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    path.mkdir()
    history = History(path)
    assert history.read() == []
    assert history.unreadable


@pytest.mark.usefixtures("zone")
def test_times_at_the_edge_of_the_calendar_never_raise(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    good = entry(0).to_json()
    lines = [good]
    for when in (
        "0001-01-01T00:00:00+05:00",
        "0001-01-01T00:00:00+00:00",
        "9999-12-31T23:59:59-05:00",
    ):
        lines.append({**good, "time": when})
        lines.append({**good, "snapshot_time": when})
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    history = History(path)
    entries = history.read()
    # Those that cannot be moved to UTC are damaged lines; the rest load.
    assert history.skipped == 4
    assert len(entries) == 3
    # A listing's own odd time (year 1, east of UTC) is written, not raised.
    year_one = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))
    History(tmp_path / "other.jsonl").append(entry(0, snapshot_time=year_one))
