"""The emulator's price list for phone numbers: what Twilio's Pricing API answers per country.

Figures in the range Twilio publishes (US$, per number per month); tests read them from
here rather than repeating them. A test changes a country's prices through
`state.number_prices` under `state.lock`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class CountryPriceList:
    country: str
    price_unit: str
    # Pricing API number type ("local", "mobile", "toll free") -> (base_price, current_price)
    prices: dict[str, tuple[str, str]]


def default_number_prices() -> dict[str, CountryPriceList]:
    """Every country the inventory sells in, plus one it does not (Austria), so the
    countries list is not just the search's countries."""
    return {
        "US": CountryPriceList(
            "United States", "USD", {"local": ("1.15", "1.15"), "toll free": ("2.15", "2.15")}
        ),
        "CA": CountryPriceList(
            "Canada", "USD", {"local": ("1.15", "1.15"), "toll free": ("2.15", "2.15")}
        ),
        "GB": CountryPriceList(
            "United Kingdom", "USD", {"local": ("1.15", "1.15"), "mobile": ("1.15", "1.00")}
        ),
        "DE": CountryPriceList("Germany", "USD", {"local": ("1.50", "1.50")}),
        "AT": CountryPriceList("Austria", "USD", {"local": ("2.00", "2.00")}),
    }
