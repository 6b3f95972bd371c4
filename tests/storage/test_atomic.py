from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from sqtui.storage.atomic import append_line, write_atomic


def test_write_atomic_writes_text_and_bytes_privately(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "pending.json"
    write_atomic(target, "é{}")
    assert target.read_text(encoding="utf-8") == "é{}"
    write_atomic(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert os.listdir(target.parent) == ["pending.json"]


def test_write_atomic_honours_mode(tmp_path: Path) -> None:
    target = tmp_path / "shared.txt"
    write_atomic(target, "x", mode=0o644)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_a_failed_write_keeps_the_old_content_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "pending.json"
    target.write_text("old")

    def broken_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space"):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["pending.json"]


def test_a_failed_fsync_removes_the_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        write_atomic(tmp_path / "new.json", "data")
    assert os.listdir(tmp_path) == []


def test_append_line_appends_lines(tmp_path: Path) -> None:
    target = tmp_path / "state" / "history.jsonl"
    append_line(target, '{"a": 1}')
    append_line(target, '{"b": 2}')
    assert target.read_text().splitlines() == ['{"a": 1}', '{"b": 2}']
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_append_line_refuses_line_breaks(tmp_path: Path) -> None:
    target = tmp_path / "history.jsonl"
    with pytest.raises(ValueError):
        append_line(target, "one\ntwo")
    assert not target.exists()
