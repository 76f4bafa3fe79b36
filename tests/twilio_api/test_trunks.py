"""TrunksGateway against the emulator: the account's trunks, the numbers on a trunk, attach
and detach through the Trunking API (read back on the number itself), recording settings,
and Twilio's refusals as `TwilioApiError`."""

from __future__ import annotations

from typing import Any

import pytest

from loquent_desktop.domain.errors import InvalidInput, TwilioApiError
from loquent_desktop.domain.trunks import TrunkRecording
from loquent_desktop.twilio_api.account import TwilioAccount
from tests.twilio_api import sandbox_account
from tests.twilio_api.sandbox_account import emulator_writes

factory = sandbox_account.factory
demo_account = sandbox_account.demo_account


def run(qloop: Any, coro: Any) -> Any:
    return qloop.run_until_complete(coro)


def emulator_number(sandbox: Any, sid: str) -> Any:
    with sandbox.server.state.lock:
        return sandbox.server.state.numbers[sid]


def demo_numbers(sandbox: Any) -> list[Any]:
    with sandbox.server.state.lock:
        return [
            n
            for n in sandbox.server.state.numbers.values()
            if n.account_sid == sandbox.seed.account_sid
        ]


def test_list_trunks_returns_domain_values_and_sends_nothing(
    demo_account: TwilioAccount, qloop: Any, sandbox: Any
) -> None:
    trunks = run(qloop, demo_account.trunks.list_trunks())
    assert [t.friendly_name for t in trunks] == ["Office PBX trunk", "Backup carrier trunk"]
    office = trunks[0]
    assert office.sid == sandbox.seed.trunk_sid
    assert office.recording == TrunkRecording("record-from-answer", "do-not-trim")
    assert office.recording.records and office.date_updated is not None
    assert office.domain_name == "acme-office.pstn.twilio.com"
    assert emulator_writes(sandbox) == []


def test_list_numbers_of_a_trunk(demo_account: TwilioAccount, qloop: Any, sandbox: Any) -> None:
    on_trunk = [n for n in demo_numbers(sandbox) if n.trunk_sid == sandbox.seed.trunk_sid]
    listed = run(qloop, demo_account.trunks.list_numbers(sandbox.seed.trunk_sid))
    assert [(n.sid, n.phone_number, n.trunk_sid) for n in listed] == [
        (n.sid, n.phone_number, n.trunk_sid) for n in on_trunk
    ]


def test_detach_then_attach_puts_the_number_back_on_its_trunk(
    demo_account: TwilioAccount, qloop: Any, sandbox: Any
) -> None:
    gateway = demo_account.trunks
    tk = sandbox.seed.trunk_sid
    sid = next(n.sid for n in demo_numbers(sandbox) if n.trunk_sid == tk)
    sandbox.server.clear_log()
    assert run(qloop, gateway.detach_number(tk, sid)) is None
    assert emulator_number(sandbox, sid).trunk_sid is None
    live = run(qloop, demo_account.incoming_numbers.fetch_voice_config(sid))
    assert live.trunk_sid is None and live.voice_url == "https://old-ivr.example.com/voice"
    assert run(qloop, gateway.list_numbers(tk)) == []
    attached = run(qloop, gateway.attach_number(tk, sid))
    assert attached.sid == sid and attached.trunk_sid == tk
    assert run(qloop, demo_account.incoming_numbers.fetch_voice_config(sid)).trunk_sid == tk
    writes = [(r.method, r.path) for r in emulator_writes(sandbox)]
    assert writes == [
        ("DELETE", f"/v1/Trunks/{tk}/PhoneNumbers/{sid}"),
        ("POST", f"/v1/Trunks/{tk}/PhoneNumbers"),
    ]


def test_attach_removes_the_twiml_app(
    demo_account: TwilioAccount, qloop: Any, sandbox: Any
) -> None:
    sid = next(n.sid for n in demo_numbers(sandbox) if n.voice_application_sid)
    run(qloop, demo_account.trunks.attach_number(sandbox.seed.trunk_sid, sid))
    live = run(qloop, demo_account.incoming_numbers.fetch_voice_config(sid))
    assert live.trunk_sid == sandbox.seed.trunk_sid and live.voice_application_sid is None


def test_refusals_are_twilio_api_errors(
    demo_account: TwilioAccount, qloop: Any, sandbox: Any
) -> None:
    gateway = demo_account.trunks
    tk = sandbox.seed.trunk_sid
    free = next(n.sid for n in demo_numbers(sandbox) if not n.trunk_sid)
    with pytest.raises(TwilioApiError) as err:
        run(qloop, gateway.detach_number(tk, free))  # not on this trunk
    assert err.value.is_not_found
    with pytest.raises(TwilioApiError) as err:
        run(qloop, gateway.attach_number(tk, "PN" + "0" * 32))
    assert err.value.status == 400 and err.value.code == 21200
    with pytest.raises(TwilioApiError) as err:
        run(qloop, gateway.list_numbers("TK" + "0" * 32))
    assert err.value.is_not_found
    assert emulator_number(sandbox, free).trunk_sid is None


def test_recording_fetch_and_update(demo_account: TwilioAccount, qloop: Any, sandbox: Any) -> None:
    gateway = demo_account.trunks
    tk = sandbox.seed.trunk_sid
    assert run(qloop, gateway.fetch_recording(tk)) == TrunkRecording(
        "record-from-answer", "do-not-trim"
    )
    changed = run(qloop, gateway.update_recording(tk, mode="do-not-record"))
    assert changed == TrunkRecording("do-not-record", "do-not-trim") and not changed.records
    changed = run(qloop, gateway.update_recording(tk, trim="trim-silence"))
    assert changed == TrunkRecording("do-not-record", "trim-silence")
    assert run(qloop, gateway.fetch_recording(tk)) == changed
    with sandbox.server.state.lock:
        trunk = sandbox.server.state.trunks[tk]
        assert (trunk.recording_mode, trunk.recording_trim) == ("do-not-record", "trim-silence")
    sandbox.server.clear_log()
    for bad in ({"mode": "always"}, {"trim": "cut"}):
        with pytest.raises(InvalidInput):
            run(qloop, gateway.update_recording(tk, **bad))
    assert emulator_writes(sandbox) == []  # refused before anything was sent
