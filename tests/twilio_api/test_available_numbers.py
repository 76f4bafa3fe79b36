"""AvailableNumbersGateway against the emulator: the countries on sale and one search that
sends only the filters set."""

from __future__ import annotations

from typing import Any

import pytest

from loquent_desktop.domain.errors import LoquentError, TwilioApiError
from loquent_desktop.domain.numbers import SearchQuery
from loquent_desktop.twilio_api.account import TwilioAccount
from tests.twilio_api import sandbox_account

# The emulator's demo account (fixtures shared by the gateway tests).
factory = sandbox_account.factory
demo_account = sandbox_account.demo_account


def test_countries_carry_their_number_types(demo_account: TwilioAccount, qloop: Any) -> None:
    countries = {
        c.code: c for c in qloop.run_until_complete(demo_account.available_numbers.countries())
    }
    assert "US" in countries and countries["US"].types[0] == "Local"
    assert countries["US"].name


def test_search_sends_only_the_filters_set(
    demo_account: TwilioAccount, qloop: Any, sandbox: Any
) -> None:
    query = SearchQuery(country="US", number_type="Local", area_code="415", voice=True)
    sandbox.server.clear_log()
    found = qloop.run_until_complete(demo_account.available_numbers.search(query))
    assert found and all(n.phone_number.startswith("+1415") for n in found)
    assert all(n.number_type == "Local" and n.capabilities.get("voice") for n in found)
    (request,) = sandbox.server.requests("GET")
    assert request.query == {"AreaCode": "415", "VoiceEnabled": "true", "PageSize": "30"}


def test_unknown_number_type_is_refused_before_any_request(
    demo_account: TwilioAccount, qloop: Any, sandbox: Any
) -> None:
    sandbox.server.clear_log()
    with pytest.raises(LoquentError, match="does not sell"):
        qloop.run_until_complete(
            demo_account.available_numbers.search(SearchQuery(number_type="Premium"))
        )
    assert sandbox.server.requests() == []


def test_a_country_without_the_type_is_not_found(demo_account: TwilioAccount, qloop: Any) -> None:
    with pytest.raises(TwilioApiError) as raised:
        qloop.run_until_complete(
            demo_account.available_numbers.search(SearchQuery(country="ZZ", number_type="Local"))
        )
    assert raised.value.is_not_found
