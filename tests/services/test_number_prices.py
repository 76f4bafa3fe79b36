"""NumberPrices against the emulator's Pricing API over HTTP: the day-long cache per account
and country, and plain reasons when there is no price."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from loquent_desktop.services.number_prices import DENIED_TTL_S, PRICES_TTL_S, NumberPrices
from tests.services.test_numbers_service import connect_byo

PRICING = "/v1/PhoneNumbers/Countries"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def reads(sandbox: Any) -> int:
    return len(sandbox.server.requests("GET", PRICING))


def test_a_price_is_read_once_a_day_per_country(context, qloop, sandbox) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    clock = Clock()
    prices = NumberPrices(context.access, clock)
    sandbox.server.clear_log()

    def ask(country: str, kind: str) -> Any:
        return qloop.run_until_complete(prices.monthly_price(org_id, country, kind))

    local = ask("US", "Local")
    assert local.price is not None and local.price.current_price == Decimal("1.15")
    assert local.price.currency == "USD" and local.price.text == "US$1.15"
    assert ask("us", "TollFree").price.text == "US$2.15"  # same country: no second read
    assert reads(sandbox) == 1
    assert ask("GB", "Mobile").price.text == "US$1.00"  # a discount: current, not base
    assert "list price US$1.15" in ask("GB", "Mobile").tooltip
    assert reads(sandbox) == 2

    with sandbox.server.state.lock:  # Twilio changes the price; the cache holds a day
        sandbox.server.state.number_prices["US"].prices["local"] = ("1.25", "1.25")
    clock.now += PRICES_TTL_S - 1
    assert ask("US", "Local").price.text == "US$1.15"
    clock.now += 2
    assert ask("US", "Local").price.text == "US$1.25"
    assert reads(sandbox) == 3


def test_no_price_says_why_and_a_denial_is_asked_again_later(context, qloop, sandbox) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    clock = Clock()
    prices = NumberPrices(context.access, clock)

    def ask(country: str, kind: str) -> Any:
        return qloop.run_until_complete(prices.monthly_price(org_id, country, kind))

    missing_type = ask("DE", "TollFree")
    assert missing_type.price is None and "no price for toll-free numbers" in missing_type.reason
    assert ask("ZW", "Local").reason.startswith("Twilio publishes no number prices for ZW")

    with sandbox.server.state.lock:
        sandbox.server.state.pricing_denied.add(sandbox.seed.account_sid)
    denied = ask("CA", "Local")
    assert denied.price is None and "may not read Twilio's prices" in denied.reason
    assert denied.column_text == "—"
    with sandbox.server.state.lock:  # the permission is granted in the Console
        sandbox.server.state.pricing_denied.clear()
    assert ask("CA", "Local").price is None  # remembered for a few minutes
    clock.now += DENIED_TTL_S + 1
    assert ask("CA", "Local").price.text == "US$1.15"


def test_a_server_problem_is_not_remembered(context, qloop, sandbox) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    prices = NumberPrices(context.access, Clock())
    sandbox.server.faults.add("*/PhoneNumbers/Countries/US", "503", count=50)

    failed = qloop.run_until_complete(prices.monthly_price(org_id, "US", "Local"))
    assert failed.price is None and "could not be read" in failed.reason

    sandbox.server.faults.clear()
    again = qloop.run_until_complete(prices.monthly_price(org_id, "US", "Local"))
    assert again.price is not None and again.price.text == "US$1.15"
