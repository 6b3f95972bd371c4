"""Folders, patterns, find and diff over parsed directories (no host needed)."""

from __future__ import annotations

import io
import zipfile
import zlib
from datetime import UTC, datetime

import pytest

from sqtui.domain.contents.diff import diff, is_binary, text_diff
from sqtui.domain.contents.entry import Entry
from sqtui.domain.contents.errors import ContentsError
from sqtui.domain.contents.find import find_in
from sqtui.domain.contents.pattern import path_matcher
from sqtui.domain.contents.tree import build_tree, filter_tree
from sqtui.domain.contents.zip_format import MemberDecoder

from .conftest import build_zip, local_directory, sample_files, snapshot


def test_tree_counts_and_totals_match_the_files() -> None:
    files = sample_files(300)
    directory = local_directory(build_zip(files))
    root = build_tree(directory.entries)
    assert root.file_count == len(files)
    assert root.total_size == sum(len(v) for v in files.values())
    src = root.find_folder("src")
    assert src is not None and src.path == "src/"
    in_src = {p: v for p, v in files.items() if p.startswith("src/")}
    assert src.file_count == len(in_src)
    assert src.total_size == sum(len(v) for v in in_src.values())
    assert sorted(e.path for e in src.walk()) == sorted(in_src)
    pkg = root.find_folder("src/pkg1/")
    assert pkg is not None and pkg.name == "pkg1"
    assert root.find_folder("nope") is None


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_tree_keeps_names_literal_and_folders_first() -> None:
    names = ["b.txt", "A/", "a/x", "../up", "/abs", "[bold]x[/]", "dup", "dup"]
    directory = local_directory(build_zip([(n, n.encode()) for n in names]))
    root = build_tree(directory.entries)
    children = ["", "..", "[bold]x[", "A", "a", "b.txt", "dup"]
    assert [c.name for c in root.children()] == children
    assert root.file_count == 6  # the second "dup" replaces the first
    assert root.folders["A"].entry is not None
    assert root.folders[".."].files["up"].path == "../up"


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("*.py", "src/app/main.py", True),
        ("*.py", "src/app/main.pyc", False),
        ("src/*.py", "src/main.py", True),
        ("src/*.py", "src/app/main.py", False),
        ("src/**.py", "src/app/main.py", True),
        ("src/**/*.py", "src/app/deep/main.py", True),
        ("file_?.txt", "data/file_7.txt", True),
        ("file_[0-3].txt", "data/file_7.txt", False),
        ("file_[!0-3].txt", "data/file_7.txt", True),
        ("MAIN", "src/app/main.py", True),
        ("app/ma", "src/app/main.py", True),
        ("node_modules", "web/node_modules/x/index.js", True),
        ("config", "src/settings.py", False),
        ("[", "weird[name", True),
    ],
)
def test_pattern_meaning(pattern: str, path: str, matches: bool) -> None:
    assert path_matcher(pattern)(path) is matches


def test_filter_tree_keeps_only_matches_with_their_folders() -> None:
    directory = local_directory(build_zip(sample_files(100)))
    tree = filter_tree(directory.entries, "src/pkg2/*")
    assert set(tree.folders) == {"src"} and set(tree.folders["src"].folders) == {"pkg2"}
    assert all(e.path.startswith("src/pkg2/") for e in tree.walk())


def _zip_table(data: bytes) -> dict[str, tuple[int, int]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {i.filename: (i.file_size, i.CRC) for i in archive.infolist()}


def test_diff_matches_one_computed_from_zipfile_listings() -> None:
    old_files = sample_files(120, seed=5)
    new_files = {p: v for i, (p, v) in enumerate(old_files.items()) if i % 9}
    for path in list(new_files)[::7]:
        new_files[path] = new_files[path] + b"!"
    new_files["fresh/one.txt"] = b"one"
    old_zip, new_zip = build_zip(old_files), build_zip(new_files)
    result = diff(local_directory(old_zip), local_directory(new_zip))
    a, b = _zip_table(old_zip), _zip_table(new_zip)
    assert [c.path for c in result.changes] == sorted(
        (a.keys() ^ b.keys()) | {p for p in a.keys() & b.keys() if a[p] != b[p]}
    )
    for change in result.changes:
        assert change.size_before == (a[change.path][0] if change.path in a else None)
        assert change.size_after == (b[change.path][0] if change.path in b else None)
    assert result.added == len(b.keys() - a.keys())
    assert result.removed == len(a.keys() - b.keys())
    assert result.unchanged == sum(1 for p in a.keys() & b.keys() if a[p] == b[p])
    assert result.size_delta == sum(s for s, _ in b.values()) - sum(s for s, _ in a.values())
    assert result.bytes_added == 3


def test_text_diff_cases() -> None:
    shown = text_diff(b"a\nb\nc\n", b"a\nB\nc\n", old_label="x@1", new_label="x@2")
    assert shown.kind == "text"
    assert shown.lines[:2] == ("--- x@1", "+++ x@2") and "-b" in shown.lines
    assert text_diff(None, b"new\n").lines[0] == "--- /dev/null"
    assert text_diff(b"same", b"same").kind == "identical"
    assert text_diff(b"x" * 11, b"y", limit=10).kind == "too_large"
    assert text_diff(b"\x00\x01", b"\x00\x02").kind == "binary"
    assert text_diff("é".encode("latin-1"), b"e").kind == "binary"
    assert is_binary(b"\xff\xfe") and not is_binary("héllo".encode())


def test_find_in_reports_versions_and_changes() -> None:
    v1 = local_directory(build_zip({"app/config.json": b"1", "app/main.py": b"x"}), "v1")
    v2 = local_directory(build_zip({"app/main.py": b"x"}), "v2")
    v3 = local_directory(build_zip({"app/config.json": b"22", "app/main.py": b"x"}), "v3")
    versions = [
        (snapshot("", "v3", day=3), v3),
        (snapshot("", "v1", day=1), v1),
        (snapshot("", "v2", day=2), v2),
    ]
    config, main = find_in("*.json", versions) + find_in("main", versions)
    assert config.versions == ("v3", "v1") and config.missing_from == ("v2",)
    assert [o.change for o in config.occurrences] == ["added", "first"]
    assert config.latest.size == 2 and config.latest.crc32 == zlib.crc32(b"22")
    assert config.latest.modified == datetime(2026, 3, 3, 12, tzinfo=UTC)
    assert [o.change for o in main.occurrences] == ["unchanged", "unchanged", "first"]
    assert find_in("nothing", versions) == []


def _entry(size: int, crc: int, compressed: int, method: int = 8) -> Entry:
    return Entry("bomb.bin", size, compressed, crc, 0, method, 0, 0, 38, 0)


def test_a_member_expanding_past_its_size_stops_at_once() -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = packer.compress(bytes(50 << 20)) + packer.flush()
    decoder = MemberDecoder(_entry(1000, 0, len(packed)), piece_size=4096)
    produced = 0
    with pytest.raises(ContentsError) as caught:
        for piece in decoder.feed(packed):
            produced += len(piece)
    assert caught.value.reason == "damaged"
    assert produced <= 1000 + 4096


def test_a_member_ending_early_is_damaged() -> None:
    data = b"hello world" * 100
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = packer.compress(data) + packer.flush()
    decoder = MemberDecoder(_entry(len(data), zlib.crc32(data), len(packed)))
    list(decoder.feed(packed[: len(packed) // 2]))
    with pytest.raises(ContentsError):
        decoder.finish()


@pytest.mark.parametrize("method", [9, 14, 93, 99])
def test_methods_sqtui_cannot_read_are_named(method: int) -> None:
    with pytest.raises(ContentsError) as caught:
        MemberDecoder(_entry(1, 0, 1, method))
    assert caught.value.reason == "unsupported"
    assert "bomb.bin" in caught.value.human()
