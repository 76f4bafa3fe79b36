"""Monitor v1 Events in the emulator, through the real twilio library (every response is
checked against tests/specs/twilio_monitor_v1.json by the fixture's HTTP client).

What a client would notice: every API update or release of a number is recorded with the
credential that made it and the fields before and after; the seed holds a Console change by
a user with an IP address; filters and v1 paging work as documented; one account never sees
another's events; a restricted key is refused with 403.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException

from loquent_desktop.sandbox.seed_events import CONSOLE_IP, CONSOLE_NEW_URL, CONSOLE_OLD_URL
from loquent_desktop.sandbox.state import ApiKey


def plain_number(sandbox: Any, index: int = 0) -> str:
    with sandbox.state.lock:
        sids = [
            n.sid
            for n in sandbox.state.numbers.values()
            if n.account_sid == sandbox.info.account_sid and not n.trunk_sid
        ]
    return sids[index]


def test_the_seed_holds_a_console_change_by_a_user(sandbox) -> None:
    (event,) = sandbox.client().monitor.v1.events.list(event_type="phone-number.updated")
    assert event.source == "web" and event.actor_type == "user"
    assert event.actor_sid.startswith("US") and event.source_ip_address == CONSOLE_IP
    changed = event.event_data["resource_properties"]["voice_url"]
    assert changed == {"previous": CONSOLE_OLD_URL, "updated": CONSOLE_NEW_URL}
    with sandbox.state.lock:
        assert sandbox.state.numbers[event.resource_sid].voice_url == CONSOLE_NEW_URL


def test_an_api_update_is_recorded_with_the_key_that_made_it(sandbox) -> None:
    sid = plain_number(sandbox, 2)
    with sandbox.state.lock:
        before = sandbox.state.numbers[sid].voice_url
    sandbox.key_client().incoming_phone_numbers(sid).update(
        voice_url="https://voice.example.com/new", friendly_name="Reception"
    )
    (event,) = sandbox.client().monitor.v1.events.list(resource_sid=sid)
    assert event.event_type == "phone-number.updated" and event.source == "api"
    assert event.actor_type == "account" and event.actor_sid is None
    assert event.links["actor"].endswith(f"/Keys/{sandbox.info.api_key_sid}.json")
    properties = event.event_data["resource_properties"]
    assert properties["voice_url"] == {
        "previous": before,
        "updated": "https://voice.example.com/new",
    }
    assert properties["friendly_name"]["updated"] == "Reception"
    assert sandbox.client().monitor.v1.events(event.sid).fetch().resource_sid == sid


def test_a_release_is_recorded_with_what_the_number_had(sandbox) -> None:
    sid = plain_number(sandbox, 3)
    with sandbox.state.lock:
        url = sandbox.state.numbers[sid].voice_url
    sandbox.client().incoming_phone_numbers(sid).delete()
    (event,) = sandbox.client().monitor.v1.events.list(resource_sid=sid)
    assert event.event_type == "phone-number.deleted"
    assert event.links["actor"].endswith(f"/Accounts/{sandbox.info.account_sid}.json")
    if url:
        assert event.event_data["resource_properties"]["voice_url"]["previous"] == url


def test_filters_dates_and_paging(sandbox) -> None:
    sid = plain_number(sandbox, 4)
    client = sandbox.client()
    for i in range(5):
        client.incoming_phone_numbers(sid).update(friendly_name=f"Name {i}")
    events = client.monitor.v1.events.list(resource_sid=sid, page_size=2)
    assert len(events) == 5  # three pages, followed through absolute next_page_urls
    names = [e.event_data["resource_properties"]["friendly_name"]["updated"] for e in events]
    assert names == [f"Name {i}" for i in reversed(range(5))]  # newest first
    later = datetime.now(UTC) + timedelta(minutes=5)
    assert client.monitor.v1.events.list(resource_sid=sid, start_date=later) == []
    assert len(client.monitor.v1.events.list(resource_sid=sid, end_date=later)) == 5
    assert client.monitor.v1.events.list(resource_sid=sid, event_type="phone-number.deleted") == []
    seeded = client.monitor.v1.events.list(source_ip_address=CONSOLE_IP)
    assert len(seeded) == 1 and seeded[0].source == "web"
    by_user = client.monitor.v1.events.list(actor_sid=seeded[0].actor_sid)
    assert [e.sid for e in by_user] == [seeded[0].sid]


def test_another_account_sees_none_of_these_events(sandbox) -> None:
    shared = sandbox.client(
        sandbox.info.shared_account_sid,
        sandbox.state.accounts[sandbox.info.shared_account_sid].auth_token,
        sandbox.info.shared_account_sid,
    )
    assert shared.monitor.v1.events.list() == []
    seeded = sandbox.client().monitor.v1.events.list()[0]
    with pytest.raises(TwilioRestException) as caught:
        shared.monitor.v1.events(seeded.sid).fetch()
    assert caught.value.status == 404


def test_a_restricted_key_is_refused_with_403(sandbox) -> None:
    now = datetime.now(UTC)
    key = ApiKey("SK" + "cd" * 16, "s" * 32, sandbox.info.account_sid, "no monitor", now)
    key.kind = "restricted"
    with sandbox.state.lock:
        sandbox.state.api_keys[key.sid] = key
    resp = sandbox.raw("GET", "/v1/Events", auth=(key.sid, key.secret))
    assert resp.status_code == 403 and resp.json()["code"] == 20403
    # The same key still reads the account's numbers: only Monitor is refused.
    assert sandbox.client(key.sid, key.secret).incoming_phone_numbers.list(limit=1)
