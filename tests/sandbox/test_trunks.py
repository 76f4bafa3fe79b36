"""Elastic SIP Trunking v1 in the emulator, through the real twilio library (every response is
checked against tests/specs/twilio_trunking_v1.json by the fixture's HTTP client).

What a client would notice: the account's trunks with their recording settings, a number
joins a trunk (POST PhoneNumberSid, which also removes its TwiML app) and leaves it (DELETE),
the IncomingPhoneNumber shows it, v1 paging with absolute next-page URLs on the trunking
host, Twilio-shaped errors, and one account never sees or changes another's trunks.
"""

from __future__ import annotations

from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException


def numbers(sandbox: Any) -> dict[str, Any]:
    with sandbox.state.lock:
        return {
            n.sid: n
            for n in sandbox.state.numbers.values()
            if n.account_sid == sandbox.info.account_sid
        }


def trunked(sandbox: Any) -> str:
    return next(s for s, n in numbers(sandbox).items() if n.trunk_sid)


def with_app(sandbox: Any) -> str:
    return next(s for s, n in numbers(sandbox).items() if n.voice_application_sid)


def plain(sandbox: Any, count: int = 1) -> list[str]:
    return [s for s, n in numbers(sandbox).items() if not n.trunk_sid][:count]


def spare_trunk(sandbox: Any) -> str:
    with sandbox.state.lock:
        return next(
            t.sid
            for t in sandbox.state.trunks.values()
            if t.account_sid == sandbox.info.account_sid and t.sid != sandbox.info.trunk_sid
        )


def test_the_demo_account_lists_its_two_trunks_with_recording_settings(sandbox) -> None:
    trunks = sandbox.client().trunking.v1.trunks.list()
    assert [t.friendly_name for t in trunks] == ["Office PBX trunk", "Backup carrier trunk"]
    office = trunks[0]
    assert office.sid == sandbox.info.trunk_sid
    assert office.recording == {"mode": "record-from-answer", "trim": "do-not-trim"}
    assert office.domain_name == "acme-office.pstn.twilio.com"
    assert office.links["phone_numbers"] == (
        f"https://trunking.twilio.com/v1/Trunks/{office.sid}/PhoneNumbers"
    )
    fetched = sandbox.client().trunking.v1.trunks(office.sid).fetch()
    assert fetched.friendly_name == "Office PBX trunk"
    # An API key of the account sees them too; the shared account has none.
    assert len(sandbox.key_client().trunking.v1.trunks.list()) == 2
    shared = sandbox.client(sandbox.info.shared_account_sid, sandbox.info.shared_auth_token,
                            sandbox.info.shared_account_sid)  # fmt: skip
    assert shared.trunking.v1.trunks.list() == []


def test_a_trunk_lists_the_numbers_attached_to_it(sandbox) -> None:
    trunk = sandbox.client().trunking.v1.trunks(sandbox.info.trunk_sid)
    listed = trunk.phone_numbers.list()
    assert [n.sid for n in listed] == [trunked(sandbox)]
    number = listed[0]
    assert number.trunk_sid == sandbox.info.trunk_sid
    assert number.phone_number.startswith("+")
    assert number.url.endswith(f"/Trunks/{sandbox.info.trunk_sid}/PhoneNumbers/{number.sid}")
    assert trunk.phone_numbers(number.sid).fetch().voice_url == "https://old-ivr.example.com/voice"
    assert sandbox.client().trunking.v1.trunks(spare_trunk(sandbox)).phone_numbers.list() == []


def test_attach_sets_the_trunk_and_removes_the_twiml_app(sandbox) -> None:
    client = sandbox.client()
    sid = with_app(sandbox)
    before = numbers(sandbox)[sid].date_updated
    spare = spare_trunk(sandbox)
    attached = client.trunking.v1.trunks(spare).phone_numbers.create(phone_number_sid=sid)
    assert attached.sid == sid and attached.trunk_sid == spare
    assert attached.voice_application_sid is None
    live = client.incoming_phone_numbers(sid).fetch()
    assert live.trunk_sid == spare and live.voice_application_sid is None
    assert numbers(sandbox)[sid].date_updated >= before
    # Attaching again to the same trunk changes nothing.
    again = client.trunking.v1.trunks(spare).phone_numbers.create(phone_number_sid=sid)
    assert again.trunk_sid == spare
    assert [n.sid for n in client.trunking.v1.trunks(spare).phone_numbers.list()] == [sid]


def test_detach_clears_the_trunk_and_keeps_every_other_field(sandbox) -> None:
    client = sandbox.client()
    sid = trunked(sandbox)
    with sandbox.state.lock:
        kept = {f: getattr(numbers(sandbox)[sid], f) for f in ("voice_url", "voice_method",
                "voice_fallback_method", "status_callback", "sms_url")}  # fmt: skip
    trunk = client.trunking.v1.trunks(sandbox.info.trunk_sid)
    assert trunk.phone_numbers(sid).delete() is True
    live = client.incoming_phone_numbers(sid).fetch()
    assert live.trunk_sid is None
    assert {f: getattr(live, f) for f in kept} == kept
    assert trunk.phone_numbers.list() == []
    for call in (trunk.phone_numbers(sid).fetch, trunk.phone_numbers(sid).delete):
        with pytest.raises(TwilioRestException) as err:
            call()
        assert (err.value.status, err.value.code) == (404, 20404)


def test_paging_follows_absolute_urls_on_the_trunking_host(sandbox) -> None:
    client = sandbox.client()
    trunk = client.trunking.v1.trunks(sandbox.info.trunk_sid)
    for sid in plain(sandbox, 4):
        trunk.phone_numbers.create(phone_number_sid=sid)
    path = f"/v1/Trunks/{sandbox.info.trunk_sid}/PhoneNumbers?PageSize=2"
    first = sandbox.raw("GET", path).json()
    assert len(first["phone_numbers"]) == 2 and first["meta"]["key"] == "phone_numbers"
    assert first["meta"]["next_page_url"].startswith("https://trunking.twilio.com/v1/Trunks/")
    listed = trunk.phone_numbers.list(page_size=2)
    assert len(listed) == 5 and len({n.sid for n in listed}) == 5
    trunks = sandbox.raw("GET", "/v1/Trunks?PageSize=1").json()
    assert trunks["meta"]["next_page_url"].startswith("https://trunking.twilio.com/v1/Trunks?")
    assert len(client.trunking.v1.trunks.list(page_size=1)) == 2


@pytest.mark.parametrize(
    "case", ["missing", "malformed", "unknown", "other account", "other trunk"]
)
def test_bad_attachments_are_refused_with_twilio_errors(sandbox, case: str) -> None:
    with sandbox.state.lock:
        foreign = next(
            n.sid
            for n in sandbox.state.numbers.values()
            if n.account_sid == sandbox.info.shared_account_sid
        )
    data = {
        "missing": {},
        "malformed": {"PhoneNumberSid": "PN123"},
        "unknown": {"PhoneNumberSid": "PN" + "0" * 32},
        "other account": {"PhoneNumberSid": foreign},
        "other trunk": {"PhoneNumberSid": trunked(sandbox)},  # on the office trunk already
    }[case]
    before = {s: (n.trunk_sid, n.voice_application_sid) for s, n in numbers(sandbox).items()}
    resp = sandbox.raw("POST", f"/v1/Trunks/{spare_trunk(sandbox)}/PhoneNumbers", data=data)
    assert resp.status_code == 400 and resp.json()["code"] == 21200
    after = {s: (n.trunk_sid, n.voice_application_sid) for s, n in numbers(sandbox).items()}
    assert after == before


def test_recording_settings_fetch_and_update(sandbox) -> None:
    recording = sandbox.client().trunking.v1.trunks(sandbox.info.trunk_sid).recordings()
    fetched = recording.fetch()
    assert (fetched.mode, fetched.trim) == ("record-from-answer", "do-not-trim")
    updated = recording.update(mode="record-from-ringing-dual")
    assert (updated.mode, updated.trim) == ("record-from-ringing-dual", "do-not-trim")
    updated = recording.update(trim="trim-silence")
    assert (updated.mode, updated.trim) == ("record-from-ringing-dual", "trim-silence")
    trunk = sandbox.client().trunking.v1.trunks(sandbox.info.trunk_sid).fetch()
    assert trunk.recording == {"mode": "record-from-ringing-dual", "trim": "trim-silence"}


@pytest.mark.parametrize("data", [{"Mode": "record-always"}, {"Mode": "do-not-record",
                                                              "Trim": "cut"}])  # fmt: skip
def test_bad_recording_settings_change_nothing(sandbox, data: dict) -> None:
    path = f"/v1/Trunks/{sandbox.info.trunk_sid}/Recording"
    resp = sandbox.raw("POST", path, data=data)
    assert resp.status_code == 400 and resp.json()["code"] == 21200
    assert sandbox.raw("GET", path).json() == {"mode": "record-from-answer", "trim": "do-not-trim"}


def test_another_accounts_trunk_is_not_found(sandbox) -> None:
    shared = (sandbox.info.shared_account_sid, sandbox.info.shared_auth_token)
    tk = sandbox.info.trunk_sid
    paths = [
        ("GET", f"/v1/Trunks/{tk}"),
        ("GET", f"/v1/Trunks/{tk}/PhoneNumbers"),
        ("GET", f"/v1/Trunks/{tk}/PhoneNumbers/{trunked(sandbox)}"),
        ("DELETE", f"/v1/Trunks/{tk}/PhoneNumbers/{trunked(sandbox)}"),
        ("GET", f"/v1/Trunks/{tk}/Recording"),
        ("POST", f"/v1/Trunks/{tk}/Recording"),
    ]
    for method, path in paths:
        resp = sandbox.raw(method, path, auth=shared, data={"Mode": "do-not-record"})
        assert resp.status_code == 404, (method, path)
    for path in ("/v1/Trunks/TK123", "/v1/Trunks/" + "TK" + "0" * 32 + "/Recording"):
        assert sandbox.raw("GET", path).status_code == 404
    assert numbers(sandbox)[trunked(sandbox)].trunk_sid == tk
    assert sandbox.raw("GET", f"/v1/Trunks/{tk}/Recording").json()["mode"] == "record-from-answer"


def test_wrong_credentials_are_refused(sandbox) -> None:
    resp = sandbox.raw("GET", "/v1/Trunks", auth=(sandbox.info.account_sid, "wrong"))
    assert resp.status_code == 401 and resp.json()["code"] == 20003
