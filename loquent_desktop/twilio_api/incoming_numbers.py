"""The account's own phone numbers (IncomingPhoneNumbers): list, find, buy, read and update
their voice routing, rename and release them.

The one place that knows the twilio library's instance attributes for owned numbers, so the
listing, the purchase and voice routing all reduce records the same way. Every method raises
only `TwilioApiError`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from typing import Any

from twilio.rest import Client

from ..domain.numbers import OwnedNumber, country_of, normalize_capabilities
from ..domain.voice_route import VoiceConfig
from ..domain.voice_routing import FIELDS
from .errors import translate_errors
from .paging import pages

# A lookup by number returns that one number; a small page is plenty.
FIND_PAGE_SIZE = 50


class IncomingNumbersGateway:
    def __init__(self, client: Client) -> None:
        self._api = client.api.v2010.accounts(client.account_sid).incoming_phone_numbers

    async def owned_pages(self) -> AsyncIterator[list[OwnedNumber]]:
        """Every number the account owns, a page (up to 1,000) at a time."""
        async for page in pages(self._api):
            # Iterating a page builds 1,000 library instances, then each number is parsed:
            # tens of ms. The worker thread keeps the GUI loop painting.
            yield await asyncio.to_thread(owned_from_page, page)

    async def voice_config_pages(self) -> AsyncIterator[dict[str, VoiceConfig]]:
        """Every owned number's voice configuration by SID, a page at a time (cheaper than
        `owned_pages` when only the routing matters)."""
        async for page in pages(self._api):
            yield await asyncio.to_thread(_configs_of_page, page)

    async def peek(self) -> None:
        """A one-record list call: proves the credentials may read the account's numbers
        (an API key that may not read the Account resource is validated this way)."""
        async with translate_errors():
            await self._api.page_async(page_size=1)

    async def find(self, phone_number: str) -> OwnedNumber | None:
        """The account's number `phone_number` (E.164), if it owns it (read-only)."""
        async with translate_errors():
            page: Any = await self._api.page_async(
                phone_number=phone_number, page_size=FIND_PAGE_SIZE
            )
            for inst in page:
                if inst.phone_number == phone_number:
                    return owned_from(inst)
        return None

    async def buy(
        self, phone_number: str, voice_url: str, voice_method: str, address_sid: str | None
    ) -> OwnedNumber:
        """POST a purchase (never retried here: see `number_purchase`)."""
        params: dict[str, Any] = {
            "phone_number": phone_number,
            "voice_url": voice_url,
            "voice_method": voice_method,
        }
        if address_sid:
            params["address_sid"] = address_sid
        async with translate_errors():
            created = await self._api.create_async(**params)
        return owned_from(created)

    async def fetch_voice_config(self, sid: str) -> VoiceConfig:
        async with translate_errors():
            instance = await self._api(sid).fetch_async()
        return voice_config_of(instance)

    async def update_voice(self, sid: str, params: dict[str, str]) -> None:
        """Send voice fields (Twilio parameter names in snake case; "" clears a field)."""
        async with translate_errors():
            await self._api(sid).update_async(**params)

    async def fetch(self, sid: str) -> OwnedNumber:
        async with translate_errors():
            instance = await self._api(sid).fetch_async()
        return owned_from(instance)

    async def rename(self, sid: str, friendly_name: str) -> OwnedNumber:
        """Set the number's friendly name (a label; routing is untouched)."""
        async with translate_errors():
            updated = await self._api(sid).update_async(friendly_name=friendly_name)
        return owned_from(updated)

    async def release(self, sid: str) -> None:
        """DELETE the number from the account: Twilio releases it (irreversible)."""
        async with translate_errors():
            await self._api(sid).delete_async()


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


def voice_config_of(instance: Any) -> VoiceConfig:
    """A library IncomingPhoneNumberInstance's voice fields ("" read as not set)."""
    values = {name: (getattr(instance, name) or None) for name in FIELDS}
    return VoiceConfig(**values, date_updated=getattr(instance, "date_updated", None))


def _configs_of_page(page: Iterable[Any]) -> dict[str, VoiceConfig]:
    return {str(inst.sid): voice_config_of(inst) for inst in page}


def _text(value: Any) -> str | None:
    # The library hands some fields over as str enums; keep plain strings.
    return str(value) if value not in (None, "") else None
