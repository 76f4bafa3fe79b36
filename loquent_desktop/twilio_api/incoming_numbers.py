"""The account's own phone numbers (IncomingPhoneNumbers): list, find, buy, read and update
their voice routing, rename and release them.

The one place that knows the fields of an owned number's record, so the listing, the purchase
and voice routing all reduce records the same way. Every method raises only `TwilioApiError`.

Listing 10,000 numbers is ten 1 MB pages. They are read as the JSON Twilio sent, decoded and
reduced on a worker thread (library instances and its date parser cost more than the rest of
the record), and the next page is requested as soon as its link is known, while this one is
still being reduced.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar

from twilio.base import deserialize
from twilio.base.exceptions import TwilioException
from twilio.base.page import Page
from twilio.rest import Client

from ..domain.errors import TwilioApiError
from ..domain.numbers import OwnedNumber, country_of, normalize_capabilities
from ..domain.voice_route import VoiceConfig
from ..domain.voice_routing import FIELDS
from .errors import translate_errors
from .json_body import decode
from .paging import PAGE_SIZE, PageLinks

T = TypeVar("T")

# A lookup by number returns that one number; a small page is plenty.
FIND_PAGE_SIZE = 50


class IncomingNumbersGateway:
    def __init__(self, client: Client) -> None:
        self._client = client
        self._api = client.api.v2010.accounts(client.account_sid).incoming_phone_numbers
        self._list_url = client.api.absolute_url(
            f"/2010-04-01/Accounts/{client.account_sid}/IncomingPhoneNumbers.json"
        )

    async def owned_pages(self) -> AsyncIterator[list[OwnedNumber]]:
        """Every number the account owns, a page (up to 1,000) at a time."""
        async for numbers in self._pages(owned_from_records):
            yield numbers

    async def voice_config_pages(self) -> AsyncIterator[dict[str, VoiceConfig]]:
        """Every owned number's voice configuration by SID, a page at a time (cheaper than
        `owned_pages` when only the routing matters)."""
        async for configs in self._pages(_configs_of_records):
            yield configs

    async def _pages(self, reduce: Callable[[list[dict[str, Any]]], T]) -> AsyncIterator[T]:
        """`reduce(records)` of each page, following Twilio's next-page links (at the
        maximum page size, as `paging.pages` does). While a page is reduced on a worker
        thread, the next one is already on its way."""
        links = PageLinks()
        pending: asyncio.Future[str] | None = self._request(self._list_url, PAGE_SIZE)
        try:
            while pending is not None:
                records, next_uri = await asyncio.to_thread(_decode, await pending)
                pending = None
                links.check(next_uri)
                if next_uri:
                    pending = self._request(self._client.api.absolute_url(next_uri))
                yield await asyncio.to_thread(reduce, records)
        finally:
            if pending is not None:
                pending.cancel()

    def _request(self, url: str, page_size: int | None = None) -> asyncio.Future[str]:
        """GET one page, started now; its text (decoded by the caller, off the loop)."""

        async def get() -> str:
            params = {"PageSize": page_size} if page_size else None
            async with translate_errors():
                response = await self._client.request_async("GET", url, params=params)
                if response.status_code != 200:
                    raise TwilioException("Unable to fetch page", response)
            return str(response.text)

        future = asyncio.ensure_future(get())
        # A read abandoned midway (an error, a cancelled load) never awaits it: its failure
        # is not worth a "Task exception was never retrieved" in the log.
        future.add_done_callback(lambda done: done.cancelled() or done.exception())
        return future

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


# Deriving the country parses the number (~25 µs); a Refresh reads the same numbers again.
_country = lru_cache(maxsize=65536)(country_of)


def owned_from(inst: Any) -> OwnedNumber:
    """Reduce a library IncomingPhoneNumberInstance to the fields the app keeps (its
    attributes are the record's fields, with the dates already parsed)."""
    return owned_from_record(vars(inst))


def owned_from_record(record: Mapping[str, Any]) -> OwnedNumber:
    """Reduce an IncomingPhoneNumber record (Twilio's JSON names) to the fields the app keeps."""
    get = record.get
    phone = str(get("phone_number") or "")
    return OwnedNumber(
        sid=str(get("sid")),
        phone_number=phone,
        friendly_name=get("friendly_name"),
        capabilities=normalize_capabilities(get("capabilities")),
        iso_country=_country(phone),
        address_requirements=_text(get("address_requirements")),
        voice_url=get("voice_url") or None,
        voice_method=_text(get("voice_method")),
        voice_fallback_url=get("voice_fallback_url") or None,
        voice_fallback_method=_text(get("voice_fallback_method")),
        voice_application_sid=get("voice_application_sid") or None,
        trunk_sid=get("trunk_sid") or None,
        status_callback=get("status_callback") or None,
        status_callback_method=_text(get("status_callback_method")),
        sms_url=get("sms_url") or None,
        sms_method=_text(get("sms_method")),
        sms_application_sid=get("sms_application_sid") or None,
        date_created=_date(get("date_created")),
        date_updated=_date(get("date_updated")),
    )


def owned_from_records(records: Iterable[Mapping[str, Any]]) -> list[OwnedNumber]:
    return [owned_from_record(record) for record in records]


def voice_config_of(instance: Any) -> VoiceConfig:
    """A library IncomingPhoneNumberInstance's voice fields ("" read as not set)."""
    return voice_config_of_record(vars(instance))


def voice_config_of_record(record: Mapping[str, Any]) -> VoiceConfig:
    values = {name: (record.get(name) or None) for name in FIELDS}
    return VoiceConfig(**values, date_updated=_date(record.get("date_updated")))


def _configs_of_records(records: Iterable[Mapping[str, Any]]) -> dict[str, VoiceConfig]:
    return {str(record.get("sid")): voice_config_of_record(record) for record in records}


def _decode(text: str) -> tuple[list[dict[str, Any]], str | None]:
    """A v2010 list page's records (under the one key that is not paging metadata) and its
    next-page link."""
    try:
        payload = decode(text)
    except ValueError:
        raise TwilioApiError(
            "Twilio's answer was cut off or unreadable. Try again; if it keeps happening, "
            "check for a proxy or firewall that alters HTTPS traffic.",
            kind="malformed",
            method="GET",
        ) from None
    keys = [key for key in payload if key not in Page.META_KEYS]
    records = payload[keys[0]] if len(keys) == 1 else []
    return list(records), payload.get("next_page_uri") or None


_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


def _date(value: Any) -> datetime | None:
    """A record's date ("Sat, 04 Jan 2025 10:21:20 +0000", what Twilio always sends) as the
    library reads it (UTC), by hand for that shape: its parser (email.utils) costs as much
    as the rest of the record. Anything else goes to the library's parser; a datetime
    (a library instance's) is kept."""
    if not isinstance(value, str):
        return value if isinstance(value, datetime) else None
    try:
        _weekday, day, month, year, clock, zone = value.split(" ")
        hour, minute, second = clock.split(":")
        if zone == "+0000":
            return datetime(
                int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second),
                tzinfo=UTC,
            )  # fmt: skip
    except (ValueError, KeyError):
        pass
    return deserialize.rfc2822_datetime(value)


def _text(value: Any) -> str | None:
    # The library hands some fields over as str enums; keep plain strings.
    return str(value) if value not in (None, "") else None
