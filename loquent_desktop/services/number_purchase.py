"""Buying a number: the plan, the address it needs, and a purchase that happens once.

The only number operation that changes the customer's Twilio account (and costs money), so it
goes through plan → confirm → execute → journal: `prepare` reads what the plan needs and hands
it to the pure builder in `number_purchase_plans`; confirming the `PlannedChange` buys.

The POST is never repeated blindly: when its outcome is unknown (lost answer, 5xx) the
account's own numbers are checked first, because that attempt may have bought it already.

Owning the number is not proof that we bought it: the shared account holds every Shared
organization's numbers, and a BYO account those of other platforms. So a number found on the
account is claimed only after an uncertain attempt of this very buy, and only if it looks like
that attempt's result (`_looks_ours`), or when Twilio answers "not available" (21422) for a
number the account owns with this organization's Voice URL that an earlier purchase of this
organization's left unresolved in the journal (its answer was lost: the number was bought).
A purchase is reported by what the account owns, never by an error code alone.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..domain.credentials import Mode
from ..domain.errors import OutcomeUnknown, TwilioApiError
from ..domain.numbers import AvailableNumber, OwnedNumber, Purchase
from ..domain.validation import format_phone
from ..store.repositories import OrganizationRepository, PhoneNumberRepository
from ..twilio_api.incoming_numbers import IncomingNumbersGateway
from .number_prices import NumberPrices
from .number_purchase_plans import (
    ADDRESS_CONSOLE_HINT,
    BUY,
    choose_address,
    purchase_plan,
    purchase_request,
)
from .plan_runner import PlannedChange, PlanRunner, RunControl
from .twilio_access import TwilioAccess

log = logging.getLogger(__name__)

# Twilio error codes a purchase can fail with, and what the user should do about them.
_ADDRESS_ERRORS = {21631: "an address", 21615: "a local address", 21650: "a foreign address"}
_NOT_AVAILABLE = 21422
# Twilio's dates have whole seconds, and its clock and ours may differ a little.
CLOCK_SKEW = timedelta(seconds=5)


class PurchaseOutcomeUnknown(OutcomeUnknown):
    """Twilio may or may not have sold us the number; only a fresh look at the account tells."""


@dataclass
class NumberPurchase:
    """Prepares and executes purchases; `NumbersService` is the facade the UI calls."""

    access: TwilioAccess
    phone_numbers: PhoneNumberRepository
    organizations: OrganizationRepository
    default_voice_url: str
    plans: PlanRunner
    prices: NumberPrices

    async def prepare(self, org_id: int, number: AvailableNumber) -> PlannedChange[Purchase]:
        """What buying `number` will do and cost, and the purchase itself once confirmed.
        Raises before any plan when Twilio requires an address the account does not have."""
        account, resolved = await self.access.account_for(org_id)
        org = await asyncio.to_thread(self.organizations.get, org_id)
        voice_url = org.effective_voice_url(self.default_voice_url)
        address = None
        if number.needs_address:
            address = choose_address(number, await account.addresses.list_all())
        price = await self.prices.price_on(account, number.iso_country or "", number.number_type)
        plan = purchase_plan(number, org.name, resolved, voice_url, address, price)
        create = purchase_request(plan.details)
        shared = resolved.mode is Mode.SHARED
        gateway = account.incoming_numbers

        async def execute(_control: RunControl) -> Purchase:
            bought = await self._create_once(org_id, shared, gateway, create, number)
            # From here on the number IS bought: a local failure only changes what we tell.
            return await self._store(org_id, bought)

        return PlannedChange(plan, org_id, execute, summarize=Purchase.summary)

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
        self,
        org_id: int,
        shared: bool,
        numbers: IncomingNumbersGateway,
        create: dict[str, Any],
        number: AvailableNumber,
    ) -> OwnedNumber:
        """POST the purchase; when its outcome is unknown, look before reporting or retrying."""
        started = datetime.now(UTC)
        try:
            return await numbers.buy(**create)
        except TwilioApiError as err:
            if err.code == _NOT_AVAILABLE:
                return await self._not_available_to_us(org_id, shared, err, numbers, create)
            if not _uncertain(err):
                raise _purchase_error(err, number) from None
            failure = err
        log.warning("Purchase of %s: %r; checking ownership", number.phone_number, failure)
        if found := await self._our_purchase(org_id, shared, failure, numbers, create, started):
            return found
        if not failure.response_lost:
            # A 5xx is not retried: Twilio answered, and the user decides whether to try again.
            raise _purchase_error(failure, number) from None
        # Not on the account, so most likely never processed: one more POST. If Twilio was
        # still processing the first one after all, this one gets 21422 (or is lost too).
        try:
            return await numbers.buy(**create)
        except TwilioApiError as err:
            if not (_uncertain(err) or err.code == _NOT_AVAILABLE):
                raise _purchase_error(err, number) from None
            failure = err
        log.warning("Retried purchase of %s: %r; checking again", number.phone_number, failure)
        if found := await self._our_purchase(org_id, shared, failure, numbers, create, started):
            return found
        raise _outcome_unknown(failure, number)

    async def _our_purchase(
        self,
        org_id: int,
        shared: bool,
        failure: TwilioApiError,
        numbers: IncomingNumbersGateway,
        create: dict[str, Any],
        started: datetime,
    ) -> OwnedNumber | None:
        """The account's number if an uncertain attempt of this buy created it; None if the
        account does not have it. Raises "no longer available" if someone else bought it."""
        found = await _check_owned(numbers, create["phone_number"])
        if found is None:
            return None
        ours = _looks_ours(found, create, started) and not (
            shared and await asyncio.to_thread(self._recorded_elsewhere, org_id, found.sid)
        )
        if ours:
            return found
        log.warning("%s is on the account but not from this purchase", found.sid)
        raise _not_available(failure, create["phone_number"])

    async def _not_available_to_us(
        self,
        org_id: int,
        shared: bool,
        failure: TwilioApiError,
        numbers: IncomingNumbersGateway,
        create: dict[str, Any],
    ) -> OwnedNumber:
        """Twilio says 21422. If the account owns the number because an earlier purchase of
        this organization's went through unseen, that purchase is claimed now; otherwise the
        error says whose number it is."""
        phone_number = create["phone_number"]
        try:
            found = await numbers.find(phone_number)
        except TwilioApiError as err:
            message = (
                f"Twilio says {format_phone(phone_number)} is not available, and checking "
                f"whether this account owns it already failed ({err.message}). Refresh the "
                "owned numbers before trying again."
            )
            raise _reworded(failure, message) from None
        if found is None:
            raise _not_available(failure, phone_number)
        recorded = await asyncio.to_thread(self.phone_numbers.get_by_sid, org_id, found.sid)
        if recorded is not None:
            raise _reworded(
                failure,
                f"{format_phone(phone_number)} is already one of this organization's numbers "
                "(bought earlier). Refresh the owned numbers to see it.",
            )
        earlier = found.voice_url == create["voice_url"] and await asyncio.to_thread(
            self._unresolved_purchase, org_id, phone_number
        )
        if earlier and not (
            shared and await asyncio.to_thread(self._recorded_elsewhere, org_id, found.sid)
        ):
            log.warning("%s: an earlier purchase went through unseen; claiming it", found.sid)
            return found
        if shared:
            raise _not_available(failure, phone_number)
        raise _reworded(
            failure,
            f"{format_phone(phone_number)} is already on this Twilio account, but not as a "
            "number Loquent bought for this organization. Import it from the owned numbers "
            "instead. [Twilio error 21422]",
        )

    def _unresolved_purchase(self, org_id: int, phone_number: str) -> bool:
        """Whether this organization's journal has an earlier purchase of `phone_number`
        that ended failed or unknown, or was interrupted by a crash (the one running now
        does not count)."""
        return any(
            (entry.plan.get("details") or {}).get("phone_number") == phone_number
            and (
                entry.outcome in ("failed", "unknown")
                or (entry.outcome is None and entry.id not in self.plans.running)
            )
            for entry in self.plans.journal.list_actions(org_id, (BUY,), limit=200)
        )

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


async def _check_owned(numbers: IncomingNumbersGateway, phone_number: str) -> OwnedNumber | None:
    try:
        return await numbers.find(phone_number)
    except TwilioApiError as err:
        message = (
            f"The purchase of {format_phone(phone_number)} may or may not have gone "
            f"through, and checking the account's numbers failed too ({err.message}). "
            "Refresh the owned numbers before trying again."
        )
        raise PurchaseOutcomeUnknown(
            message, status=err.status, code=err.code, kind=err.kind, method=err.method
        ) from None


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
