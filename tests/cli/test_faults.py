"""Local faults in the scripts: a one-line warning each and the command still works;
a closed pipe ends quietly; a key typed as an argument is never printed back."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sqtui.cli import main as cli
from sqtui.cli.exit_codes import ExitCode
from sqtui.sim import SimConfig, SimServer
from sqtui.sim.config import DEFAULT_API_KEY
from tests.conftest import MemoryKeyring

KEY = DEFAULT_API_KEY
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    with SimServer(
        SimConfig(seed=5, speed=100.0, snapshot_mb=0.05, snapshots_per_resource=3)
    ) as running:
        yield running


def sqtui(
    home: Path, server: SimServer, *argv: str, tz: str = "UTC"
) -> subprocess.CompletedProcess[str]:
    """``sqtui snapshots ARGV`` in a process of its own, as a script runs it."""
    env = {
        **os.environ,
        "SQTUI_HOME": str(home),
        "SQUARECLOUD_API_KEY": KEY,
        "SQUARECLOUD_API_URL": server.base_url,
        "TZ": tz,
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.run(
        [sys.executable, "-m", "sqtui", "snapshots", *argv],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )


def _file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("")


def _folder(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)


BREAKAGES: dict[str, tuple[Callable[[Path], None], str]] = {
    "state folder is a file": (lambda h: _file(h / "state"), "state cannot be used"),
    "log folder is a file": (lambda h: _file(h / "log"), "log cannot be used"),
    "log file is a folder": (lambda h: _folder(h / "log" / "sqtui.log"), "log file"),
    "history is a folder": (lambda h: _folder(h / "state" / "history.jsonl"), "history"),
    "pending file is a folder": (lambda h: _folder(h / "state" / "pending.json"), ""),
    "cache file is a folder": (lambda h: _folder(h / "cache" / "account-default.json"), ""),
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_a_broken_local_file_is_one_warning_and_list_still_works(
    breakage: str, tmp_path: Path, server: SimServer
) -> None:
    make, said = BREAKAGES[breakage]
    make(tmp_path)
    done = sqtui(tmp_path, server, "list")
    assert done.returncode == ExitCode.OK, done.stderr
    assert "Traceback" not in done.stderr
    assert "api-gateway" in done.stdout or "NAME" in done.stdout
    warnings = [line for line in done.stderr.splitlines() if line]
    assert len(warnings) <= 1, warnings
    if said:
        assert len(warnings) == 1 and said in warnings[0]
        assert warnings[0].startswith("sqtui: warning: ")


def test_a_home_that_cannot_be_made_is_one_warning(server: SimServer) -> None:
    # Nothing can be created under /proc, whoever runs the tests (root included).
    done = sqtui(Path("/proc/self/no-such-home"), server, "list")
    assert done.returncode == ExitCode.OK, done.stderr
    assert done.stderr.count("\n") == 1 and "cannot be used" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_create_with_a_broken_state_folder_is_said_once_and_done(
    tmp_path: Path, server: SimServer
) -> None:
    _file(tmp_path / "state")
    done = sqtui(tmp_path, server, "create", "worker")
    assert "Traceback" not in done.stderr
    assert done.stderr.count("state cannot be used") == 1, done.stderr


def test_a_huge_pending_file_is_refused_with_a_warning(tmp_path: Path, server: SimServer) -> None:
    pending = tmp_path / "state" / "pending.json"
    pending.parent.mkdir(parents=True)
    with pending.open("wb") as file:
        file.truncate(8 << 20)
    done = sqtui(tmp_path, server, "list")
    assert done.returncode == ExitCode.OK, done.stderr
    assert "pending.json is 8.0 MiB, more than the 1.0 MiB sqtui reads" in done.stderr
    assert pending.stat().st_size == 8 << 20


@pytest.mark.parametrize("tz", ["America/New_York", "Asia/Tokyo"])
def test_state_with_times_at_the_edge_of_the_calendar_never_crashes(
    tmp_path: Path, server: SimServer, tz: str
) -> None:
    state = tmp_path / "state"
    state.mkdir(parents=True)
    line = {
        "time": "0001-01-01T00:00:00+00:00",
        "action": "create",
        "outcome": "ok",
        "profile": "default",
        "resource_id": "x",
        "resource_name": "worker",
        "resource_kind": "app",
        "snapshot": None,
        "snapshot_time": "9999-12-31T23:59:59+00:00",
    }
    odd = [line, {**line, "time": "9999-12-31T23:59:59+00:00"}]
    odd.append({**line, "time": "0001-01-01T00:00:00+09:00"})
    (state / "history.jsonl").write_text("".join(json.dumps(e) + "\n" for e in odd))
    scope = f"default@{server.base_url}"
    entry = {
        "scope": scope,
        "resource_id": "x" * 32,
        "resource_kind": "app",
        "resource_name": "worker",
        "reason": "processing",
        "known_versions": [],
    }
    (state / "pending.json").write_text(
        json.dumps(
            {
                "pending": [
                    {**entry, "requested_at": when}
                    for when in ("0001-01-01T00:00:00-05:00", "9999-12-31T23:59:59+09:00")
                ]
            }
        )
    )
    done = sqtui(tmp_path, server, "list", tz=tz)
    assert done.returncode == ExitCode.OK, done.stderr
    assert "Traceback" not in done.stderr


def test_a_reader_that_goes_away_ends_the_run_quietly(tmp_path: Path, server: SimServer) -> None:
    env = {
        **os.environ,
        "SQTUI_HOME": str(tmp_path),
        "SQUARECLOUD_API_KEY": KEY,
        "SQUARECLOUD_API_URL": server.base_url,
        "PYTHONPATH": str(ROOT),
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "sqtui", "snapshots", "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    # `| head -0`: the reader is gone before anything is written.
    assert child.stdout is not None
    child.stdout.close()
    _out, err = child.communicate(timeout=60)
    assert b"Traceback" not in err and b"BrokenPipeError" not in err, err
    assert err == b""
    assert child.returncode == ExitCode.BROKEN_PIPE


def test_a_broken_pipe_in_process_returns_its_exit_code(
    monkeypatch: pytest.MonkeyPatch, server: SimServer, tmp_path: Path
) -> None:
    class GoneReader(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def fileno(self) -> int:
            raise io.UnsupportedOperation("no descriptor")

    monkeypatch.setenv("SQTUI_HOME", str(tmp_path))
    monkeypatch.setenv("SQUARECLOUD_API_KEY", KEY)
    monkeypatch.setattr("sys.stdout", GoneReader())
    assert cli.main(["snapshots", "list", "--api-url", server.base_url]) == ExitCode.BROKEN_PIPE


SECRET = "4815162342-0f1e2d3c4b5a69788796a5b4c3d2e1f0"


@pytest.mark.parametrize(
    "argv",
    [
        ["login", SECRET],
        ["login", "--profile", "ops", SECRET],
        ["login", f"--key={SECRET}"],
        ["logout", SECRET],
        [SECRET],
        ["--read-only", SECRET],
        ["config", SECRET],
    ],
)
def test_a_key_given_as_an_argument_is_never_printed_back(
    argv: list[str], memory_keyring: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as ended:
        cli.main(argv)
    out, err = capsys.readouterr()
    assert ended.value.code == ExitCode.USAGE
    assert SECRET not in out + err
    assert SECRET[-6:] not in out + err
    assert "never taken from the command line" in err
    assert memory_keyring.store == {}


def test_login_without_a_keyring_says_what_to_do_and_reads_nothing(
    no_keyring: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin = io.StringIO(KEY + "\n")
    monkeypatch.setattr("sys.stdin", stdin)
    assert cli.main(["login"]) == ExitCode.FAILED
    _out, err = capsys.readouterr()
    assert "no OS keyring" in err
    assert "export SQUARECLOUD_API_KEY" in err
    # Not read, so not sent anywhere, and not printed.
    assert stdin.tell() == 0
    assert KEY not in err


def test_logout_without_a_keyring_has_nothing_to_forget(
    no_keyring: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["logout"]) == ExitCode.OK
    out, _err = capsys.readouterr()
    assert "no OS keyring" in out and "unset SQUARECLOUD_API_KEY" in out


@pytest.mark.parametrize("command", ["login", "logout"])
def test_login_and_logout_offer_only_flags_that_mean_something(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        cli.main([command, "--help"])
    out = capsys.readouterr().out
    assert "--profile" in out
    assert "--read-only" not in out and "--download-dir" not in out
    assert ("--api-url" in out) == (command == "login")


@pytest.mark.parametrize(
    "argv",
    [
        ["snapshots", SECRET],
        ["snapshots", "list", f"--x={SECRET}"],
        ["snapshots", "verify", "x", "--latest", "--sample", SECRET],
        ["snapshots", "create", "x", "--wait", "--timeout", SECRET],
    ],
)
def test_a_key_given_to_a_snapshot_command_is_never_printed_back(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    assert code == ExitCode.USAGE
    assert SECRET not in out + err and SECRET[-6:] not in out + err


def test_a_refusal_for_a_key_not_allowed_is_a_failure_not_a_quota() -> None:
    from sqtui.cli.exit_codes import exit_code_for_refusal
    from sqtui.domain.refusal import RefusalReason, Refused

    not_allowed = Refused(RefusalReason.NOT_ALLOWED, "This key may not create snapshots.")
    assert exit_code_for_refusal(not_allowed) == ExitCode.FAILED
