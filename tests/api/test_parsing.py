"""The parser turns any JSON into a model or the one typed error, never anything else."""

from __future__ import annotations

import json
import tracemalloc
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sqtui.api.errors import ApiError
from sqtui.api.models import ResourceKind
from sqtui.api.parsing import (
    CountedListing,
    ManualTimesReader,
    manual_times_of,
    parse_account,
    parse_created,
    parse_manual_times,
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
        parse_manual_times,
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


# -- what the server gets wrong: wrong types, repeats ------------------------------------

GOOD_CREATED = {"url": "https://snapshots.example/x.zip?versionId=v1", "key": "versionId=v1"}


@pytest.mark.parametrize(
    "response",
    [
        {"url": 123},
        {"url": 1.5},
        {"url": True},
        {"url": ["https://x"]},
        {"url": ""},
        {"url": "not a url"},
        {"url": GOOD_CREATED["url"], "key": 42},
        {"url": GOOD_CREATED["url"], "key": {"versionId": "v1"}},
        {},
        None,
        "https://x",
    ],
)
def test_a_create_answer_that_is_not_a_url_is_an_invalid_response(response: object) -> None:
    with pytest.raises(ApiError) as caught:
        parse_created(response)
    assert caught.value.is_invalid_response


def test_a_create_answer_with_a_url_is_ready() -> None:
    ready = parse_created(GOOD_CREATED)
    assert ready.version_id == "v1"


def _item(**changes: object) -> dict[str, Any]:
    item: dict[str, Any] = {
        "name": "n",
        "size": 1,
        "modified": "2026-11-01T00:00:00Z",
        "version_id": "v",
        "url": "https://snapshots.example/n.zip",
    }
    item.update(changes)
    return item


@pytest.mark.parametrize(
    "item",
    [
        _item(url=123),
        _item(key=123),
        _item(origin=1),
        _item(runtime=["python"]),
        _item(modified=1732072955),
        _item(version_id=True),
        _item(name=["n"]),
    ],
)
def test_listing_fields_of_the_wrong_type_are_invalid(item: dict[str, Any]) -> None:
    with pytest.raises(ApiError) as caught:
        parse_snapshots([item], kind=ResourceKind.APP, user_id="1")
    assert caught.value.is_invalid_response


@pytest.mark.parametrize(
    ("where", "field", "value"),
    [
        ("user", "email", 5),
        ("user", "name", ["x"]),
        ("plan", "name", 4096),
        ("app", "name", {"x": 1}),
        ("app", "lang", 3),
        ("db", "type", 3),
    ],
)
def test_account_fields_of_the_wrong_type_are_invalid(
    where: str, field: str, value: object
) -> None:
    data: dict[str, Any] = {
        "user": {"id": "1", "name": "n", "plan": {"name": "free"}},
        "applications": [{"id": "a", "name": "api"}],
        "databases": [{"id": "d", "name": "pg", "type": "postgres"}],
    }
    target = {
        "user": data["user"],
        "plan": data["user"]["plan"],
        "app": data["applications"][0],
        "db": data["databases"][0],
    }[where]
    target[field] = value
    with pytest.raises(ApiError) as caught:
        parse_account(data)
    assert caught.value.is_invalid_response


def test_ids_may_be_numbers() -> None:
    account = parse_account(
        {
            "user": {"id": 23457145698959364, "plan": {"name": "free"}},
            "applications": [{"id": 12, "name": "api"}],
        }
    )
    assert account.user.id == "23457145698959364"
    assert account.applications[0].id == "12"


def test_a_resource_listed_twice_is_kept_once_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    account = parse_account(
        {
            "user": {"id": "1", "plan": {"name": "free"}},
            "applications": [{"id": "a", "name": "api"}, {"id": "a", "name": "api copy"}],
            "databases": [{"id": "a", "name": "pg", "type": "postgres"}, {"id": "d", "name": "x"}],
        }
    )
    assert [(r.id, r.name) for r in account.resources] == [("a", "api"), ("d", "x")]
    assert "twice" in caplog.text


def test_a_snapshot_listed_twice_is_kept_once_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    snaps = parse_snapshots(
        [_item(), _item(size=99), _item(version_id="w"), _item(name="other")],
        kind=ResourceKind.APP,
        user_id="1",
    )
    assert sorted((s.name, s.version_id, s.size) for s in snaps) == [
        ("n", "v", 1),
        ("n", "w", 1),
        ("other", "v", 1),
    ]
    assert "twice" in caplog.text


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.builds(
            _item,
            version_id=st.sampled_from(["a", "b", "c"]),
            name=st.sampled_from(["n", "m"]),
        ),
        max_size=8,
    )
)
def test_a_listing_never_holds_one_snapshot_twice(items: list[dict[str, Any]]) -> None:
    snaps = parse_snapshots(items, kind=ResourceKind.APP, user_id="1")
    idents = [(s.name, s.version_id) for s in snaps]
    assert len(idents) == len(set(idents))


# -- the quota's lean reading of the account-wide listings -------------------------------


@st.composite
def lean_items(draw: st.DrawFn) -> dict[str, Any]:
    """A listing item, valid or with up to two fields dropped or of any JSON value."""
    item: dict[str, Any] = {
        "name": draw(st.sampled_from(["a" * 32, "b" * 32 + "_redis", 42])),
        "size": draw(st.integers(0, 10)),
        "modified": draw(
            st.sampled_from(
                ["2026-11-22T14:03:00.000Z", "2026-11-21T03:00:00", "0001-01-01T00:00:00+14:00"]
            )
        ),
        "version_id": draw(st.sampled_from(["v1", "v2", "v3"])),
        "url": "https://snapshots.example/x.zip",
        "origin": draw(st.sampled_from(["manual", "Manual", "automatic", "auto", "other"])),
    }
    for key in draw(st.sets(st.sampled_from(sorted(item)), max_size=2)):
        if draw(st.booleans()):
            del item[key]
        else:
            item[key] = draw(json_values)
    return item


def _manual_times_of(snapshots: list[Any]) -> dict[str, set[datetime]]:
    times: dict[str, set[datetime]] = {}
    for snap in snapshots:
        if snap.origin == "manual":
            times.setdefault(snap.resource_id, set()).add(snap.modified)
    return times


@settings(max_examples=400, deadline=None)
@given(st.lists(lean_items(), max_size=6))
def test_the_quota_reads_the_same_manual_snapshots_as_the_full_listing(
    items: list[dict[str, Any]],
) -> None:
    try:
        full = parse_snapshots(items, kind=ResourceKind.DATABASE, user_id="1")
        why = ""
    except ApiError as error:
        full, why = None, error.message
    try:
        lean = parse_manual_times(items)
    except ApiError as error:
        # Whatever the quota refuses, the full listing refuses too.
        assert error.is_invalid_response and "response[" in error.message
        assert full is None
        return
    if full is None:
        # Refused for a field the count does not read (size, version, URL) only.
        assert "is not an object" not in why
        assert not any(f".{field} " in why for field in ("name", "modified", "origin")), why
        return
    counted = {rid: set(times) for rid, times in lean.items()}
    listed = _manual_times_of(full)
    versions = [(i.get("name"), i.get("version_id")) for i in items]
    if len(set(versions)) == len(versions):
        assert counted == listed
    else:
        # A snapshot listed twice is shown once; the count holds each time it was listed.
        assert all(listed[rid] <= counted[rid] for rid in listed)


def test_the_quota_counts_manual_snapshots_by_resource() -> None:
    items = [
        _item(name="a" * 32, origin="manual", modified="2026-11-22T14:03:00Z"),
        _item(name="a" * 32, origin="automatic", modified="2026-11-22T03:00:00Z"),
        _item(name="b" * 32 + "_postgres", origin="MANUAL", modified="2026-11-21T10:00:00Z"),
        # No origin (older answers): not known to be manual, not counted.
        _item(name="c" * 32, modified="2026-11-21T11:00:00Z"),
    ]
    assert parse_manual_times(items) == {
        "a" * 32: [datetime(2026, 11, 22, 14, 3, tzinfo=UTC)],
        "b" * 32: [datetime(2026, 11, 21, 10, 0, tzinfo=UTC)],
    }


@pytest.mark.parametrize(
    "item",
    [
        _item(name=["n"]),
        _item(modified="yesterday"),
        _item(modified=1732072955),
        _item(origin=1),
        "not an object",
    ],
)
def test_an_item_the_quota_cannot_read_fails_the_listing(item: object) -> None:
    with pytest.raises(ApiError) as caught:
        parse_manual_times([_item(origin="manual"), item])
    assert caught.value.is_invalid_response
    assert "response[1]" in caught.value.message


def _outcome(read: Any) -> object:
    """What a reading of a listing's ``response`` comes to: the times, or the error said."""
    try:
        times = read()
    except ApiError as error:
        return ("error", error.message)
    return {rid: list(ts) for rid, ts in times.items()}


def _read_in_chunks(body: bytes, cuts: list[int]) -> object:
    reader = ManualTimesReader()
    at = 0
    for cut in sorted(cuts):
        reader.feed(body[at:cut])
        at = cut
    reader.feed(body[at:])
    return reader.finish()


def _same_as_whole(body: bytes, cuts: list[int]) -> None:
    """The reader, fed ``body`` cut anywhere, comes to what decoding it whole does."""
    try:
        whole = json.loads(body)
    except ValueError:
        with pytest.raises(ValueError):
            _read_in_chunks(body, cuts)
        return
    read = _read_in_chunks(body, cuts)
    if not isinstance(whole, dict) or not isinstance(whole.get("response"), list):
        assert json.dumps(read) == json.dumps(whole)
        return
    assert isinstance(read, dict)
    assert isinstance(read["response"], CountedListing)
    rest = {k: v for k, v in read.items() if k != "response"}
    assert json.dumps(rest) == json.dumps({k: v for k, v in whole.items() if k != "response"})
    assert _outcome(lambda: manual_times_of(read["response"])) == _outcome(
        lambda: parse_manual_times(whole["response"])
    )


@st.composite
def listing_bodies(draw: st.DrawFn) -> bytes:
    """An account-wide answer as JSON text: odd key orders, spacing, extra keys."""
    envelope: dict[str, Any] = {"response": draw(st.lists(lean_items(), max_size=5))}
    extra = draw(st.dictionaries(st.sampled_from(["status", "code", "message", "x"]), json_values))
    for key, value in extra.items():
        envelope[key] = value
    if draw(st.booleans()):
        envelope["status"] = "success"
    keys = draw(st.permutations(list(envelope)))
    ordered = {key: envelope[key] for key in keys}
    indent = draw(st.sampled_from([None, 0, 2]))
    text = json.dumps(ordered, indent=indent, ensure_ascii=draw(st.booleans()))
    return (
        draw(st.sampled_from(["", " ", "\n\t"])) + text + draw(st.sampled_from(["", " \n"]))
    ).encode()


@settings(max_examples=300, deadline=None)
@given(listing_bodies(), st.lists(st.integers(0, 4000), max_size=8))
def test_a_listing_read_as_it_arrives_is_read_as_if_whole(body: bytes, cuts: list[int]) -> None:
    _same_as_whole(body, [min(cut, len(body)) for cut in cuts])


@settings(max_examples=300, deadline=None)
@given(
    json_values.map(lambda v: json.dumps(v).encode()) | st.binary(max_size=40),
    st.lists(st.integers(0, 60), max_size=4),
)
def test_any_body_read_as_it_arrives_is_read_as_if_whole(body: bytes, cuts: list[int]) -> None:
    _same_as_whole(body, [min(cut, len(body)) for cut in cuts])


@pytest.mark.parametrize(
    "body",
    [
        '{"status":"success","response":[{"name":"é","modified":"2026-11-22T14:03:00Z",'
        '"origin":"manual","size":12}],"n":1234}',
        '{"response":[], "status": "success"}  ',
        '{"status":"success","response":[]} {}',
        '{"status":"success","response":[{"name":"a"',
        '{"status":"success","response":[1,]}',
        "{}",
        "\ufeff{}",
        "",
    ],
)
def test_a_body_read_one_byte_at_a_time_is_read_as_if_whole(body: str) -> None:
    data = body.encode()
    _same_as_whole(data, list(range(len(data))))


def test_a_long_listing_is_read_without_holding_it() -> None:
    item = {
        "name": "a" * 32,
        "size": 123456789,
        "modified": "2026-11-22T03:00:00.000Z",
        "key": "AWSAccessKeyId=K&Expires=1900000000&Signature=" + "s" * 43 + "&versionId=v",
        "version_id": "v" * 32,
        "url": "https://snapshots.example/" + "u" * 200,
        "origin": "automatic",
    }
    items = [item] * 20_000 + [dict(item, origin="manual")]
    body = json.dumps({"status": "success", "response": items}).encode()
    reader = ManualTimesReader()
    tracemalloc.start()
    try:
        for at in range(0, len(body), 65_536):
            reader.feed(body[at : at + 65_536])
        envelope = reader.finish()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(envelope, dict)
    assert manual_times_of(envelope["response"]) == {
        "a" * 32: [datetime(2026, 11, 22, 3, tzinfo=UTC)]
    }
    # About 10 MB of JSON, read in 64 KiB chunks: never more than a few chunks at once.
    assert len(body) > 10 * 2**20 and peak < 2**20
