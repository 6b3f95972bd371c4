"""Names people type: a resource by id or exact name, a snapshot by version prefix."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sqtui.api.models import Account, Plan, Resource, ResourceKind, Snapshot, User
from sqtui.domain.resolve import ResolveError, Unresolved, find_resource, find_version

API = Resource(kind=ResourceKind.APP, id="a" * 32, name="api", ram_mb=512, detail="")
TWIN_1 = Resource(kind=ResourceKind.APP, id="b" * 32, name="twin", ram_mb=512, detail="")
TWIN_2 = Resource(kind=ResourceKind.DATABASE, id="c" * 32, name="twin", ram_mb=512, detail="")
ACCOUNT = Account(
    user=User("1", "Acme", "ops@acme.example", "en", None, Plan("hobby-2", 2048, 0, 0, None)),
    applications=(API, TWIN_1),
    databases=(TWIN_2,),
)


def snap(version: str) -> Snapshot:
    when = datetime(2026, 11, 22, 14, 3, tzinfo=UTC)
    return Snapshot("a" * 32, version, 10, when, "manual", url="", signed_query="")


def test_a_resource_is_found_by_id_then_by_exact_name() -> None:
    assert find_resource(ACCOUNT, "a" * 32) is API
    assert find_resource(ACCOUNT, "api") is API
    assert find_resource(ACCOUNT, "b" * 32) is TWIN_1


def test_a_missing_or_shared_name_says_which() -> None:
    with pytest.raises(ResolveError) as missing:
        find_resource(ACCOUNT, "API")  # names are exact
    assert missing.value.why is Unresolved.NOT_FOUND
    with pytest.raises(ResolveError) as shared:
        find_resource(ACCOUNT, "twin")
    assert shared.value.why is Unresolved.AMBIGUOUS
    assert TWIN_1.id in shared.value.sentence and TWIN_2.id in shared.value.sentence


def test_an_ambiguous_version_prefix_lists_the_candidates() -> None:
    listed = [snap("abc" + "1" * 29), snap("abd" + "2" * 29)]
    assert find_version(listed, "abc", API).version_id.startswith("abc")
    with pytest.raises(ResolveError) as stop:
        find_version(listed, "ab", API)
    assert stop.value.why is Unresolved.AMBIGUOUS
    assert listed[0].version_id in stop.value.sentence
    assert listed[1].version_id in stop.value.sentence
    with pytest.raises(ResolveError) as none:
        find_version(listed, "zz", API)
    assert none.value.why is Unresolved.NOT_FOUND
