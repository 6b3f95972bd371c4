from __future__ import annotations

import pytest

from tests.conftest import MemoryKeyring

__all__ = ["MemoryKeyring"]


@pytest.fixture(autouse=True)
def _no_sqtui_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SQTUI_HOME", raising=False)
    monkeypatch.delenv("SQUARECLOUD_API_KEY", raising=False)
