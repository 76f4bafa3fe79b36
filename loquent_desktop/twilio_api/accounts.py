"""The Account resource: who the credentials belong to.

The Account JSON carries the account's auth token, so the library's record is reduced to an
`AccountInfo` right here and never handed on, stored or logged.
"""

from __future__ import annotations

from twilio.rest import Client

from ..domain.account import AccountInfo
from .errors import translate_errors


class AccountsGateway:
    def __init__(self, client: Client) -> None:
        self._sid = str(client.account_sid)
        self._api = client.api.v2010.accounts(self._sid)

    async def fetch_current(self) -> AccountInfo:
        """The credentials' own account (GET /Accounts/{AC}.json). Standard and Restricted
        API keys may not read it: they get 401/403 as a TwilioApiError."""
        async with translate_errors():
            account = await self._api.fetch_async()
        return AccountInfo(
            sid=account.sid or self._sid,
            friendly_name=account.friendly_name,
            status=str(account.status) if account.status else None,
            type=str(account.type) if account.type else None,
        )
