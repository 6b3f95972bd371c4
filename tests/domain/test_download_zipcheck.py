"""The zip check made while a download streams, against ``zipfile`` as the oracle.

Whatever ``zipfile.testzip`` finds wrong (damaged member data, a truncated archive, bytes
that are no zip) the streaming check finds wrong too, and it calls sound what zipfile
calls sound. Members stored or deflated are checked as they pass: nothing is read back.
"""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sqtui.domain.download import zipcheck
from sqtui.domain.download.zipcheck import ZipCheck

METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)


class Unseekable(io.RawIOBase):
    """A stream zipfile cannot seek back in: it writes data descriptors instead."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:  # type: ignore[override]
        self.data += b
        return len(b)


def build(
    members: list[tuple[str, bytes, int]],
    *,
    streamed: bool = False,
    zip64: bool = False,
    comment: bytes = b"",
) -> bytes:
    """An archive of ``(name, data, method)`` members, as zipfile writes it."""
    target: io.BytesIO | Unseekable = Unseekable() if streamed else io.BytesIO()
    with zipfile.ZipFile(target, "w") as archive:  # type: ignore[arg-type]
        archive.comment = comment
        for name, data, method in members:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 2, 3, 4, 6))
            info.compress_type = method
            with archive.open(info, "w", force_zip64=zip64) as member:
                member.write(data)
    return bytes(target.data if isinstance(target, Unseekable) else target.getvalue())


def text(size: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    words = [b"alpha", b"beta", b"gamma", b"delta\n", b"0123456789"]
    out = bytearray()
    while len(out) < size:
        out += rng.choice(words)
    return bytes(out[:size])


def noise(size: int, seed: int = 2) -> bytes:
    return random.Random(seed).randbytes(size)


def pieces(data: bytes, size: int) -> Iterator[bytes]:
    for at in range(0, len(data), size):
        yield data[at : at + size]


def zipfile_says_sound(path: Path) -> bool:
    """The check the engine used to make: open, then testzip; any exception is a failure."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.testzip() is None
    except Exception:
        return False


class ReadBacks:
    """Counts the members read back from the file instead of checked on the way."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.names: list[str] = []
        real = zipcheck._read_back

        def counting(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
            self.names.append(info.filename)
            return real(archive, info)

        monkeypatch.setattr(zipcheck, "_read_back", counting)


@pytest.fixture
def read_backs(monkeypatch: pytest.MonkeyPatch) -> ReadBacks:
    return ReadBacks(monkeypatch)


def check(data: bytes, path: Path, piece: int = 65536) -> tuple[str | None, ZipCheck]:
    path.write_bytes(data)
    checker = ZipCheck()
    for part in pieces(data, piece):
        checker.feed(part)
    return checker.problem(path), checker


SHAPES = {
    "stored": [("dump.sql", text(300_000), zipfile.ZIP_STORED)],
    "mixed": [
        ("README.md", text(5000), zipfile.ZIP_DEFLATED),
        ("src/app.py", text(70_000, 3), zipfile.ZIP_DEFLATED),
        ("assets/logo.png", noise(90_000), zipfile.ZIP_STORED),
        ("empty.txt", b"", zipfile.ZIP_STORED),
        ("empty-deflated", b"", zipfile.ZIP_DEFLATED),
        ("dossier/ünïcode name.txt", text(100), zipfile.ZIP_DEFLATED),
    ],
    "incompressible deflated": [("blob", noise(200_000), zipfile.ZIP_DEFLATED)],
}


@pytest.mark.parametrize(
    "shape,piece",
    [("mixed", 1)] + [(shape, piece) for shape in sorted(SHAPES) for piece in (7, 4096, 1 << 20)],
)
def test_a_sound_archive_is_checked_on_the_way_without_reading_back(
    tmp_path: Path, read_backs: ReadBacks, shape: str, piece: int
) -> None:
    members = SHAPES[shape]
    problem, checker = check(build(members), tmp_path / "a.zip", piece)
    assert problem is None
    assert checker.followed == len(members)
    assert read_backs.names == []


@pytest.mark.parametrize("zip64", [False, True])
def test_zip64_and_data_descriptors_of_deflated_members_are_followed(
    tmp_path: Path, read_backs: ReadBacks, zip64: bool
) -> None:
    members = [*SHAPES["mixed"][:2], ("more.txt", text(10000, 9), zipfile.ZIP_DEFLATED)]
    data = build(members, streamed=True, zip64=zip64, comment=b"made by a stream")
    problem, checker = check(data, tmp_path / "a.zip", 5000)
    assert problem is None and zipfile_says_sound(tmp_path / "a.zip")
    assert checker.followed == 3
    assert read_backs.names == []


def test_damaged_member_data_is_found_on_the_way(tmp_path: Path, read_backs: ReadBacks) -> None:
    data = bytearray(build(SHAPES["mixed"]))
    at = data.index(noise(90_000)[:64]) + 40_000  # inside logo.png's stored bytes
    data[at] ^= 0x20
    problem, _ = check(bytes(data), tmp_path / "a.zip")
    assert problem == "member 'assets/logo.png' is damaged"
    assert read_backs.names == []
    assert not zipfile_says_sound(tmp_path / "a.zip")


def test_damaged_deflate_data_is_damage_not_a_crash(tmp_path: Path) -> None:
    members = [("src/app.py", text(70_000, 3), zipfile.ZIP_DEFLATED)]
    data = bytearray(build(members))
    for at in range(200, 400):
        data[at] = 0xFF
    problem, _ = check(bytes(data), tmp_path / "a.zip")
    assert problem == "member 'src/app.py' is damaged"


@pytest.mark.parametrize("keep", [0.3, 0.9, 0.999])
def test_a_truncated_archive_is_not_sound(tmp_path: Path, keep: float) -> None:
    data = build(SHAPES["mixed"])
    problem, _ = check(data[: int(len(data) * keep)], tmp_path / "a.zip")
    assert problem is not None
    assert not zipfile_says_sound(tmp_path / "a.zip")


@pytest.mark.parametrize("body", [b"x" * 5000, b"", b"PK\x03\x04 truncated", noise(70_000)])
def test_bytes_that_are_no_zip_are_not_sound(tmp_path: Path, body: bytes) -> None:
    problem, _ = check(body, tmp_path / "a.zip")
    assert problem is not None


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_other_compressions_are_read_back_and_damage_is_found(
    tmp_path: Path, read_backs: ReadBacks, method: int
) -> None:
    members = [("a.txt", text(5000), zipfile.ZIP_STORED), ("b.txt", text(50_000, 4), method)]
    data = build(members)
    assert check(data, tmp_path / "a.zip")[0] is None
    assert read_backs.names == ["b.txt"]
    damaged = bytearray(data)
    damaged[len(data) // 2] ^= 0x01  # inside b.txt's compressed bytes
    assert check(bytes(damaged), tmp_path / "b.zip")[0] is not None


def test_a_stored_member_with_a_data_descriptor_is_read_back(
    tmp_path: Path, read_backs: ReadBacks
) -> None:
    members = [("a.bin", noise(40_000), zipfile.ZIP_STORED), ("b.txt", text(900), 8)]
    data = build(members, streamed=True)
    assert check(data, tmp_path / "a.zip")[0] is None
    assert read_backs.names == ["a.bin", "b.txt"]  # its end is only in the directory
    damaged = bytearray(data)
    damaged[20_000] ^= 0x01
    assert check(bytes(damaged), tmp_path / "b.zip")[0] == "member 'a.bin' is damaged"


def test_an_archive_behind_a_stub_is_checked_as_zipfile_does(tmp_path: Path) -> None:
    data = b"#!/bin/sh\nexit 0\n" + build(SHAPES["mixed"])
    assert zipfile_says_sound(tmp_path / "x.zip") is False  # nothing there yet
    problem, _ = check(data, tmp_path / "a.zip")
    assert problem is None and zipfile_says_sound(tmp_path / "a.zip")


def test_an_encrypted_member_cannot_be_checked(tmp_path: Path) -> None:
    data = bytearray(build([("secret.txt", text(100), zipfile.ZIP_STORED)]))
    data[6] |= 0x01  # the local header's flags
    central = data.index(b"PK\x01\x02")
    data[central + 8] |= 0x01  # the directory's
    problem, _ = check(bytes(data), tmp_path / "a.zip")
    assert problem is not None and "encrypted" in problem


member_strategy = st.tuples(
    st.text(st.characters(min_codepoint=48, max_codepoint=0x2FF), min_size=1, max_size=12),
    st.integers(0, 40_000),
    st.sampled_from(METHODS),
    st.booleans(),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    members=st.lists(member_strategy, min_size=1, max_size=5, unique_by=lambda m: m[0]),
    streamed=st.booleans(),
    zip64=st.booleans(),
    damage=st.one_of(
        st.none(),
        st.tuples(st.just("flip"), st.floats(0, 1), st.integers(1, 255)),
        st.tuples(st.just("cut"), st.floats(0, 1), st.just(0)),
    ),
    piece=st.sampled_from([3, 1000, 65536]),
)
def test_the_verdict_is_zipfiles_on_any_archive_and_damage(
    tmp_path: Path,
    members: list[tuple[str, int, int, bool]],
    streamed: bool,
    zip64: bool,
    damage: tuple[str, float, int] | None,
    piece: int,
) -> None:
    content = [
        (name, text(size, size) if compressible else noise(size, size), method)
        for name, size, method, compressible in members
    ]
    data = bytearray(build(content, streamed=streamed, zip64=zip64))
    if damage is not None:
        kind, where, xor = damage
        at = min(len(data) - 1, int(where * len(data)))
        if kind == "flip":
            data[at] ^= xor
        else:
            del data[at:]
    path = tmp_path / "h.zip"
    problem, _ = check(bytes(data), path, piece)
    assert (problem is None) == zipfile_says_sound(path), problem
