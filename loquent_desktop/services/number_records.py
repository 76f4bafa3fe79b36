"""Twilio library records -> the app's number values.

The one place that knows the twilio library's instance attributes for phone numbers, so the
listing, the purchase and the search all reduce records the same way. Pure functions: they
may run on a worker thread.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..domain.numbers import (
    AvailableNumber,
    Country,
    OwnedNumber,
    country_of,
    normalize_capabilities,
    preferred_type_order,
    type_path_name,
)


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


def owned_from_page(page: Iterable[Any]) -> list[OwnedNumber]:
    """Every record of one page. A twilio Page holds the decoded JSON and builds each
    instance only as it is iterated, so calling this on a worker thread moves the instance
    building (and the per-number country lookup) off the GUI thread too."""
    return [owned_from(inst) for inst in page]


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


def country_from(inst: Any) -> Country:
    """A country of the AvailablePhoneNumbers list with the number types it offers (its
    subresource keys, e.g. `toll_free` -> `TollFree`)."""
    types = [type_path_name(key) for key in (inst.subresource_uris or {})]
    code = str(inst.country_code)
    return Country(code, str(inst.country or code), preferred_type_order(types))


def _text(value: Any) -> str | None:
    # The library hands some fields over as str enums; keep plain strings.
    return str(value) if value not in (None, "") else None
