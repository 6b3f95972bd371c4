"""What a snapshot command works with: its settings, key and workspace; how it stops."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqtui.api.models import Account, Resource
from sqtui.cli.exit_codes import ExitCode
from sqtui.domain.resolve import find_resource
from sqtui.domain.session import Session
from sqtui.domain.settings import RunSettings
from sqtui.domain.workspace import Workspace
from sqtui.storage.credentials import KeySource


class Stop(Exception):
    """Ends a command early with an exit code and one sentence for standard error."""

    def __init__(self, code: ExitCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Run:
    """One command's settings, key and workspace."""

    settings: RunSettings
    key: KeySource
    workspace: Workspace

    @property
    def session(self) -> Session:
        """The guarded account."""
        return self.workspace.session

    def now(self) -> datetime:
        """The session's clock."""
        return self.session.now()

    async def account(self) -> Account:
        """The account, read once per command."""
        account = self.session.account
        if account is None:
            account = await self.session.client.me()
        return account

    async def resource(self, wanted: str) -> Resource:
        """The resource named by id or exact name (``ResolveError`` otherwise)."""
        return find_resource(await self.account(), wanted)
