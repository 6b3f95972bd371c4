"""Extraction: same bytes, nothing outside the folder, no links, nothing overwritten unasked."""

from __future__ import annotations

import io
import os
import posixpath
import stat
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sqtui.api.client import SquareCloudClient
from sqtui.domain.contents import ContentsError, SnapshotContents, UnsafePath, safe_member_path
from sqtui.domain.contents import extract as extract_module

from .conftest import RangeHost, build_zip, sample_files, snapshot

HOSTILE = [
    "../x",
    "/etc/passwd",
    "a/../../b",
    "..\\..\\evil.txt",
    "C:\\Windows\\evil.txt",
    "c:evil.txt",
    "\x1b[31mred",
    "nul\x00byte",
    "..",
    "./",
]


def _stays_inside(name: str) -> None:
    try:
        relative = safe_member_path(name)
    except UnsafePath:
        return
    text = relative.as_posix()
    assert not relative.is_absolute() and ".." not in relative.parts
    assert "\0" not in text and "\\" not in text
    assert all(ord(c) >= 0x20 and not 0x7F <= ord(c) <= 0x9F for c in text)
    inside = posixpath.normpath(posixpath.join("/dest", text))
    assert inside.startswith("/dest/")


@given(st.text())
def test_a_sanitised_path_never_leaves_the_folder(name: str) -> None:
    _stays_inside(name)


@given(st.lists(st.sampled_from(["a", "..", ".", "", "b\\..", "\\", "/", "C:"]), max_size=8))
def test_paths_made_of_tricky_parts_never_escape(parts: list[str]) -> None:
    _stays_inside("/".join(parts))


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_are_refused(name: str) -> None:
    with pytest.raises(UnsafePath):
        safe_member_path(name)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("[bold]x[/]", "[bold]x[/]"),
        ("a//b/./c.txt", "a/b/c.txt"),
        ("win\\style\\path.txt", "win/style/path.txt"),
        ("dir/", "dir"),
        ("10:30 report.txt", "10:30 report.txt"),
    ],
)
def test_ordinary_names_are_kept(name: str, expected: str) -> None:
    assert safe_member_path(name).as_posix() == expected


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _leftovers(folder: Path) -> list[Path]:
    return list(folder.rglob(".sqtui-*"))


def _files_under(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def _hostile_zip(extra: dict[str, bytes] | None = None) -> tuple[bytes, dict[str, bytes]]:
    safe = {"[bold]x[/]": b"markup is data", "ok/inner.txt": b"fine", **(extra or {})}
    items = [(name, f"payload of {name!r}".encode()) for name in HOSTILE if "\x00" not in name]
    items += list(safe.items())
    return build_zip(items), safe


async def test_hostile_names_write_nothing_outside(
    client: SquareCloudClient, host: RangeHost, tmp_path: Path
) -> None:
    data, safe = _hostile_zip()
    destination = tmp_path / "out"
    contents = SnapshotContents(client, snapshot(host.add("a", data)))
    result = await contents.extract([""], destination)
    written = _files_under(destination)
    assert written == safe
    assert _names(tmp_path) == ["out"]
    skipped = {s.path for s in result.skipped}
    assert skipped == {name for name in HOSTILE if "\x00" not in name}
    assert {f.path for f in result.files} == set(safe)
    assert all(".." not in s.reason or "climbs" in s.reason for s in result.skipped)


async def test_everything_extracted_is_identical_to_zipfile(
    client: SquareCloudClient, host: RangeHost, tmp_path: Path
) -> None:
    files = sample_files(150)
    files["big/blob.bin"] = os.urandom(3 << 20)  # beyond the size fetched with neighbours
    data = build_zip(files)
    contents = SnapshotContents(client, snapshot(host.add("a", data)), window=1 << 20)
    progress: list[float] = []
    result = await contents.extract(
        [""], tmp_path, on_progress=lambda p: progress.append(p.fraction)
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            assert (tmp_path / info.filename).read_bytes() == archive.read(info)
    assert result.bytes_written == sum(len(v) for v in files.values())
    assert len(result.files) == len(files)
    assert progress[0] == 0.0 and progress[-1] == 1.0
    assert not _leftovers(tmp_path)


async def test_a_folder_or_a_file_is_chosen(
    client: SquareCloudClient, host: RangeHost, tmp_path: Path
) -> None:
    files = sample_files(40)
    contents = SnapshotContents(client, snapshot(host.add("a", build_zip(files))))
    result = await contents.extract(["src/pkg1", "data/file_0.txt"], tmp_path)
    expected = {p for p in files if p.startswith("src/pkg1/")} | {"data/file_0.txt"}
    assert {f.path for f in result.files} == expected
    with pytest.raises(ContentsError) as caught:
        await contents.extract(["src/pkg"], tmp_path / "other")
    assert caught.value.reason == "missing"


async def test_nothing_is_overwritten_unasked(
    client: SquareCloudClient, host: RangeHost, tmp_path: Path
) -> None:
    files = {"a.txt": b"new a", "b.txt": b"new b"}
    contents = SnapshotContents(client, snapshot(host.add("a", build_zip(files))))
    (tmp_path / "b.txt").write_bytes(b"mine")
    with pytest.raises(ContentsError) as caught:
        await contents.extract([""], tmp_path)
    assert caught.value.reason == "exists" and "b.txt" in caught.value.human()
    assert _names(tmp_path) == ["b.txt"]
    assert (tmp_path / "b.txt").read_bytes() == b"mine"
    await contents.extract([""], tmp_path, overwrite=True)
    assert (tmp_path / "b.txt").read_bytes() == b"new b"


async def test_a_link_at_the_name_is_replaced_never_followed(
    client: SquareCloudClient, host: RangeHost, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"precious")
    destination = tmp_path / "out"
    destination.mkdir()
    (destination / "a.txt").symlink_to(outside)
    contents = SnapshotContents(client, snapshot(host.add("a", build_zip({"a.txt": b"new"}))))
    with pytest.raises(ContentsError) as caught:
        await contents.extract(["a.txt"], destination)
    assert caught.value.reason == "exists"
    await contents.extract(["a.txt"], destination, overwrite=True)
    assert not (destination / "a.txt").is_symlink()
    assert (destination / "a.txt").read_bytes() == b"new"
    assert outside.read_bytes() == b"precious"


async def test_a_linked_folder_in_the_destination_is_not_entered(
    client: SquareCloudClient, host: RangeHost, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    destination = tmp_path / "out"
    destination.mkdir()
    (destination / "sub").symlink_to(elsewhere, target_is_directory=True)
    data = build_zip({"sub/file.txt": b"must not land elsewhere"})
    contents = SnapshotContents(client, snapshot(host.add("a", data)))
    with pytest.raises(ContentsError) as caught:
        await contents.extract([""], destination, overwrite=True)
    assert caught.value.reason == "unsafe"
    assert _names(elsewhere) == []


async def test_symlink_members_are_never_created(
    client: SquareCloudClient, host: RangeHost, tmp_path: Path
) -> None:
    link = zipfile.ZipInfo("link")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    script = zipfile.ZipInfo("run.sh")
    script.create_system = 3
    script.external_attr = (stat.S_IFREG | 0o755) << 16
    data = build_zip([(link, b"/etc/passwd"), (script, b"#!/bin/sh\n")])
    contents = SnapshotContents(client, snapshot(host.add("a", data)))
    result = await contents.extract([""], tmp_path)
    assert [s.path for s in result.skipped] == ["link"]
    assert "symbolic link" in result.skipped[0].reason
    assert not (tmp_path / "link").exists() and not (tmp_path / "link").is_symlink()
    assert os.access(tmp_path / "run.sh", os.X_OK)


async def test_a_damaged_member_leaves_no_file(
    client: SquareCloudClient, host: RangeHost, tmp_path: Path
) -> None:
    content = b"important " * 1000
    data = bytearray(build_zip({"first.txt": b"ok", "doc.txt": content}, compression=0))
    data[bytes(data).index(b"important") + 5] ^= 0x01
    contents = SnapshotContents(client, snapshot(host.add("a", bytes(data))))
    with pytest.raises(ContentsError) as caught:
        await contents.extract([""], tmp_path)
    assert caught.value.reason == "damaged"
    assert "doc.txt" in caught.value.human() and "1 files written before" in caught.value.human()
    assert _names(tmp_path) == ["first.txt"]


async def test_a_damaged_large_member_leaves_no_file(
    client: SquareCloudClient, host: RangeHost, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(extract_module, "SMALL", 100)
    content = b"important " * 1000
    data = bytearray(build_zip({"doc.txt": content}, compression=0))
    data[bytes(data).index(b"important") + 9000] ^= 0x01
    contents = SnapshotContents(client, snapshot(host.add("a", bytes(data))), window=1000)
    with pytest.raises(ContentsError) as caught:
        await contents.extract([""], tmp_path)
    assert caught.value.reason == "damaged"
    assert _names(tmp_path) == []


async def test_clashing_and_duplicate_paths_are_skipped(
    client: SquareCloudClient, host: RangeHost, tmp_path: Path
) -> None:
    items = [
        ("a", b"file named a"),
        ("a/b.txt", b"in folder a"),
        ("x\\y.txt", b"1"),
        ("x/y.txt", b"2"),
    ]
    contents = SnapshotContents(client, snapshot(host.add("a", build_zip(items))))
    result = await contents.extract([""], tmp_path)
    assert (tmp_path / "a" / "b.txt").read_bytes() == b"in folder a"
    assert {s.path for s in result.skipped} == {"a", "x/y.txt"}
    assert (tmp_path / "x" / "y.txt").read_bytes() == b"1"
