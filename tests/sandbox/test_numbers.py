"""Owned numbers: buy, update, clear, release, and the purchase rules Twilio enforces."""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException


def _first_available(client, country="US", **filters):
    found = client.available_phone_numbers(country).local.list(**filters)
    assert found, f"inventory has no {country} local numbers for {filters}"
    return found[0].phone_number


def test_buy_update_clear_release(sandbox):
    client = sandbox.client()
    e164 = _first_available(client, area_code="415")
    bought = client.incoming_phone_numbers.create(
        phone_number=e164, voice_url="https://voice.loquent.example/v/1", friendly_name="Loquent"
    )
    assert bought.phone_number == e164 and bought.voice_url.endswith("/v/1")
    assert sandbox.server.requests("POST", "IncomingPhoneNumbers.json")[-1].status == 201
    # Bought numbers leave the inventory.
    again = client.available_phone_numbers("US").local.list(area_code="415", page_size=30)
    assert e164 not in {n.phone_number for n in again}

    number = client.incoming_phone_numbers(bought.sid)
    updated = number.update(voice_url="https://crm.example.com/v", voice_method="GET")
    assert (updated.voice_url, updated.voice_method) == ("https://crm.example.com/v", "GET")
    cleared = number.update(voice_url="", voice_method="")
    assert cleared.voice_url is None and cleared.voice_method == "POST"
    assert number.fetch().friendly_name == "Loquent"

    assert number.delete() is True
    with pytest.raises(TwilioRestException) as err:
        number.fetch()
    assert (err.value.status, err.value.code) == (404, 20404)


def test_trunk_and_application_exclude_each_other(sandbox):
    client = sandbox.client()
    sid = client.incoming_phone_numbers.list(limit=5)[3].sid
    with_trunk = client.incoming_phone_numbers(sid).update(trunk_sid=sandbox.info.trunk_sid)
    assert with_trunk.trunk_sid == sandbox.info.trunk_sid
    with_app = client.incoming_phone_numbers(sid).update(
        voice_application_sid=sandbox.info.application_sid
    )
    assert with_app.voice_application_sid == sandbox.info.application_sid
    assert with_app.trunk_sid is None
    cleared = client.incoming_phone_numbers(sid).update(voice_application_sid="")
    assert cleared.voice_application_sid is None


def test_update_moves_date_updated_and_leaves_unsent_fields(sandbox):
    client = sandbox.client()
    number = client.incoming_phone_numbers.list(limit=25)[-1]
    updated = client.incoming_phone_numbers(number.sid).update(voice_url="https://x.example/v")
    assert updated.date_updated > number.date_updated
    unsent = ("sms_url", "status_callback", "voice_fallback_url", "friendly_name")
    assert all(getattr(updated, f) == getattr(number, f) for f in unsent)


def test_unknown_trunk_is_rejected_without_change(sandbox):
    client = sandbox.client()
    number = client.incoming_phone_numbers.list(limit=5)[4]
    with pytest.raises(TwilioRestException) as err:
        client.incoming_phone_numbers(number.sid).update(
            trunk_sid="TK" + "1" * 32, voice_url="https://x.example/v"
        )
    assert err.value.status == 400
    assert client.incoming_phone_numbers(number.sid).fetch().voice_url == number.voice_url


def test_buying_a_number_not_for_sale_is_21422(sandbox):
    client = sandbox.client()
    owned = client.incoming_phone_numbers.list(limit=1)[0].phone_number
    for e164 in (owned, "+15005550000"):
        with pytest.raises(TwilioRestException) as err:
            client.incoming_phone_numbers.create(phone_number=e164)
        assert (err.value.status, err.value.code) == (400, 21422)


def test_buy_without_number_or_area_code_is_400(sandbox):
    resp = sandbox.raw("POST", f"{sandbox.acct}/IncomingPhoneNumbers.json", data={})
    assert (resp.status_code, resp.json()["code"]) == (400, 21421)


def test_buy_by_area_code(sandbox):
    bought = sandbox.client().incoming_phone_numbers.create(area_code="512")
    assert bought.phone_number.startswith("+1512")
    resp = sandbox.raw(
        "POST", f"{sandbox.acct}/IncomingPhoneNumbers.json", data={"AreaCode": "999"}
    )
    assert (resp.status_code, resp.json()["code"]) == (400, 21452)


def test_address_requirements(sandbox):
    client = sandbox.client()
    london = _first_available(client, "GB", in_locality="London")  # requires "any"
    with pytest.raises(TwilioRestException) as err:
        client.incoming_phone_numbers.create(phone_number=london)
    assert (err.value.status, err.value.code) == (400, 21631)
    berlin = _first_available(client, "DE")  # requires a local (German) address
    with pytest.raises(TwilioRestException) as err:
        client.incoming_phone_numbers.create(
            phone_number=berlin, address_sid=sandbox.info.address_sids["US"]
        )
    assert (err.value.status, err.value.code) == (400, 21615)
    # Nothing was bought by the failed attempts.
    assert client.incoming_phone_numbers.list(phone_number=berlin) == []
    ok = client.incoming_phone_numbers.create(
        phone_number=berlin, address_sid=sandbox.info.address_sids["DE"]
    )
    assert ok.address_sid == sandbox.info.address_sids["DE"]
    assert ok.address_requirements == "local"


def test_typed_purchase_endpoints(sandbox):
    client = sandbox.client()
    toll_free = client.available_phone_numbers("US").toll_free.list(limit=1)[0].phone_number
    with pytest.raises(TwilioRestException) as err:
        client.incoming_phone_numbers.local.create(phone_number=toll_free)
    assert err.value.code == 21422
    bought = client.incoming_phone_numbers.toll_free.create(phone_number=toll_free)
    assert bought.phone_number == toll_free
    listed = client.incoming_phone_numbers.toll_free.list()
    assert [n.phone_number for n in listed] == [toll_free]


def test_list_filters(sandbox):
    client = sandbox.client()
    everything = client.incoming_phone_numbers.list()
    target = everything[5]
    digits = target.phone_number[1:]
    # Partial match, "+" optional, "*" as a wildcard digit.
    assert target.sid in {
        n.sid for n in client.incoming_phone_numbers.list(phone_number=digits[-6:])
    }
    pattern = "+" + digits[:4] + "*" + digits[5:]
    assert [n.sid for n in client.incoming_phone_numbers.list(phone_number=pattern)] == [target.sid]
    named = client.incoming_phone_numbers.list(friendly_name=target.friendly_name)
    assert target.sid in {n.sid for n in named}
    assert all(n.friendly_name == target.friendly_name for n in named)
    assert client.incoming_phone_numbers.list(origin="hosted") == []
