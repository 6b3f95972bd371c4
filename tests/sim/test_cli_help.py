"""``sqtui sim --help`` shows every option's default, and says why snapshots per
resource stop at 30 (retention); the Python API refuses more instead of capping quietly."""

from __future__ import annotations

import re

import pytest

from sqtui.sim import SimConfig
from sqtui.sim.cli import main


def help_text(capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    return capsys.readouterr().out


def option_blocks(text: str) -> dict[str, str]:
    """Each option's help, joined into one line, by its long name."""
    options = text.split("options:", 1)[1]
    blocks: dict[str, str] = {}
    current = ""
    for line in options.splitlines():
        start = re.match(r"^  (?:-\w, )?(--[\w-]+)", line)
        if start:
            current = start.group(1)
            blocks[current] = line
        elif current:
            blocks[current] += " " + line.strip()
    return {name: re.sub(r"\s+", " ", block) for name, block in blocks.items()}


def test_every_option_shows_its_default(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = option_blocks(help_text(capsys))
    assert {"--port", "--speed", "--snapshots-per-resource", "--plan"} <= set(blocks)
    missing = [
        name for name, block in blocks.items() if name != "--help" and "default:" not in block
    ]
    assert missing == []
    assert "(default: 8787)" in blocks["--port"]
    assert "(default: standard-4)" in blocks["--plan"]


def test_the_cap_on_snapshots_per_resource_is_explained_in_help(
    capsys: pytest.CaptureFixture[str],
) -> None:
    block = option_blocks(help_text(capsys))["--snapshots-per-resource"]
    assert "at most 30" in block and "30 days" in block and "(default: 30)" in block


def test_the_python_api_refuses_more_than_retention_keeps() -> None:
    with pytest.raises(ValueError, match="at most 30"):
        SimConfig(snapshots_per_resource=60)
    assert SimConfig(snapshots_per_resource=30).snapshots_per_resource == 30
