"""Checking an API key before it is used or stored: the login screen and ``sqtui login``."""

from __future__ import annotations

import httpx

from sqtui.api.client import SquareCloudClient
from sqtui.api.models import Account


async def check_key(
    api_key: str, api_url: str, *, transport: httpx.AsyncBaseTransport | None = None
) -> Account:
    """The account behind ``api_key``; raises ``ApiError`` (``ACCESS_DENIED``...) if refused."""
    async with SquareCloudClient(api_key, base_url=api_url, transport=transport) as client:
        return await client.me()


def account_label(account: Account) -> str:
    """Who a key signs in as: the email, else the name, else the id."""
    user = account.user
    return user.email or user.name or user.id
