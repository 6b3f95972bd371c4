"""One signed-in account: the API client plus the rules that guard it.

The UI and the script commands both act through a :class:`Session`: it knows the
quota, the cooldowns, the pending snapshots and a rate-limit pause, and refuses a
create that would be refused anyway instead of spending a request on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from sqtui.api.client import SquareCloudClient
from sqtui.api.errors import ApiError
from sqtui.api.models import (
    Account,
    CreateGenerating,
    CreateReady,
    Resource,
    ResourceKind,
    ResourceStatus,
    ServiceStatus,
    Snapshot,
)
from sqtui.display import in_text
from sqtui.domain.account_cache import load_view, save_view
from sqtui.domain.cooldown import CooldownLeft, Cooldowns
from sqtui.domain.history import Action, Outcome
from sqtui.domain.pending import DEFAULT_TIMEOUT, PendingSnapshot, PendingTracker
from sqtui.domain.quota import QuotaLedger, QuotaStatus, daily_allowance, next_slot_text
from sqtui.domain.quota_count import QuotaSource, count_manual_snapshots
from sqtui.domain.recorder import Recorder
from sqtui.domain.refusal import RefusalReason, Refused

log = logging.getLogger("sqtui.session")

T = TypeVar("T")

# RATE_LIMITED can last ~30 min; without a hint we pause polling for a while (a
# request that succeeds meanwhile ends the pause sooner).
RATE_LIMIT_PAUSE = timedelta(minutes=5)
# Running dots and service health are niceties: once the account and the quota are in,
# they get this much longer before the overview goes on without them.
RUNTIME_GRACE_SECONDS = 2.0


@dataclass(frozen=True)
class Created:
    """A create the server accepted: ready, or pending (generating, or its answer lost)."""

    resource: Resource
    requested_at: datetime
    ready: CreateReady | None = None
    pending: PendingSnapshot | None = None


@dataclass(frozen=True)
class Listed:
    """A pending snapshot that a listing now shows."""

    resource: Resource
    pending: PendingSnapshot
    snapshot: Snapshot


@dataclass(frozen=True)
class PollOutcome:
    """One look at a resource's listing on behalf of a pending snapshot."""

    pending: PendingSnapshot
    listed: list[Listed] = field(default_factory=list)
    error: ApiError | None = None


@dataclass
class Overview:
    """What the main screen shows about the account as a whole."""

    account: Account
    statuses: dict[str, ResourceStatus] = field(default_factory=dict)
    service: ServiceStatus | None = None
    refreshed_at: datetime | None = None


class Session:
    """The account behind one profile, with quota, cooldowns and pending snapshots."""

    def __init__(
        self,
        client: SquareCloudClient,
        *,
        profile: str = "default",
        read_only: bool = False,
        pending: PendingTracker | None = None,
        cooldowns: Cooldowns | None = None,
        recorder: Recorder | None = None,
        cache_path: Path | None = None,
        time_scale: float = 1.0,
        pending_timeout: timedelta = DEFAULT_TIMEOUT,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.client = client
        self.profile = profile
        self.read_only = read_only
        self.pending = pending if pending is not None else PendingTracker(None, "memory")
        self.cooldowns = cooldowns if cooldowns is not None else Cooldowns()
        self.recorder = recorder or Recorder(None, profile=profile, now=now)
        self.cache_path = cache_path
        # The demo's simulator runs this much faster; polling follows it.
        self.time_scale = time_scale
        # Not listed after this long: shown as "not seen yet" (and still watched).
        self.pending_timeout = pending_timeout
        self.now = now
        self.monotonic = monotonic
        # Waits on the same clock as ``monotonic`` (a batch's pacing).
        self.sleep = sleep
        # Told, in one sentence, why the cached view could not be used.
        self.warn = warn
        # The resource last viewed, kept in the cached view per profile.
        self.selected_id: str | None = None
        # Told of every pending snapshot a listing shows (the app notifies).
        self.on_listed: Callable[[Listed], None] | None = None
        self.ledger = QuotaLedger(allowance=0)
        self.overview: Overview | None = None
        self.listings: dict[str, list[Snapshot]] = {}
        self.rate_limited_until: datetime | None = None
        self.quota_loaded_at: datetime | None = None
        self.quota_source = QuotaSource.ACCOUNT_WIDE
        # What this key may not do, learnt from 403 MISSING_SCOPE / RESOURCE_NOT_ALLOWED:
        # (action, resource id or "*") -> the server's sentence. The key does not change
        # under a session, so neither do these.
        self.not_allowed: dict[tuple[str, str], str] = {}
        self.runtime_grace = RUNTIME_GRACE_SECONDS
        # The quota count under way, if any (joined by whoever needs it meanwhile).
        self._counting: asyncio.Future[None] | None = None
        # /users/me sent ahead by prefetch_account, not yet taken.
        self._account_loading: asyncio.Future[Account] | None = None

    async def aclose(self) -> None:
        """Stop what is still under way (a quota count, a prefetched account), then
        close the HTTP connections."""
        for running in (self._counting, self._account_loading):
            if running is not None and not running.done():
                running.cancel()
                with contextlib.suppress(asyncio.CancelledError, ApiError):
                    await running
        await self.client.aclose()

    # -- reading -----------------------------------------------------------------

    @property
    def account(self) -> Account | None:
        """The account as last loaded."""
        return self.overview.account if self.overview else None

    async def load_overview(self, *, quota: bool = True) -> Overview:
        """The account, then running states, service health and (``quota``) the quota.

        The app does the same in two steps (:meth:`load_account` on the critical path,
        :meth:`load_extras` after the first listing is shown); this is both at once.
        """
        await self.load_account()
        return await self.load_extras(quota=quota)

    def prefetch_account(self) -> None:
        """Send ``/users/me`` now; the next :meth:`load_account` takes its answer.

        The app calls this before it builds its main screen, so the request travels
        while the screen is laid out.
        """
        if self._account_loading is None:
            self._account_loading = asyncio.ensure_future(self._guard(self.client.me()))

    async def load_account(self) -> Overview:
        """``/users/me``: the account and its plan, all a first frame needs.

        Running states and service health last seen are kept until
        :meth:`load_extras` brings fresh ones, so a refresh does not blank them.
        """
        prefetched, self._account_loading = self._account_loading, None
        account = await (prefetched if prefetched is not None else self._guard(self.client.me()))
        self.ledger.allowance = daily_allowance(account.user.plan.memory_limit_mb)
        previous = self.overview
        self.overview = Overview(
            account=account,
            statuses=previous.statuses if previous else {},
            service=previous.service if previous else None,
            refreshed_at=self.now(),
        )
        return self.overview

    async def load_extras(self, *, quota: bool = True) -> Overview:
        """Running states and service health; with ``quota``, both scopes' listings.

        The account-wide listings are the only way to count snapshots made elsewhere,
        but they have a rate limit of their own: periodic refreshes may skip them.
        Statuses and health are asked at once, beside the quota, and never hold up
        what the guards need: after the quota they get :attr:`runtime_grace` more.
        """
        overview = self.overview if self.overview is not None else await self.load_account()
        runtime = asyncio.ensure_future(self._runtime())
        try:
            if quota:
                await self.load_quota()
            done, _ = await asyncio.wait({runtime}, timeout=self.runtime_grace)
        except BaseException:
            runtime.cancel()
            raise
        if done:
            overview.statuses, overview.service = runtime.result()
        else:
            runtime.cancel()
            log.info("statuses and service health too slow: shown as unknown")
            overview.service = ServiceStatus(status="unknown", message="no answer yet")
        return overview

    async def _runtime(self) -> tuple[dict[str, ResourceStatus], ServiceStatus]:
        """Running states of both kinds and service health, asked all at once."""

        async def statuses(kind: ResourceKind) -> list[ResourceStatus]:
            try:
                return await self._guard(self.client.statuses(kind))
            except ApiError as error:
                # Running dots are a nicety: the listing must not fail for them.
                log.info("no %s statuses: %s", kind.value, error.code)
                return []

        async def service() -> ServiceStatus:
            try:
                return await self.client.service_status()
            except ApiError as error:
                log.info("no service status: %s", error.code)
                return ServiceStatus(status="unknown", message=error.human())

        apps, databases, health = await asyncio.gather(
            statuses(ResourceKind.APP), statuses(ResourceKind.DATABASE), service()
        )
        return {s.id: s for s in [*apps, *databases]}, health

    def adopt_cached(
        self,
        account: Account,
        listings: dict[str, list[Snapshot]],
        saved_at: datetime | None,
    ) -> None:
        """Start from a cached view (shown stale) until the API answers."""
        self.ledger.allowance = daily_allowance(account.user.plan.memory_limit_mb)
        self.overview = Overview(account=account, refreshed_at=saved_at)
        for resource_id, listing in listings.items():
            self.listings.setdefault(resource_id, listing)
            self.ledger.observe_listing(
                resource_id, [s.modified for s in listing if s.origin == "manual"]
            )

    async def load_quota(self) -> None:
        """Count this account's recent manual snapshots (the account-wide listings).

        A count already under way is joined, not asked again: a create pressed while
        the app counts after its first frame waits for that count.
        """
        counting = self._counting
        if counting is None or counting.done():
            counting = self._counting = asyncio.ensure_future(self._count_quota())
        # Shielded: one waiter given up (a refresh replaced) does not cancel the count
        # for the others.
        await asyncio.shield(counting)

    async def _count_quota(self) -> None:
        account = self.account
        if account is None:
            account = (await self.load_account()).account
        self.ledger.allowance = daily_allowance(account.user.plan.memory_limit_mb)
        await self._load_quota(account)

    async def _load_quota(self, account: Account) -> None:
        # Not guarded: a 429 there is the account-wide route's own limit, not the
        # account's, and must not pause the watching of pending snapshots.
        self.quota_source = await count_manual_snapshots(
            self.client, account, self.ledger, per_resource=self._list
        )
        self.quota_loaded_at = self.now()
        # A refusal holds only as long as the facts behind it: a fresh count with room
        # lifts a DAILY_SNAPSHOTS_LIMIT_REACHED verdict our records cannot explain.
        self.ledger.recounted(self.quota_loaded_at)

    async def list_snapshots(self, resource: Resource) -> list[Snapshot]:
        """The resource's snapshots, newest first; its pending snapshots listed are done."""
        listing, _listed = await self._list(resource)
        return listing

    async def _list(self, resource: Resource) -> tuple[list[Snapshot], list[Listed]]:
        listing = await self._guard(self.client.list_snapshots(resource.kind, resource.id))
        self.listings[resource.id] = listing
        self.ledger.observe_listing(
            resource.id, [s.modified for s in listing if s.origin == "manual"]
        )
        listed = [
            Listed(resource, pending, snapshot)
            for pending, snapshot in self.pending.resolve(resource.id, listing)
        ]
        for done in listed:
            # Recorded here, whichever listing saw it first: a watcher, a refresh, a script.
            self.recorder.record(
                done.pending.action,
                Outcome.OK,
                resource,
                done.snapshot,
                when=done.pending.requested_at,
                detail=f"listed after {in_text(self.now() - done.pending.requested_at)}",
            )
            if self.on_listed is not None:
                self.on_listed(done)
        return listing, listed

    def load_cached(self) -> datetime | None:
        """Start from the last good view on disk (shown stale); when it was saved."""
        if self.cache_path is None or self.overview is not None:
            return None
        view = load_view(self.cache_path, self.client.base_url, warn=self.warn)
        if view is None:
            return None
        self.selected_id = view.selected
        self.adopt_cached(view.account, view.listings, view.saved_at)
        return view.saved_at or self.now()

    def save_view(self) -> None:
        """Keep what is shown now for the next start (no signed URLs)."""
        if self.cache_path is not None and self.account is not None:
            save_view(
                self.cache_path,
                self.client.base_url,
                self.account,
                self.listings,
                self.now(),
                selected=self.selected_id,
            )

    def is_pending(self, pending: PendingSnapshot) -> bool:
        """True while ``pending`` is still watched (not listed, not dismissed)."""
        return any(
            p.requested_at == pending.requested_at
            for p in self.pending.for_resource(pending.resource_id)
        )

    async def poll_pending(
        self,
        resource: Resource,
        pending: PendingSnapshot,
        *,
        max_wait: float | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> PollOutcome:
        """Wait for the next look (or out a ``RATE_LIMITED`` pause), then list once.

        The listing is read, never the create re-sent. ``listed`` holds every pending
        snapshot of the resource that the listing now shows. A resource that is gone
        (404) drops the pending snapshot.
        """
        paused = self.polling_paused_for()
        delay = paused.total_seconds() if paused else pending.next_poll_delay(self.time_scale)
        await sleep(delay if max_wait is None else min(delay, max_wait))
        pending = self.pending.polled(pending)
        if self.polling_paused_for() is not None:
            return PollOutcome(pending)
        try:
            _listing, listed = await self._list(resource)
        except ApiError as error:
            log.info("pending poll of %s failed: %s", resource.id, error.code)
            if error.is_not_found:
                self.pending.discard(pending)
            return PollOutcome(pending, error=error)
        return PollOutcome(pending, listed=listed)

    def quota(self) -> QuotaStatus:
        """The daily quota now."""
        return self.ledger.status(self.now())

    def cooldown(self, resource: Resource) -> CooldownLeft | None:
        """The cooldown that blocks a create of ``resource`` now, if any."""
        return self.cooldowns.remaining(resource.id, self.monotonic())

    def restore_cooldown(self, resource: Resource) -> CooldownLeft | None:
        """The cooldown that blocks a restore of ``resource`` now (one per 60 s), if any."""
        return self.cooldowns.restore_remaining(resource.id, self.monotonic())

    def _check_allowed(self, action: str, resource: Resource) -> None:
        for key in ((action, "*"), ("*", resource.id), (action, resource.id)):
            why = self.not_allowed.get(key)
            if why is not None:
                raise Refused(RefusalReason.NOT_ALLOWED, f"Not sent: {why}")

    def _learn_not_allowed(self, action: str, resource: Resource, error: ApiError) -> None:
        """Remember what a scoped key may not do (it is not a bad key)."""
        if not error.is_not_allowed:
            return
        key = ("*", resource.id) if error.code == "RESOURCE_NOT_ALLOWED" else (action, "*")
        self.not_allowed[key] = error.human()

    def polling_paused_for(self) -> timedelta | None:
        """How long polling stays paused after ``RATE_LIMITED``, if it is."""
        if self.rate_limited_until is None:
            return None
        left = self.rate_limited_until - self.now()
        if left <= timedelta(0):
            self.rate_limited_until = None
            return None
        return left

    # -- acting ------------------------------------------------------------------

    def check_create(self, resource: Resource) -> None:
        """Raise :class:`Refused` if a create of ``resource`` cannot be sent now."""
        if self.read_only:
            raise Refused(
                RefusalReason.READ_ONLY,
                "Read-only mode: creating snapshots is turned off (--read-only).",
            )
        self._check_allowed("create", resource)
        left = self.cooldown(resource)
        if left is not None:
            raise Refused(
                RefusalReason.COOLDOWN, f"Not sent: {left.human()}. [KEEP_CALM]", cooldown=left
            )
        quota = self.quota()
        if quota.exhausted:
            said = ""
            if quota.exhausted_by_server and quota.used < quota.allowance:
                said = (
                    f" (the server said so; {quota.used} of {quota.allowance} counted here, "
                    "a refresh counts again)"
                )
            raise Refused(
                RefusalReason.QUOTA,
                f"Not sent: the daily snapshot quota is used up{said}"
                f"{next_slot_text(quota.next_slot_at, self.now())}. "
                "[DAILY_SNAPSHOTS_LIMIT_REACHED]",
                next_slot_at=quota.next_slot_at,
            )

    async def create(self, resource: Resource, action: Action = Action.CREATE) -> Created:
        """Send one create (never retried); ready, or pending and watched.

        The create is saved as *requesting* before it is sent, so that a crash or a
        quit while the server holds the request still leaves it watched.
        """
        self.check_create(resource)
        known = frozenset(s.version_id for s in self.listings.get(resource.id, []))
        requesting = PendingSnapshot(
            resource_id=resource.id,
            resource_kind=resource.kind,
            resource_name=resource.name,
            requested_at=self.now(),
            reason="requesting",
            known_versions=known,
            action=action,
        )
        self.pending.add(requesting)
        saved = self.cooldowns.snapshot(resource.id)
        self.cooldowns.record(resource.id, self.monotonic())
        try:
            result = await self._guard(self.client.create_snapshot(resource.kind, resource.id))
        except ApiError as error:
            self.pending.discard(requesting)
            # A refused (or never sent) create starts no cooldown of its own; only a
            # wait the server names is kept.
            self.cooldowns.undo(resource.id, saved)
            if error.is_cooldown:
                self.cooldowns.record_server_cooldown(resource.id, self.monotonic(), error.message)
            elif error.is_daily_quota:
                self.ledger.record_server_exhausted(self.now())
            self._learn_not_allowed("create", resource, error)
            raise
        except BaseException:
            # Cancelled while waiting (the app is quitting): the answer is lost, so
            # the snapshot may be generating; keep watching it next time.
            self.pending.add(replace(requesting, reason="lost"))
            raise
        self.ledger.record_request(resource.id, requesting.requested_at)
        if isinstance(result, CreateGenerating):
            pending = replace(requesting, reason=result.reason)
            self.pending.add(pending)
            return Created(resource=resource, requested_at=requesting.requested_at, pending=pending)
        self.pending.discard(requesting)
        return Created(resource=resource, requested_at=requesting.requested_at, ready=result)

    def check_restore(self, resource: Resource) -> None:
        """Raise :class:`Refused` if a restore of ``resource`` cannot be sent now."""
        if self.read_only:
            raise Refused(
                RefusalReason.READ_ONLY,
                "Read-only mode: restoring snapshots is turned off (--read-only).",
            )
        self._check_allowed("restore", resource)
        left = self.restore_cooldown(resource)
        if left is not None:
            raise Refused(
                RefusalReason.COOLDOWN, f"Not sent: {left.human()}. [KEEP_CALM]", cooldown=left
            )

    async def restore(self, resource: Resource, snapshot: Snapshot) -> None:
        """Restore ``snapshot`` over ``resource`` (destructive; the caller confirmed)."""
        self.check_restore(resource)
        sent_at = self.monotonic()
        try:
            await self._guard(
                self.client.restore_snapshot(
                    resource.kind, resource.id, snapshot.name, snapshot.version_id
                )
            )
        except ApiError as error:
            if error.is_cooldown:
                self.cooldowns.record_restore(resource.id, self.monotonic(), error.message)
            elif error.is_network_error and error.request_sent:
                # It may have been accepted: the server's cooldown may be running.
                self.cooldowns.record_restore(resource.id, sent_at)
            self._learn_not_allowed("restore", resource, error)
            raise
        except BaseException:
            self.cooldowns.record_restore(resource.id, sent_at)
            raise
        # The server's minute runs from when it accepted the request, about when it was sent.
        self.cooldowns.record_restore(resource.id, sent_at)

    async def _guard(self, call: Awaitable[T]) -> T:
        """Await an API call, noting a ``RATE_LIMITED`` answer to pause polling."""
        try:
            answer = await call
        except ApiError as error:
            if error.is_rate_limited:
                pause = (
                    timedelta(seconds=error.retry_after)
                    if error.retry_after is not None
                    else RATE_LIMIT_PAUSE
                )
                self.rate_limited_until = self.now() + pause
            raise
        # The account answered: whatever limit was on it has lifted.
        self.rate_limited_until = None
        return answer
