"""The single door to Twilio for every service: resolve credentials, then hand out the
account's gateways.

Every Twilio call in the app goes through `TwilioAccess.account_for`, which applies the
resolution rule in `domain.credentials.resolve` (BYO without credentials is an error, never the
shared account), and returns a `TwilioAccount` whose gateways make the requests.
"""

from __future__ import annotations

import asyncio

from ..domain.credentials import Credentials, ResolvedCredentials, resolve
from ..domain.errors import CredentialsMissing
from ..secrets.store import SHARED_KEY, SecretStore, org_key
from ..store.repositories import OrganizationRepository
from ..twilio_api.account import TwilioAccount
from ..twilio_api.client_factory import TwilioClientFactory


class TwilioAccess:
    def __init__(
        self,
        organizations: OrganizationRepository,
        secrets: SecretStore,
        factory: TwilioClientFactory,
    ) -> None:
        self.organizations = organizations
        self.secrets = secrets
        self.factory = factory

    def resolve_blocking(self, org_id: int) -> ResolvedCredentials:
        org = self.organizations.get(org_id)
        org_creds = None
        if org.byo_twilio:
            org_creds = self.secrets.get_credentials(org_key(org.keychain_id))
            if org_creds is not None and not org.twilio_account_sid:
                raise CredentialsMissing(
                    f"{org.name} is not connected any more (it was disconnected, perhaps on "
                    "another computer sharing the database). Connect it again on the "
                    "Credentials tab."
                )
            if org_creds is not None and org_creds.account_sid != org.twilio_account_sid:
                # A keychain entry for another account than the one this organization was
                # connected to (e.g. a database restored from elsewhere): never use it.
                raise CredentialsMissing(
                    f"The keychain entry of {org.name} belongs to another Twilio account "
                    f"({org_creds.masked_sid}, expected {org.masked_account_sid}). "
                    "Connect the organization's credentials again on the Credentials tab."
                )
        shared = None if org.byo_twilio else self.secrets.get_credentials(SHARED_KEY)
        return resolve(org.name, org.byo_twilio, org_creds, shared)

    async def resolve(self, org_id: int) -> ResolvedCredentials:
        return await asyncio.to_thread(self.resolve_blocking, org_id)

    async def account_for(self, org_id: int) -> tuple[TwilioAccount, ResolvedCredentials]:
        """The organization's Twilio account (its gateways), by the resolution rule."""
        resolved = await self.resolve(org_id)
        return TwilioAccount(self.factory.client(resolved.credentials)), resolved

    def account_with(self, credentials: Credentials) -> TwilioAccount:
        """For validating credentials that are not saved yet (nothing to resolve)."""
        return TwilioAccount(self.factory.client(credentials))
