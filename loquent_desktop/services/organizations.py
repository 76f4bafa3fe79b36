"""Organizations: the local list of customers and the mode each runs in.

These are local changes (database and keychain only); nothing here touches Twilio.
"""

from __future__ import annotations

import asyncio

from ..domain import validation
from ..domain.records import OrganizationRecord
from ..secrets.store import SecretStore, org_key
from ..store.repositories import (
    EventStreamRepository,
    OrganizationRepository,
    PhoneNumberRepository,
)


class OrganizationService:
    def __init__(
        self,
        organizations: OrganizationRepository,
        secrets: SecretStore,
        phone_numbers: PhoneNumberRepository | None = None,
        event_streams: EventStreamRepository | None = None,
    ) -> None:
        self.organizations = organizations
        self.secrets = secrets
        self.phone_numbers = phone_numbers
        self.event_streams = event_streams

    async def recorded_event_streams(self, org_id: int) -> list[str]:
        """The event streams ("SMS events", "Call events") Loquent set up in the organization's
        own Twilio account: they keep running on Twilio whatever happens here, and removing
        them needs that account's credentials."""
        if self.event_streams is None:
            return []
        records = await asyncio.to_thread(self.event_streams.list_for, org_id)
        labels = {"sms": "SMS events", "calls": "Call events"}
        return [labels.get(r.kind, r.kind) for r in records if r.subscription_sid]

    async def saved_voice_configs(self, org_id: int) -> int:
        """Numbers whose pre-Loquent voice configuration exists only in this database:
        removing the organization would make them impossible to restore."""
        if self.phone_numbers is None:
            return 0
        return await asyncio.to_thread(self.phone_numbers.count_snapshots, org_id)

    async def list(self) -> list[OrganizationRecord]:
        return await asyncio.to_thread(self.organizations.list)

    async def get(self, org_id: int) -> OrganizationRecord:
        return await asyncio.to_thread(self.organizations.get, org_id)

    async def add(self, name: str) -> OrganizationRecord:
        return await asyncio.to_thread(self.organizations.add, validation.organization_name(name))

    async def rename(self, org_id: int, name: str) -> OrganizationRecord:
        return await asyncio.to_thread(
            self.organizations.rename, org_id, validation.organization_name(name)
        )

    async def set_mode(self, org_id: int, byo: bool) -> OrganizationRecord:
        return await asyncio.to_thread(self.organizations.set_mode, org_id, byo)

    async def set_voice_url(self, org_id: int, url: str) -> OrganizationRecord:
        """The Loquent voice URL that numbers of this organization are pointed at (local
        setting; an empty value means the app's default)."""
        text = url.strip()
        cleaned = validation.https_url(text, "voice_url") if text else None
        return await asyncio.to_thread(self.organizations.set_voice_url, org_id, cleaned)

    async def remove(self, org_id: int) -> None:
        """Forget the organization locally and delete its keychain entry first, so a failure
        never leaves an orphaned secret behind a deleted row."""

        def work() -> None:
            self.secrets.delete(org_key(self.organizations.get(org_id).keychain_id))
            self.organizations.remove(org_id)

        await asyncio.to_thread(work)
