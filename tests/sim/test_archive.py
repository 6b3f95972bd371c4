"""Archives are produced by range, on demand, without holding them in memory."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile

from sqtui.sim.archive import BLOCK_SIZE, Archive, data_crc


def small() -> Archive:
    return Archive(key=b"k", manifest=b'{"a": 1}', data_size=3 * BLOCK_SIZE + 17, modified=1.8e9)


def test_any_range_matches_the_whole_file() -> None:
    archive = small()
    crc = archive.crc()
    whole = b"".join(archive.chunks(0, archive.size, crc))
    assert len(whole) == archive.size
    assert zipfile.ZipFile(io.BytesIO(whole)).testzip() is None
    edges = [0, 1, 29, 50, 100, BLOCK_SIZE, 2 * BLOCK_SIZE + 5, archive.size - 22, archive.size]
    for start in edges:
        for end in edges:
            if start <= end:
                assert b"".join(archive.chunks(start, end, crc)) == whole[start:end]


def test_a_range_deep_in_a_huge_archive_costs_only_that_range() -> None:
    huge = Archive(key=b"big", manifest=b"{}", data_size=3_000 * 2**20, modified=1.8e9)
    started = time.perf_counter()
    tail = b"".join(huge.chunks(huge.size - 200_000, huge.size, crc=0))
    assert len(tail) == 200_000 and time.perf_counter() - started < 0.5
    assert tail[-22:-18] == b"PK\x05\x06"


def test_streaming_a_big_archive_keeps_memory_flat() -> None:
    archive = Archive(key=b"mid", manifest=b"{}", data_size=48 * 2**20, modified=1.8e9)
    tracemalloc.start()
    try:
        crc = archive.crc()
        total = sum(len(chunk) for chunk in archive.chunks(0, archive.size, crc))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == archive.size and peak < 4 * BLOCK_SIZE
    assert data_crc.cache_info().currsize <= 64
