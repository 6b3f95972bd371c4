"""Downloading a snapshot to a verified file: engine, request, writer, files, zip check."""

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
)
from sqtui.domain.download.sink import DownloadResult, Progress
from sqtui.domain.download.zipcheck import ZipCheck

__all__ = [
    "DownloadEngine",
    "DownloadError",
    "DownloadResult",
    "Progress",
    "Reason",
    "SpaceCheck",
    "ZipCheck",
    "absolute",
    "free_space",
    "part_path",
    "space_check",
]
