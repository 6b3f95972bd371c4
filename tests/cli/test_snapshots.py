"""``sqtui snapshots list|create|download|restore`` against a simulator on a loopback port."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from sqtui.cli import snapshots as scripting
from sqtui.cli.exit_codes import ExitCode
from sqtui.sim import Fault, SimConfig, SimServer

KEY = "sim-key-7f3c9a1e5b2d8c4f6a0e"
# Fast enough that a restore lasts 0.6 s and a create is ready in 0.2 s (under the
# 0.9 s soft deadline), small enough that downloads take milliseconds.
FAST: dict[str, Any] = {
    "api_key": KEY,
    "speed": 100.0,
    "snapshot_mb": 0.05,
    "snapshots_per_resource": 4,
}


@pytest.fixture
def server() -> Iterator[SimServer]:
    with SimServer(SimConfig(seed=11, generation_seconds=20, **FAST)) as running:
        yield running


@pytest.fixture
def slow_server() -> Iterator[SimServer]:
    """Generation (1.5 s) outlasts the soft deadline (0.9 s): creates answer 202."""
    with SimServer(SimConfig(seed=12, generation_seconds=150, **FAST)) as running:
        yield running


def as_script(monkeypatch: pytest.MonkeyPatch, home: Path, key: str) -> Path:
    """What a script run finds: ``key`` in the environment, its state under ``home``, the
    default API URL, and nothing on standard input."""
    monkeypatch.setenv("SQUARECLOUD_API_KEY", key)
    monkeypatch.setenv("SQTUI_HOME", str(home))
    monkeypatch.delenv("SQUARECLOUD_API_URL", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    return home


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return as_script(monkeypatch, tmp_path, KEY)


def run(capsys: pytest.CaptureFixture[str], server: SimServer, *argv: str) -> tuple[int, str, str]:
    code = scripting.main([*argv, "--api-url", server.base_url])
    out, err = capsys.readouterr()
    return code, out, err


def resources(server: SimServer, kind: str) -> list[dict[str, Any]]:
    return [r for r in server.sim.state()["resources"] if r["kind"] == kind]


def requests(server: SimServer, method: str, pattern: str) -> list[dict[str, Any]]:
    return [
        e
        for e in server.sim.events
        if e.get("method") == method and re.search(pattern, e.get("path", ""))
    ]


def history(home: Path) -> list[dict[str, Any]]:
    path = home / "state" / "history.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]


def listing(capsys: pytest.CaptureFixture[str], server: SimServer, rid: str) -> dict[str, Any]:
    code, out, err = run(capsys, server, "list", rid, "--json")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


# -- list --------------------------------------------------------------------------------


def test_list_without_a_resource_shows_every_one_with_its_count_and_newest(
    server: SimServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, server, "list")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["KIND", "NAME", "ID", "SNAPSHOTS", "NEWEST", "AGE"]
    apps, dbs = resources(server, "app"), resources(server, "database")
    order = [next(i for i, line in enumerate(lines) if r["id"] in line) for r in apps + dbs]
    assert order == sorted(order), "applications first, then databases"
    first = apps[0]
    row = next(line for line in lines if first["id"] in line)
    snapshots = listing(capsys, server, first["id"])["snapshots"]
    newest = snapshots[0]
    assert row.split()[:4] == ["app", first["name"], first["id"], str(len(snapshots))]
    assert newest["modified"][:16].replace("T", " ") in row

    code, out, _ = run(capsys, server, "list", "--json")
    by_id = {r["id"]: r for r in json.loads(out)["resources"]}
    assert by_id[first["id"]]["snapshots"] == len(snapshots)
    assert by_id[first["id"]]["newest"]["version_id"] == newest["version_id"]
    assert by_id[dbs[0]["id"]]["kind"] == "database"


def test_list_of_one_resource_is_a_table_newest_first(
    server: SimServer, capsys: pytest.CaptureFixture[str]
) -> None:
    db = resources(server, "database")[0]
    code, out, err = run(capsys, server, "list", db["name"])
    assert code == 0, err
    header, *rows = out.splitlines()
    assert header.split() == ["MODIFIED", "AGE", "SIZE", "ORIGIN", "EXPIRES", "VERSION"]
    snapshots = listing(capsys, server, db["id"])["snapshots"]
    assert len(rows) == len(snapshots) == 4
    for row, snap in zip(rows, snapshots, strict=True):
        assert row.startswith(snap["modified"][:16].replace("T", " "))
        assert "KiB" in row and snap["origin"] in row
        assert row.endswith(snap["version_id"][:8])
    # Aligned: every column starts at the same offset on every line.
    assert len({line.index("KiB") for line in rows}) == 1


def test_list_json_is_complete_and_carries_no_credential(
    server: SimServer, capsys: pytest.CaptureFixture[str]
) -> None:
    app = resources(server, "app")[0]
    code, out, _ = run(capsys, server, "list", app["id"], "--json")
    assert code == 0
    data = json.loads(out)
    assert data["resource"] == {"id": app["id"], "name": app["name"], "kind": "app"}
    first = data["snapshots"][0]
    assert set(first) == {
        "version_id",
        "name",
        "modified",
        "size",
        "origin",
        "runtime",
        "kept_until",
        "link_expires",
    }
    assert len(first["version_id"]) == 32 and isinstance(first["size"], int)
    assert first["modified"].endswith("Z") and first["link_expires"].endswith("Z")
    # The snapshot itself is kept 30 days after it was taken (the API's retention).
    taken = datetime.fromisoformat(first["modified"].replace("Z", "+00:00"))
    kept = datetime.fromisoformat(first["kept_until"].replace("Z", "+00:00"))
    assert kept - taken == timedelta(days=30)
    assert first["origin"] in ("automatic", "manual")
    _, everything, _ = run(capsys, server, "list", "--json")
    for text in (out, everything):
        assert "Signature" not in text and "AWSAccessKeyId" not in text
        assert "http" not in text and KEY not in text


def test_names_from_the_server_are_printed_escaped(
    server: SimServer, capsys: pytest.CaptureFixture[str]
) -> None:
    name = "evil\x1b[31mred\x07"
    rid = server.sim.add_resource("app", name)
    code, out, err = run(capsys, server, "list")
    assert code == 0, err
    assert "\x1b" not in out and "\x07" not in out
    assert "evil\\x1b[31mred\\x07" in out
    code, out, _ = run(capsys, server, "list", name, "--json")
    assert code == 0 and json.loads(out)["resource"]["id"] == rid


def test_a_name_shared_by_two_resources_is_a_usage_error_listing_their_ids(
    server: SimServer, capsys: pytest.CaptureFixture[str]
) -> None:
    one = server.sim.add_resource("app", "twin")
    two = server.sim.add_resource("database", "twin")
    code, _, err = run(capsys, server, "list", "twin")
    assert code == ExitCode.USAGE
    assert one in err and two in err
    code, _, err = run(capsys, server, "list", two)
    assert code == 0, err


def test_an_unknown_resource_exits_4(server: SimServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, server, "download", "no-such-thing")
    assert code == ExitCode.NOT_FOUND
    assert 'no application or database named "no-such-thing"' in err


# -- keys and failures ---------------------------------------------------------------------


def test_a_refused_key_exits_3_and_shows_it_masked(
    server: SimServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SQUARECLOUD_API_KEY", "wrong-key-0123456789abcdef")
    code, out, err = run(capsys, server, "list")
    assert code == ExitCode.AUTH
    assert "ACCESS_DENIED" in err and "…cdef" in err
    assert "wrong-key" not in out + err


def test_no_key_at_all_exits_3_and_says_how_to_give_one(
    server: SimServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    no_keyring: None,
) -> None:
    monkeypatch.delenv("SQUARECLOUD_API_KEY")
    before = len(server.sim.events)
    code, _, err = run(capsys, server, "list")
    assert code == ExitCode.AUTH
    assert "sqtui login" in err and "SQUARECLOUD_API_KEY" in err
    assert len(server.sim.events) == before


def test_a_failing_listing_is_retried_then_exits_6(
    server: SimServer, capsys: pytest.CaptureFixture[str]
) -> None:
    app = resources(server, "app")[2]
    path = f"/v2/apps/{app['id']}/snapshots$"
    server.sim.add_fault(Fault(method="GET", path=path, status=500, code="BOOM", times=3))
    code, _, err = run(capsys, server, "list", app["id"])
    assert code == ExitCode.SERVER
    assert "BOOM" in err and "Traceback" not in err
    assert [e["status"] for e in requests(server, "GET", path)] == [500, 500, 500]


def test_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert scripting.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "exit codes" in out and "130" in out and "KEEP_CALM" in out
    assert scripting.main(["restore", "x"]) == ExitCode.USAGE
    assert "--version" in capsys.readouterr().err


def test_no_textual_is_imported_on_this_path(server: SimServer, home: Path) -> None:
    code = (
        "import sys\n"
        "from sqtui.cli.snapshots import main\n"
        f"assert main(['list', '--api-url', {server.base_url!r}]) == 0\n"
        # (httpx itself imports rich for its own command line, so rich is not checked.)
        "loaded = [m for m in sys.modules if m.split('.')[0] == 'textual'"
        " or m.startswith('sqtui.ui')]\n"
        "print('LOADED', loaded)\n"
    )
    env = {**os.environ, "SQUARECLOUD_API_KEY": KEY, "SQTUI_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "LOADED []" in done.stdout


# -- create --------------------------------------------------------------------------------


def test_create_ready_within_the_soft_deadline(
    server: SimServer, capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    app = resources(server, "app")[0]
    code, out, err = run(capsys, server, "create", app["name"])
    assert code == 0, err
    version = re.search(r"version (\S+)", out)
    assert out.startswith("Ready: ") and version is not None
    listed = listing(capsys, server, app["id"])["snapshots"][0]
    assert listed["version_id"] == version.group(1) and listed["origin"] == "manual"
    posts = requests(server, "POST", f"/v2/apps/{app['id']}/snapshots$")
    assert [p["status"] for p in posts] == [200]
    [entry] = history(home)
    assert (entry["action"], entry["outcome"], entry["snapshot"]) == ("create", "ok", version[1])


def test_a_second_create_is_refused_by_the_cooldown_without_a_request(
    server: SimServer, capsys: pytest.CaptureFixture[str]
) -> None:
    db = resources(server, "database")[1]
    assert run(capsys, server, "create", db["id"])[0] == 0
    code, out, err = run(capsys, server, "create", db["id"])
    assert code == ExitCode.QUOTA
    assert "KEEP_CALM" in err and "cooldown" in err and out == ""
    assert len(requests(server, "POST", f"/v2/databases/{db['id']}/snapshots$")) == 1


def test_create_wait_watches_the_listing_after_a_202_and_never_posts_again(
    slow_server: SimServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    home: Path,
) -> None:
    monkeypatch.setattr("sqtui.domain.pending.FIRST_POLL_SECONDS", 0.2)
    app = resources(slow_server, "app")[0]
    code, out, err = run(capsys, slow_server, "create", app["id"], "--wait")
    assert code == 0, err
    assert "SNAPSHOT_PROCESSING" in err and out.startswith("Ready: ")
    posts = requests(slow_server, "POST", f"/v2/apps/{app['id']}/snapshots$")
    assert [p["status"] for p in posts] == [202]
    polls = requests(slow_server, "GET", f"/v2/apps/{app['id']}/snapshots$")
    assert len(polls) >= 3  # one before the create, at least two while waiting
    listed = listing(capsys, slow_server, app["id"])["snapshots"][0]
    assert f"version {listed['version_id']}" in out
    assert json.loads((home / "state" / "pending.json").read_text())["pending"] == []
    assert history(home)[-1]["outcome"] == "ok"


def test_create_without_wait_leaves_it_pending_for_the_tui(
    slow_server: SimServer, capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    app = resources(slow_server, "app")[1]
    code, out, err = run(capsys, slow_server, "create", app["id"])
    assert code == 0, err
    assert out.startswith("Pending: ") and "--wait" in err
    [saved] = json.loads((home / "state" / "pending.json").read_text())["pending"]
    assert saved["resource_id"] == app["id"] and saved["reason"] == "processing"
    assert saved["scope"] == f"default@{slow_server.base_url}"
    assert history(home)[-1]["outcome"] == "pending"


def test_create_wait_gives_up_after_the_timeout_without_posting_again(
    slow_server: SimServer, capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    db = resources(slow_server, "database")[0]
    code, _, err = run(capsys, slow_server, "create", db["id"], "--wait", "--timeout", "0.001")
    assert code == ExitCode.FAILED
    assert "not listed after" in err and "not sent again" in err
    assert len(requests(slow_server, "POST", f"/v2/databases/{db['id']}/snapshots$")) == 1
    [saved] = json.loads((home / "state" / "pending.json").read_text())["pending"]
    assert saved["resource_id"] == db["id"]


def test_read_only_refuses_create_and_restore_without_any_request(
    server: SimServer, capsys: pytest.CaptureFixture[str]
) -> None:
    app = resources(server, "app")[1]
    before = len(server.sim.events)
    code, _, err = run(capsys, server, "create", app["id"], "--read-only")
    assert code == ExitCode.FAILED and "read-only" in err
    code, _, err = run(
        capsys, server, "restore", app["id"], "--version", "x", "--yes", "--read-only"
    )
    assert code == ExitCode.FAILED and "read-only" in err
    assert len(server.sim.events) == before


# -- download ------------------------------------------------------------------------------


def test_download_latest_writes_a_verified_zip_and_prints_its_sha256(
    server: SimServer, capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    db = resources(server, "database")[0]
    code, out, err = run(capsys, server, "download", db["name"])
    assert code == 0, err
    sha, _, where = out.strip().partition("  ")
    path = Path(where)
    assert path.parent == home / "downloads"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
    newest = listing(capsys, server, db["id"])["snapshots"][0]
    assert path.stat().st_size == newest["size"] and newest["version_id"][:8] in path.name
    assert list(path.parent.glob("*.part")) == []
    entry = history(home)[-1]
    assert (entry["action"], entry["outcome"]) == ("download", "ok")
    assert entry["sha256"] == sha and entry["path"] == str(path)
    text = (home / "state" / "history.jsonl").read_text()
    assert "Signature" not in text and KEY not in text


def test_download_never_overwrites_unless_told(
    server: SimServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    app = resources(server, "app")[1]
    target = tmp_path / "out"
    code, out, _ = run(capsys, server, "download", app["id"], "-o", str(target))
    assert code == 0
    path = Path(out.strip().partition("  ")[2])
    path.write_bytes(b"keep me")
    code, out, err = run(capsys, server, "download", app["id"], "-o", str(target))
    assert code == ExitCode.FAILED
    assert "already exists" in err and "--overwrite" in err and out == ""
    assert path.read_bytes() == b"keep me"
    code, out, err = run(capsys, server, "download", app["id"], "-o", str(target), "--overwrite")
    assert code == 0, err
    assert hashlib.sha256(path.read_bytes()).hexdigest() == out.split()[0]


def test_download_a_version_given_by_a_prefix(
    server: SimServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    app = resources(server, "app")[2]
    older = listing(capsys, server, app["id"])["snapshots"][2]
    code, out, err = run(
        capsys,
        server,
        "download",
        app["id"],
        "--version",
        older["version_id"][:12],
        "-o",
        str(tmp_path),
    )
    assert code == 0, err
    path = Path(out.strip().partition("  ")[2])
    assert older["version_id"][:8] in path.name and path.stat().st_size == older["size"]
    code, _, err = run(
        capsys, server, "download", app["id"], "--version", "nope", "-o", str(tmp_path)
    )
    assert code == ExitCode.NOT_FOUND and "no snapshot with version" in err


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name != "posix", reason="POSIX signals")
def test_ctrl_c_cancels_a_download_and_leaves_no_file(
    server: SimServer, capsys: pytest.CaptureFixture[str], tmp_path: Path, home: Path
) -> None:
    db = resources(server, "database")[1]
    # The snapshot host holds the answer for 3 s: long enough to be interrupted.
    server.sim.add_fault(Fault(method="GET", path="^/snapshots/", delay=300, times=1))
    target = tmp_path / "cancelled"

    def interrupt_once_started() -> None:
        deadline = time.monotonic() + 10
        while not list(target.glob("*.part")) and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=interrupt_once_started)
    thread.start()
    code, out, err = run(capsys, server, "download", db["id"], "-o", str(target))
    thread.join()
    assert code == ExitCode.INTERRUPTED, err
    assert "Cancelled" in err and out == ""
    assert list(target.iterdir()) == []
    assert history(home)[-1]["outcome"] == "cancelled"


# -- restore -------------------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_restore_without_yes_and_without_a_terminal_sends_nothing(
    server: SimServer, capsys: pytest.CaptureFixture[str]
) -> None:
    app = resources(server, "app")[0]
    version = listing(capsys, server, app["id"])["snapshots"][1]["version_id"]
    code, out, err = run(capsys, server, "restore", app["id"], "--version", version)
    assert code == ExitCode.USAGE
    assert "--yes" in err and "Nothing was sent" in err and out == ""
    assert "replaces the current state" in err and version in err
    assert requests(server, "POST", "/restore$") == []


def test_restore_asks_for_the_name_on_a_terminal(
    server: SimServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = resources(server, "app")[0]
    version = listing(capsys, server, app["id"])["snapshots"][1]["version_id"]
    monkeypatch.setattr("sys.stdin", _Terminal("not-the-name\n"))
    code, _, err = run(capsys, server, "restore", app["id"], "--version", version[:10])
    assert code == ExitCode.FAILED and "not confirmed" in err
    assert requests(server, "POST", f"/apps/{app['id']}/snapshots/restore$") == []
    monkeypatch.setattr("sys.stdin", _Terminal(app["name"] + "\n"))
    code, out, err = run(capsys, server, "restore", app["id"], "--version", version[:10])
    assert code == 0, err
    assert "Type the name" in err and out.startswith("Restored ")


def test_restore_with_yes_restores_and_records_it(
    server: SimServer, capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    db = resources(server, "database")[0]
    version = listing(capsys, server, db["id"])["snapshots"][2]["version_id"]
    code, out, err = run(capsys, server, "restore", db["name"], "--version", version, "--yes")
    assert code == 0, err
    assert f"version {version}" in out and "Restoring" in err
    changes = [e["type"] for e in server.sim.events if e.get("resource") == db["id"]]
    assert "restore_started" in changes and "restore_done" in changes
    entry = history(home)[-1]
    assert (entry["action"], entry["outcome"], entry["snapshot"]) == ("restore", "ok", version)


def test_restore_in_progress_is_reported_with_its_code(
    server: SimServer, capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    app = resources(server, "app")[2]
    snap = listing(capsys, server, app["id"])["snapshots"][0]
    url = f"{server.base_url}/apps/{app['id']}/snapshots/restore"
    body = {"snapshotId": snap["name"], "versionId": snap["version_id"]}
    other = threading.Thread(
        target=httpx.post, args=(url,), kwargs={"json": body, "headers": {"Authorization": KEY}}
    )
    other.start()
    deadline = time.monotonic() + 5
    while not any(
        e.get("type") == "restore_started" and e.get("resource") == app["id"]
        for e in server.sim.events
    ):
        assert time.monotonic() < deadline, "the first restore never started"
        time.sleep(0.01)
    code, out, err = run(
        capsys, server, "restore", app["id"], "--version", snap["version_id"], "--yes"
    )
    other.join()
    assert code == ExitCode.FAILED
    assert "RESTORE_IN_PROGRESS" in err and out == "" and "Traceback" not in err
    entry = history(home)[-1]
    assert entry["outcome"] == "failed" and "RESTORE_IN_PROGRESS" in entry["detail"]


def test_restore_with_a_safety_snapshot_takes_it_first_and_refuses_when_it_cannot(
    server: SimServer, capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    db = resources(server, "database")[1]
    version = listing(capsys, server, db["id"])["snapshots"][1]["version_id"]
    argv = ("restore", db["id"], "--version", version, "--yes", "--safety-snapshot")
    code, out, err = run(capsys, server, *argv)
    assert code == 0, err
    assert "safety snapshot" in err.lower() and out.startswith("Restored ")
    posts = [
        e["path"] for e in server.sim.events if e.get("method") == "POST" and db["id"] in e["path"]
    ]
    assert posts[-2].endswith("/snapshots") and posts[-1].endswith("/snapshots/restore")
    assert [(e["action"], e["outcome"]) for e in history(home)[-2:]] == [
        ("safety-snapshot", "ok"),
        ("restore", "ok"),
    ]
    # Again at once: the resource's cooldown forbids a safety snapshot, so nothing happens.
    restores = len(requests(server, "POST", f"{db['id']}.*/restore$"))
    code, out, err = run(capsys, server, *argv)
    assert code == ExitCode.QUOTA
    assert "Nothing was restored" in err and out == ""
    assert len(requests(server, "POST", f"{db['id']}.*/restore$")) == restores


def test_an_api_that_cannot_be_reached_exits_7(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    # A port nothing listens on (bound, then closed): the connection is refused.
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = scripting.main(["list", "--api-url", f"http://127.0.0.1:{port}/v2"])
    _out, err = capsys.readouterr()
    assert code == ExitCode.NETWORK
    assert "Traceback" not in err and err.startswith("sqtui: ")


def test_a_history_that_cannot_be_written_warns_and_the_create_goes_on(
    server: SimServer, capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    history_path = home / "state" / "history.jsonl"
    history_path.mkdir(parents=True)  # a folder where the file should be
    app = resources(server, "app")[0]
    code, out, err = run(capsys, server, "create", app["id"])
    assert code == 0, err
    assert "history could not be written" in err and out.startswith("Ready: ")
    assert len(requests(server, "POST", f"/apps/{app['id']}/snapshots$")) == 1
