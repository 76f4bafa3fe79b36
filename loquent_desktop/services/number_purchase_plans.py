"""What buying a number will do and cost: the pure plan builder.

No I/O: built from the number on sale, the organization's Loquent Voice URL, the resolved
credentials and the account's Addresses the service has just read, so it is testable without
Twilio. The plan's `details` are also what the purchase request is made of, so the dialog, the
journal and the request cannot disagree.
"""

from __future__ import annotations

from typing import Any

from ..domain.credentials import ResolvedCredentials
from ..domain.errors import LoquentError
from ..domain.numbers import AvailableNumber, type_label
from ..domain.plans import Change, Plan
from ..domain.prices import PriceLookup
from ..domain.validation import format_phone, mask_sid

BUY = "number.buy"
VOICE_METHOD = "POST"
ADDRESS_CONSOLE_HINT = (
    "Add one in the Twilio Console (Phone Numbers → Regulatory → Addresses), then try again."
)


def purchase_plan(
    number: AvailableNumber,
    organization: str,
    resolved: ResolvedCredentials,
    voice_url: str,
    address: tuple[str, str] | None,
    price: PriceLookup | None = None,
) -> Plan:
    """The plan for buying `number` with its Voice URL set in the same request; `address`
    is (sid, label) when Twilio requires one (see `choose_address`); `price` is the monthly
    price Twilio's Pricing API gave for it (or why there is none)."""
    changes, notes = _plan_changes(number, voice_url, address)
    return Plan(
        action=BUY,
        title=f"Buy {format_phone(number.phone_number)}",
        organization=organization,
        account=resolved.credentials.masked_sid,
        changes=changes,
        cost=_cost_text(resolved, number, price),
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
            # What the plan said it costs, for the journal.
            "monthly_price": str(price.price.current_price) if price and price.price else None,
            "price_unit": price.price.currency if price and price.price else None,
        },
    )


def choose_address(
    number: AvailableNumber, candidates: list[tuple[str, str, str]]
) -> tuple[str, str]:
    """An Address among `candidates` (sid, iso_country, label) that satisfies the number's
    requirement, as (sid, label). Raises LoquentError, before any plan is shown, when there
    is none."""
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
            f"Twilio requires {requirement_text(number)} to buy "
            f"{format_phone(number.phone_number)}, and this account has none. "
            f"{ADDRESS_CONSOLE_HINT}"
        )
    sid, _country, label = fitting[0]
    return sid, label


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
            f"Twilio requires {requirement_text(number)} for this number; "
            f"the address “{label}” will be used."
        )
    return tuple(changes), tuple(notes)


def requirement_text(number: AvailableNumber) -> str:
    need = number.address_requirements
    if need == "local":
        return f"an address in {number.iso_country or 'the number’s country'}"
    if need == "foreign":
        return f"an address outside {number.iso_country or 'the number’s country'}"
    return "an address on the account"


def _cost_text(
    resolved: ResolvedCredentials, number: AvailableNumber, price: PriceLookup | None
) -> str:
    billed = f"{resolved.billed_party} ({resolved.credentials.masked_sid})"
    kind = type_label(number.number_type)
    if price is not None and price.price is not None:
        return (
            f"Twilio bills {billed} {price.price.text} a month (the monthly fee for a {kind} "
            f"number in {price.price.iso_country}), starting today, until it is released."
        )
    unknown = (
        price.reason
        if price is not None and price.reason
        else "The price depends on the country and number type (see Twilio's pricing page)."
    )
    return (
        f"Twilio bills {billed} a monthly fee for this {kind} number, starting today, until "
        f"it is released. {unknown}"
    )


def purchase_request(details: dict[str, Any]) -> dict[str, Any]:
    """What the purchase POST sends, from a plan's details."""
    return {
        "phone_number": details["phone_number"],
        # Voice URL in the purchase request itself: no window in which the new number
        # answers with Twilio's default, and no second write that could fail alone.
        "voice_url": details["voice_url"],
        "voice_method": details["voice_method"],
        "address_sid": details["address_sid"],
    }
