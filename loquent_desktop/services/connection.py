"""Connect, check and disconnect Twilio credentials (an organization's BYO ones, and the
shared account).

Order matters for "invalid → nothing written": validate against Twilio first, then write the
keychain, then the database; if the database write fails the keychain entry is removed again.
"""

from __future__ import annotations

import asyncio
import logging

from ..domain.account import AccountInfo
from ..domain.credentials import CredentialKind, Credentials, Mode
from ..domain.errors import TwilioApiError
from ..domain.records import OrganizationRecord
from ..secrets.store import SHARED_KEY, org_key
from .twilio_access import TwilioAccess

log = logging.getLogger(__name__)


class ConnectionService:
    def __init__(self, access: TwilioAccess) -> None:
        self.access = access
        self.organizations = access.organizations
        self.secrets = access.secrets

    async def validate(self, credentials: Credentials) -> AccountInfo:
        """Ask Twilio whether these credentials work. Raises TwilioApiError if not."""
        account = self.access.account_with(credentials)
        try:
            # Reduced to AccountInfo inside the gateway: the Account carries the auth token.
            return await account.accounts.fetch_current()
        except TwilioApiError as err:
            # Standard and Restricted API keys may not read Accounts: a cheap list call tells
            # a bad key (401 again) from a good one that simply lacks that permission.
            if credentials.kind is not CredentialKind.API_KEY or not err.is_denied:
                raise
            await account.incoming_numbers.peek()
            return AccountInfo(credentials.account_sid, None, None, None, details_available=False)

    async def connect(self, org_id: int, credentials: Credentials) -> AccountInfo:
        info = await self.validate(credentials)
        await self.save(org_id, credentials, info)
        return info

    async def save(self, org_id: int, credentials: Credentials, info: AccountInfo) -> None:
        """Store credentials that `validate` accepted: keychain first, then the database."""
        await asyncio.to_thread(self._save, org_id, credentials, info)
        log.info("Connected organization %s to account %s", org_id, credentials.masked_sid)

    def _save(self, org_id: int, credentials: Credentials, info: AccountInfo) -> None:
        key = org_key(self.organizations.get(org_id).keychain_id)
        previous = self.secrets.get_credentials(key)  # replacing working credentials?
        self.secrets.set_credentials(key, credentials)
        try:
            self._record(org_id, credentials, info)
            # Connecting an organization's own credentials is choosing BYO for it.
            self.organizations.set_mode(org_id, True)
        except Exception:
            # Leave the keychain as the database still describes it.
            if previous is None:
                self.secrets.delete(key)
            else:
                self.secrets.set_credentials(key, previous)
            raise

    async def sharing_account(self, org_id: int, account_sid: str) -> list[OrganizationRecord]:
        """The other organizations connected to the same Twilio account. Allowed (one customer
        may be several organizations), but worth saying: numbers, voice routing and the
        account-wide event streams are then shared between them."""
        sid = account_sid.strip().lower()
        orgs = await asyncio.to_thread(self.organizations.list)
        return [
            o
            for o in orgs
            if o.id != org_id and o.byo_twilio and (o.twilio_account_sid or "").lower() == sid
        ]

    async def disconnect(self, org_id: int) -> OrganizationRecord:
        """Remove the keychain entry. The organization stays BYO, so it shows the error state
        until it is reconnected or switched to Shared: never a silent switch."""

        def work() -> OrganizationRecord:
            self.secrets.delete(org_key(self.organizations.get(org_id).keychain_id))
            return self.organizations.clear_connection(org_id)

        return await asyncio.to_thread(work)

    async def check(self, org_id: int) -> AccountInfo:
        """Re-validate the credentials an organization resolves to (read-only). For a BYO
        organization the shown account details are refreshed too."""
        resolved = await self.access.resolve(org_id)
        info = await self.validate(resolved.credentials)
        if resolved.mode is Mode.BYO:
            await asyncio.to_thread(self._record, org_id, resolved.credentials, info)
        return info

    def _record(self, org_id: int, credentials: Credentials, info: AccountInfo) -> None:
        """What the database keeps of a validated connection (never the secret)."""
        self.organizations.set_connected(
            org_id,
            account_sid=credentials.account_sid,
            credential_kind=credentials.kind.value,
            api_key_sid=credentials.api_key_sid,
            friendly_name=info.friendly_name,
            status=info.status,
            account_type=info.type,
        )

    # The shared (Loquent-managed) account is configured once for the whole app.
    async def connect_shared(self, credentials: Credentials) -> AccountInfo:
        info = await self.validate(credentials)
        await self.save_shared(credentials)
        return info

    async def save_shared(self, credentials: Credentials) -> None:
        await asyncio.to_thread(self.secrets.set_credentials, SHARED_KEY, credentials)

    async def shared_credentials(self) -> Credentials | None:
        return await asyncio.to_thread(self.secrets.get_credentials, SHARED_KEY)

    async def forget_shared(self) -> None:
        await asyncio.to_thread(self.secrets.delete, SHARED_KEY)
