"""Monthly number prices from Twilio's Pricing API, cached per account and country for a day.

Read-only. Prices are per account (Twilio may give an account its own `current_price`), so
the cache key is the account SID with the country. The cache lives in memory: it saves the
request for every search and buy plan of a session, Twilio changes number prices a few times
a year, and one GET per country after a restart costs less than a table (and a shared
database) holding figures that go stale. A key that may not read prices is remembered for a
few minutes only, so granting the permission in the Console takes effect soon.

When a price cannot be read the answer says why in plain words (`PriceLookup.reason`); it
never raises for that, because a purchase must not depend on knowing the price beforehand.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from ..domain.errors import TwilioApiError
from ..domain.numbers import type_label
from ..domain.prices import CountryPrices, PriceLookup
from ..twilio_api.account import TwilioAccount
from .twilio_access import TwilioAccess

log = logging.getLogger(__name__)

PRICES_TTL_S = 24 * 3600.0
DENIED_TTL_S = 10 * 60.0
PRICING_PAGE = "twilio.com/en-us/pricing"


class NumberPrices:
    def __init__(self, access: TwilioAccess, clock: Callable[[], float] = time.monotonic) -> None:
        self.access = access
        self._clock = clock
        # (account SID, country) -> (read at, prices, or the reason there are none)
        self._cache: dict[tuple[str, str], tuple[float, CountryPrices | str]] = {}

    async def monthly_price(self, org_id: int, iso_country: str, number_type: str) -> PriceLookup:
        """What one `number_type` (AvailablePhoneNumbers path name, e.g. "TollFree") number
        in `iso_country` costs this organization's account a month."""
        account, _ = await self.access.account_for(org_id)
        return await self.price_on(account, iso_country, number_type)

    async def price_on(
        self, account: TwilioAccount, iso_country: str, number_type: str
    ) -> PriceLookup:
        country = (iso_country or "").upper()
        found = await self._country(account, country)
        if isinstance(found, str):
            return PriceLookup(None, found)
        price = found.for_type(number_type)
        if price is None:
            return PriceLookup(
                None,
                f"Twilio's price list for {found.country} names no price for "
                f"{type_label(number_type)} numbers; see {PRICING_PAGE}.",
            )
        return PriceLookup(price)

    async def _country(self, account: TwilioAccount, country: str) -> CountryPrices | str:
        key = (account.sid, country)
        now = self._clock()
        cached = self._cache.get(key)
        if cached is not None:
            read_at, known = cached
            ttl = DENIED_TTL_S if isinstance(known, str) else PRICES_TTL_S
            if now - read_at < ttl:
                return known
        try:
            prices = await account.pricing.number_prices(country)
        except TwilioApiError as err:
            reason = _reason(err, country)
            # An answer is worth remembering; a timeout or a 5xx is asked again next time.
            if err.is_denied or err.is_not_found:
                self._cache[key] = (now, reason)
            log.info("No number prices for %s: %s", country, err.message)
            return reason
        self._cache[key] = (now, prices)
        return prices


def _reason(err: TwilioApiError, country: str) -> str:
    if err.is_denied:
        return (
            "The price could not be read: these credentials may not read Twilio's prices "
            "(an API key without the Pricing permission). Twilio still bills the monthly "
            f"fee; see {PRICING_PAGE}, or use a key that may read pricing."
        )
    if err.is_not_found:
        return f"Twilio publishes no number prices for {country}; see {PRICING_PAGE}."
    return f"Twilio's price could not be read ({err.message}); see {PRICING_PAGE}."
