"""AvailablePhoneNumbers: countries and searches with Twilio's filters and 30-result cap."""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioException, TwilioRestException


def test_countries_list(sandbox):
    countries = {c.country_code: c for c in sandbox.client().available_phone_numbers.list()}
    assert set(countries) == {"US", "CA", "GB", "DE"}
    assert set(countries["US"].subresource_uris) == {"local", "toll_free"}
    assert set(countries["GB"].subresource_uris) == {"local", "mobile"}
    assert countries["DE"].country == "Germany"
    assert sandbox.client().available_phone_numbers("GB").fetch().country == "United Kingdom"


def test_unknown_country_or_type_is_404(sandbox):
    with pytest.raises(TwilioRestException) as err:
        sandbox.client().available_phone_numbers("ZZ").fetch()
    assert (err.value.status, err.value.code) == (404, 20404)
    with pytest.raises(TwilioException):
        sandbox.client().available_phone_numbers("US").mobile.list()
    resp = sandbox.raw("GET", f"{sandbox.acct}/AvailablePhoneNumbers/US/Mobile.json")
    assert (resp.status_code, resp.json()["code"]) == (404, 20404)


def test_results_capped_at_30_and_by_page_size(sandbox):
    local = sandbox.client().available_phone_numbers("US").local
    assert len(local.list()) == 30
    assert len(local.list(page_size=5)) == 5


def test_area_code_region_locality_postal(sandbox):
    local = sandbox.client().available_phone_numbers("US").local
    assert {n.phone_number[:5] for n in local.list(area_code=212)} == {"+1212"}
    assert {n.region for n in local.list(in_region="CA")} == {"CA"}
    assert {n.locality for n in local.list(in_locality="Chicago")} == {"Chicago"}
    assert {n.postal_code for n in local.list(in_postal_code="78701")} == {"78701"}
    near = local.list(near_number="+14155550123", distance=50)
    assert near and {n.region for n in near} == {"CA"}
    assert {n.locality for n in near} <= {"San Francisco", "Oakland"}


def test_contains_with_wildcards_and_letters(sandbox):
    local = sandbox.client().available_phone_numbers("US").local
    sample = local.list(area_code=305, limit=1)[0].phone_number
    tail = sample[-4:]
    found = local.list(contains=f"*{tail[1:]}")
    assert sample in {n.phone_number for n in found}
    # Letters are keypad digits: "ADG" = 234.
    for n in local.list(contains="ADG"):
        assert "234" in n.phone_number
    assert local.list(contains="+1415" + "*" * 7) and all(
        n.phone_number.startswith("+1415") for n in local.list(contains="+1415" + "*" * 7)
    )


def test_capability_and_address_filters(sandbox):
    client = sandbox.client()
    no_sms = client.available_phone_numbers("US").local.list(sms_enabled=False)
    assert no_sms and all(not n.capabilities["sms"] for n in no_sms)
    assert client.available_phone_numbers("GB").local.list(exclude_all_address_required=True) == []
    gb = client.available_phone_numbers("GB").local.list(exclude_local_address_required=True)
    assert gb and {n.address_requirements for n in gb} == {"any"}
    assert (
        client.available_phone_numbers("DE").local.list(exclude_local_address_required=True) == []
    )
    assert all(not n.beta for n in client.available_phone_numbers("US").local.list(beta=False))
    assert any(n.beta for n in client.available_phone_numbers("US").local.list(page_size=30))
