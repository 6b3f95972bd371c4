"""The script command kept beside each create, download and restore: exact words, the
parser's agreement, a real shell's reading of hostile text, and no credential in it."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sqtui.api.client import DEFAULT_BASE_URL
from sqtui.api.models import Resource, ResourceKind, Snapshot
from sqtui.api.signed_url import query_param
from sqtui.cli.snapshots import build_parser
from sqtui.domain.history import Action, History, HistoryEntry, Outcome
from sqtui.domain.recorder import Recorder
from sqtui.domain.script_command import script_argv, script_command

RID = "3f9a1c2b7e8d4a6f9b0c1d2e3f4a5b6c"
VERSION = "Vzm5aJLA.Qd8kP2xY_rT7uW1sN4mB6vC"
KEY = "sk_live_0123456789abcdefWXYZ"
T0 = datetime(2026, 11, 22, 14, 3, tzinfo=UTC)
LOCAL_API = "http://127.0.0.1:8787/v2"
HOSTILE = [
    "--",
    "-",
    "-rf",
    "--help",
    "orders pg",
    "a;reboot",
    "$(touch pwned)",
    "`id`",
    "it's",
    'say "hi"',
    "a\nb",
    "* ? [x] ~ # & | > <",
    "\\",
    "",
]


def resource(rid: str = RID, name: str = "worker") -> Resource:
    return Resource(ResourceKind.APP, rid, name, 512, "python")


def signed_snapshot(version: str = VERSION) -> Snapshot:
    query = (
        f"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20261122&"
        f"X-Amz-Expires=3600&X-Amz-Signature=deadbeef{'0' * 56}&versionId={version}"
    )
    return Snapshot(
        name=RID,
        version_id=version,
        size=1024,
        modified=T0,
        origin="manual",
        url=f"https://snapshots.example/{RID}.zip?{query}",
        signed_query=query,
    )


def parsed(command: str) -> Any:
    argv = shlex.split(command)
    assert argv[:2] == ["sqtui", "snapshots"]
    return build_parser().parse_args(argv[2:])


# -- the exact words ---------------------------------------------------------------


def test_a_create_is_the_resource_id_and_nothing_else_by_default() -> None:
    command = script_command(
        Action.CREATE, RID, version=None, profile="default", api_url=DEFAULT_BASE_URL
    )
    assert command == f"sqtui snapshots create {RID}"


def test_a_restore_names_the_whole_version_says_yes_and_asks_for_the_safety_snapshot() -> None:
    command = script_command(
        Action.RESTORE,
        RID,
        version=VERSION,
        profile="default",
        api_url=DEFAULT_BASE_URL + "/",
        safety=True,
    )
    assert command == f"sqtui snapshots restore {RID} --version {VERSION} --yes --safety-snapshot"
    args = parsed(command)
    assert (args.command, args.resource, args.version) == ("restore", RID, VERSION)
    assert args.yes and args.safety_snapshot and not args.no_wait and not args.latest


def test_a_download_names_its_folder_and_repeats_overwrite() -> None:
    folder = Path("/srv/backups/incident 42")
    command = script_command(
        Action.DOWNLOAD,
        RID,
        version=VERSION,
        profile="default",
        api_url=None,
        directory=folder,
        overwrite=True,
    )
    assert command == (
        f"sqtui snapshots download {RID} --version {VERSION} "
        "--output '/srv/backups/incident 42' --overwrite"
    )
    args = parsed(command)
    assert (args.output, args.overwrite, args.version) == (folder, True, VERSION)


def test_a_profile_and_an_api_other_than_the_defaults_are_named() -> None:
    command = script_command(Action.CREATE, RID, version=None, profile="staging", api_url=LOCAL_API)
    assert command == f"sqtui snapshots create {RID} --profile staging --api-url {LOCAL_API}"
    args = parsed(command)
    assert (args.profile, args.api_url) == ("staging", LOCAL_API)


def test_a_safety_snapshot_has_no_command_of_its_own_nor_does_a_restore_without_version() -> None:
    common: dict[str, Any] = {"profile": "default", "api_url": None}
    assert script_command(Action.SAFETY_SNAPSHOT, RID, version=VERSION, **common) is None
    assert script_command(Action.RESTORE, RID, version=None, **common) is None
    assert script_command(Action.DOWNLOAD, RID, version="", **common) is None


# -- hostile text ------------------------------------------------------------------


def check_hostile(rid: str, version: str, profile: str, folder: str) -> None:
    """Every word comes back from ``shlex.split`` exactly, and the parser reads each."""
    for action in (Action.CREATE, Action.DOWNLOAD, Action.RESTORE):
        options: dict[str, Any] = {
            "version": version,
            "profile": profile,
            "api_url": LOCAL_API,
            "directory": Path(folder),
            "safety": True,
        }
        argv = script_argv(action, rid, **options)
        command = script_command(action, rid, **options)
        if "--" in (version, profile):
            # argparse cannot take "--" as an option's value: no command rather than a wrong one.
            assert argv is None and command is None
            continue
        assert argv is not None and command is not None
        assert shlex.split(command) == argv
        args = parsed(command)
        # `create` takes one or more resources (a batch); the recorded one is alone.
        resource = [rid] if action is Action.CREATE else rid
        assert (args.command, args.resource, args.profile, args.api_url) == (
            action.value,
            resource,
            profile,
            LOCAL_API,
        )
        if action is not Action.CREATE:
            assert args.version == version
        if action is Action.DOWNLOAD:
            assert args.output == Path(folder)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_stays_one_word_and_never_an_option(text: str) -> None:
    check_hostile(rid=text, version=text or "v", profile=text or "p", folder="/backups/" + text)
    check_hostile(rid=text, version="v", profile="p", folder="/backups")


@settings(max_examples=150, deadline=None)
@given(
    rid=st.text(alphabet=st.characters(blacklist_characters="\x00"), max_size=30),
    version=st.text(alphabet=st.characters(blacklist_characters="\x00"), min_size=1),
    profile=st.text(alphabet=st.characters(blacklist_characters="\x00"), max_size=20),
    folder=st.text(alphabet=st.characters(blacklist_characters="\x00"), max_size=30),
)
def test_any_text_comes_back_as_the_same_words(
    rid: str, version: str, profile: str, folder: str
) -> None:
    check_hostile(rid, version, profile, "/" + folder)


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_a_real_shell_hands_over_exactly_the_words() -> None:
    rid = "-x; $(touch pwned) `id` 'q' \"d\" & a\nb"
    command = script_command(
        Action.RESTORE, rid, version="-v $(id)", profile="it's", api_url=LOCAL_API, safety=True
    )
    assert command is not None
    expected = script_argv(
        Action.RESTORE, rid, version="-v $(id)", profile="it's", api_url=LOCAL_API, safety=True
    )
    # The shell runs a function named sqtui that prints its words, one per NUL.
    shell = "sqtui() { printf '%s\\0' \"$@\"; }\n" + command
    done = subprocess.run(["sh", "-c", shell], capture_output=True, check=True, timeout=10)
    assert expected is not None
    assert ["sqtui", *done.stdout.decode("utf-8").split("\0")[:-1]] == expected
    assert done.stderr == b""


# -- the recorder keeps it, with no credential ---------------------------------------


def recorder(tmp_path: Path, **options: Any) -> tuple[Recorder, History]:
    history = History(tmp_path / "history.jsonl", secrets=[KEY])
    options.setdefault("profile", "default")
    return Recorder(history, now=lambda: T0, api_url=LOCAL_API, **options), history


def test_each_action_is_recorded_with_its_command_whatever_its_outcome(tmp_path: Path) -> None:
    rec, history = recorder(tmp_path, profile="ops")
    app, snap = resource(), signed_snapshot()
    rec.record(Action.CREATE, Outcome.REFUSED, app, detail="cooldown")
    rec.record(Action.SAFETY_SNAPSHOT, Outcome.OK, app, version="S1")
    rec.record(Action.RESTORE, Outcome.OK, app, snap, safety=True)
    rec.record(Action.DOWNLOAD, Outcome.FAILED, app, snap, path=tmp_path / "out" / "f.zip")
    download, restore, safety, create = history.read()
    tail = f"--profile ops --api-url {LOCAL_API}"
    assert create.command == f"sqtui snapshots create {RID} {tail}"
    assert safety.command is None
    assert restore.command == (
        f"sqtui snapshots restore {RID} --version {VERSION} --yes --safety-snapshot {tail}"
    )
    assert download.command == (
        f"sqtui snapshots download {RID} --version {VERSION} "
        f"--output {shlex.quote(str((tmp_path / 'out').absolute()))} {tail}"
    )


def test_no_key_and_no_signature_ever_reaches_a_recorded_command(tmp_path: Path) -> None:
    rec, history = recorder(tmp_path)
    snap = signed_snapshot()
    # A name and a folder holding the key and a signed query, as hostile as they come.
    app = resource(name=f"{KEY} {snap.url}")
    folder = tmp_path / f"key {KEY}" / snap.signed_query
    rec.record(Action.DOWNLOAD, Outcome.OK, app, snap, path=folder / "f.zip", sha256="ab" * 32)
    rec.record(Action.RESTORE, Outcome.OK, app, snap)
    rec.record(Action.CREATE, Outcome.OK, app, snap)
    signature = query_param(snap.url, "X-Amz-Signature")
    assert signature
    for entry in history.read():
        assert entry.command is not None
        for secret in (KEY, signature, snap.url, snap.signed_query):
            assert secret not in entry.command
        assert "X-Amz-Credential=AKIA" not in entry.command
    raw = (tmp_path / "history.jsonl").read_text("utf-8")
    assert KEY not in raw and signature not in raw


def test_old_lines_without_a_command_still_load(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    old = {
        "time": "2026-11-22T14:03:00+00:00",
        "action": "restore",
        "outcome": "ok",
        "profile": "default",
        "resource_id": RID,
        "resource_name": "worker",
        "resource_kind": "app",
        "snapshot": VERSION,
        "snapshot_time": None,
        "detail": "",
        "path": None,
        "sha256": None,
    }
    path.write_text(json.dumps(old) + "\n", "utf-8")
    [entry] = History(path).read()
    assert entry.command is None and entry.api_url is None
    assert "command" not in entry.to_json()
    with_command = HistoryEntry.from_json({**old, "command": "sqtui snapshots create x"})
    assert with_command.to_json()["command"] == "sqtui snapshots create x"
