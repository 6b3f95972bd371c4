"""A near miss of a resource name or a version says "did you mean ...?", in every
command that resolves a resource; suggested names are shown printable."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sqtui.api.models import Account, Plan, Resource, ResourceKind, Snapshot, User
from sqtui.cli.exit_codes import ExitCode
from sqtui.domain.resolve import ResolveError, Unresolved, find_resource, find_version
from sqtui.sim import SimConfig, SimServer
from tests.cli.test_snapshots import FAST, KEY, as_script, resources, run


@pytest.fixture
def server() -> Iterator[SimServer]:
    with SimServer(SimConfig(seed=11, generation_seconds=20, **FAST)) as running:
        yield running


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return as_script(monkeypatch, tmp_path / "home", KEY)


COMMANDS = [
    ("list",),
    ("create",),
    ("download",),
    ("restore", "--latest", "--yes"),
    ("ls",),
]


@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_a_near_miss_of_a_name_suggests_the_name(
    server: SimServer, capsys: pytest.CaptureFixture[str], command: tuple[str, ...]
) -> None:
    assert any(r["name"] == "orders-pg" for r in resources(server, "database"))
    name, *rest = command
    code, out, err = run(capsys, server, name, "orders-gp", *rest)
    assert code == ExitCode.NOT_FOUND, err
    assert 'did you mean "orders-pg"?' in err, err
    assert out == ""
    assert [e for e in server.sim.events if e.get("method") == "POST"] == []


def test_a_name_in_the_wrong_case_suggests_the_right_one(
    server: SimServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, server, "list", "Orders-PG")
    assert code == ExitCode.NOT_FOUND and 'did you mean "orders-pg"?' in err


def test_a_name_far_from_every_other_suggests_nothing(
    server: SimServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, server, "list", "zzzzzzzz")
    assert code == ExitCode.NOT_FOUND and "did you mean" not in err


def test_a_near_miss_of_a_version_suggests_the_version(
    server: SimServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, server, "list", "orders-pg", "--json")
    assert code == ExitCode.OK
    version = json.loads(out)["snapshots"][1]["version_id"]
    typo = version[:7] + ("x" if version[7] != "x" else "y")
    code, _, err = run(
        capsys, server, "download", "orders-pg", "--version", typo, "-o", str(tmp_path)
    )
    assert code == ExitCode.NOT_FOUND
    assert f'did you mean "{version[:8]}"?' in err, err


# The lookup itself, without a server: names shown printable, never raw.


def resource(name: str, letter: str) -> Resource:
    return Resource(kind=ResourceKind.APP, id=letter * 32, name=name, ram_mb=512, detail="")


def account(*names: str) -> Account:
    plan = Plan("hobby-2", 2048, 0, 0, None)
    apps = tuple(resource(n, chr(ord("a") + i)) for i, n in enumerate(names))
    return Account(User("1", "Acme", "ops@acme.example", "en", None, plan), apps, ())


def test_a_suggested_name_is_shown_printable() -> None:
    hostile = "work\x1b[31mer"
    with pytest.raises(ResolveError) as stop:
        find_resource(account(hostile, "api"), "work\x1b[31mrr")
    assert stop.value.why is Unresolved.NOT_FOUND
    assert "\x1b" not in stop.value.sentence and "did you mean" in stop.value.sentence


def test_a_version_in_the_wrong_case_is_suggested() -> None:
    when = datetime(2026, 11, 22, 14, 3, tzinfo=UTC)
    snaps = [
        Snapshot("a" * 32, v, 10, when, "manual", url="", signed_query="")
        for v in ("AbCdEfGh" + "1" * 24, "ZzYyXxWw" + "2" * 24)
    ]
    with pytest.raises(ResolveError) as stop:
        find_version(snaps, "abcdefgh", resource("api", "a"))
    assert 'did you mean "AbCdEfGh"?' in stop.value.sentence
