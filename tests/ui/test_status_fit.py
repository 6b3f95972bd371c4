"""The header and the quota gauge at 80 and 100 columns: state words are never cut;
the label, the bar, the refresh age and the plan give way first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sqtui.domain.quota import QuotaStatus
from sqtui.sim import Fault
from sqtui.ui.widgets.quota_gauge import QuotaGauge, gauge_line
from sqtui.ui.widgets.status_bar import StatusBar
from tests.ui.conftest import wait_for
from tests.ui.test_main_screen import loaded, main_of

NOW = datetime(2026, 11, 22, 14, 3, tzinfo=UTC)


def bar(**facts: Any) -> StatusBar:
    status = StatusBar()
    status.account_name = "Acme Operations International Ltd"
    status.plan = "enterprise-512"
    status.service = "online"
    status.now = NOW
    status.refreshed_at = NOW - timedelta(seconds=12)
    for name, value in facts.items():
        setattr(status, name, value)
    return status


@pytest.mark.parametrize("width", [60, 80, 100])
def test_state_words_are_never_cut(width: int) -> None:
    status = bar(
        read_only=True, paused_until=NOW + timedelta(minutes=5), stale=True, stale_reason="HTTP_502"
    )
    line = status.line(width).plain
    assert len(line) <= width
    assert "READ-ONLY" in line and "RATE LIMITED" in line and "STALE" in line


def test_everything_shows_when_there_is_room() -> None:
    line = bar(paused_until=NOW + timedelta(minutes=5)).line(200).plain
    assert line == (
        "sqtui · Acme Operations International Ltd (enterprise-512) · API online · "
        "refreshed 12 s ago · RATE LIMITED, polling paused"
    )


def test_an_unhealthy_api_outlasts_the_plan_and_the_age() -> None:
    line = bar(service="degraded", paused_until=NOW + timedelta(minutes=5)).line(80).plain
    assert len(line) <= 80 and "API degraded" in line and "RATE LIMITED" in line


def quota(
    used: int, allowance: int, next_in: timedelta | None, server: bool = False
) -> QuotaStatus:
    return QuotaStatus(
        used=used,
        allowance=allowance,
        next_slot_at=NOW + next_in if next_in is not None else None,
        exhausted_by_server=server,
    )


@pytest.mark.parametrize("width", [40, 50, 56, 70, 100])
def test_the_gauge_keeps_its_counts_and_when_a_slot_frees(width: int) -> None:
    line = gauge_line(quota(9, 32, timedelta(hours=23, minutes=59)), NOW, width).plain
    assert len(line) <= width
    assert "9 / 32" in line and "23 h 59 min" in line


def test_a_server_verdict_the_count_cannot_explain_says_both() -> None:
    line = gauge_line(quota(1, 4096, timedelta(minutes=59), server=True), NOW, 56).plain
    assert len(line) <= 56
    assert "1 / 4096 counted" in line and "used up (server" in line and "59 min" in line


async def test_the_header_and_gauge_fit_at_80_columns(make_harness: Any) -> None:
    h = make_harness()
    h.sim.add_fault(Fault(method="GET", path=r"^/v2/users/me$", status=429, code="RATE_LIMITED"))
    async with h.app.run_test(size=(80, 24)) as pilot:
        await wait_for(
            pilot, lambda: "RATE LIMITED" in str(h.app.screen.query_one(StatusBar).render())
        )
        h.sim.clear_faults()
        main = main_of(h)
        main.action_refresh()
        await wait_for(pilot, loaded(h))
        # The refresh by hand succeeded: polling is no longer paused.
        await wait_for(pilot, lambda: "RATE" not in str(main.query_one(StatusBar).render()))
        gauge = main.query_one(QuotaGauge)
        text = str(gauge.render())
        assert "/ 32" in text and len(text) <= gauge.content_size.width
