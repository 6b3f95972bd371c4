from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sqtui.domain.quota import QuotaLedger, daily_allowance

NOW = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ram", "allowance"),
    [(512, 4), (1024, 8), (2048, 16), (4096, 32), (300, 2), (255, 0), (0, 0)],
)
def test_allowance_is_ram_over_256_times_two(ram: int, allowance: int) -> None:
    assert daily_allowance(ram) == allowance


def test_counts_manual_snapshots_in_the_rolling_window_only() -> None:
    ledger = QuotaLedger(allowance=8)
    ledger.observe_listing(
        "a",
        [NOW - timedelta(hours=1), NOW - timedelta(hours=23), NOW - timedelta(hours=25)],
    )
    ledger.observe_listing("b", [NOW - timedelta(minutes=5)])
    status = ledger.status(NOW)
    assert status.used == 3
    assert status.remaining == 5
    assert status.next_slot_at == NOW - timedelta(hours=23) + timedelta(hours=24)


def test_requested_snapshot_counts_until_it_is_listed() -> None:
    ledger = QuotaLedger(allowance=2)
    ledger.record_request("a", NOW - timedelta(minutes=3))
    assert ledger.status(NOW).used == 1
    # Listed with a modified time a little before our clock's request time: same one.
    ledger.observe_listing("a", [NOW - timedelta(minutes=4)])
    assert ledger.status(NOW).used == 1
    assert ledger.requested == []


def test_listing_of_another_resource_does_not_match_a_request() -> None:
    ledger = QuotaLedger(allowance=4)
    ledger.record_request("a", NOW - timedelta(minutes=1))
    ledger.observe_listing("b", [NOW])
    assert ledger.status(NOW).used == 2


def test_exhausted_quota_says_when_the_next_slot_frees() -> None:
    ledger = QuotaLedger(allowance=2)
    oldest = NOW - timedelta(hours=20)
    ledger.observe_listing("a", [oldest, NOW - timedelta(hours=2)])
    status = ledger.status(NOW)
    assert status.exhausted
    assert status.next_slot_at == oldest + timedelta(hours=24)
    # Once the window rolls past the oldest, a slot is free again.
    later = ledger.status(oldest + timedelta(hours=24, seconds=1))
    assert not later.exhausted
    assert later.used == 1


def test_server_verdict_beats_local_count() -> None:
    ledger = QuotaLedger(allowance=8)
    ledger.observe_listing("a", [NOW - timedelta(hours=3)])
    ledger.record_server_exhausted(NOW)
    status = ledger.status(NOW + timedelta(minutes=1))
    assert status.exhausted and status.exhausted_by_server
    assert status.remaining == 0
    assert status.fraction == 1.0
    assert status.next_slot_at is not None and status.next_slot_at > NOW
    # The verdict is not believed forever when our records cannot explain it.
    assert not ledger.status(NOW + timedelta(hours=2)).exhausted


def test_accepted_create_clears_the_server_verdict() -> None:
    ledger = QuotaLedger(allowance=8)
    ledger.record_server_exhausted(NOW)
    ledger.record_request("a", NOW + timedelta(minutes=1))
    assert not ledger.status(NOW + timedelta(minutes=2)).exhausted


def test_one_listed_snapshot_accounts_for_one_request_only() -> None:
    ledger = QuotaLedger(allowance=8)
    ledger.record_request("a", NOW - timedelta(minutes=4))
    ledger.record_request("a", NOW - timedelta(minutes=1))
    ledger.observe_listing("a", [NOW - timedelta(minutes=3)])
    assert ledger.status(NOW).used == 2
    assert len(ledger.requested) == 1


def test_a_stale_listing_does_not_free_a_slot() -> None:
    ledger = QuotaLedger(allowance=8)
    ledger.observe_listing("a", [NOW - timedelta(minutes=10)])
    # A server-cached listing from before that snapshot existed.
    ledger.observe_listing("a", [])
    assert ledger.status(NOW).used == 1
