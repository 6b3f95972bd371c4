"""``c`` in the history view: the highlighted entry's script command to the clipboard."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Footer, Input
from textual.widgets._footer import FooterKey

from sqtui.domain.history import History
from sqtui.ui.screens.history import HistoryScreen, HistoryTable

from .conftest import notifications, wait_for
from .test_history_screen import entry, open_history, rendered

CREATE = "sqtui snapshots create " + "0" * 32
RESTORE = "sqtui snapshots restore '-x; $(touch pwned) '\"'\"'q'\"'\"'' --version V1 --yes"


def seed(home: Path) -> None:
    history = History(home / "state" / "history.jsonl")
    # Oldest first: an old line without a command, a safety snapshot, a create, a restore.
    history.append(entry(0, "download", "ok", "orders-pg", path="/backups/o.zip"))
    history.append(entry(1, "safety-snapshot", "ok", "worker"))
    history.append(entry(2, "create", "refused", "worker", command=CREATE))
    history.append(entry(3, "restore", "ok", "worker", command=RESTORE))


@asynccontextmanager
async def seeded_history(
    make_harness: Any, home: Path
) -> AsyncIterator[tuple[Any, Pilot[Any], HistoryScreen, list[str]]]:
    """The seeded history open in the app: the harness, the pilot, the history view and
    what the app has copied so far."""
    seed(home)
    h = make_harness()
    async with h.app.run_test(size=(100, 30)) as pilot:
        copied = copies(h)
        yield h, pilot, await open_history(pilot, h), copied


def copies(h: Any) -> list[str]:
    """What the app put on the clipboard, in order (through ``copy_to_clipboard``)."""
    copied: list[str] = []
    original = h.app.copy_to_clipboard

    def spy(text: str) -> None:
        copied.append(text)
        original(text)

    h.app.copy_to_clipboard = spy
    return copied


async def test_c_copies_the_highlighted_command_and_says_which(
    make_harness: Any, tmp_path: Path
) -> None:
    async with seeded_history(make_harness, tmp_path) as (h, pilot, screen, copied):
        # The newest is the restore: its command is in the pane, as is.
        assert "command sqtui snapshots restore" in " ".join(
            rendered(screen, "#history-detail").split()
        )
        await pilot.press("c")
        await wait_for(pilot, lambda: len(copied) == 1)
        assert copied == [RESTORE] and h.app.clipboard == RESTORE
        said = notifications(h.app)[-1]
        assert said.startswith("Copied") and RESTORE in said
        # The next row down: the refused create's command, what to run to try again.
        await pilot.press("j", "c")
        await wait_for(pilot, lambda: len(copied) == 2)
        assert copied[-1] == CREATE and h.app.clipboard == CREATE
        assert CREATE in notifications(h.app)[-1]


async def test_c_on_an_entry_without_a_command_says_there_is_none(
    make_harness: Any, tmp_path: Path
) -> None:
    async with seeded_history(make_harness, tmp_path) as (h, pilot, screen, copied):
        assert [e.command is None for e in screen.shown] == [False, False, True, True]
        await pilot.press("j", "j")
        assert "command" not in rendered(screen, "#history-detail")
        await pilot.press("c")
        await wait_for(pilot, lambda: "its restore's command" in notifications(h.app)[-1])
        await pilot.press("j", "c")
        await wait_for(
            pilot, lambda: "recorded before commands were kept" in notifications(h.app)[-1]
        )
        assert copied == [] and h.app.clipboard == ""


async def test_c_typed_in_the_filter_filters_and_the_footer_offers_copy(
    make_harness: Any, tmp_path: Path
) -> None:
    async with seeded_history(make_harness, tmp_path) as (_h, pilot, screen, copied):
        keys = {(k.key, k.description) for k in screen.query_one(Footer).query(FooterKey)}
        assert ("c", "Copy command") in keys
        await pilot.press("slash", *"create")
        await pilot.pause()
        assert screen.query_one("#history-filter", Input).value == "create"
        assert copied == []
        await pilot.press("enter", "c")
        await wait_for(pilot, lambda: copied == [CREATE])


async def test_a_hostile_command_is_shown_and_said_literally(
    make_harness: Any, tmp_path: Path
) -> None:
    command = "sqtui snapshots create '[bold]x[/] \x1b[31m'"
    History(tmp_path / "state" / "history.jsonl").append(
        entry(0, "create", "ok", "x", command=command)
    )
    h = make_harness()
    async with h.app.run_test(size=(100, 30)) as pilot:
        copied = copies(h)
        screen = await open_history(pilot, h)
        assert "'[bold]x[/] \\x1b[31m'" in rendered(screen, "#history-detail")
        assert screen.query_one(HistoryTable).row_count == 1
        await pilot.press("c")
        await wait_for(pilot, lambda: copied == [command])
        said = notifications(h.app)[-1]
        assert "'[bold]x[/] \\x1b[31m'" in said and "\x1b" not in said
        assert isinstance(h.app.screen, HistoryScreen)
