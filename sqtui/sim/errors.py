"""The two kinds of refusal the simulator answers: enveloped API errors and storage errors."""

from __future__ import annotations


class ApiError(Exception):
    """An enveloped API error: HTTP status, machine code and human message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class StorageError(Exception):
    """An error of the download host, answered as S3-style XML."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
