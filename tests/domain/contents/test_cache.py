"""The disk cache of zip directories: faithful, free of secrets, never trusted when damaged."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import pytest

from sqtui.domain.contents.cache import MAGIC, DirectoryCache
from sqtui.domain.contents.entry import Directory

from .conftest import GOOD, RESOURCE, build_zip, local_directory, sample_files


@pytest.fixture
def directory() -> Directory:
    files = sample_files(200)
    files["ünïcødé/名前.txt"] = b"x"
    files["[bold]x[/]"] = b"markup is data"
    return local_directory(build_zip(files, comment="a comment ✓".encode()), version="v-42")


def test_a_saved_directory_loads_identical(tmp_path: Path, directory: Directory) -> None:
    cache = DirectoryCache(tmp_path / "contents")
    cache.save(directory)
    loaded = cache.load(RESOURCE, "v-42")
    assert loaded is not None
    assert loaded.entries == directory.entries
    assert (loaded.archive_size, loaded.comment) == (directory.archive_size, directory.comment)
    assert loaded.from_cache and not directory.from_cache
    assert cache.load(RESOURCE, "v-43") is None


def test_the_file_name_is_a_hash_and_holds_no_link(tmp_path: Path, directory: Directory) -> None:
    cache = DirectoryCache(tmp_path)
    cache.save(directory)
    (path,) = tmp_path.iterdir()
    assert RESOURCE not in path.name and "v-42" not in path.name
    assert path == cache.path_for(RESOURCE, "v-42")
    raw = path.read_bytes()
    for secret in (GOOD.encode(), b"Signature", b"http"):
        assert secret not in raw
    assert path.stat().st_mode & 0o077 == 0


def test_ids_are_any_text(tmp_path: Path, directory: Directory) -> None:
    cache = DirectoryCache(tmp_path)
    odd = Directory("../../etc", "v/../1\0", 1, directory.entries)
    cache.save(odd)
    assert [p.parent for p in tmp_path.iterdir()] == [tmp_path]
    loaded = cache.load("../../etc", "v/../1\0")
    assert loaded is not None and loaded.entries == directory.entries


def _damage(path: Path, how: str) -> None:
    raw = path.read_bytes()
    if how == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif how == "flipped":
        flipped = bytearray(raw)
        flipped[-10] ^= 0xFF
        path.write_bytes(bytes(flipped))
    elif how == "magic":
        path.write_bytes(b"something else\n" + raw[len(MAGIC) :])
    elif how == "header":
        path.write_bytes(MAGIC + b"{not json\n" + raw[len(MAGIC) :])
    elif how == "empty":
        path.write_bytes(b"")


@pytest.mark.parametrize("how", ["truncated", "flipped", "magic", "header", "empty"])
def test_a_damaged_file_is_ignored(
    tmp_path: Path, directory: Directory, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    cache = DirectoryCache(tmp_path)
    cache.save(directory)
    _damage(cache.path_for(RESOURCE, "v-42"), how)
    with caplog.at_level(logging.WARNING, logger="sqtui.contents"):
        assert cache.load(RESOURCE, "v-42") is None
    assert "damaged" in caplog.text


def test_a_file_of_another_version_is_not_taken(tmp_path: Path, directory: Directory) -> None:
    cache = DirectoryCache(tmp_path)
    cache.save(directory)
    os.replace(cache.path_for(RESOURCE, "v-42"), cache.path_for(RESOURCE, "v-1"))
    assert cache.load(RESOURCE, "v-1") is None


def test_a_cache_that_cannot_be_written_is_only_logged(
    tmp_path: Path, directory: Directory, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with caplog.at_level(logging.WARNING, logger="sqtui.contents"):
        DirectoryCache(blocker / "contents").save(directory)
    assert "could not save" in caplog.text


def test_prune_removes_directories_unused_for_long(tmp_path: Path, directory: Directory) -> None:
    cache = DirectoryCache(tmp_path)
    cache.save(directory)
    cache.save(Directory(RESOURCE, "old", 1, directory.entries[:3]))
    old = cache.path_for(RESOURCE, "old")
    month_ago = time.time() - 40 * 86400
    os.utime(old, (month_ago, month_ago))
    assert cache.prune() == 1
    assert not old.exists()
    assert cache.load(RESOURCE, "v-42") is not None
