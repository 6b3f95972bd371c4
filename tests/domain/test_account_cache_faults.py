"""A cached view that cannot be used is a warning, never a crash; the resource last viewed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sqtui.api.client import SquareCloudClient
from sqtui.api.models import ResourceKind
from sqtui.api.parsing import parse_snapshots
from sqtui.display import UNKNOWN_TIME, local_time
from sqtui.domain.account_cache import MAX_FILE_BYTES, load_view, remember_selected, save_view
from sqtui.domain.session import Session
from tests.domain.test_account_cache import ACCOUNT, API, LISTING, NOW


def listing_at(*times: str) -> list:  # type: ignore[type-arg]
    return parse_snapshots(
        [
            {
                "name": "d" * 32 + "_postgres",
                "size": 1,
                "modified": when,
                "version_id": f"v{n}",
                "url": "https://snapshots.example/x.zip",
                "origin": "manual",
            }
            for n, when in enumerate(times)
        ],
        kind=ResourceKind.DATABASE,
        user_id="1",
    )


@pytest.mark.usefixtures("zone")
def test_a_cached_listing_with_times_at_the_edge_of_the_calendar_starts(tmp_path: Path) -> None:
    path = tmp_path / "cache.json"
    odd = listing_at("0001-01-01T00:00:00+05:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z")
    save_view(path, API, ACCOUNT, {"d" * 32: odd}, NOW)
    said: list[str] = []
    view = load_view(path, API, warn=said.append)
    assert view is not None and said == []
    session = Session(SquareCloudClient("k" * 20, base_url=API), cache_path=path, now=lambda: NOW)
    assert session.load_cached() is not None
    session.quota()
    assert {local_time(s.modified) for s in session.listings["d" * 32]} >= {UNKNOWN_TIME}


def test_a_huge_cache_is_refused_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "cache.json"
    with path.open("wb") as file:
        file.truncate(MAX_FILE_BYTES + 1)
    said: list[str] = []
    assert load_view(path, API, warn=said.append) is None
    assert len(said) == 1 and "more than the 16.0 MiB sqtui reads" in said[0]


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d["account"]["applications"][0].update(ram="lots"),
        lambda d: d["listings"]["d" * 32]["snapshots"][0].update(size=None),
        lambda d: d["listings"]["d" * 32].update(kind="teapot"),
        lambda d: d.update(account=None),
        lambda d: d["listings"]["d" * 32].update(snapshots=[[[[]]]]),
    ],
)
def test_a_damaged_cache_is_a_warning_and_no_view(tmp_path: Path, damage: object) -> None:
    path = tmp_path / "cache.json"
    save_view(path, API, ACCOUNT, {"d" * 32: LISTING}, NOW)
    data = json.loads(path.read_text())
    damage(data)  # type: ignore[operator]
    path.write_text(json.dumps(data))
    said: list[str] = []
    assert load_view(path, API, warn=said.append) is None
    assert len(said) == 1 and "was not used" in said[0]


def test_deeply_nested_json_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "cache.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    said: list[str] = []
    assert load_view(path, API, warn=said.append) is None
    assert said


def test_the_resource_last_viewed_is_kept_across_saves(tmp_path: Path) -> None:
    path = tmp_path / "cache.json"
    save_view(path, API, ACCOUNT, {}, NOW, selected="a" * 32)
    view = load_view(path, API)
    assert view is not None and view.selected == "a" * 32
    remember_selected(path, API, "d" * 32)
    # A later save without a selection (a refresh) keeps the one remembered.
    save_view(path, API, ACCOUNT, {"d" * 32: LISTING}, datetime(2026, 11, 23, tzinfo=UTC))
    view = load_view(path, API)
    assert view is not None and view.selected == "d" * 32
    # Another API's cache is not this one's.
    remember_selected(path, "http://127.0.0.1:1/v2", "x")
    assert (load_view(path, API) or view).selected == "d" * 32
