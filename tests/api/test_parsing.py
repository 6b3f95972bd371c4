"""The parser turns any JSON into a model or the one typed error, never anything else."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sqtui.api.errors import ApiError
from sqtui.api.models import ResourceKind
from sqtui.api.parsing import (
    parse_account,
    parse_created,
    parse_service_status,
    parse_snapshots,
    parse_statuses,
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=6)
    ),
    max_leaves=25,
)

SNAPSHOT_KEYS = ["name", "size", "modified", "key", "version_id", "url", "origin", "runtime"]
snapshot_like = st.fixed_dictionaries(
    {},
    optional={k: json_values | st.text(max_size=40) | st.integers() for k in SNAPSHOT_KEYS},
)


def _parsers() -> list[Any]:
    return [
        parse_account,
        lambda d: parse_snapshots(d, kind=ResourceKind.APP, user_id="1"),
        lambda d: parse_snapshots(d, kind=ResourceKind.DATABASE, user_id=None),
        parse_statuses,
        parse_service_status,
        parse_created,
    ]


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_json_parses_or_raises_the_typed_error(data: object) -> None:
    for parse in _parsers():
        try:
            parse(data)
        except ApiError as error:
            assert error.is_invalid_response
            assert "Invalid response from server" in error.human()


@settings(max_examples=300, deadline=None)
@given(st.lists(snapshot_like, max_size=4))
def test_snapshot_shaped_json_parses_or_raises_the_typed_error(data: list[Any]) -> None:
    try:
        snapshots = parse_snapshots(data, kind=ResourceKind.APP, user_id="42")
    except ApiError as error:
        assert error.is_invalid_response
        return
    for snapshot in snapshots:
        assert snapshot.modified.tzinfo is not None
        assert snapshot.size >= 0
        assert snapshot.version_id


def test_current_listing_item() -> None:
    [snap] = parse_snapshots(
        [
            {
                "name": "a" * 32,
                "size": 1234,
                "modified": "2026-11-22T14:03:00.000Z",
                "key": "AWSAccessKeyId=K&Expires=1900000000&Signature=s3cr3t&versionId=v1",
                "version_id": "v1",
                "url": "https://snapshots.example/x.zip?Expires=1900000000&Signature=s3cr3t",
                "origin": "manual",
            }
        ],
        kind=ResourceKind.APP,
        user_id="1",
    )
    assert snap.version_id == "v1"
    assert snap.modified == datetime(2026, 11, 22, 14, 3, tzinfo=UTC)
    assert snap.origin == "manual"
    assert snap.expires == datetime.fromtimestamp(1900000000, tz=UTC)
    assert "s3cr3t" not in repr(snap)
    assert "s3cr3t" not in snap.redacted_url


def test_older_listing_item_reads_version_from_key_and_builds_url() -> None:
    [snap] = parse_snapshots(
        [
            {
                "name": "b" * 32 + "_postgres",
                "size": 10,
                "modified": "2026-11-20T03:00:00",
                "key": "AWSAccessKeyId=K&Expires=1900000000&Signature=sig&versionId=old-v",
            }
        ],
        kind=ResourceKind.DATABASE,
        user_id="23457145698959364",
    )
    assert snap.version_id == "old-v"
    assert snap.url.startswith(
        "https://snapshots.squarecloud.app/databases/23457145698959364/"
        + "b" * 32
        + "_postgres.zip?"
    )
    assert snap.url.endswith("versionId=old-v")
    assert snap.origin == "unknown"
    assert snap.resource_id == "b" * 32
    assert snap.modified.tzinfo is not None


def test_listing_is_sorted_newest_first() -> None:
    items = [
        {
            "name": "n",
            "size": 1,
            "modified": f"2026-11-{day:02d}T03:00:00Z",
            "version_id": str(day),
            "url": "u",
        }
        for day in (3, 20, 11)
    ]
    snaps = parse_snapshots(items, kind=ResourceKind.APP, user_id="1")
    assert [s.version_id for s in snaps] == ["20", "11", "3"]


@pytest.mark.parametrize(
    "item",
    [
        {
            "name": "n",
            "size": "12",
            "modified": "2026-11-01T00:00:00Z",
            "version_id": "v",
            "url": "u",
        },
        {
            "name": "n",
            "size": True,
            "modified": "2026-11-01T00:00:00Z",
            "version_id": "v",
            "url": "u",
        },
        {
            "name": "n",
            "size": -1,
            "modified": "2026-11-01T00:00:00Z",
            "version_id": "v",
            "url": "u",
        },
        {"name": "n", "size": 1, "modified": "yesterday", "version_id": "v", "url": "u"},
        {"name": "n", "size": 1, "modified": "2026-11-01T00:00:00Z", "url": "u"},
        {"size": 1, "modified": "2026-11-01T00:00:00Z", "version_id": "v", "url": "u"},
    ],
)
def test_malformed_items_name_the_bad_field(item: dict[str, Any]) -> None:
    with pytest.raises(ApiError) as caught:
        parse_snapshots([item], kind=ResourceKind.APP, user_id="1")
    assert caught.value.is_invalid_response
    assert "response[0]." in caught.value.message


def test_account_parses_plan_and_resources() -> None:
    account = parse_account(
        {
            "user": {
                "id": 23457145698959364,
                "name": "Acme Ltd",
                "email": "ops@acme.example",
                "locale": "en-US",
                "created_at": "2024-01-01T00:00:00Z",
                "plan": {
                    "name": "standard-4",
                    "memory": {"limit": 4096, "available": 1024, "used": 3072},
                    "duration": None,
                },
            },
            "applications": [
                {"id": "a" * 32, "name": "api", "ram": 512, "lang": "python", "cluster": "fl-1"}
            ],
            "databases": [
                {
                    "id": "d" * 32,
                    "name": "orders",
                    "ram": 1024,
                    "type": "postgres",
                    "cluster": "fl-1",
                }
            ],
        }
    )
    assert account.user.id == "23457145698959364"
    assert account.user.plan.memory_limit_mb == 4096
    assert account.user.plan.duration_ms is None
    assert [r.name for r in account.resources] == ["api", "orders"]
    assert account.databases[0].db_type == "postgres"
    assert account.by_id("a" * 32) is account.applications[0]
    assert account.by_id("missing") is None
