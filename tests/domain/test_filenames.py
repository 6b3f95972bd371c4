from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sqtui.api.models import Snapshot
from sqtui.domain.filenames import sanitize_component, snapshot_filename


def _snapshot(version: str = "3f9a1c2b77e0", modified: datetime | None = None) -> Snapshot:
    return Snapshot(
        name="a" * 32,
        version_id=version,
        size=10,
        modified=modified or datetime(2026, 11, 22, 14, 3, 27, tzinfo=UTC),
        origin="manual",
        url="https://snapshots.example/x.zip?Signature=secret",
        signed_query="",
    )


def test_file_name_has_resource_time_and_version() -> None:
    assert snapshot_filename("orders-pg", _snapshot()) == "orders-pg_2026-11-22T1403Z_3f9a1c2b.zip"


def test_time_in_the_name_is_utc_whatever_the_zone_of_the_listing() -> None:
    local = datetime(2026, 11, 22, 11, 3, tzinfo=timezone(timedelta(hours=-3)))
    assert "_2026-11-22T1403Z_" in snapshot_filename("db", _snapshot(modified=local))


def test_version_is_sanitised_too() -> None:
    assert snapshot_filename("db", _snapshot(version="../../etc")) == "db_2026-11-22T1403Z_et.zip"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("orders pg", "orders-pg"),
        ('a/b\\c:d*e?f"g<h>i|j', "a-b-c-d-e-f-g-h-i-j"),
        ("a  //  b", "a-b"),
        ("..hidden", "hidden"),
        ("--rm -rf", "rm-rf"),
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b]8;;http://evil\x07link\x1b]8;;\x07", "link"),
        ("tab\there\nnew", "tab-here-new"),
        ("\u202egnp.exe", "gnp.exe"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("com1", "_com1"),
        ("console", "console"),
        ("", "snapshot"),
        ("...", "snapshot"),
        ("\x00\x01", "snapshot"),
        ("name. ", "name"),
        ("cafe\u0301", "caf\u00e9"),
    ],
)
def test_sanitize_component(raw: str, expected: str) -> None:
    assert sanitize_component(raw) == expected


def test_long_names_are_cut_on_a_character_boundary() -> None:
    name = sanitize_component("é" * 100, max_bytes=81)
    assert name == "é" * 40
    assert len(name.encode()) == 80


@given(st.text(), st.integers(min_value=1, max_value=255))
def test_any_text_gives_a_safe_component(text: str, max_bytes: int) -> None:
    name = sanitize_component(text, max_bytes)
    assert name
    assert len(name.encode("utf-8")) <= max_bytes
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert not name.startswith((".", "-"))
    assert not name.endswith((".", " "))
    assert not any(unicodedata.category(ch) == "Cc" for ch in name)
    base = Path("/srv/downloads")
    target = base / name
    assert target.parent == base
    assert name not in (".", "..")


@given(st.text(), st.text(max_size=20))
def test_any_resource_name_gives_a_zip_name_inside_the_folder(name: str, version: str) -> None:
    file_name = snapshot_filename(name, _snapshot(version=version))
    assert file_name.endswith(".zip")
    assert not file_name.startswith((".", "-"))
    assert (Path("dl") / file_name).parent == Path("dl")
    assert len(file_name.encode()) <= 80 + len("_2026-11-22T1403Z_12345678.zip") * 4
