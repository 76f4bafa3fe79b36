"""Pricing v1 phone-number prices in the emulator, through the real twilio library (every
response is checked against tests/specs/twilio_pricing_v1.json by the fixture's HTTP client).

What a client would notice: a country's monthly price per number type in the account's
currency, the countries list with v1 paging on the pricing host, a 404 for a country without
prices, and a key without the Pricing permission refused with Twilio's 403 body.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException

from loquent_desktop.sandbox.state import ApiKey


def test_a_country_lists_its_monthly_price_per_number_type(sandbox) -> None:
    us = sandbox.client().pricing.v1.phone_numbers.countries("US").fetch()
    assert us.country == "United States" and us.iso_country == "US"
    assert us.price_unit == "USD"
    prices = {p["number_type"]: p for p in us.phone_number_prices}
    assert set(prices) == {"local", "toll free"}
    assert float(prices["local"]["current_price"]) == 1.15
    assert float(prices["toll free"]["base_price"]) == 2.15
    assert us.url == "https://pricing.twilio.com/v1/PhoneNumbers/Countries/US"


def test_the_countries_list_pages_on_the_pricing_host(sandbox) -> None:
    countries = sandbox.client().pricing.v1.phone_numbers.countries.list(page_size=2)
    assert [c.iso_country for c in countries] == ["AT", "CA", "DE", "GB", "US"]
    page = sandbox.raw("GET", "/v1/PhoneNumbers/Countries?PageSize=2").json()
    assert page["meta"]["next_page_url"].startswith(
        "https://pricing.twilio.com/v1/PhoneNumbers/Countries?PageSize=2&Page=1"
    )


def test_a_country_without_prices_is_not_found(sandbox) -> None:
    with pytest.raises(TwilioRestException) as caught:
        sandbox.client().pricing.v1.phone_numbers.countries("ZW").fetch()
    assert caught.value.status == 404 and caught.value.code == 20404


def _restricted_key(sandbox: Any) -> ApiKey:
    now = datetime.now(UTC)
    key = ApiKey("SK" + "ab" * 16, "s" * 32, sandbox.info.account_sid, "no pricing", now)
    key.kind = "restricted"
    with sandbox.state.lock:
        sandbox.state.api_keys[key.sid] = key
    return key


def test_a_key_without_the_pricing_permission_gets_twilio_403(sandbox) -> None:
    key = _restricted_key(sandbox)
    client = sandbox.client(key.sid, key.secret)
    with pytest.raises(TwilioRestException) as caught:
        client.pricing.v1.phone_numbers.countries("US").fetch()
    assert caught.value.status == 403 and caught.value.code == 20403
    # The same key still reads the account's numbers: only pricing is refused.
    assert client.incoming_phone_numbers.list(limit=1)


def test_an_account_marked_denied_is_refused_with_any_credentials(sandbox) -> None:
    with sandbox.state.lock:
        sandbox.state.pricing_denied.add(sandbox.info.account_sid)
    resp = sandbox.raw("GET", "/v1/PhoneNumbers/Countries/US")
    assert resp.status_code == 403 and resp.json()["code"] == 20403
