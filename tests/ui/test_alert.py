"""A word when it's done: a pending snapshot turning ready, a download ending and a
restore ending each notify; with the config's say-so they also ring the terminal bell
and ask the terminal for a desktop notification, written through Textual's driver.

Text from the server goes into those escape sequences; it must never end one and start
another, so the bytes written are asserted exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.notifications import Notification
from textual.pilot import Pilot
from textual.widgets import Checkbox

from sqtui.domain.settings import RunSettings
from sqtui.sim import SimConfig
from sqtui.storage.locations import Locations
from sqtui.ui.alert import alert, osc777, passthrough, terminal_signal
from sqtui.ui.app import SqtuiApp
from tests.ui.conftest import Harness, wait_for
from tests.ui.loopback import on_loopback
from tests.ui.test_download_restore import open_download_dialog
from tests.ui.test_main_screen import loaded, main_of
from tests.ui.test_restore_watch import open_restore_dialog

SIZE = (100, 30)
ESC = "\x1b"
BEL = "\x07"
TMUX = "tmux-socket,4242,0"


# -- the sequences, byte for byte ------------------------------------------------------


def test_nothing_is_written_unless_the_config_asks() -> None:
    assert terminal_signal("Done", "It is.", bell=False, desktop="off", tmux=False) == ""
    assert terminal_signal("Done", "It is.", bell=False, desktop="off", tmux=True) == ""


def test_the_bell_is_one_bel_even_inside_tmux() -> None:
    # tmux passes a BEL on by itself (its bell-action), unwrapped.
    assert terminal_signal("Done", "It is.", bell=True, desktop="off", tmux=False) == BEL
    assert terminal_signal("Done", "It is.", bell=True, desktop="off", tmux=True) == BEL


def test_osc9_and_osc777_byte_for_byte() -> None:
    title, message = "Downloaded api-gateway", "Saved api-gateway.zip (1.0 MiB)."
    assert terminal_signal(title, message, bell=False, desktop="osc9", tmux=False) == (
        "\x1b]9;Downloaded api-gateway: Saved api-gateway.zip (1.0 MiB).\x07"
    )
    assert terminal_signal(title, message, bell=False, desktop="osc777", tmux=False) == (
        "\x1b]777;notify;Downloaded api-gateway;Saved api-gateway.zip (1.0 MiB).\x07"
    )
    assert terminal_signal(title, message, bell=True, desktop="osc777", tmux=False) == (
        "\x07\x1b]777;notify;Downloaded api-gateway;Saved api-gateway.zip (1.0 MiB).\x07"
    )


def test_inside_tmux_the_sequence_is_wrapped_for_passthrough() -> None:
    title, message = "Running again", "api is up."
    assert terminal_signal(title, message, bell=False, desktop="osc9", tmux=True) == (
        "\x1bPtmux;\x1b\x1b]9;Running again: api is up.\x07\x1b\\"
    )
    assert terminal_signal(title, message, bell=True, desktop="osc777", tmux=True) == (
        "\x07\x1bPtmux;\x1b\x1b]777;notify;Running again;api is up.\x07\x1b\\"
    )


HOSTILE = [
    "\x1b]0;pwned\x07",
    "\x07",
    "a;b;c",
    "line one\nline two\r\n",
    "st\x9cc1\x9b31m",
    "\x1b\\\x1bP",
    "rtl\u202eevil\u2028next",
    "x" * 10_000,
]


@pytest.mark.parametrize("hostile", HOSTILE)
@pytest.mark.parametrize("desktop", ["osc9", "osc777"])
@pytest.mark.parametrize("tmux", [False, True])
def test_no_hostile_text_ends_the_sequence(hostile: str, desktop: str, tmux: bool) -> None:
    written = terminal_signal(hostile, hostile, bell=False, desktop=desktop, tmux=tmux)
    inner = written
    if tmux:
        assert written.startswith("\x1bPtmux;") and written.endswith("\x1b\\")
        inner = written[len("\x1bPtmux;") : -2].replace(ESC + ESC, ESC)
    assert inner.startswith(f"{ESC}]{desktop[3:]};") and inner.endswith(BEL)
    # One ESC to open, one BEL to close, and nothing between that a terminal obeys.
    assert inner.count(ESC) == 1 and inner.count(BEL) == 1
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in inner[1:-1])
    assert inner.count(";") == (1 if desktop == "osc9" else 3)
    assert len(inner) < 300


def test_a_hostile_name_is_written_as_these_exact_bytes() -> None:
    title = "Downloaded \x1b]0;pwned\x07"
    message = "a;b\nc\x9c\x07" + "x" * 10_000
    assert osc777(title, message) == (
        "\x1b]777;notify;Downloaded ]0 pwned;a b c " + "x" * 193 + "…\x07"
    )
    assert passthrough(osc777("\x07", "\x1b\\"), tmux=True) == (
        "\x1bPtmux;\x1b\x1b]777;notify;;\\\x07\x1b\\"
    )


# -- through the driver ----------------------------------------------------------------


def written_to(app: App[Any], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the app writes to its (headless) driver from now on."""
    writes: list[str] = []
    driver = app._driver
    assert driver is not None
    monkeypatch.setattr(driver, "write", writes.append)
    return writes


def signals(writes: list[str]) -> list[str]:
    """The writes that are a bell or an escape sequence to the terminal itself."""
    return [w for w in writes if w.startswith((BEL, f"{ESC}]", f"{ESC}Ptmux;"))]


async def test_alert_writes_the_cleaned_sequence_through_the_driver(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("TMUX", raising=False)
    settings = RunSettings(locations=Locations.under(tmp_path), bell=True, desktop_notify="osc777")
    app: App[None] = App()
    async with app.run_test() as pilot:
        writes = written_to(app, monkeypatch)
        alert(app.screen, settings, "Downloaded \x1b]0;pwned\x07", "done;\nnow")
        await pilot.pause()
        assert writes == ["\x07\x1b]777;notify;Downloaded ]0 pwned;done now\x07"]
        [shown] = app._notifications
        assert (shown.title, shown.message) == ("Downloaded \x1b]0;pwned\x07", "done;\nnow")


async def test_without_the_config_alert_only_notifies(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TMUX", TMUX)
    app: App[None] = App()
    async with app.run_test() as pilot:
        writes = written_to(app, monkeypatch)
        alert(app.screen, RunSettings(locations=Locations.under(tmp_path)), "Done", "It is.")
        await pilot.pause()
        assert writes == []
        assert [(n.title, n.message) for n in app._notifications] == [("Done", "It is.")]


# -- the three places ------------------------------------------------------------------


def configured(h: Harness, **alerts: Any) -> Harness:
    """``h`` with an app whose settings ask for ``alerts`` (bell, desktop_notify)."""
    h.app = SqtuiApp(
        replace(h.app.settings, **alerts),
        transport_factory=h.app.transport_factory,
        now=h.app.now,
        monotonic=h.app.monotonic,
    )
    return h


def titled(app: App[Any], title: str) -> list[Notification]:
    return [n for n in app._notifications if n.title.startswith(title)]


@contextmanager
def downloading(make_harness: Any, **alerts: Any) -> Iterator[Harness]:
    with on_loopback(configured(make_harness(), **alerts)) as h:
        yield h


@pytest.mark.parametrize("bell", [True, False])
async def test_a_finished_download_rings_once_when_asked(
    make_harness: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bell: bool
) -> None:
    monkeypatch.delenv("TMUX", raising=False)
    with downloading(make_harness, bell=bell) as h:
        async with h.app.run_test(size=SIZE) as pilot:
            await open_download_dialog(pilot, h, tmp_path / "dl")
            writes = written_to(h.app, monkeypatch)
            await pilot.press("enter")
            await wait_for(pilot, lambda: bool(titled(h.app, "Downloaded ")), within=10)
            [said] = titled(h.app, "Downloaded ")
            assert said.title == "Downloaded api-gateway" and "SHA-256 " in said.message
            assert "".join(writes).count(BEL) == (1 if bell else 0)
            assert signals(writes) == ([BEL] if bell else [])


async def test_a_failed_download_asks_for_a_desktop_notification(
    make_harness: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqtui.sim import Fault

    monkeypatch.delenv("TMUX", raising=False)
    with downloading(make_harness, desktop_notify="osc9") as h:
        h.sim.add_fault(Fault(method="GET", path=r"^/snapshots/", status=503))
        async with h.app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, loaded(h))
            main_of(h).workspace.engine.backoff = 0.0
            await open_download_dialog(pilot, h, tmp_path / "dl")
            writes = written_to(h.app, monkeypatch)
            await pilot.press("enter")
            await wait_for(pilot, lambda: bool(titled(h.app, "Download of ")), within=10)
            [said] = titled(h.app, "Download of ")
            assert said.title == "Download of api-gateway failed" and said.severity == "error"
            assert signals(writes) == [
                f"{ESC}]9;{said.title}: {' '.join(said.message.split())}{BEL}"
            ]


async def test_a_pending_snapshot_turning_ready_notifies_and_rings(
    make_harness: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TMUX", raising=False)
    # Speed 100: held for 0.9 s, answered 202, listed after 1.5 s.
    sim = SimConfig(seed=3, speed=100, generation_seconds=150, snapshot_mb=0.05)
    h = configured(make_harness(sim=sim), bell=True, desktop_notify="osc777")
    async with h.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(h))
        writes = written_to(h.app, monkeypatch)
        await pilot.press("n")
        await wait_for(pilot, lambda: bool(titled(h.app, "Snapshot ready")))
        [said] = titled(h.app, "Snapshot ready")
        assert said.message.startswith("Snapshot of api-gateway is ready (")
        assert signals(writes) == [f"{BEL}{ESC}]777;notify;Snapshot ready;{said.message}{BEL}"]


async def restore_without_safety(
    pilot: Pilot[Any], h: Harness, monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """Confirm a restore with no safety snapshot; what the app writes to the terminal from
    the moment it is sent."""
    dialog = await open_restore_dialog(pilot, h)
    dialog.query_one("#safety", Checkbox).value = False
    writes = written_to(h.app, monkeypatch)
    await pilot.press(*dialog.expected, "enter")
    return writes


async def test_a_restored_app_running_again_notifies_and_alerts_through_tmux(
    make_harness: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMUX", TMUX)
    h = configured(make_harness(), bell=True, desktop_notify="osc777")
    async with h.app.run_test(size=SIZE) as pilot:
        writes = await restore_without_safety(pilot, h, monkeypatch)
        await wait_for(pilot, lambda: bool(titled(h.app, "Running again")))
        [done] = titled(h.app, "Restore done")
        assert "Watching it until it runs again." in done.message
        [said] = titled(h.app, "Running again")
        assert said.message.startswith("api-gateway is running again, restored from ")
        # One alert, when the work is over; the restore's own end only notifies.
        assert signals(writes) == [
            f"{BEL}{ESC}Ptmux;{ESC}{ESC}]777;notify;Running again;{said.message}{BEL}{ESC}\\"
        ]


async def test_a_restored_app_not_back_alerts(
    make_harness: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TMUX", raising=False)
    config = SimConfig(
        seed=3,
        speed=1000,
        generation_seconds=20,
        snapshot_mb=0.05,
        resource_states={"api-gateway": "stopped"},
    )
    h = configured(make_harness(sim=config), bell=True)
    async with h.app.run_test(size=SIZE) as pilot:
        writes = await restore_without_safety(pilot, h, monkeypatch)
        await wait_for(pilot, lambda: bool(titled(h.app, "Not running")))
        [said] = titled(h.app, "Not running")
        assert "is not running" in said.message and said.severity == "warning"
        assert signals(writes) == [BEL]
