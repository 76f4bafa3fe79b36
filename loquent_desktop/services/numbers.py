"""Numbers: list what an account owns, search and buy new numbers, import and export.

Only `buy` changes the customer's Twilio account, and it goes through plan → confirm →
execute → journal. Everything else is a read or a local copy. Every Twilio call starts at
`TwilioAccess.client_for`, so BYO without credentials is an error, never the shared account.
"""

from __future__ import annotations

import asyncio
import csv
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from twilio.rest import Client

from ..domain.credentials import Mode, ResolvedCredentials
from ..domain.errors import LoquentError, TwilioApiError
from ..domain.numbers import (
    SEARCH_CAP,
    AvailableNumber,
    Country,
    ImportResult,
    OwnedNumber,
    SearchQuery,
    SearchResult,
    country_of,
    normalize_capabilities,
    type_label,
    type_path_name,
)
from ..domain.plans import Change, Plan
from ..domain.validation import format_phone, mask_sid
from ..domain.voice_route import RouteKind, sms_route_text
from ..store.repositories import OrganizationRepository, PhoneNumberRepository
from ..twilio_api.errors import translate_errors
from .plan_runner import Confirm, PlanRunner
from .twilio_access import TwilioAccess

log = logging.getLogger(__name__)

PAGE_SIZE = 1000  # Twilio's maximum; more is refused with 20007 (GUIDE §3)
VOICE_METHOD = "POST"
ADDRESS_CONSOLE_HINT = (
    "Add one in the Twilio Console (Phone Numbers → Regulatory → Addresses), then try again."
)
CSV_HEADER = (
    "phone_number",
    "friendly_name",
    "sid",
    "capabilities",
    "who_answers",
    "voice_url",
    "voice_application_sid",
    "trunk_sid",
    "sms_route",
    "imported",
    "routed_to_loquent",
)
# Twilio error codes a purchase can fail with, and what the user should do about them.
_ADDRESS_ERRORS = {21631: "an address", 21615: "a local address", 21650: "a foreign address"}
_NOT_AVAILABLE = 21422
_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def owned_from(inst: Any) -> OwnedNumber:
    """Reduce a library IncomingPhoneNumberInstance to the fields the app keeps."""
    phone = str(inst.phone_number or "")
    return OwnedNumber(
        sid=str(inst.sid),
        phone_number=phone,
        friendly_name=inst.friendly_name,
        capabilities=normalize_capabilities(inst.capabilities),
        iso_country=country_of(phone),
        address_requirements=_text(inst.address_requirements),
        voice_url=inst.voice_url or None,
        voice_method=_text(inst.voice_method),
        voice_fallback_url=inst.voice_fallback_url or None,
        voice_fallback_method=_text(inst.voice_fallback_method),
        voice_application_sid=inst.voice_application_sid or None,
        trunk_sid=inst.trunk_sid or None,
        status_callback=inst.status_callback or None,
        status_callback_method=_text(inst.status_callback_method),
        sms_url=inst.sms_url or None,
        sms_method=_text(inst.sms_method),
        sms_application_sid=inst.sms_application_sid or None,
        date_created=inst.date_created,
        date_updated=inst.date_updated,
    )


def _purchase_summary(owned: OwnedNumber) -> dict[str, Any]:
    return {"number_sid": owned.sid, "phone_number": owned.phone_number}


def _owned_from_all(records: list[Any]) -> list[OwnedNumber]:
    return [owned_from(inst) for inst in records]


def _text(value: Any) -> str | None:
    # The library hands some fields over as str enums; keep plain strings.
    return str(value) if value not in (None, "") else None


def available_from(inst: Any, number_type: str) -> AvailableNumber:
    return AvailableNumber(
        phone_number=str(inst.phone_number),
        friendly_name=inst.friendly_name,
        locality=inst.locality,
        region=inst.region,
        postal_code=inst.postal_code,
        iso_country=inst.iso_country,
        capabilities=normalize_capabilities(inst.capabilities),
        address_requirements=str(inst.address_requirements or "none"),
        beta=bool(inst.beta),
        number_type=number_type,
    )


def csv_safe(value: str) -> str:
    """Neutralize spreadsheet formula injection (OWASP): a cell starting with = + - @ (or a
    tab/CR) gets a leading single quote so Excel/LibreOffice show it as text.

    Exception: a cell that is exactly an E.164 number (+14155550100) is left alone. It cannot
    carry a formula (only digits after the plus), spreadsheets read it as a plain number at
    worst, and a quote would corrupt the phone_number column for any tool re-importing it.
    Formatted numbers such as "+1 415-555-0100" are *not* exempt: spreadsheets evaluate them.
    """
    if value.startswith(_FORMULA_START) and not _E164.match(value):
        return "'" + value
    return value


class NumbersService:
    def __init__(
        self,
        access: TwilioAccess,
        phone_numbers: PhoneNumberRepository,
        organizations: OrganizationRepository,
        plans: PlanRunner,
        default_voice_url: str,
    ) -> None:
        self.access = access
        self.phone_numbers = phone_numbers
        self.organizations = organizations
        self.plans = plans
        self.default_voice_url = default_voice_url

    # -- reads ---------------------------------------------------------------------------

    async def list_owned(
        self, org_id: int, progress: Callable[[int], None] | None = None
    ) -> list[OwnedNumber]:
        """Every number the account owns, following Twilio's next-page links (read-only)."""
        client, _ = await self.access.client_for(org_id)
        api = client.api.v2010.accounts(client.account_sid).incoming_phone_numbers
        owned: list[OwnedNumber] = []
        async with translate_errors():
            page: Any = await api.page_async(page_size=PAGE_SIZE)
            while page is not None:
                records = list(page)
                # Reducing 1000 records (country lookup included) takes tens of ms: a worker
                # thread keeps the GUI loop free to paint the progress meanwhile.
                owned.extend(await asyncio.to_thread(_owned_from_all, records))
                if progress is not None:
                    progress(len(owned))
                page = await page.next_page_async()
        return owned

    async def imported_sids(self, org_id: int) -> set[str]:
        return await asyncio.to_thread(self.phone_numbers.sids_for_org, org_id)

    async def loquent_voice_url(self, org_id: int) -> str:
        org = await asyncio.to_thread(self.organizations.get, org_id)
        return org.effective_voice_url(self.default_voice_url)

    async def countries(self, org_id: int) -> list[Country]:
        client, _ = await self.access.client_for(org_id)
        api = client.api.v2010.accounts(client.account_sid).available_phone_numbers
        found: list[Country] = []
        async with translate_errors():
            page: Any = await api.page_async(page_size=PAGE_SIZE)
            while page is not None:
                found.extend(_country_from(inst) for inst in page)
                page = await page.next_page_async()
        return sorted(found, key=lambda c: c.name.lower())

    async def search(self, org_id: int, query: SearchQuery) -> SearchResult:
        """One search (Twilio never pages these); only the filters the user set are sent."""
        query = query.validate()
        client, _ = await self.access.client_for(org_id)
        country = client.api.v2010.accounts(client.account_sid).available_phone_numbers(
            query.country
        )
        attribute = re.sub(r"(?<!^)(?=[A-Z])", "_", query.number_type).lower()
        typed = getattr(country, attribute, None)
        if typed is None:
            raise LoquentError(f"Twilio does not sell {query.number_type} numbers.")
        filters: dict[str, Any] = {"page_size": SEARCH_CAP}
        if query.area_code:
            filters["area_code"] = int(query.area_code)
        for name in ("contains", "in_region", "in_postal_code", "near_number"):
            if value := getattr(query, name):
                filters[name] = value
        # Only required capabilities are sent: "false" would exclude capable numbers.
        for name in ("voice", "sms", "mms"):
            if getattr(query, name):
                filters[f"{name}_enabled"] = True
        try:
            async with translate_errors():
                page = await typed.page_async(**filters)
                numbers = [available_from(inst, query.number_type) for inst in page]
        except TwilioApiError as err:
            if err.is_not_found:
                raise LoquentError(
                    f"Twilio offers no {type_label(query.number_type)} numbers in "
                    f"{query.country}. Pick another number type or country."
                ) from None
            raise
        return SearchResult.from_numbers(query, numbers)

    async def not_imported(self, org_id: int) -> list[OwnedNumber]:
        owned = await self.list_owned(org_id)
        known = await self.imported_sids(org_id)
        return [n for n in owned if n.sid not in known]

    # -- buying --------------------------------------------------------------------------

    async def plan_purchase(self, org_id: int, number: AvailableNumber) -> Plan:
        plan, _ = await self._plan_purchase(org_id, number)
        return plan

    async def _plan_purchase(self, org_id: int, number: AvailableNumber) -> tuple[Plan, Client]:
        client, resolved = await self.access.client_for(org_id)
        org = await asyncio.to_thread(self.organizations.get, org_id)
        voice_url = org.effective_voice_url(self.default_voice_url)
        address = await self._address_for(client, number) if number.needs_address else None
        shown = format_phone(number.phone_number)
        resource = f"Phone number {shown}"
        changes = [
            Change(resource, "Ownership", None, "Bought: owned by this account"),
            Change(resource, "Voice URL", None, voice_url),
            Change(resource, "Voice method", None, VOICE_METHOD),
        ]
        notes: list[str] = [
            "Inbound calls to the new number will be answered by Loquent.",
        ]
        if address is not None:
            sid, label = address
            changes.append(Change(resource, "Address", None, f"{label} ({mask_sid(sid)})"))
            notes.append(
                f"Twilio requires {_requirement_text(number)} for this number; "
                f"the address “{label}” will be used."
            )
        plan = Plan(
            action="number.buy",
            title=f"Buy {shown}",
            organization=org.name,
            account=resolved.credentials.masked_sid,
            changes=tuple(changes),
            cost=_cost_text(resolved, number),
            affected=("Nobody: the number is new to this account.",),
            notes=tuple(notes),
            details={
                "phone_number": number.phone_number,
                "voice_url": voice_url,
                "voice_method": VOICE_METHOD,
                "address_sid": address[0] if address else None,
                "number_type": number.number_type,
                "iso_country": number.iso_country,
                "mode": resolved.mode.value,
            },
        )
        return plan, client

    async def _address_for(self, client: Client, number: AvailableNumber) -> tuple[str, str]:
        """An Address of the account that satisfies the number's requirement, as
        (sid, label). Raises before any plan is shown when there is none."""
        api = client.api.v2010.accounts(client.account_sid).addresses
        candidates: list[tuple[str, str, str]] = []
        async with translate_errors():
            page: Any = await api.page_async(page_size=PAGE_SIZE)
            while page is not None:
                candidates.extend(
                    (
                        str(a.sid),
                        str(a.iso_country or ""),
                        a.friendly_name or a.customer_name or str(a.sid),
                    )
                    for a in page
                )
                page = await page.next_page_async()
        need = number.address_requirements
        home = (number.iso_country or "").upper()
        if need == "local":
            fitting = [c for c in candidates if c[1].upper() == home]
        elif need == "foreign":
            fitting = [c for c in candidates if c[1].upper() != home]
        else:  # "any"; prefer an address in the number's country, it also satisfies later rules
            fitting = sorted(candidates, key=lambda c: c[1].upper() != home)
        if not fitting:
            raise LoquentError(
                f"Twilio requires {_requirement_text(number)} to buy "
                f"{format_phone(number.phone_number)}, and this account has none. "
                f"{ADDRESS_CONSOLE_HINT}"
            )
        sid, _country, label = fitting[0]
        return sid, label

    async def buy(self, org_id: int, number: AvailableNumber, confirm: Confirm) -> OwnedNumber:
        plan, client = await self._plan_purchase(org_id, number)
        api = client.api.v2010.accounts(client.account_sid).incoming_phone_numbers
        details = plan.details
        create: dict[str, Any] = {
            "phone_number": details["phone_number"],
            # Voice URL in the purchase request itself: no window in which the new number
            # answers with Twilio's default, and no second write that could fail alone.
            "voice_url": details["voice_url"],
            "voice_method": details["voice_method"],
        }
        if details["address_sid"]:
            create["address_sid"] = details["address_sid"]

        async def execute() -> OwnedNumber:
            bought = await self._create_once(api, create, number)
            await asyncio.to_thread(
                self.phone_numbers.upsert_many, org_id, [bought.to_store_dict()], "purchased"
            )
            log.info("Bought %s (%s) for organization %s", number.phone_number, bought.sid, org_id)
            return bought

        return await self.plans.run(plan, confirm, execute, org_id, _purchase_summary)

    async def _create_once(
        self, api: Any, create: dict[str, Any], number: AvailableNumber
    ) -> OwnedNumber:
        """POST the purchase; if the answer was lost, look before buying again."""
        try:
            return await self._post_purchase(api, create, number)
        except TwilioApiError as err:
            if not err.response_lost:
                raise
            log.warning("Purchase answer for %s lost; checking ownership", number.phone_number)
        existing = await self._find_owned(api, number.phone_number)
        if existing is not None:
            return existing
        return await self._post_purchase(api, create, number)

    async def _post_purchase(
        self, api: Any, create: dict[str, Any], number: AvailableNumber
    ) -> OwnedNumber:
        try:
            async with translate_errors():
                created = await api.create_async(**create)
        except TwilioApiError as err:
            raise _purchase_error(err, number) from None
        return owned_from(created)

    @staticmethod
    async def _find_owned(api: Any, phone_number: str) -> OwnedNumber | None:
        async with translate_errors():
            page: Any = await api.page_async(phone_number=phone_number, page_size=50)
            for inst in page:
                if inst.phone_number == phone_number:
                    return owned_from(inst)
        return None

    # -- local copies --------------------------------------------------------------------

    async def import_numbers(self, org_id: int, numbers: list[OwnedNumber]) -> ImportResult:
        """Copy metadata into the local database; sends nothing to Twilio."""
        rows = [n.to_store_dict() for n in numbers]
        inserted, existed = await asyncio.to_thread(
            self.phone_numbers.upsert_many, org_id, rows, "imported"
        )
        return ImportResult(inserted, existed)

    def export_csv(
        self, numbers: list[OwnedNumber], path: Path, loquent_url: str, imported: set[str]
    ) -> int:
        """Write the numbers to `path` as UTF-8 CSV with a header; returns rows written."""
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(CSV_HEADER)
            for n in numbers:
                route = n.voice_route(loquent_url)
                row = (
                    n.phone_number,
                    n.friendly_name or "",
                    n.sid,
                    n.capabilities_text,
                    route.describe(),
                    n.voice_url or "",
                    n.voice_application_sid or "",
                    n.trunk_sid or "",
                    sms_route_text(n.sms_application_sid, n.sms_url),
                    "yes" if n.sid in imported else "no",
                    "yes" if route.kind is RouteKind.LOQUENT else "no",
                )
                writer.writerow([csv_safe(cell) for cell in row])
        return len(numbers)


def _country_from(inst: Any) -> Country:
    keys = list((inst.subresource_uris or {}).keys())
    types = [type_path_name(k) for k in keys]
    order = {"Local": 0, "Mobile": 1, "TollFree": 2}
    types.sort(key=lambda t: order.get(t, 3))
    return Country(str(inst.country_code), str(inst.country or inst.country_code), tuple(types))


def _requirement_text(number: AvailableNumber) -> str:
    need = number.address_requirements
    if need == "local":
        return f"an address in {number.iso_country or 'the number’s country'}"
    if need == "foreign":
        return f"an address outside {number.iso_country or 'the number’s country'}"
    return "an address on the account"


def _cost_text(resolved: ResolvedCredentials, number: AvailableNumber) -> str:
    who = (
        "the organization's own Twilio account"
        if resolved.mode is Mode.BYO
        else "Loquent's shared Twilio account"
    )
    return (
        f"Twilio bills {who} ({resolved.credentials.masked_sid}) a monthly fee for this "
        f"{type_label(number.number_type)} number, starting today, until it is released. "
        "The price depends on the country and number type (see Twilio's pricing page)."
    )


def _purchase_error(err: TwilioApiError, number: AvailableNumber) -> TwilioApiError:
    shown = format_phone(number.phone_number)
    if err.code in _ADDRESS_ERRORS:
        message = (
            f"Twilio requires {_ADDRESS_ERRORS[err.code]} to buy {shown}. "
            f"{ADDRESS_CONSOLE_HINT} [Twilio error {err.code}]"
        )
    elif err.code == _NOT_AVAILABLE:
        message = (
            f"{shown} is no longer available: someone else bought it in the meantime. "
            f"Search again and pick another number. [Twilio error {err.code}]"
        )
    else:
        return err
    return TwilioApiError(
        message,
        status=err.status,
        code=err.code,
        more_info=err.more_info,
        kind=err.kind,
        method=err.method,
    )
