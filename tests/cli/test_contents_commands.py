"""``sqtui snapshots ls|find|diff|cat|extract|verify`` against a simulator on a loopback port.

The oracle is Python's ``zipfile`` reading the whole archive, downloaded: whatever the
commands say from ranged reads must equal what it says from the full file.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from sqtui.cli import snapshots as scripting
from sqtui.cli.exit_codes import ExitCode
from sqtui.sim import Fault, SimConfig, SimServer
from tests.cli.test_snapshots import as_script

KEY = "23457145698959364-5c0ffee5c0ffee5c0ffee5c0ffee5c0f"
SMALL: dict[str, Any] = {
    "api_key": KEY,
    "speed": 100.0,
    "snapshot_mb": 0.05,
    "snapshots_per_resource": 4,
    "apps": 2,
    "databases": 1,
}


@pytest.fixture(params=[11, 29])
def server(request: pytest.FixtureRequest) -> Iterator[SimServer]:
    with SimServer(SimConfig(seed=request.param, **SMALL)) as running:
        yield running


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return as_script(monkeypatch, tmp_path / "home", KEY)


def run(capsys: pytest.CaptureFixture[Any], server: SimServer, *argv: str) -> tuple[int, str, str]:
    code = scripting.main([*argv, "--api-url", server.base_url])
    out, err = capsys.readouterr()
    if isinstance(out, bytes):
        return code, out.decode(), err.decode()
    return code, out, err


def first_app(server: SimServer) -> dict[str, Any]:
    return next(r for r in server.sim.state()["resources"] if r["kind"] == "app")


def versions(capsys: pytest.CaptureFixture[Any], server: SimServer, rid: str) -> list[str]:
    code, out, err = run(capsys, server, "list", rid, "--json")
    assert code == 0, err
    return [s["version_id"] for s in json.loads(out)["snapshots"]]


def downloaded(
    capsys: pytest.CaptureFixture[Any], server: SimServer, rid: str, version: str, where: Path
) -> zipfile.ZipFile:
    """The whole archive, fetched as a file and opened by ``zipfile`` (the oracle)."""
    code, out, err = run(capsys, server, "download", rid, "--version", version, "-o", str(where))
    assert code == 0, err
    return zipfile.ZipFile(out.strip().partition("  ")[2])


def host_reads(server: SimServer) -> list[dict[str, Any]]:
    return [e for e in server.sim.events if str(e.get("path", "")).startswith("/snapshots/")]


def test_ls_json_lists_exactly_what_zipfile_reads_from_the_downloaded_archive(
    server: SimServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    app = first_app(server)
    newest = versions(capsys, server, app["id"])[0]
    before = len(host_reads(server))
    code, out, err = run(capsys, server, "ls", app["id"], "--json")
    assert code == 0, err
    listed = json.loads(out)
    reads = host_reads(server)[before:]
    assert 1 <= len(reads) <= 2, "the directory costs at most two ranged reads"
    assert all(e.get("range") for e in reads), "never the whole archive"

    with downloaded(capsys, server, app["id"], newest, tmp_path / "dl") as archive:
        oracle = {
            i.filename: (
                i.file_size,
                i.compress_size,
                i.CRC,
                datetime(*i.date_time).isoformat(),
            )
            for i in archive.infolist()
        }
    assert {
        e["path"]: (e["size"], e["compressed_size"], e["crc32"], e["modified"]) for e in listed
    } == oracle


def test_ls_of_a_folder_shows_its_children_and_a_second_look_reads_nothing(
    server: SimServer, capsys: pytest.CaptureFixture[str]
) -> None:
    app = first_app(server)
    code, out, err = run(capsys, server, "ls", app["id"], "src")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["PATH", "SIZE", "FILES", "MODIFIED"]
    assert lines[1:] and all(line.startswith("src/") for line in lines[1:])
    assert re.search(r"^[\d,]+ files, ", err, re.M)
    before = len(host_reads(server))
    code, again, _ = run(capsys, server, "ls", app["id"], "src")
    assert code == 0 and again == out
    assert len(host_reads(server)) == before, "the directory came from the disk cache"

    code, _, err = run(capsys, server, "ls", app["id"], "no/such/folder")
    assert code == ExitCode.NOT_FOUND and "not in this snapshot" in err


def test_cat_prints_the_members_bytes_and_extract_writes_the_same(
    server: SimServer, capfdbinary: pytest.CaptureFixture[bytes], tmp_path: Path
) -> None:
    capsys = capfdbinary
    app = first_app(server)
    newest = versions(capsys, server, app["id"])[0]
    with downloaded(capsys, server, app["id"], newest, tmp_path / "dl") as archive:
        members = {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}
    path = next(p for p in sorted(members) if p.startswith("src/"))
    code = scripting.main(
        ["cat", app["id"], "--version", newest[:10], path, "--api-url", server.base_url]
    )
    out, _ = capfdbinary.readouterr()
    assert code == 0 and out == members[path]

    target = tmp_path / "out"
    code, out, err = run(capsys, server, "extract", app["id"], "--latest", "src", "-o", str(target))
    assert code == 0, err
    written = {
        p.relative_to(target).as_posix(): p.read_bytes() for p in target.rglob("*") if p.is_file()
    }
    assert written == {k: v for k, v in members.items() if k.startswith("src/")}
    assert sorted(out.split()) == sorted(str(target / k) for k in written)

    code, _, err = run(capsys, server, "extract", app["id"], "--latest", "src", "-o", str(target))
    assert code == ExitCode.FAILED and "already exist" in err
    assert {
        p.relative_to(target).as_posix(): p.read_bytes() for p in target.rglob("*") if p.is_file()
    } == written


def test_diff_json_equals_the_diff_of_the_two_downloaded_archives(
    server: SimServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    app = first_app(server)
    newest, older = versions(capsys, server, app["id"])[:2]
    with downloaded(capsys, server, app["id"], older, tmp_path / "a") as a:
        before = {i.filename: (i.file_size, i.CRC) for i in a.infolist()}
    with downloaded(capsys, server, app["id"], newest, tmp_path / "b") as b:
        after = {i.filename: (i.file_size, i.CRC) for i in b.infolist()}
    oracle = {}
    for path in before.keys() | after.keys():
        if path not in after:
            oracle[path] = ("removed", before[path][0], None)
        elif path not in before:
            oracle[path] = ("added", None, after[path][0])
        elif before[path] != after[path]:
            oracle[path] = ("modified", before[path][0], after[path][0])
    code, out, err = run(capsys, server, "diff", app["id"], older, newest, "--json")
    assert code == 0, err
    got = {c["path"]: (c["change"], c["size_before"], c["size_after"]) for c in json.loads(out)}
    assert got == oracle and oracle, "consecutive versions differ"

    # Both directories are cached now: the human diff sends nothing to the host.
    reads = len(host_reads(server))
    code, out, err = run(capsys, server, "diff", app["id"], older[:8], newest[:8])
    assert code == 0 and len(host_reads(server)) == reads
    marks = {"added": "+", "removed": "-", "modified": "M"}
    shown = {line.split("  (")[0] for line in out.splitlines()}
    assert shown == {f"{marks[kind]} {path}" for path, (kind, _, _) in oracle.items()}
    assert f"{sum(1 for v in oracle.values() if v[0] == 'modified')} modified" in err


def test_diff_of_one_file_is_a_unified_diff_of_its_two_versions(
    server: SimServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    app = first_app(server)
    newest, older = versions(capsys, server, app["id"])[:2]
    code, out, _ = run(capsys, server, "diff", app["id"], older, newest, "--json")
    text_change = next(
        c["path"]
        for c in json.loads(out)
        if c["change"] == "modified" and c["path"].endswith((".log", ".json", ".txt", ".py"))
    )
    with downloaded(capsys, server, app["id"], older, tmp_path / "a") as a:
        old_lines = a.read(text_change).decode().splitlines()
    with downloaded(capsys, server, app["id"], newest, tmp_path / "b") as b:
        new_lines = b.read(text_change).decode().splitlines()
    code, out, err = run(capsys, server, "diff", app["id"], older, newest, text_change)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"--- {text_change}@") and lines[1].startswith(f"+++ {text_change}@")
    removed = [line[1:] for line in lines[2:] if line.startswith("-")]
    added = [line[1:] for line in lines[2:] if line.startswith("+")]
    assert set(removed) <= set(old_lines) and set(added) <= set(new_lines)
    assert removed or added


def test_find_says_in_which_versions_a_file_changed(
    server: SimServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    app = first_app(server)
    every = versions(capsys, server, app["id"])
    sizes_crcs = []
    for index, version in enumerate(every):
        with downloaded(capsys, server, app["id"], version, tmp_path / str(index)) as archive:
            sizes_crcs.append({i.filename: (i.file_size, i.CRC) for i in archive.infolist()})
    path = (
        "logs/app.log"
        if all("logs/app.log" in v for v in sizes_crcs)
        else sorted(sizes_crcs[0])[-1]
    )
    code, out, err = run(capsys, server, "find", app["id"], path, "--json")
    assert code == 0, err
    finding = next(f for f in json.loads(out)["findings"] if f["path"] == path)
    expected = []
    for index, version in enumerate(every):
        if path not in sizes_crcs[index]:
            continue
        older = sizes_crcs[index + 1] if index + 1 < len(every) else None
        if older is None:
            change = "first"
        elif path not in older:
            change = "added"
        else:
            change = "unchanged" if older[path] == sizes_crcs[index][path] else "changed"
        expected.append((version, sizes_crcs[index][path][0], change))
    assert [(v["version_id"], v["size"], v["change"]) for v in finding["versions"]] == expected

    code, _, err = run(capsys, server, "find", app["id"], "no-such-file-anywhere.xyz")
    assert code == ExitCode.NOT_FOUND and "0 path(s) matched" in err


def test_verify_reads_by_range_and_reports_all_sound(
    server: SimServer, capsys: pytest.CaptureFixture[str]
) -> None:
    app = first_app(server)
    code, out, err = run(capsys, server, "verify", app["id"], "--latest", "--all", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["ok"] and report["checked"] == report["files"] > 0
    code, _, err = run(capsys, server, "verify", app["id"], "--latest", "--sample", "3")
    assert code == 0 and "Checked 3 of" in err and "all sound" in err


def test_with_the_api_down_cached_directories_still_list_and_diff_marked_stale(
    server: SimServer, capsys: pytest.CaptureFixture[str]
) -> None:
    app = first_app(server)
    every = versions(capsys, server, app["id"])
    newest, older, never_read = every[0], every[1], every[-1]
    # While the API is up, scripts keep the listing and the directories they read.
    code, online, _ = run(capsys, server, "diff", app["id"], older, newest, "--json")
    assert code == 0
    server.sim.add_fault(Fault(path="^/v2/", status=503, code="DOWN"))
    reads = len(host_reads(server))
    code, out, err = run(capsys, server, "diff", app["id"], older[:8], newest[:8], "--json")
    assert code == 0, err
    assert out == online and "cannot be reached" in err
    code, out, err = run(capsys, server, "ls", app["id"], "--version", newest, "--json")
    assert code == 0 and json.loads(out) and "cannot be reached" in err
    assert len(host_reads(server)) == reads, "nothing was read from the host"
    # A version never read before cannot be listed offline: said plainly, no traceback.
    code, out, err = run(capsys, server, "ls", app["id"], "--version", never_read)
    assert code == ExitCode.NETWORK and out == ""
    assert "cannot be reached" in err and "Traceback" not in err


def test_a_host_that_ignores_range_is_refused_without_downloading_the_archive(
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = {**SMALL, "snapshot_mb": 40.0}
    with SimServer(SimConfig(seed=5, host_ignores_range=True, **config)) as server:
        app = first_app(server)
        code, out, err = run(capsys, server, "ls", app["id"])
        assert code == ExitCode.FAILED and out == ""
        assert "does not support partial reads" in err
        sent = sum(int(e.get("bytes_sent") or 0) for e in host_reads(server))
        size = json.loads(run(capsys, server, "list", app["id"], "--json")[1])["snapshots"][0][
            "size"
        ]
        assert sent < size / 4, "the archive was not pulled whole"
