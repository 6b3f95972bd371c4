"""``sqtui config`` says which ``[keys]`` entries are in force and why the others are not,
checked against the bindings the app declares."""

from __future__ import annotations

from pathlib import Path

import pytest

from sqtui.cli import main as cli
from sqtui.cli.exit_codes import ExitCode


def run_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str | None) -> None:
    """``sqtui config`` with ``text`` as the config file (no file for None)."""
    monkeypatch.setenv("SQTUI_HOME", str(tmp_path))
    if text is not None:
        (tmp_path / "config").mkdir()
        (tmp_path / "config" / "config.toml").write_text(text)
    assert cli.main(["config"]) == ExitCode.OK


def test_config_lists_the_keys_in_force_and_the_refused_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run_config(
        tmp_path,
        monkeypatch,
        '[keys]\nrefresh = "f5"\npalette = "ctrl+k"\nrefrsh = "f6"\nsort = "n"\n'
        'filter = "ctrl+/"\n',
    )
    lines = capsys.readouterr().out.splitlines()
    assert "loaded, with 2 warning(s) below" in lines[0]
    assert 'keys:              refresh = "f5", palette = "ctrl+k", filter = "ctrl+/"' in lines
    assert lines[-2:] == [
        "warning: [keys] refrsh: no such action; did you mean refresh?",
        'warning: [keys] sort = "n": n is taken by new_snapshot on the main screen '
        "(new snapshot of the selected resource); sort keeps s",
    ]


def test_without_keys_config_says_all_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run_config(tmp_path, monkeypatch, None)
    out = capsys.readouterr().out
    assert "keys:              all defaults" in out and "warning" not in out
