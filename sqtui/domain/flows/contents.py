"""Opening a resource's snapshots to look inside them: the one way both faces do it.

The listing gives each version a signed link; when the API cannot be reached, the
last cached listing stands in (without links) and only directories already on disk
can be read: the result says it is stale. Links that expire mid-browse are renewed
from one fresh listing, transparently (see :class:`ResourceContents`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqtui.api.errors import ApiError
from sqtui.api.models import Account, Resource, Snapshot
from sqtui.domain.account_cache import load_view, save_view
from sqtui.domain.contents import ContentsError, DirectoryCache, ResourceContents, SnapshotContents
from sqtui.domain.resolve import find_version, resource_label
from sqtui.domain.session import Session


def contents_cache(cache_dir: Path) -> DirectoryCache:
    """The on-disk cache of snapshot directories under the cache directory."""
    return DirectoryCache(cache_dir / "contents")


@dataclass
class OpenedContents:
    """Every listed version of one resource, ready to browse; ``stale`` when offline."""

    resource: Resource
    contents: ResourceContents
    stale: bool

    @property
    def snapshots(self) -> list[Snapshot]:
        """The versions, newest first."""
        return self.contents.snapshots

    def version(self, wanted: str | None = None) -> SnapshotContents:
        """The version ``wanted`` (an id or unique prefix), or the newest when None.

        Raises :class:`~sqtui.domain.resolve.ResolveError` for a version not listed and
        ``ContentsError("not_found")`` when the resource has no snapshot at all.
        """
        if not self.snapshots:
            raise ContentsError("not_found", f"{resource_label(self.resource)} has no snapshots.")
        if wanted is None:
            return self.contents.version(self.snapshots[0].version_id)
        snapshot = find_version(self.snapshots, wanted, self.resource)
        return self.contents.version(snapshot.version_id)

    def before(self, version_id: str) -> SnapshotContents | None:
        """The version taken just before ``version_id`` (None for the oldest)."""
        ids = [s.version_id for s in self.snapshots]
        if version_id not in ids:
            return None
        index = ids.index(version_id) + 1
        return self.contents.version(ids[index]) if index < len(ids) else None


def _remember(
    session: Session, account: Account, resource: Resource, listing: list[Snapshot]
) -> None:
    """Add this listing to the cached view, so the next look works with the API down."""
    if session.cache_path is None:
        return
    view = load_view(session.cache_path, session.client.base_url)
    listings = dict(view.listings) if view is not None else {}
    listings[resource.id] = listing
    save_view(session.cache_path, session.client.base_url, account, listings, session.now())


async def reachable_account(session: Session) -> tuple[Account, bool]:
    """The account, and whether it is live (False: the cached view, the API being down)."""
    if session.account is not None:
        return session.account, True
    try:
        return await session.client.me(), True
    except ApiError as error:
        if not (error.is_network_error or error.is_server_error):
            raise
        session.load_cached()
        if session.account is None:
            raise
        return session.account, False


async def open_contents(
    session: Session,
    resource: Resource,
    cache: DirectoryCache | None,
    *,
    account: Account | None = None,
) -> OpenedContents:
    """List ``resource`` (or use its cached listing when the API is unreachable).

    A script passes the ``account`` it read: its listing is then added to the cached
    view the app keeps (the app saves its own view, with every listing it shows).
    """
    try:
        listing = await session.list_snapshots(resource)
        stale = False
        if account is not None:
            _remember(session, account, resource, listing)
    except ApiError as error:
        if not (error.is_network_error or error.is_server_error):
            raise
        session.load_cached()
        cached = session.listings.get(resource.id)
        if not cached:
            raise
        listing, stale = cached, True
    return contents_from(session, resource, cache, listing, stale=stale)


def contents_from(
    session: Session,
    resource: Resource,
    cache: DirectoryCache | None,
    listing: list[Snapshot],
    *,
    stale: bool | None = None,
) -> OpenedContents:
    """Every version of ``listing`` (the app's, already shown: no request).

    A cached view's snapshots have no links: they read from the directory cache only,
    and the result is stale.
    """
    if stale is None:
        stale = not any(s.url for s in listing)

    async def relist() -> list[Snapshot]:
        return await session.list_snapshots(resource)

    contents = ResourceContents(
        session.client,
        listing,
        cache=cache,
        list_snapshots=None if stale else relist,
        resource_id=resource.id,
        stale=stale,
    )
    return OpenedContents(resource, contents, stale)
