"""Counting the account's manual snapshots of the last day, for the daily quota.

The account-wide listings (``/users/snapshots``) give every resource in two calls;
only the times of manual snapshots are read from them (a large account lists tens of
thousands of automatic ones, none of which counts). The free plan is refused them
(402 ``UPGRADE_REQUIRED``): there each resource's own listing is read instead, and the
gauge says it counted that way.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqtui.api.client import SquareCloudClient
from sqtui.api.errors import ApiError
from sqtui.api.models import Account, Resource, ResourceKind
from sqtui.domain.quota import QuotaLedger

log = logging.getLogger("sqtui.quota")


class QuotaSource(enum.StrEnum):
    """Where the quota's count came from."""

    ACCOUNT_WIDE = "account-wide listings"
    PER_RESOURCE = "each resource's listing"


def _upgrade_required(error: ApiError) -> bool:
    return error.code == "UPGRADE_REQUIRED" or error.status == 402


async def count_manual_snapshots(
    client: SquareCloudClient,
    account: Account,
    ledger: QuotaLedger,
    *,
    per_resource: Callable[[Resource], Awaitable[Any]],
) -> QuotaSource:
    """Feed ``ledger`` the manual snapshots listed for ``account``; says how it counted.

    ``per_resource`` lists one resource (observing it in the ledger as it goes).
    """
    source = QuotaSource.ACCOUNT_WIDE
    for kind in ResourceKind:
        try:
            manual = await client.account_manual_times(kind)
        except ApiError as error:
            log.info("no account-wide %s listing: %s", kind.value, error.code)
            if not _upgrade_required(error):
                continue
            source = QuotaSource.PER_RESOURCE
            for resource in account.resources:
                if resource.kind is kind:
                    try:
                        await per_resource(resource)
                    except ApiError as failed:
                        log.info("no listing of %s: %s", resource.id, failed.code)
            continue
        # Every resource of the kind is observed, those without a manual snapshot too:
        # that is what settles the creates this client requested of them.
        by_resource: dict[str, list[datetime]] = {
            r.id: [] for r in account.resources if r.kind is kind
        }
        for resource_id, times in manual.items():
            by_resource.setdefault(resource_id, []).extend(times)
        for resource_id, times in by_resource.items():
            ledger.observe_listing(resource_id, times)
    return source
