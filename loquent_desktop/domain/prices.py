"""Monthly prices of phone numbers, as Twilio's Pricing API states them for an account.

Twilio's Pricing API (`pricing.twilio.com/v1/PhoneNumbers/Countries/{IsoCountry}`) lists,
per country, one price per number type ("local", "mobile", "toll free", ...) in the
account's currency (`price_unit`). `current_price` is what the account pays today (it may
carry a discount); `base_price` is the list price. Plain values: no I/O, no Qt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

# Currency codes people read as a symbol; the rest are shown as "1.15 CHF".
_SYMBOLS = {"USD": "US$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "JPY": "¥"}
UNREADABLE_TIP = "Twilio's price could not be read for this account: see the buy plan."


def pricing_type(path_name: str) -> str:
    """AvailablePhoneNumbers path name -> the Pricing API's number type:
    `TollFree` -> "toll free", `Local` -> "local"."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", path_name).lower()


def money(amount: Decimal, currency: str) -> str:
    """`US$1.15`, `€1.00`, `3.50 CHF`: at least two decimals, more only if Twilio gave them."""
    text = f"{amount:.2f}" if amount == amount.quantize(Decimal("0.01")) else f"{amount}"
    unit = currency.upper()
    symbol = _SYMBOLS.get(unit)
    return f"{symbol}{text}" if symbol else f"{text} {unit}".strip()


def to_decimal(value: Any) -> Decimal | None:
    """Twilio's spec says number, its examples show strings: both read the same."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@dataclass(frozen=True)
class MonthlyPrice:
    """What one number of a type costs a month in a country, for this account."""

    iso_country: str
    number_type: str  # the Pricing API's name: "local", "toll free", ...
    current_price: Decimal
    base_price: Decimal | None
    currency: str  # ISO 4217, upper case

    @property
    def text(self) -> str:
        return money(self.current_price, self.currency)

    @property
    def discounted(self) -> bool:
        return self.base_price is not None and self.base_price > self.current_price


@dataclass(frozen=True)
class CountryPrices:
    """Every number type's monthly price in one country."""

    iso_country: str
    country: str
    currency: str
    prices: dict[str, tuple[Decimal, Decimal | None]]  # number type -> (current, base)

    def for_type(self, path_name: str) -> MonthlyPrice | None:
        found = self.prices.get(pricing_type(path_name))
        if found is None:
            return None
        current, base = found
        return MonthlyPrice(self.iso_country, pricing_type(path_name), current, base, self.currency)


@dataclass(frozen=True)
class PriceLookup:
    """The answer to "what does this number cost a month?": a price, or why there is none
    (said plainly in the buy plan and the search results' tooltip)."""

    price: MonthlyPrice | None
    reason: str | None = None  # set when `price` is None

    @property
    def column_text(self) -> str:
        return self.price.text if self.price is not None else "—"

    @property
    def tooltip(self) -> str:
        if self.price is None:
            return self.reason or UNREADABLE_TIP
        price = self.price
        text = f"{price.text} a month ({price.number_type} number in {price.iso_country})"
        if price.discounted and price.base_price is not None:
            text += f"; list price {money(price.base_price, price.currency)}"
        return text + ", as Twilio's Pricing API states it for this account."
