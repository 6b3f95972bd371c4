"""Downloading a snapshot to a verified file: the engine, its writer, its files."""

from __future__ import annotations

from sqtui.domain.download.engine import DownloadEngine
from sqtui.domain.download.files import (
    DownloadError,
    Reason,
    SpaceCheck,
    absolute,
    free_space,
    part_path,
    space_check,
    zip_problem,
)
from sqtui.domain.download.sink import DownloadResult, Progress

__all__ = [
    "DownloadEngine",
    "DownloadError",
    "DownloadResult",
    "Progress",
    "Reason",
    "SpaceCheck",
    "absolute",
    "free_space",
    "part_path",
    "space_check",
    "zip_problem",
]
