"""Twilio's Pricing API for phone numbers (pricing.twilio.com/v1/PhoneNumbers): the monthly
price of each number type in a country, for this account.

Read-only. An API key may lack access to pricing (a restricted key): Twilio then answers
401/403, which callers see as `TwilioApiError` with that status.
"""

from __future__ import annotations

from typing import Any

from twilio.rest import Client

from ..domain.prices import CountryPrices, to_decimal
from .errors import translate_errors


class PricingGateway:
    def __init__(self, client: Client) -> None:
        self._countries = client.pricing.v1.phone_numbers.countries

    async def number_prices(self, iso_country: str) -> CountryPrices:
        """Every number type's monthly price in `iso_country` (one GET)."""
        async with translate_errors():
            found = await self._countries(iso_country.upper()).fetch_async()
        return country_prices_from(found, iso_country.upper())


def country_prices_from(inst: Any, iso_country: str) -> CountryPrices:
    currency = str(inst.price_unit or "").upper()
    prices: dict[str, tuple[Any, Any]] = {}
    for entry in inst.phone_number_prices or ():
        if not isinstance(entry, dict):
            continue
        current = to_decimal(entry.get("current_price"))
        if current is None:
            continue
        kind = str(entry.get("number_type") or "").lower()
        prices[kind] = (current, to_decimal(entry.get("base_price")))
    return CountryPrices(
        iso_country=str(inst.iso_country or iso_country),
        country=str(inst.country or iso_country),
        currency=currency,
        prices=prices,
    )
