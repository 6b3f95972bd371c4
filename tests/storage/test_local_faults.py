"""Broken local folders and files: each is one sentence, never an exception."""

from __future__ import annotations

import errno
import io
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from sqtui.storage import logging_setup
from sqtui.storage.atomic import TooLarge, locked, read_limited, read_tail
from sqtui.storage.locations import Locations
from sqtui.storage.logging_setup import log_problem, setup_logging


@pytest.fixture
def sqtui_logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger("sqtui")
    before = list(logger.handlers)
    problem = logging_setup._state.problem
    yield logger
    for handler in list(logger.handlers):
        if handler not in before:
            logger.removeHandler(handler)
            handler.close()
    # What a failed setup remembers must not reach later tests' warnings.
    logging_setup._state.problem = problem


def test_ensure_names_each_folder_that_cannot_be_made_and_makes_the_others(
    tmp_path: Path,
) -> None:
    where = Locations.under(tmp_path)
    where.state_dir.parent.mkdir(parents=True, exist_ok=True)
    where.state_dir.write_text("not a folder")
    problems = where.ensure()
    assert list(problems) == [where.state_dir]
    assert "a file is in its place" in problems[where.state_dir]
    assert "history" in problems[where.state_dir]
    assert where.cache_dir.is_dir() and where.log_dir.is_dir()


def test_ensure_under_a_home_that_is_a_file_names_every_folder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.write_text("")
    problems = Locations.under(home).ensure()
    assert len(problems) == 3
    # One cause, one sentence: the home itself.
    (sentence,) = set(problems.values())
    assert sentence.startswith(f"The folder {home} cannot be used (Not a directory)")


def test_a_log_file_that_is_a_folder_is_a_sentence_and_nothing_is_printed(
    tmp_path: Path, sqtui_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "log" / "sqtui.log"
    target.mkdir(parents=True)
    problem = setup_logging(target)
    assert problem is not None and "cannot be written" in problem
    assert log_problem() == problem
    logging.getLogger("sqtui.test").warning("this goes nowhere")
    assert capsys.readouterr().err == ""


def test_a_log_folder_that_is_a_file_is_a_sentence(
    tmp_path: Path, sqtui_logger: logging.Logger
) -> None:
    (tmp_path / "log").write_text("")
    assert setup_logging(tmp_path / "log" / "sqtui.log") is not None


def test_a_log_file_that_fails_later_is_remembered_not_printed(
    tmp_path: Path, sqtui_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "sqtui.log"
    assert setup_logging(target) is None
    assert log_problem() is None
    handler = next(
        h for h in sqtui_logger.handlers if getattr(h, "baseFilename", "") == str(target)
    )
    assert isinstance(handler, logging.StreamHandler)

    class FullDisk(io.StringIO):
        def write(self, text: str) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    real = handler.setStream(FullDisk())
    try:
        logging.getLogger("sqtui.test").warning("after the disk filled up")
    finally:
        handler.setStream(real)
    assert capsys.readouterr().err == ""
    problem = log_problem()
    assert problem is not None and str(target) in problem and "No space" in problem


def test_read_limited_refuses_a_huge_file_without_reading_it(tmp_path: Path) -> None:
    big = tmp_path / "pending.json"
    with big.open("wb") as file:
        file.truncate(50 << 20)
    with pytest.raises(TooLarge) as raised:
        read_limited(big, 1 << 20)
    assert "pending.json is 50.0 MiB, more than the 1.0 MiB" in str(raised.value)
    assert isinstance(raised.value, OSError)
    small = tmp_path / "small"
    small.write_bytes(b"{}")
    assert read_limited(small, 1 << 20) == b"{}"


def test_read_tail_keeps_whole_lines_only(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    path.write_bytes(b"".join(b"line %03d\n" % n for n in range(100)))
    data, cut = read_tail(path, 95)
    assert cut
    assert data.splitlines()[0] == b"line 090"
    assert data.splitlines()[-1] == b"line 099"
    assert read_tail(path, 10_000) == (path.read_bytes(), False)


def test_locked_excludes_another_holder_until_released(tmp_path: Path) -> None:
    target = tmp_path / "pending.json"
    inside = threading.Event()
    leave = threading.Event()
    order: list[str] = []

    def first() -> None:
        with locked(target):
            order.append("first in")
            inside.set()
            leave.wait(5)
            order.append("first out")

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(5)
    with pytest.raises(OSError, match="held by another sqtui"), locked(target, timeout=0.05):
        order.append("never")
    leave.set()
    with locked(target, timeout=5):
        order.append("second in")
    thread.join()
    assert order == ["first in", "first out", "second in"]


def test_locked_in_a_folder_that_cannot_be_made_is_an_oserror(tmp_path: Path) -> None:
    (tmp_path / "state").write_text("")
    with pytest.raises(OSError), locked(tmp_path / "state" / "pending.json"):
        pass
