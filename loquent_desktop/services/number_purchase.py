"""Buying a number: the plan, the address it needs, and a purchase that happens once.

The only number operation that changes the customer's Twilio account (and costs money), so it
goes through plan → confirm → execute → journal. The POST is never repeated blindly: when its
outcome is unknown (lost answer, 5xx) the account's own numbers are checked first, because that
attempt may have bought it already.

Owning the number is not proof that we bought it: the shared account holds every Shared
organization's numbers, and a BYO account those of other platforms. So a number found on the
account is claimed only after an uncertain attempt of this very buy, and only if it looks like
that attempt's result (`_looks_ours`). A plain "not available" (21422) is never claimed.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from twilio.rest import Client

from ..domain.credentials import Mode, ResolvedCredentials
from ..domain.errors import LoquentError, TwilioApiError
from ..domain.numbers import AvailableNumber, OwnedNumber, Purchase, type_label
from ..domain.plans import Change, Plan
from ..domain.validation import format_phone, mask_sid
from ..store.repositories import OrganizationRepository, PhoneNumberRepository
from ..twilio_api.errors import translate_errors
from ..twilio_api.paging import pages
from .number_records import owned_from
from .plan_runner import Confirm, PlanRunner
from .twilio_access import TwilioAccess

log = logging.getLogger(__name__)

VOICE_METHOD = "POST"
ADDRESS_CONSOLE_HINT = (
    "Add one in the Twilio Console (Phone Numbers → Regulatory → Addresses), then try again."
)
# Twilio error codes a purchase can fail with, and what the user should do about them.
_ADDRESS_ERRORS = {21631: "an address", 21615: "a local address", 21650: "a foreign address"}
_NOT_AVAILABLE = 21422
# Twilio's dates have whole seconds, and its clock and ours may differ a little.
CLOCK_SKEW = timedelta(seconds=5)


class PurchaseOutcomeUnknown(TwilioApiError):
    """Twilio may or may not have sold us the number; only a fresh look at the account tells."""


@dataclass
class NumberPurchase:
    """Plans and executes purchases; `NumbersService` is the facade the UI calls."""

    access: TwilioAccess
    phone_numbers: PhoneNumberRepository
    organizations: OrganizationRepository
    plans: PlanRunner
    default_voice_url: str

    # -- plan ----------------------------------------------------------------------------

    async def plan(self, org_id: int, number: AvailableNumber) -> tuple[Plan, Client]:
        """What buying `number` will do and cost; raises before any plan when Twilio
        requires an address the account does not have."""
        client, resolved = await self.access.client_for(org_id)
        org = await asyncio.to_thread(self.organizations.get, org_id)
        voice_url = org.effective_voice_url(self.default_voice_url)
        address = await self._address_for(client, number) if number.needs_address else None
        shown = format_phone(number.phone_number)
        changes, notes = _plan_changes(number, voice_url, address)
        plan = Plan(
            action="number.buy",
            title=f"Buy {shown}",
            organization=org.name,
            account=resolved.credentials.masked_sid,
            changes=changes,
            cost=_cost_text(resolved, number),
            affected=("Nobody: the number is new to this account.",),
            notes=notes,
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
        candidates = await _list_addresses(client)
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

    # -- execute -------------------------------------------------------------------------

    async def buy(self, org_id: int, number: AvailableNumber, confirm: Confirm) -> Purchase:
        plan, client = await self.plan(org_id, number)
        api = client.api.v2010.accounts(client.account_sid).incoming_phone_numbers
        create = _create_params(plan.details)
        shared = plan.details["mode"] == Mode.SHARED.value

        async def execute() -> Purchase:
            bought = await self._create_once(org_id, shared, api, create, number)
            # From here on the number IS bought: a local failure only changes what we tell.
            return await self._store(org_id, bought)

        return await self.plans.run(plan, confirm, execute, org_id, Purchase.summary)

    async def _store(self, org_id: int, bought: OwnedNumber) -> Purchase:
        """Record the bought number for the organization (in Shared mode this is what puts
        it on the organization's owned list)."""
        try:
            await asyncio.to_thread(self._save_purchase, org_id, bought)
        except Exception as exc:
            log.exception("Bought %s (%s) but could not store it", bought.phone_number, bought.sid)
            return Purchase(bought, stored_locally=False, store_error=_store_reason(exc))
        log.info("Bought %s (%s) for organization %s", bought.phone_number, bought.sid, org_id)
        return Purchase(bought)

    def _save_purchase(self, org_id: int, bought: OwnedNumber) -> None:
        self.phone_numbers.upsert_many(org_id, [bought.to_store_dict()], "purchased")
        if bought.voice_url:
            # Loquent wrote this Voice URL: it must never later be saved as the number's
            # "previous" routing (e.g. after the organization's Loquent URL changes).
            self.phone_numbers.mark_routed(
                org_id, bought.sid, bought.voice_config, bought.voice_url
            )

    async def _create_once(
        self, org_id: int, shared: bool, api: Any, create: dict[str, Any], number: AvailableNumber
    ) -> OwnedNumber:
        """POST the purchase; when its outcome is unknown, look before reporting or retrying."""
        started = datetime.now(UTC)
        try:
            return await _post(api, create)
        except TwilioApiError as err:
            if not _uncertain(err):  # incl. 21422: someone else's purchase, never ours
                raise _purchase_error(err, number) from None
            failure = err
        log.warning("Purchase of %s: %r; checking ownership", number.phone_number, failure)
        if found := await self._our_purchase(org_id, shared, failure, api, create, started):
            return found
        if not failure.response_lost:
            # A 5xx is not retried: Twilio answered, and the user decides whether to try again.
            raise _purchase_error(failure, number) from None
        # Not on the account, so most likely never processed: one more POST. If Twilio was
        # still processing the first one after all, this one gets 21422 (or is lost too).
        try:
            return await _post(api, create)
        except TwilioApiError as err:
            if not (_uncertain(err) or err.code == _NOT_AVAILABLE):
                raise _purchase_error(err, number) from None
            failure = err
        log.warning("Retried purchase of %s: %r; checking again", number.phone_number, failure)
        if found := await self._our_purchase(org_id, shared, failure, api, create, started):
            return found
        raise _outcome_unknown(failure, number)

    async def _our_purchase(
        self,
        org_id: int,
        shared: bool,
        failure: TwilioApiError,
        api: Any,
        create: dict[str, Any],
        started: datetime,
    ) -> OwnedNumber | None:
        """The account's number if an uncertain attempt of this buy created it; None if the
        account does not have it. Raises "no longer available" if someone else bought it."""
        found = await _check_owned(api, create["phone_number"])
        if found is None:
            return None
        ours = _looks_ours(found, create, started) and not (
            shared and await asyncio.to_thread(self._recorded_elsewhere, org_id, found.sid)
        )
        if ours:
            return found
        log.warning("%s is on the account but not from this purchase", found.sid)
        raise _not_available(failure, create["phone_number"])

    def _recorded_elsewhere(self, org_id: int, sid: str) -> bool:
        # Rare path (only after a lost answer), so a lookup per organization is fine.
        return any(
            org.id != org_id and self.phone_numbers.get_by_sid(org.id, sid) is not None
            for org in self.organizations.list()
        )


def _uncertain(err: TwilioApiError) -> bool:
    """Twilio may have processed the request: the answer was lost, or it failed midway."""
    return err.response_lost or err.status >= 500


def _looks_ours(found: OwnedNumber, create: dict[str, Any], started: datetime) -> bool:
    """Created with our Voice URL, and not before our first attempt (one bought earlier,
    by anyone, is not the result of this buy)."""
    created = found.date_created
    if created is None or found.voice_url != create["voice_url"]:
        return False
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return created >= started - CLOCK_SKEW


def _create_params(details: dict[str, Any]) -> dict[str, Any]:
    create: dict[str, Any] = {
        "phone_number": details["phone_number"],
        # Voice URL in the purchase request itself: no window in which the new number
        # answers with Twilio's default, and no second write that could fail alone.
        "voice_url": details["voice_url"],
        "voice_method": details["voice_method"],
    }
    if details["address_sid"]:
        create["address_sid"] = details["address_sid"]
    return create


async def _post(api: Any, create: dict[str, Any]) -> OwnedNumber:
    async with translate_errors():
        created = await api.create_async(**create)
    return owned_from(created)


async def _check_owned(api: Any, phone_number: str) -> OwnedNumber | None:
    try:
        return await find_owned(api, phone_number)
    except TwilioApiError as err:
        message = (
            f"The purchase of {format_phone(phone_number)} may or may not have gone "
            f"through, and checking the account's numbers failed too ({err.message}). "
            "Refresh the owned numbers before trying again."
        )
        raise _reworded(err, message) from None


async def find_owned(api: Any, phone_number: str) -> OwnedNumber | None:
    """The account's IncomingPhoneNumber for `phone_number`, if it owns it (read-only)."""
    async with translate_errors():
        page: Any = await api.page_async(phone_number=phone_number, page_size=50)
        for inst in page:
            if inst.phone_number == phone_number:
                return owned_from(inst)
    return None


async def _list_addresses(client: Client) -> list[tuple[str, str, str]]:
    """The account's Addresses as (sid, iso_country, label), all pages."""
    api = client.api.v2010.accounts(client.account_sid).addresses
    return [
        (str(a.sid), str(a.iso_country or ""), a.friendly_name or a.customer_name or str(a.sid))
        async for page in pages(api)
        for a in page
    ]


def _plan_changes(
    number: AvailableNumber, voice_url: str, address: tuple[str, str] | None
) -> tuple[tuple[Change, ...], tuple[str, ...]]:
    resource = f"Phone number {format_phone(number.phone_number)}"
    changes = [
        Change(resource, "Ownership", None, "Bought: owned by this account"),
        Change(resource, "Voice URL", None, voice_url),
        Change(resource, "Voice method", None, VOICE_METHOD),
    ]
    notes = ["Inbound calls to the new number will be answered by Loquent."]
    if address is not None:
        sid, label = address
        changes.append(Change(resource, "Address", None, f"{label} ({mask_sid(sid)})"))
        notes.append(
            f"Twilio requires {_requirement_text(number)} for this number; "
            f"the address “{label}” will be used."
        )
    return tuple(changes), tuple(notes)


def _requirement_text(number: AvailableNumber) -> str:
    need = number.address_requirements
    if need == "local":
        return f"an address in {number.iso_country or 'the number’s country'}"
    if need == "foreign":
        return f"an address outside {number.iso_country or 'the number’s country'}"
    return "an address on the account"


def _cost_text(resolved: ResolvedCredentials, number: AvailableNumber) -> str:
    return (
        f"Twilio bills {resolved.billed_party} ({resolved.credentials.masked_sid}) a monthly "
        f"fee for this {type_label(number.number_type)} number, starting today, until it is "
        "released. The price depends on the country and number type (see Twilio's pricing "
        "page)."
    )


def _store_reason(exc: Exception) -> str:
    # SQLAlchemy wraps the driver's error and appends the SQL; the driver's words suffice.
    orig = getattr(exc, "orig", None)
    return str(orig or exc) or type(exc).__name__


def _purchase_error(err: TwilioApiError, number: AvailableNumber) -> TwilioApiError:
    shown = format_phone(number.phone_number)
    if err.code in _ADDRESS_ERRORS:
        message = (
            f"Twilio requires {_ADDRESS_ERRORS[err.code]} to buy {shown}. "
            f"{ADDRESS_CONSOLE_HINT} [Twilio error {err.code}]"
        )
    elif err.code == _NOT_AVAILABLE:
        return _not_available(err, number.phone_number)
    elif err.status >= 500:
        message = (
            f"Twilio had a server problem and {shown} is not on the account as of now. "
            f"Refresh the owned numbers before trying again. [HTTP {err.status}]"
        )
    else:
        return err
    return _reworded(err, message)


def _not_available(err: TwilioApiError, phone_number: str) -> TwilioApiError:
    message = (
        f"{format_phone(phone_number)} is no longer available: someone else bought it in the "
        f"meantime. Search again and pick another number. [Twilio error {_NOT_AVAILABLE}]"
    )
    return TwilioApiError(message, status=err.status, code=_NOT_AVAILABLE, method=err.method)


def _outcome_unknown(err: TwilioApiError, number: AvailableNumber) -> PurchaseOutcomeUnknown:
    message = (
        f"The purchase of {format_phone(number.phone_number)} may have gone through: "
        "Twilio's answer was lost. Refresh the owned numbers before trying again."
    )
    return PurchaseOutcomeUnknown(
        message, status=err.status, code=err.code, kind=err.kind, method=err.method
    )


def _reworded(err: TwilioApiError, message: str) -> TwilioApiError:
    """The same Twilio error (status, code, kind kept for callers) in the user's words."""
    return TwilioApiError(
        message,
        status=err.status,
        code=err.code,
        more_info=err.more_info,
        kind=err.kind,
        method=err.method,
    )
