"""Numbers: list what an account owns, search for new numbers, import and export.

The facade the Numbers tab uses. Buying lives in `number_purchase` (the only call here that
changes the customer's Twilio account, through plan → confirm → execute → journal; its plan
is built in `number_purchase_plans`) and CSV in `number_export`. Every Twilio call starts at
`TwilioAccess.account_for`, so BYO without credentials is an error, never the shared account.

Shared mode: Loquent's shared account holds every Shared organization's numbers. An
organization only sees, and may only import, what is recorded for it in Loquent's database;
otherwise one customer would see (and could claim) another's numbers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from ..domain.credentials import Mode
from ..domain.errors import LoquentError, TwilioApiError
from ..domain.numbers import (
    AvailableNumber,
    Country,
    ImportResult,
    OwnedNumber,
    Purchase,
    SearchQuery,
    SearchResult,
    type_label,
)
from ..domain.plans import Plan
from ..store.repositories import OrganizationRepository, PhoneNumberRepository
from ..store.repositories.event_streams import EventStreamRepository
from .number_care import NumberCare
from .number_export import write_csv
from .number_prices import NumberPrices
from .number_purchase import NumberPurchase
from .plan_runner import Confirm, PlannedChange, PlanRunner
from .twilio_access import TwilioAccess

SHARED_IMPORT_REFUSED = (
    "Import is for organizations with their own Twilio account. Loquent's shared account "
    "also holds other organizations' numbers, so none can be imported from it."
)


class NumbersService:
    def __init__(
        self,
        access: TwilioAccess,
        phone_numbers: PhoneNumberRepository,
        organizations: OrganizationRepository,
        plans: PlanRunner,
        default_voice_url: str,
        event_streams: EventStreamRepository | None = None,
    ) -> None:
        self.access = access
        self.phone_numbers = phone_numbers
        self.organizations = organizations
        self.plans = plans
        self.default_voice_url = default_voice_url
        self.prices = NumberPrices(access)
        self.purchase = NumberPurchase(
            access, phone_numbers, organizations, default_voice_url, plans, self.prices
        )
        # Rename and release (number_care): account changes through the plan path.
        self.care = NumberCare(
            access, phone_numbers, organizations, default_voice_url, event_streams
        )

    # -- reads ---------------------------------------------------------------------------

    async def list_owned(
        self, org_id: int, progress: Callable[[int, int], None] | None = None
    ) -> list[OwnedNumber]:
        """The organization's numbers, following Twilio's next-page links (read-only).

        BYO: everything the account owns. Shared: only the shared account's numbers that
        Loquent's database records for this organization. `progress(found, checked)` after
        each page: the organization's numbers so far, and the account's numbers read.
        """
        account, resolved = await self.access.account_for(org_id)
        mine = await self.imported_sids(org_id) if resolved.mode is Mode.SHARED else None
        owned: list[OwnedNumber] = []
        checked = 0
        async for numbers in account.incoming_numbers.owned_pages():
            checked += len(numbers)
            owned.extend(n for n in numbers if mine is None or n.sid in mine)
            if progress is not None:
                progress(len(owned), checked)
        return owned

    async def is_shared(self, org_id: int) -> bool:
        org = await asyncio.to_thread(self.organizations.get, org_id)
        return not org.byo_twilio

    async def imported_sids(self, org_id: int) -> set[str]:
        return await asyncio.to_thread(self.phone_numbers.sids_for_org, org_id)

    async def loquent_voice_url(self, org_id: int) -> str:
        org = await asyncio.to_thread(self.organizations.get, org_id)
        return org.effective_voice_url(self.default_voice_url)

    async def countries(self, org_id: int) -> list[Country]:
        account, _ = await self.access.account_for(org_id)
        found = await account.available_numbers.countries()
        return sorted(found, key=lambda c: c.name.lower())

    async def search(self, org_id: int, query: SearchQuery) -> SearchResult:
        """One search (Twilio never pages these); only the filters the user set are sent.
        Raises InvalidInput (with the field) before any request when the query is malformed."""
        query = query.validate()
        account, _ = await self.access.account_for(org_id)
        try:
            numbers = await account.available_numbers.search(query)
        except TwilioApiError as err:
            if err.is_not_found:
                raise LoquentError(
                    f"Twilio offers no {type_label(query.number_type)} numbers in "
                    f"{query.country}. Pick another number type or country."
                ) from None
            raise
        return SearchResult.from_numbers(query, numbers)

    async def not_imported(self, org_id: int) -> list[OwnedNumber]:
        await self._refuse_shared_import(org_id)
        owned = await self.list_owned(org_id)
        known = await self.imported_sids(org_id)
        return [n for n in owned if n.sid not in known]

    # -- buying (see number_purchase) ----------------------------------------------------

    async def prepare_purchase(
        self, org_id: int, number: AvailableNumber
    ) -> PlannedChange[Purchase]:
        """The plan for buying `number` and the purchase it runs once confirmed (the UI
        hands it to `ui.plan_flow.confirm_and_apply`)."""
        return await self.purchase.prepare(org_id, number)

    async def plan_purchase(self, org_id: int, number: AvailableNumber) -> Plan:
        return (await self.prepare_purchase(org_id, number)).plan

    async def buy(self, org_id: int, number: AvailableNumber, confirm: Confirm) -> Purchase:
        """Prepare and apply in one go, for callers with their own `confirm` (scripts,
        tests); raises PlanCancelled when it says no."""
        return await self.plans.apply(await self.prepare_purchase(org_id, number), confirm)

    # -- local copies --------------------------------------------------------------------

    async def import_numbers(self, org_id: int, numbers: list[OwnedNumber]) -> ImportResult:
        """Copy metadata into the local database; sends nothing to Twilio."""
        await self._refuse_shared_import(org_id)
        rows = [n.to_store_dict() for n in numbers]
        inserted, existed = await asyncio.to_thread(
            self.phone_numbers.upsert_many, org_id, rows, "imported"
        )
        return ImportResult(inserted, existed)

    def export_csv(
        self, numbers: list[OwnedNumber], path: Path, loquent_url: str, imported: set[str]
    ) -> int:
        """Write the numbers to `path` as CSV; returns rows written (OSError propagates)."""
        return write_csv(numbers, path, loquent_url, imported)

    async def _refuse_shared_import(self, org_id: int) -> None:
        # The UI disables Import for Shared organizations; this keeps any other caller from
        # assigning another customer's number to this organization.
        if await self.is_shared(org_id):
            raise LoquentError(SHARED_IMPORT_REFUSED)
