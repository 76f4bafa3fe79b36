"""Number prices as the app shows them: the currency as people read it, Twilio's number type
names, and the sentence when there is no price."""

from __future__ import annotations

from decimal import Decimal

import pytest

from loquent_desktop.domain.prices import (
    CountryPrices,
    PriceLookup,
    money,
    pricing_type,
    to_decimal,
)


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("1.15", "USD", "US$1.15"),
        ("1", "usd", "US$1.00"),
        ("0.125", "EUR", "€0.125"),
        ("3.5", "CHF", "3.50 CHF"),
    ],
)
def test_money_reads_as_people_write_prices(amount: str, currency: str, shown: str) -> None:
    assert money(Decimal(amount), currency) == shown


def test_search_types_map_to_pricing_types() -> None:
    assert [pricing_type(t) for t in ("Local", "Mobile", "TollFree", "SharedCost")] == [
        "local",
        "mobile",
        "toll free",
        "shared cost",
    ]


def test_prices_read_from_numbers_or_strings() -> None:
    assert to_decimal(1.15) == Decimal("1.15") and to_decimal("2.00") == Decimal("2.00")
    assert to_decimal(None) is None and to_decimal("n/a") is None


def test_a_country_answers_per_type_and_says_when_it_has_none() -> None:
    gb = CountryPrices(
        "GB", "United Kingdom", "USD", {"mobile": (Decimal("1.00"), Decimal("1.15"))}
    )
    mobile = PriceLookup(gb.for_type("Mobile"))
    assert mobile.column_text == "US$1.00"
    assert "list price US$1.15" in mobile.tooltip
    assert gb.for_type("TollFree") is None
    unknown = PriceLookup(None, "The price could not be read.")
    assert unknown.column_text == "—" and unknown.tooltip == "The price could not be read."
