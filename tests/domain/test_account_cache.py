from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqtui.api.models import ResourceKind
from sqtui.api.parsing import parse_account, parse_snapshots
from sqtui.domain.account_cache import load_view, save_view

NOW = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
API = "https://api.squarecloud.app/v2"
ACCOUNT = parse_account(
    {
        "user": {
            "id": "1",
            "name": "Acme",
            "email": "ops@acme.example",
            "plan": {"name": "hobby-2", "memory": {"limit": 2048, "available": 0, "used": 2048}},
        },
        "applications": [{"id": "a" * 32, "name": "[bold]api", "ram": 512, "lang": "python"}],
        "databases": [{"id": "d" * 32, "name": "pg", "ram": 256, "type": "postgres"}],
    }
)
LISTING = parse_snapshots(
    [
        {
            "name": "d" * 32 + "_postgres",
            "size": 1234,
            "modified": "2026-11-22T03:00:00Z",
            "version_id": "v1",
            "key": "AWSAccessKeyId=K&Expires=1&Signature=SECRETSIG&versionId=v1",
            "url": "https://snapshots.example/x.zip?Signature=SECRETSIG",
            "origin": "automatic",
        }
    ],
    kind=ResourceKind.DATABASE,
    user_id="1",
)


def test_round_trip_keeps_the_view_but_no_signed_url(tmp_path: Path) -> None:
    path = tmp_path / "cache.json"
    save_view(path, API, ACCOUNT, {"d" * 32: LISTING}, NOW)
    assert "SECRETSIG" not in path.read_text()
    view = load_view(path, API)
    assert view is not None
    assert view.account == ACCOUNT
    assert view.saved_at == NOW
    [cached] = view.listings["d" * 32]
    assert (cached.version_id, cached.size, cached.modified) == ("v1", 1234, LISTING[0].modified)
    assert cached.url == "" and cached.signed_query == ""


def test_another_api_or_a_damaged_file_gives_nothing(tmp_path: Path) -> None:
    path = tmp_path / "cache.json"
    save_view(path, API, ACCOUNT, {}, NOW)
    assert load_view(path, "http://127.0.0.1:8787/v2") is None
    for damaged in ("{", "[]", json.dumps({"format": 1, "api_url": API, "account": 3})):
        path.write_text(damaged)
        assert load_view(path, API) is None
    assert load_view(tmp_path / "missing.json", API) is None


def test_an_unwritable_cache_is_not_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    save_view(blocker / "cache.json", API, ACCOUNT, {}, NOW)  # logged, not raised
