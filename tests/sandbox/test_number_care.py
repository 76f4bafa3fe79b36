"""Renaming and releasing an owned number in the emulator, through the real twilio library
(responses spec-checked by the fixture's HTTP client): FriendlyName changes only the label,
DELETE removes the number from the account and from its trunk, and a released number is gone
for every later request (404)."""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException


def test_friendly_name_update_leaves_routing_alone(sandbox) -> None:
    client = sandbox.client()
    number = next(n for n in client.incoming_phone_numbers.list(limit=25) if n.trunk_sid)
    renamed = client.incoming_phone_numbers(number.sid).update(friendly_name="Front desk")
    assert renamed.friendly_name == "Front desk"
    same = ("voice_url", "trunk_sid", "sms_url", "voice_application_sid", "status_callback")
    assert all(getattr(renamed, f) == getattr(number, f) for f in same)
    assert renamed.date_updated >= number.date_updated


def test_release_removes_the_number_from_account_and_trunk(sandbox) -> None:
    client = sandbox.client()
    number = next(n for n in client.incoming_phone_numbers.list(limit=25) if n.trunk_sid)
    trunk = client.trunking.v1.trunks(number.trunk_sid)
    assert number.sid in {n.sid for n in trunk.phone_numbers.list()}

    assert client.incoming_phone_numbers(number.sid).delete() is True

    assert number.sid not in {n.sid for n in trunk.phone_numbers.list()}
    assert number.sid not in {n.sid for n in client.incoming_phone_numbers.list()}
    for again in (
        lambda: client.incoming_phone_numbers(number.sid).update(friendly_name="x"),
        lambda: client.incoming_phone_numbers(number.sid).delete(),
    ):
        with pytest.raises(TwilioRestException) as caught:
            again()
        assert (caught.value.status, caught.value.code) == (404, 20404)
