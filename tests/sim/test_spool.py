"""A spooled archive: the same bytes as the archive makes piece by piece, read by range."""

from __future__ import annotations

import io
import zipfile

import pytest

from sqtui.sim.archive import Archive, Member
from sqtui.sim.archive.content import Literal, Stream
from sqtui.sim.archive.spool import READ_SIZE, SPOOL_FROM, Spool, spooled, worth_spooling


def small_archive() -> Archive:
    members = [
        Member("README.md", Literal(b"hello\n" * 50), deflate=True),
        Member("data.bin", Stream(key=b"k" * 16, body=READ_SIZE * 2 + 12_345, head=b"head")),
        Member("empty", Literal(b"")),
    ]
    return Archive(members, key=b"x" * 32, modified=1_700_000_000.0)


def made(archive: Archive, start: int, end: int) -> bytes:
    return b"".join(archive.chunks(start, end))


@pytest.mark.parametrize(
    "start,end",
    [(0, None), (0, 1), (5, READ_SIZE + 7), (READ_SIZE - 1, READ_SIZE + 1), (-30, None)],
)
def test_a_range_of_the_spool_is_that_range_of_the_archive(start: int, end: int | None) -> None:
    archive = small_archive()
    spool = Spool(archive)
    spool.fill()
    first = start % archive.size
    last = archive.size if end is None else end
    pieces = list(spool.read(first, last))
    assert b"".join(pieces) == made(archive, first, last)
    assert all(len(piece) <= READ_SIZE for piece in pieces)


def test_the_spooled_archive_is_a_sound_zip_made_once() -> None:
    archive = small_archive()
    spool = spooled(archive)
    assert spooled(archive) is spool
    whole = b"".join(spool.read(0, archive.size))
    assert zipfile.ZipFile(io.BytesIO(whole)).testzip() is None
    assert len(whole) == archive.size


def test_reading_before_filling_is_refused() -> None:
    with pytest.raises(RuntimeError):
        next(Spool(small_archive()).read(0, 10))


def test_only_a_download_is_worth_spooling() -> None:
    huge = 1 << 30
    assert worth_spooling(0, huge, huge)  # the whole archive
    assert worth_spooling(huge // 3, huge, huge)  # resuming with most of it to come
    assert not worth_spooling(huge - (8 << 20), huge, huge)  # a big tail: a directory
    assert not worth_spooling(100, 100 + SPOOL_FROM * 4, huge)  # a big member, looked at
    assert not worth_spooling(0, SPOOL_FROM - 1, SPOOL_FROM - 1)  # a small archive
